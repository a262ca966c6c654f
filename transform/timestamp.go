package transform

import (
	"time"
)

// Timestamps are read by hand because time.Parse costs more than the rest of a record: the
// ISO 8601 spellings cover almost every record, the US spelling of some older services comes
// next, and time.Parse is left for the rare rest. Results are microseconds since the Unix
// epoch, UTC, truncated (not rounded) so that 23:59:59.9999999 stays on its day.

const (
	microsPerSecond = int64(1_000_000)
	microsPerDay    = 86_400 * microsPerSecond
)

// parseTime reads a timestamp in any spelling the archive uses.
func parseTime(s []byte) (int64, bool) {
	s = trimSpaceBytes(s)
	if len(s) == 0 {
		return 0, false
	}
	if v, ok := parseISO(s); ok {
		return v, true
	}
	if v, ok := parseUS(s); ok {
		return v, true
	}
	return parseOther(s)
}

// digits reads n decimal digits at s[i].
func digits(s []byte, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range s[i : i+n] {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// digits12 reads one or two decimal digits at s[i].
func digits12(s []byte, i int) (v, next int, ok bool) {
	if i >= len(s) || !isDigit(s[i]) {
		return 0, i, false
	}
	v = int(s[i] - '0')
	i++
	if i < len(s) && isDigit(s[i]) {
		v = v*10 + int(s[i]-'0')
		i++
	}
	return v, i, true
}

// fraction reads the digits of a fraction of a second at s[i] (after the dot) as
// microseconds, ignoring digits past the sixth.
func fraction(s []byte, i int) (micros int64, next int, ok bool) {
	n := 0
	for i < len(s) && isDigit(s[i]) {
		if n < 6 {
			micros = micros*10 + int64(s[i]-'0')
		}
		n++
		i++
	}
	for k := n; k < 6; k++ {
		micros *= 10
	}
	return micros, i, n > 0
}

// zone reads Z, ±hh:mm, ±hhmm or ±hh at s[i] as an offset in seconds east of UTC; the end of
// s means UTC.
func zone(s []byte, i int) (int, bool) {
	if i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) {
		return 0, true
	}
	switch s[i] {
	case 'Z', 'z':
		return 0, i+1 == len(s)
	case '+', '-':
	default:
		if string(s[i:]) == "UTC" || string(s[i:]) == "GMT" {
			return 0, true
		}
		return 0, false
	}
	sign := 1
	if s[i] == '-' {
		sign = -1
	}
	h, ok := digits(s, i+1, 2)
	if !ok {
		return 0, false
	}
	i += 3
	m := 0
	if i < len(s) && s[i] == ':' {
		i++
	}
	if i < len(s) {
		if m, ok = digits(s, i, 2); !ok {
			return 0, false
		}
		i += 2
	}
	if i != len(s) || h > 23 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// parseISO reads YYYY-MM-DD[(T| )hh:mm[:ss[.f…]]][zone].
func parseISO(s []byte) (int64, bool) {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 {
		return 0, false
	}
	if len(s) == 10 {
		return civil(y, mo, d, 0, 0, 0, 0, 0)
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return 0, false
	}
	if len(s) < 16 || s[13] != ':' {
		return 0, false
	}
	h, ok1 := digits(s, 11, 2)
	mi, ok2 := digits(s, 14, 2)
	if !ok1 || !ok2 {
		return 0, false
	}
	i, sec := 16, 0
	var frac int64
	if i < len(s) && s[i] == ':' {
		var ok bool
		if sec, ok = digits(s, i+1, 2); !ok {
			return 0, false
		}
		i += 3
		if i < len(s) && (s[i] == '.' || s[i] == ',') {
			if frac, i, ok = fraction(s, i+1); !ok {
				return 0, false
			}
		}
	}
	off, ok := zone(s, i)
	if !ok {
		return 0, false
	}
	return civil(y, mo, d, h, mi, sec, frac, off)
}

// parseUS reads M/D/YYYY h:mm[:ss[.f…]] [AM|PM] [zone], e.g. 5/18/2021 3:25:55 AM +00:00.
func parseUS(s []byte) (int64, bool) {
	mo, i, ok := digits12(s, 0)
	if !ok || i >= len(s) || s[i] != '/' {
		return 0, false
	}
	d, i, ok := digits12(s, i+1)
	if !ok || i >= len(s) || s[i] != '/' {
		return 0, false
	}
	y, ok := digits(s, i+1, 4)
	if !ok {
		return 0, false
	}
	i += 5
	if i == len(s) {
		return civil(y, mo, d, 0, 0, 0, 0, 0)
	}
	if s[i] != ' ' {
		return 0, false
	}
	h, i, ok := digits12(s, i+1)
	if !ok || i >= len(s) || s[i] != ':' {
		return 0, false
	}
	mi, ok := digits(s, i+1, 2)
	if !ok {
		return 0, false
	}
	i += 3
	sec := 0
	var frac int64
	if i < len(s) && s[i] == ':' {
		if sec, ok = digits(s, i+1, 2); !ok {
			return 0, false
		}
		i += 3
		if i < len(s) && s[i] == '.' {
			if frac, i, ok = fraction(s, i+1); !ok {
				return 0, false
			}
		}
	}
	if i+3 <= len(s) && s[i] == ' ' {
		switch string(s[i+1 : i+3]) {
		case "AM", "am", "PM", "pm":
			if h < 1 || h > 12 {
				return 0, false
			}
			h %= 12
			if s[i+1] == 'P' || s[i+1] == 'p' {
				h += 12
			}
			i += 3
		}
	}
	off, ok := zone(s, i)
	if !ok {
		return 0, false
	}
	return civil(y, mo, d, h, mi, sec, frac, off)
}

// otherLayouts are tried with time.Parse when the fast parsers decline.
func otherLayouts() [5]string {
	return [5]string{time.RFC3339Nano, time.RFC1123Z, time.RFC1123, "2006/01/02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"}
}

// parseOther is the slow path, for spellings too rare to hand-parse.
func parseOther(s []byte) (int64, bool) {
	str := string(s)
	for _, layout := range otherLayouts() {
		if t, err := time.Parse(layout, str); err == nil && t.Year() >= 1 && t.Year() <= 9999 {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

// civil converts a validated calendar time with an offset east of UTC to Unix microseconds.
func civil(y, mo, d, h, mi, sec int, frac int64, off int) (int64, bool) {
	if y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	days := daysFromCivil(y, mo, d)
	secs := days*86_400 + int64(h*3600+mi*60+sec-off)
	return secs*microsPerSecond + frac, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}

// dayOf is the day number (days since the epoch) of a Unix microsecond time.
func dayOf(micros int64) int64 {
	d := micros / microsPerDay
	if micros%microsPerDay < 0 {
		d--
	}
	return d
}

func trimSpaceBytes(s []byte) []byte {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}
