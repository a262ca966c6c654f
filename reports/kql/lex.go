package kql

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is a query that cannot be translated, with where the problem starts.
type Error struct {
	Offset int // byte offset in the query
	Line   int // 1-based
	Col    int // 1-based, in characters
	Msg    string
}

// Error formats the error as "kql: line:col: message".
func (e *Error) Error() string { return fmt.Sprintf("kql: %d:%d: %s", e.Line, e.Col, e.Msg) }

// errAt builds an *Error at a byte offset of q.
func errAt(q string, off int, format string, args ...any) *Error {
	if off > len(q) {
		off = len(q)
	}
	line, col := 1, 1
	for _, r := range q[:off] {
		if r == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return &Error{Offset: off, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

type tokKind int

const (
	tEOF      tokKind = iota
	tIdent            // plain name or keyword: TimeGenerated, where, and
	tQuoted           // ['bracketed name']
	tString           // string literal, text unescaped
	tInt              // integer literal
	tReal             // real literal
	tTimespan         // 5d, 1.5h, timespan(…): span holds the value
	tDatetime         // datetime(…): when holds the value, null for datetime(null)
	tDynamic          // dynamic(…): text holds the JSON inside the parentheses
	tOp               // punctuation and operators: | ( ) , = == != =~ !~ < <= > >= + - * / % .. !contains …
)

type token struct {
	kind tokKind
	text string // identifier, unescaped string, operator, or the literal as written
	off  int
	span time.Duration
	when time.Time
	null bool // datetime(null)
}

// String names the token in an error.
func (t token) String() string {
	if t.kind == tEOF {
		return "end of query"
	}
	return strconv.Quote(t.text)
}

type lexer struct {
	q    string
	pos  int
	toks []token
}

// lex splits q into tokens; "//" starts a comment that runs to the end of the line.
func lex(q string) ([]token, error) {
	if !utf8.ValidString(q) {
		return nil, errAt(q, 0, "the query is not valid UTF-8")
	}
	if i := strings.IndexByte(q, 0); i >= 0 {
		return nil, errAt(q, i, "unexpected NUL character")
	}
	lx := &lexer{q: q}
	for {
		if err := lx.next(); err != nil {
			return nil, err
		}
		if lx.toks[len(lx.toks)-1].kind == tEOF {
			return lx.toks, nil
		}
	}
}

func isLetter(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// dashedWords lists the operator names that contain a dash, by the word before it, so that
// "project-away" is one word while "a-b" stays a subtraction.
var dashedWords = map[string][]string{
	"project": {"-away", "-rename", "-keep", "-reorder"},
	"mv":      {"-expand", "-apply"},
	"make":    {"-series"},
	"parse":   {"-where", "-kv"},
	"top":     {"-nested", "-hitters"},
}

func (lx *lexer) emit(t token) { lx.toks = append(lx.toks, t) }

func (lx *lexer) next() error {
	q := lx.q
	// Skip blanks and comments.
	for lx.pos < len(q) {
		c := q[lx.pos]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			lx.pos++
			continue
		}
		if strings.HasPrefix(q[lx.pos:], "//") {
			nl := strings.IndexByte(q[lx.pos:], '\n')
			if nl < 0 {
				lx.pos = len(q)
			} else {
				lx.pos += nl
			}
			continue
		}
		break
	}
	start := lx.pos
	if start >= len(q) {
		lx.emit(token{kind: tEOF, off: start})
		return nil
	}
	c := q[start]
	switch {
	case isLetter(c):
		end := start
		for end < len(q) && (isLetter(q[end]) || isDigit(q[end])) {
			end++
		}
		word := q[start:end]
		lower := strings.ToLower(word)
		for _, suffix := range dashedWords[lower] {
			if strings.HasPrefix(q[end:], suffix) && (end+len(suffix) == len(q) || !isLetter(q[end+len(suffix)])) {
				word += suffix
				end += len(suffix)
				break
			}
		}
		if lower == "in" && end < len(q) && q[end] == '~' {
			word += "~"
			end++
		}
		lx.pos = end
		if lower == "dynamic" {
			if ok, err := lx.dynamicLiteral(start); ok || err != nil {
				return err
			}
		}
		if lower == "datetime" || lower == "timespan" {
			if ok, err := lx.literalCall(start, lower); ok || err != nil {
				return err
			}
		}
		lx.emit(token{kind: tIdent, text: word, off: start})
		return nil
	case isDigit(c) || c == '.' && start+1 < len(q) && isDigit(q[start+1]):
		return lx.number(start)
	case c == '"' || c == '\'':
		s, end, err := unquote(q, start)
		if err != nil {
			return err
		}
		lx.pos = end
		lx.emit(token{kind: tString, text: s, off: start})
		return nil
	case c == '@' && start+1 < len(q) && (q[start+1] == '"' || q[start+1] == '\''):
		s, end, err := verbatim(q, start)
		if err != nil {
			return err
		}
		lx.pos = end
		lx.emit(token{kind: tString, text: s, off: start})
		return nil
	case c == '[' && start+1 < len(q) && (q[start+1] == '"' || q[start+1] == '\''):
		// ['name'] is a bracketed name; ["a", 1] is a list that starts with a string.
		s, end, err := unquote(q, start+1)
		if err != nil {
			return err
		}
		if end < len(q) && q[end] == ']' {
			if s == "" {
				return errAt(q, start, "empty column name")
			}
			lx.pos = end + 1
			lx.emit(token{kind: tQuoted, text: s, off: start})
			return nil
		}
	case c == '$' && start+1 < len(q) && isLetter(q[start+1]):
		end := start + 1
		for end < len(q) && (isLetter(q[end]) || isDigit(q[end])) {
			end++
		}
		lx.pos = end
		lx.emit(token{kind: tIdent, text: q[start:end], off: start})
		return nil
	case c == '!':
		end := start + 1
		for end < len(q) && (isLetter(q[end]) || isDigit(q[end])) {
			end++
		}
		if end > start+1 {
			word := strings.ToLower(q[start+1 : end])
			if word == "in" && end < len(q) && q[end] == '~' {
				word += "~"
				end++
			}
			if _, negated, _, ok := lookupOperator("!" + word); !ok || !negated {
				return errAt(q, start, "unknown operator %q", q[start:end])
			}
			lx.pos = end
			lx.emit(token{kind: tOp, text: "!" + word, off: start})
			return nil
		}
	}
	for _, op := range []string{"==", "!=", "=~", "!~", "<=", ">=", "..", "<>", "|", "(", ")", ",", "=", "<", ">", "+", "-", "*", "/", "%", "[", "]", ";", ":", ".", "{", "}"} {
		if strings.HasPrefix(q[start:], op) {
			if op == "<>" {
				return errAt(q, start, "unknown operator \"<>\" (use !=)")
			}
			lx.pos = start + len(op)
			lx.emit(token{kind: tOp, text: op, off: start})
			return nil
		}
	}
	r, _ := utf8.DecodeRuneInString(q[start:])
	return errAt(q, start, "unexpected character %q", r)
}

// timespanUnits maps Kusto's timespan suffixes to their length.
var timespanUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"tick": 100 * time.Nanosecond, "ticks": 100 * time.Nanosecond,
}

// number lexes an integer, a real, or a timespan such as 1.5h.
func (lx *lexer) number(start int) error {
	q := lx.q
	end := start
	for end < len(q) && isDigit(q[end]) {
		end++
	}
	real := false
	// "1..5" is a range inside between(…), not the real "1." followed by ".5".
	if end < len(q) && q[end] == '.' && !(end+1 < len(q) && q[end+1] == '.') {
		real = true
		end++
		for end < len(q) && isDigit(q[end]) {
			end++
		}
	}
	if end < len(q) && (q[end] == 'e' || q[end] == 'E') {
		e := end + 1
		if e < len(q) && (q[e] == '+' || q[e] == '-') {
			e++
		}
		if e < len(q) && isDigit(q[e]) {
			real = true
			end = e
			for end < len(q) && isDigit(q[end]) {
				end++
			}
		}
	}
	num := q[start:end]
	uend := end
	for uend < len(q) && (isLetter(q[uend]) || isDigit(q[uend])) {
		uend++
	}
	lx.pos = uend
	if uend > end {
		unit := strings.ToLower(q[end:uend])
		d, ok := timespanUnits[unit]
		if !ok {
			return errAt(q, start, "bad number literal %q", q[start:uend])
		}
		span, err := scaleSpan(num, d)
		if err != nil {
			return errAt(q, start, "bad timespan literal %q: %v", q[start:uend], err)
		}
		lx.emit(token{kind: tTimespan, text: q[start:uend], off: start, span: span})
		return nil
	}
	if real {
		if _, err := strconv.ParseFloat(num, 64); err != nil {
			return errAt(q, start, "bad number literal %q", num)
		}
		lx.emit(token{kind: tReal, text: num, off: start})
		return nil
	}
	if _, err := strconv.ParseInt(num, 10, 64); err != nil {
		return errAt(q, start, "bad number literal %q: out of range", num)
	}
	lx.emit(token{kind: tInt, text: num, off: start})
	return nil
}

// scaleSpan multiplies a decimal number by a unit without going through float rounding for
// whole numbers.
func scaleSpan(num string, unit time.Duration) (time.Duration, error) {
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n > int64(1<<62)/int64(unit) {
			return 0, fmt.Errorf("out of range")
		}
		return time.Duration(n) * unit, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, err
	}
	v := f * float64(unit)
	if v > float64(1<<62) {
		return 0, fmt.Errorf("out of range")
	}
	return time.Duration(v + 0.5), nil
}

// literalCall lexes datetime(…) and timespan(…) whose contents are not KQL tokens
// (2026-11-25 13:00:00). It reports false when the word is not followed by "(".
func (lx *lexer) literalCall(start int, kind string) (bool, error) {
	q := lx.q
	p := lx.pos
	for p < len(q) && (q[p] == ' ' || q[p] == '\t') {
		p++
	}
	if p >= len(q) || q[p] != '(' {
		return false, nil
	}
	closing := strings.IndexByte(q[p:], ')')
	if closing < 0 {
		return true, errAt(q, start, "%s( is not closed", kind)
	}
	raw := strings.TrimSpace(q[p+1 : p+closing])
	if len(raw) >= 2 && (raw[0] == '"' || raw[0] == '\'') && raw[len(raw)-1] == raw[0] {
		raw = raw[1 : len(raw)-1]
	}
	lx.pos = p + closing + 1
	text := q[start:lx.pos]
	if strings.EqualFold(raw, "null") {
		kindTok := tDatetime
		if kind == "timespan" {
			kindTok = tTimespan
		}
		lx.emit(token{kind: kindTok, text: text, off: start, null: true})
		return true, nil
	}
	if kind == "datetime" {
		t, err := parseDatetime(raw)
		if err != nil {
			return true, errAt(q, start, "bad datetime literal %q", text)
		}
		lx.emit(token{kind: tDatetime, text: text, off: start, when: t})
		return true, nil
	}
	d, err := parseTimespan(raw)
	if err != nil {
		return true, errAt(q, start, "bad timespan literal %q", text)
	}
	lx.emit(token{kind: tTimespan, text: text, off: start, span: d})
	return true, nil
}

// parseDatetime accepts the ISO 8601 shapes Kusto accepts, read as UTC when no zone is given.
func parseDatetime(s string) (time.Time, error) {
	for _, layout := range []string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04",
		"2006-01-02 15:04",
		"2006-01-02",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad datetime %q", s)
}

// parseTimespan accepts the contents of timespan(…): a number with a unit (2d, 1.5h) or
// [d.]hh:mm[:ss[.fffffff]].
func parseTimespan(s string) (time.Duration, error) {
	i := 0
	for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
		i++
	}
	if i > 0 && i < len(s) && isLetter(s[i]) {
		unit, ok := timespanUnits[strings.ToLower(s[i:])]
		if !ok {
			return 0, fmt.Errorf("unknown unit")
		}
		return scaleSpan(s[:i], unit)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var days int64
	if dot := strings.IndexByte(s, '.'); dot >= 0 && dot < strings.IndexByte(s+":", ':') {
		n, err := strconv.ParseInt(s[:dot], 10, 32)
		if err != nil {
			return 0, err
		}
		days, s = n, s[dot+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("bad timespan")
	}
	h, err1 := strconv.ParseUint(parts[0], 10, 8)
	m, err2 := strconv.ParseUint(parts[1], 10, 8)
	if err1 != nil || err2 != nil || h > 23 || m > 59 {
		return 0, fmt.Errorf("bad timespan")
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if len(parts) == 3 {
		sec, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || sec < 0 || sec >= 60 || strings.ContainsAny(parts[2], "eE+-") {
			return 0, fmt.Errorf("bad timespan")
		}
		d += time.Duration(sec*float64(time.Second) + 0.5)
	}
	if neg {
		d = -d
	}
	return d, nil
}

// unquote reads a "…" or '…' string at q[start] with Kusto's backslash escapes; it returns the
// text and the offset after the closing quote.
func unquote(q string, start int) (string, int, error) {
	quote := q[start]
	var b strings.Builder
	for i := start + 1; i < len(q); {
		c := q[i]
		switch {
		case c == quote:
			return b.String(), i + 1, nil
		case c == '\n':
			return "", 0, errAt(q, start, "unterminated string literal")
		case c == '\\':
			if i+1 >= len(q) {
				return "", 0, errAt(q, start, "unterminated string literal")
			}
			e := q[i+1]
			switch e {
			case '\\', '"', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'u':
				if i+6 > len(q) {
					return "", 0, errAt(q, i, "bad escape in string literal")
				}
				n, err := strconv.ParseUint(q[i+2:i+6], 16, 16)
				if err != nil || n == 0 {
					return "", 0, errAt(q, i, "bad escape \\u%s in string literal", q[i+2:min(i+6, len(q))])
				}
				b.WriteRune(rune(n))
				i += 6
				continue
			default:
				return "", 0, errAt(q, i, "bad escape \"\\%c\" in string literal", e)
			}
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, errAt(q, start, "unterminated string literal")
}

// verbatim reads @"…" or @'…', where the quote is doubled to include it and backslashes are
// plain characters.
func verbatim(q string, start int) (string, int, error) {
	quote := q[start+1]
	var b strings.Builder
	for i := start + 2; i < len(q); i++ {
		c := q[i]
		if c == '\n' {
			break
		}
		if c != quote {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(q) && q[i+1] == quote {
			b.WriteByte(quote)
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, errAt(q, start, "unterminated string literal")
}

// dynamicLiteral lexes dynamic(…), whose contents are JSON rather than KQL tokens: the text
// up to the parenthesis that closes it, outside strings. It reports false when the word is
// not followed by "(".
func (lx *lexer) dynamicLiteral(start int) (bool, error) {
	q := lx.q
	p := lx.pos
	for p < len(q) && (q[p] == ' ' || q[p] == '\t') {
		p++
	}
	if p >= len(q) || q[p] != '(' {
		return false, nil
	}
	depth := 0
	for i := p; i < len(q); i++ {
		switch c := q[i]; c {
		case '"', '\'':
			_, end, err := unquote(q, i)
			if err != nil {
				return true, err
			}
			i = end - 1
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 {
				if c != ')' {
					return true, errAt(q, i, "unbalanced %q in dynamic(…)", c)
				}
				lx.pos = i + 1
				lx.emit(token{kind: tDynamic, text: strings.TrimSpace(q[p+1 : i]), off: start})
				return true, nil
			}
		}
	}
	return true, errAt(q, start, "dynamic( is not closed")
}
