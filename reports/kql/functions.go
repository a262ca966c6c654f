package kql

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The translations of the registry's functions. Each reads its arguments from c.args (translated)
// and, where a literal is required, from c.e.args.

func fnAgo(c *call) (value, error) {
	var d time.Duration
	if len(c.e.args) == 1 {
		var ok bool
		if d, ok = constSpan(c.e.args[0]); !ok {
			return value{}, c.errf(0, "%s() takes a timespan literal such as 5d", c.e.name)
		}
	}
	if c.e.name == "ago" {
		d = -d
	}
	return c.ret(timestampSQL(c.tr.now.Add(d)), tyDatetime)
}

func fnBin(c *call) (value, error) {
	fn, x := c.e.name, c.args[0]
	if d, ok := constSpan(c.e.args[1]); ok {
		if d <= 0 {
			return value{}, c.errf(1, "%s() needs a positive bin size", fn)
		}
		if x.t != tyDatetime && x.t != tyUnknown {
			return value{}, c.errf(0, "%s() with a timespan size needs a datetime", fn)
		}
		if d%time.Microsecond != 0 {
			return value{}, c.errf(1, "%s() size below a microsecond", fn)
		}
		return c.ret("time_bucket("+intervalSQL(d)+", "+x.sql+", TIMESTAMP '1970-01-01 00:00:00')", tyDatetime)
	}
	n, ok := constNumber(c.e.args[1])
	if !ok {
		return value{}, c.errf(1, "%s() takes a literal bin size such as 1h or 10", fn)
	}
	if n <= 0 || math.IsInf(n, 0) {
		return value{}, c.errf(1, "%s() needs a positive bin size", fn)
	}
	if x.t == tyDatetime || x.t == tyTimespan {
		return value{}, c.errf(1, "%s() of a %s needs a timespan size", fn, map[typ]string{tyDatetime: "datetime", tyTimespan: "timespan"}[x.t])
	}
	if !x.t.numeric() && x.t != tyUnknown {
		return value{}, c.errf(0, "%s() needs a number or a datetime", fn)
	}
	s := "(floor(" + x.sql + " / " + c.args[1].sql + ") * " + c.args[1].sql + ")"
	if x.t == tyLong && c.args[1].t == tyLong {
		return c.ret("CAST"+s[:len(s)-1]+" AS BIGINT)", tyLong)
	}
	return c.ret(s, tyReal)
}

func fnBinAt(c *call) (value, error) {
	x, at := c.args[0], c.args[2]
	if d, ok := constSpan(c.e.args[1]); ok {
		if d <= 0 || d%time.Microsecond != 0 {
			return value{}, c.errf(1, "bin_at() needs a positive bin size of whole microseconds")
		}
		if x.t != tyDatetime && x.t != tyUnknown || at.t != tyDatetime && at.t != tyUnknown {
			return value{}, c.errf(0, "bin_at() with a timespan size needs datetimes")
		}
		return c.ret("time_bucket("+intervalSQL(d)+", "+x.sql+", "+at.sql+")", tyDatetime)
	}
	n, ok := constNumber(c.e.args[1])
	if !ok || n <= 0 || math.IsInf(n, 0) {
		return value{}, c.errf(1, "bin_at() takes a positive literal bin size")
	}
	if !x.t.numeric() && x.t != tyUnknown || !at.t.numeric() && at.t != tyUnknown {
		return value{}, c.errf(0, "bin_at() needs numbers or datetimes")
	}
	return c.ret("(floor(("+x.sql+" - "+at.sql+") / "+c.args[1].sql+") * "+c.args[1].sql+" + "+at.sql+")", tyReal)
}

// needTime checks that argument i is a datetime.
func (c *call) needTime(i int) error {
	if t := c.args[i].t; t != tyDatetime && t != tyUnknown {
		return c.errf(i, "%s() needs a datetime", c.e.name)
	}
	return nil
}

// offsetUnits is the interval of one offset unit of startof…/endof….
var offsetUnits = map[string]string{"day": "to_days", "week": "to_weeks", "month": "to_months", "year": "to_years"}

// startOf is midnight at the start of t's unit; Kusto's weeks start on Sunday.
func startOf(unit, t string) string {
	if unit == "week" {
		return "(date_trunc('day', " + t + ") - to_days(CAST(dayofweek(" + t + ") AS INTEGER)))"
	}
	return "date_trunc('" + unit + "', " + t + ")"
}

func (c *call) offset(unit string) (string, error) {
	if len(c.args) < 2 {
		return "", nil
	}
	if c.args[1].t != tyLong && c.args[1].t != tyUnknown {
		return "", c.errf(1, "%s() takes a whole number offset", c.e.name)
	}
	return " + " + offsetUnits[unit] + "(CAST(" + c.args[1].sql + " AS INTEGER))", nil
}

func fnStartOf(unit string) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		if err := c.needTime(0); err != nil {
			return value{}, err
		}
		off, err := c.offset(unit)
		if err != nil {
			return value{}, err
		}
		return c.ret("CAST("+startOf(unit, c.args[0].sql)+off+" AS TIMESTAMP)", tyDatetime)
	}
}

func fnEndOf(unit string) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		if err := c.needTime(0); err != nil {
			return value{}, err
		}
		off, err := c.offset(unit)
		if err != nil {
			return value{}, err
		}
		return c.ret("CAST("+startOf(unit, c.args[0].sql)+off+" + "+offsetUnits[unit]+"(1) - INTERVAL 1 MICROSECOND AS TIMESTAMP)", tyDatetime)
	}
}

// dateParts maps Kusto's datetime parts to DuckDB's.
var dateParts = map[string]string{
	"year": "year", "quarter": "quarter", "month": "month", "week": "week", "day": "day",
	"hour": "hour", "minute": "minute", "second": "second", "millisecond": "millisecond",
	"microsecond": "microsecond",
}

func (c *call) datePart(i int) (string, error) {
	s, err := c.constString(i)
	if err != nil {
		return "", err
	}
	p, ok := dateParts[strings.ToLower(s)]
	if !ok {
		return "", c.errf(i, "unknown datetime part %q (year, quarter, month, week, day, hour, minute, second, millisecond, microsecond)", s)
	}
	return p, nil
}

func fnDatetimeDiff(c *call) (value, error) {
	p, err := c.datePart(0)
	if err != nil {
		return value{}, err
	}
	if err := c.needTime(1); err != nil {
		return value{}, err
	}
	if err := c.needTime(2); err != nil {
		return value{}, err
	}
	return c.ret("date_diff('"+p+"', "+c.args[2].sql+", "+c.args[1].sql+")", tyLong)
}

func fnDatetimeAdd(c *call) (value, error) {
	p, err := c.datePart(0)
	if err != nil {
		return value{}, err
	}
	if c.args[1].t != tyLong && c.args[1].t != tyUnknown {
		return value{}, c.errf(1, "datetime_add() takes a whole number")
	}
	if err := c.needTime(2); err != nil {
		return value{}, err
	}
	unit := "INTERVAL 1 " + strings.ToUpper(p)
	switch p {
	case "week":
		unit = "INTERVAL 7 DAY"
	case "quarter":
		unit = "INTERVAL 3 MONTH"
	}
	return c.ret("("+c.args[2].sql+" + CAST("+c.args[1].sql+" AS BIGINT) * "+unit+")", tyDatetime)
}

// datetimeFormat maps Kusto's format_datetime specifiers to strftime's, longest first.
var datetimeFormat = []struct{ kusto, strftime string }{
	{"yyyy", "%Y"}, {"yy", "%y"}, {"MM", "%m"}, {"M", "%-m"}, {"dd", "%d"}, {"d", "%-d"},
	{"HH", "%H"}, {"H", "%-H"}, {"hh", "%I"}, {"h", "%-I"}, {"mm", "%M"}, {"m", "%-M"},
	{"ss", "%S"}, {"s", "%-S"}, {"ffffff", "%f"}, {"fff", "%g"}, {"tt", "%p"},
}

func fnFormatDatetime(c *call) (value, error) {
	if err := c.needTime(0); err != nil {
		return value{}, err
	}
	f, err := c.constString(1)
	if err != nil {
		return value{}, err
	}
	if f == "" {
		return value{}, c.errf(1, "format_datetime() needs a format such as \"yyyy-MM-dd HH:mm\"")
	}
	var out strings.Builder
next:
	for i := 0; i < len(f); {
		for _, s := range datetimeFormat {
			if strings.HasPrefix(f[i:], s.kusto) {
				out.WriteString(s.strftime)
				i += len(s.kusto)
				continue next
			}
		}
		switch ch := f[i]; ch {
		case ' ', '/', '-', ':', ',', '.', '_', '[', ']', 'T', 'Z':
			out.WriteByte(ch)
			i++
		default:
			return value{}, c.errf(1, "format_datetime: %q is not a supported specifier or separator", f[i:])
		}
	}
	return c.ret("strftime("+c.args[0].sql+", "+str(out.String())+")", tyString)
}

func fnFormatTimespan(c *call) (value, error) {
	if t := c.args[0].t; t != tyTimespan && t != tyUnknown {
		return value{}, c.errf(0, "format_timespan() needs a timespan")
	}
	f, err := c.constString(1)
	if err != nil {
		return value{}, err
	}
	us := "to_microseconds(0) + " + c.args[0].sql
	total := "CAST(epoch_us(TIMESTAMP '1970-01-01' + (" + us + ")) AS BIGINT)"
	part := func(div, mod int64) string {
		s := "(abs(" + total + ") // " + strconv.FormatInt(div, 10) + ")"
		if mod > 0 {
			s = "(" + s + " % " + strconv.FormatInt(mod, 10) + ")"
		}
		return s
	}
	var parts []string
	for i := 0; i < len(f); {
		ch := f[i]
		n := 1
		for i+n < len(f) && f[i+n] == ch {
			n++
		}
		pad := func(x string, w int) string {
			return "lpad(CAST(" + x + " AS VARCHAR), " + strconv.Itoa(w) + ", '0')"
		}
		switch ch {
		case 'd':
			parts = append(parts, pad(part(86400_000000, 0), n))
		case 'h', 'H':
			parts = append(parts, pad(part(3600_000000, 24), n))
		case 'm':
			parts = append(parts, pad(part(60_000000, 60), n))
		case 's':
			parts = append(parts, pad(part(1_000000, 60), n))
		case 'f', 'F':
			if n > 6 {
				return value{}, c.errf(1, "format_timespan: fractions finer than microseconds are not supported")
			}
			parts = append(parts, "left("+pad(part(1, 1_000000), 6)+", "+strconv.Itoa(n)+")")
		case ' ', ':', '.', '-', '_', '/', ',':
			parts = append(parts, str(f[i:i+n]))
		default:
			return value{}, c.errf(1, "format_timespan: %q is not a supported specifier", string(ch))
		}
		i += n
	}
	if len(parts) == 0 {
		return c.ret("''", tyString)
	}
	sign := "CASE WHEN " + total + " < 0 THEN '-' ELSE '' END"
	return c.ret("CASE WHEN "+c.args[0].sql+" IS NULL THEN NULL ELSE concat("+sign+", "+strings.Join(parts, ", ")+") END", tyString)
}

func fnPart(part string, t typ) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		if err := c.needTime(0); err != nil {
			return value{}, err
		}
		return c.ret("CAST("+part+"("+c.args[0].sql+") AS BIGINT)", t)
	}
}

func fnDayOfWeek(c *call) (value, error) {
	if err := c.needTime(0); err != nil {
		return value{}, err
	}
	return c.ret("to_days(CAST(dayofweek("+c.args[0].sql+") AS INTEGER))", tyTimespan)
}

func fnIngestionTime(c *call) (value, error) {
	col, ok := c.cols.find("TimeGenerated")
	if !ok || col.t != tyDatetime {
		return value{}, c.errf(-1, "ingestion_time() stands for TimeGenerated, which these rows no longer have")
	}
	return c.ret(ident(col.name), tyDatetime)
}

func fnToDatetime(c *call) (value, error) {
	a := coerceDynamic(c.args[0], value{t: tyString})
	if a.t == tyDatetime {
		return c.ret(a.sql, tyDatetime)
	}
	if a.t != tyString && a.t != tyUnknown {
		return c.ret("TRY_CAST("+a.sql+" AS TIMESTAMP)", tyDatetime)
	}
	// A cast to TIMESTAMP drops a UTC offset instead of applying it; text that carries
	// one goes through TIMESTAMPTZ, whose offset is explicit, so the session time zone
	// plays no part.
	x := a.sql
	return c.ret("CASE WHEN regexp_matches("+x+", "+str(zonedTime)+") THEN timezone('UTC', TRY_CAST("+x+" AS TIMESTAMPTZ)) ELSE TRY_CAST("+x+" AS TIMESTAMP) END", tyDatetime)
}

func fnToInt(sqlType string) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		a := coerceDynamic(c.args[0], value{t: tyReal})
		x := a.sql
		if a.t == tyReal || a.t == tyDecimal {
			x = "trunc(" + x + ")" // Kusto truncates; DuckDB's cast rounds.
		}
		return c.ret("TRY_CAST("+x+" AS "+sqlType+")", tyLong)
	}
}

func fnToReal(c *call) (value, error) {
	a := coerceDynamic(c.args[0], value{t: tyReal})
	return c.ret("TRY_CAST("+a.sql+" AS DOUBLE)", tyReal)
}

func fnToDecimal(c *call) (value, error) {
	a := coerceDynamic(c.args[0], value{t: tyReal})
	return c.ret("TRY_CAST("+a.sql+" AS DECIMAL(38, 10))", tyDecimal)
}

func fnToBool(c *call) (value, error) {
	a := coerceDynamic(c.args[0], value{t: tyString})
	switch {
	case a.t == tyBool:
		return c.ret(a.sql, tyBool)
	case a.t.numeric():
		return c.ret("("+a.sql+" <> 0)", tyBool)
	case a.t == tyString || a.t == tyUnknown:
		return c.ret("CASE lower(trim(CAST("+a.sql+" AS VARCHAR))) WHEN 'true' THEN true WHEN 'false' THEN false ELSE TRY_CAST(TRY_CAST("+a.sql+" AS DOUBLE) <> 0 AS BOOLEAN) END", tyBool)
	}
	return value{}, c.errf(0, "tobool() needs text, a number or a bool")
}

func fnToString(c *call) (value, error) { return c.ret(tostring(c.args[0]), tyString) }

func fnParseJSON(c *call) (value, error) {
	v := parseJSON(c.args[0])
	v.agg = c.agg
	return v, nil
}

func fnStrcat(c *call) (value, error) {
	var parts []string
	for _, a := range c.args {
		parts = append(parts, tostring(a))
	}
	return c.ret("concat("+strings.Join(parts, ", ")+")", tyString)
}

func fnStrcatArray(c *call) (value, error) {
	a := c.args[0]
	var list string
	switch a.t {
	case tyArray:
		list = "list_transform(" + a.sql + ", x -> CAST(x AS VARCHAR))"
	case tyDynamic, tyString, tyUnknown:
		j := a.sql
		if a.t != tyDynamic {
			j = "TRY_CAST(" + a.sql + " AS JSON)"
		}
		list = "json_extract_string(" + j + ", '$[*]')"
	default:
		return value{}, c.errf(0, "strcat_array() needs an array")
	}
	delim, err := c.constString(1)
	if err != nil {
		return value{}, err
	}
	return c.ret("coalesce(array_to_string("+list+", "+str(delim)+"), '')", tyString)
}

func fnStrlen(c *call) (value, error) {
	return c.ret("CAST(length("+tostring(c.args[0])+") AS BIGINT)", tyLong)
}

func fnCase(f string) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		return c.ret(f+"("+tostring(c.args[0])+")", tyString)
	}
}

func (c *call) needLong(i int) error {
	if t := c.args[i].t; t != tyLong && t != tyUnknown {
		return c.errf(i, "%s() takes a whole number here", c.e.name)
	}
	return nil
}

func fnSubstring(c *call) (value, error) {
	for i := 1; i < len(c.args); i++ {
		if err := c.needLong(i); err != nil {
			return value{}, err
		}
	}
	s := tostring(c.args[0])
	start := "greatest(" + c.args[1].sql + ", 0) + 1"
	if len(c.args) == 3 {
		return c.ret("substr("+s+", "+start+", greatest("+c.args[2].sql+", 0))", tyString)
	}
	return c.ret("substr("+s+", "+start+")", tyString)
}

func fnIndexOf(c *call) (value, error) {
	s, l := tostring(c.args[0]), tostring(c.args[1])
	if len(c.args) == 2 {
		return c.ret("CAST(strpos("+s+", "+l+") - 1 AS BIGINT)", tyLong)
	}
	if err := c.needLong(2); err != nil {
		return value{}, err
	}
	st := c.args[2].sql
	pos := "strpos(substr(" + s + ", " + st + " + 1), " + l + ")"
	return c.ret("CAST(CASE WHEN "+st+" < 0 OR "+pos+" = 0 THEN -1 ELSE "+pos+" - 1 + "+st+" END AS BIGINT)", tyLong)
}

func fnReplaceString(c *call) (value, error) {
	return c.ret("replace("+tostring(c.args[0])+", "+tostring(c.args[1])+", "+tostring(c.args[2])+")", tyString)
}

func fnTrim(pattern string) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		re, err := c.constString(0)
		if err != nil {
			return value{}, err
		}
		if _, err := regexp.Compile(re); err != nil || re == "" {
			return value{}, c.errf(0, "%s() needs a regular expression", c.e.name)
		}
		full := strings.ReplaceAll(pattern, "%s", re)
		return c.ret("regexp_replace("+tostring(c.args[1])+", "+str(full)+", '', 'g')", tyString)
	}
}

func fnSplit(c *call) (value, error) {
	list := "string_split(" + tostring(c.args[0]) + ", " + tostring(c.args[1]) + ")"
	if len(c.args) == 2 {
		return value{sql: list, t: tyArray, elem: tyString, agg: c.agg}, nil
	}
	if err := c.needLong(2); err != nil {
		return value{}, err
	}
	i := c.args[2].sql
	return value{sql: "[list_extract(" + list + ", CASE WHEN " + i + " >= 0 THEN " + i + " + 1 ELSE " + i + " END)]", t: tyArray, elem: tyString, agg: c.agg}, nil
}

func fnExtract(c *call) (value, error) {
	re, err := c.constString(0)
	if err != nil {
		return value{}, err
	}
	compiled, err := regexp.Compile(re)
	if err != nil {
		return value{}, c.errf(0, "bad regular expression: %v", err)
	}
	g, ok := constNumber(c.e.args[1])
	if !ok || g < 0 || g != math.Trunc(g) || int(g) > compiled.NumSubexp() {
		return value{}, c.errf(1, "extract() takes a capture group number of the expression, from 0 to %d", compiled.NumSubexp())
	}
	v := "NULLIF(regexp_extract(" + tostring(c.args[2]) + ", " + str(re) + ", " + strconv.Itoa(int(g)) + "), '')"
	if len(c.e.args) == 4 {
		a := c.e.args[3]
		if a.kind != nCall || a.name != "typeof" || len(a.args) != 1 || a.args[0].kind != nCol {
			return value{}, c.errf(3, "extract() takes typeof(type) as its fourth argument")
		}
		dt, ok := datatypes[a.args[0].name]
		if !ok {
			return value{}, c.errf(3, "unknown type %q", a.args[0].name)
		}
		if dt.t != tyString {
			return c.ret("TRY_CAST("+v+" AS "+dt.sql+")", dt.t)
		}
	}
	return c.ret(v, tyString)
}

func fnArrayLength(c *call) (value, error) {
	a := c.args[0]
	switch a.t {
	case tyArray:
		return c.ret("CAST(len("+a.sql+") AS BIGINT)", tyLong)
	case tyDynamic:
		return c.ret("CASE WHEN json_type("+a.sql+") = 'ARRAY' THEN CAST(json_array_length("+a.sql+") AS BIGINT) END", tyLong)
	}
	return c.ret("CAST(NULL AS BIGINT)", tyLong)
}

// sameType is the type of a result that is one of vs: theirs when they agree.
func sameType(vs ...value) (typ, typ) {
	t, elem := vs[0].t, vs[0].elem
	for _, v := range vs[1:] {
		if v.t != t {
			return tyUnknown, tyUnknown
		}
	}
	return t, elem
}

func fnIff(c *call) (value, error) {
	if t := c.args[0].t; t != tyBool && t != tyUnknown {
		return value{}, c.errf(0, "%s() needs a true/false condition first", c.e.name)
	}
	t, elem := sameType(c.args[1], c.args[2])
	return value{sql: "CASE WHEN " + c.args[0].sql + " THEN " + c.args[1].sql + " ELSE " + c.args[2].sql + " END", t: t, elem: elem, agg: c.agg}, nil
}

func fnCase2(c *call) (value, error) {
	if len(c.args)%2 == 0 {
		return value{}, c.errf(-1, "case() takes condition, value pairs and then an else value")
	}
	var b strings.Builder
	b.WriteString("CASE")
	var results []value
	for i := 0; i+1 < len(c.args); i += 2 {
		if t := c.args[i].t; t != tyBool && t != tyUnknown {
			return value{}, c.errf(i, "case() needs a true/false condition here")
		}
		b.WriteString(" WHEN " + c.args[i].sql + " THEN " + c.args[i+1].sql)
		results = append(results, c.args[i+1])
	}
	last := c.args[len(c.args)-1]
	results = append(results, last)
	b.WriteString(" ELSE " + last.sql + " END")
	t, elem := sameType(results...)
	return value{sql: b.String(), t: t, elem: elem, agg: c.agg}, nil
}

func fnCoalesce(c *call) (value, error) {
	var parts []string
	for _, a := range c.args {
		parts = append(parts, a.sql)
	}
	t, elem := sameType(c.args...)
	return value{sql: "coalesce(" + strings.Join(parts, ", ") + ")", t: t, elem: elem, agg: c.agg}, nil
}

func fnNot(c *call) (value, error) {
	if t := c.args[0].t; t != tyBool && t != tyUnknown {
		return value{}, c.errf(0, "not() needs a true/false condition")
	}
	return c.ret("(NOT "+c.args[0].sql+")", tyBool)
}

func fnIsNull(null bool) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		x := c.args[0].sql
		if c.args[0].t == tyDynamic {
			// A JSON null is null too.
			x = "NULLIF(json_type(" + x + "), 'NULL')"
		}
		if null {
			return c.ret("("+x+" IS NULL)", tyBool)
		}
		return c.ret("("+x+" IS NOT NULL)", tyBool)
	}
}

func fnIsEmpty(empty bool) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		a := c.args[0]
		x := a.sql
		text := x
		if a.t != tyString {
			text = tostring(a)
		}
		if empty {
			return c.ret("("+x+" IS NULL OR "+text+" = '')", tyBool)
		}
		return c.ret("("+x+" IS NOT NULL AND "+text+" <> '')", tyBool)
	}
}

func (c *call) needNumber(i int) error {
	if t := c.args[i].t; !t.numeric() && t != tyUnknown {
		return c.errf(i, "%s() needs a number", c.e.name)
	}
	return nil
}

func fnRound(c *call) (value, error) {
	a := coerceDynamic(c.args[0], value{t: tyReal})
	if err := c.needNumber(0); err != nil && a.t != tyReal {
		return value{}, err
	}
	digits := "0"
	if len(c.args) == 2 {
		if err := c.needLong(1); err != nil {
			return value{}, err
		}
		digits = c.args[1].sql
	}
	t := a.t
	if t == tyLong {
		return c.ret("CAST(round("+a.sql+", "+digits+") AS BIGINT)", tyLong)
	}
	return c.ret("round("+a.sql+", "+digits+")", t)
}

func fnMath(f string) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		if err := c.needNumber(0); err != nil {
			return value{}, err
		}
		if f == "abs" {
			return c.ret("abs("+c.args[0].sql+")", c.args[0].t)
		}
		return c.ret(f+"(CAST("+c.args[0].sql+" AS DOUBLE))", tyReal)
	}
}

func fnPow(c *call) (value, error) {
	for i := range c.args {
		if err := c.needNumber(i); err != nil {
			return value{}, err
		}
	}
	return c.ret("pow(CAST("+c.args[0].sql+" AS DOUBLE), "+c.args[1].sql+")", tyReal)
}

func fnCount(c *call) (value, error) { return c.ret("count(*)", tyLong) }

// filter is the FILTER clause of an …if aggregation whose condition is argument i.
func (c *call) filter(i int) (string, error) {
	if !strings.HasSuffix(c.e.name, "if") || i >= len(c.args) {
		return "", nil
	}
	if t := c.args[i].t; t != tyBool && t != tyUnknown {
		return "", c.errf(i, "%s() needs a true/false condition here", c.e.name)
	}
	return " FILTER (WHERE " + c.args[i].sql + ")", nil
}

func fnCountIf(c *call) (value, error) {
	if t := c.args[0].t; t != tyBool && t != tyUnknown {
		return value{}, c.errf(0, "countif() needs a true/false condition")
	}
	return c.ret("CAST(count_if("+c.args[0].sql+") AS BIGINT)", tyLong)
}

func fnDcount(c *call) (value, error) {
	// The accuracy argument is accepted and has nothing to tune: the count is exact.
	f, err := c.filter(1)
	if err != nil {
		return value{}, err
	}
	return c.ret("count(DISTINCT "+plain(c.args[0])+")"+f, tyLong)
}

// plain is a value that DuckDB can compare and group: JSON as its text.
func plain(v value) string {
	if v.t == tyDynamic {
		return "CAST(" + v.sql + " AS VARCHAR)"
	}
	return v.sql
}

func fnSum(c *call) (value, error) {
	f, err := c.filter(1)
	if err != nil {
		return value{}, err
	}
	a := coerceDynamic(c.args[0], value{t: tyReal})
	if !a.t.numeric() && a.t != tyUnknown {
		return value{}, c.errf(0, "%s() needs numbers", c.e.name)
	}
	if a.t == tyLong {
		return c.ret("CAST(sum("+a.sql+")"+f+" AS BIGINT)", tyLong)
	}
	return c.ret("sum("+a.sql+")"+f, a.t)
}

func fnSimpleAgg(sqlFn string, t typ) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		f, err := c.filter(1)
		if err != nil {
			return value{}, err
		}
		a := c.args[0]
		if t == tyReal {
			a = coerceDynamic(a, value{t: tyReal})
			if !a.t.numeric() && a.t != tyUnknown {
				return value{}, c.errf(0, "%s() needs numbers", c.e.name)
			}
		} else if a.t == tyDynamic || a.t == tyArray {
			return value{}, c.errf(0, "%s() of a dynamic value: convert it first", c.e.name)
		}
		rt := t
		if rt == tyUnknown {
			rt = a.t
		}
		return c.ret(sqlFn+"("+a.sql+")"+f, rt)
	}
}

func fnPercentile(c *call) (value, error) {
	p, ok := constNumber(c.e.args[1])
	if !ok || p < 0 || p > 100 {
		return value{}, c.errf(1, "percentile() takes a literal percentage from 0 to 100")
	}
	return c.ret("quantile_disc("+c.args[0].sql+", "+strconv.FormatFloat(p/100, 'f', -1, 64)+")", c.args[0].t)
}

func fnMakeList(distinct, conditional bool) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		a := c.args[0]
		x := a.sql
		cond := x + " IS NOT NULL"
		limit := 1
		if conditional {
			if t := c.args[1].t; t != tyBool && t != tyUnknown {
				return value{}, c.errf(1, "%s() needs a true/false condition here", c.e.name)
			}
			cond = "(" + c.args[1].sql + ") AND " + cond
			limit = 2
		}
		d := ""
		if distinct {
			d = "DISTINCT "
			x = plain(a)
		}
		s := "coalesce(list(" + d + x + ") FILTER (WHERE " + cond + "), [])"
		if len(c.args) > limit {
			n, ok := constNumber(c.e.args[limit])
			if !ok || n < 1 || n != math.Trunc(n) {
				return value{}, c.errf(limit, "%s() takes a positive whole number as its limit", c.e.name)
			}
			s = "list_slice(" + s + ", 1, " + strconv.FormatInt(int64(n), 10) + ")"
		}
		elem := a.t
		if distinct && a.t == tyDynamic {
			elem = tyString
		}
		return value{sql: s, t: tyArray, elem: elem, agg: true}, nil
	}
}

func fnTakeAny(c *call) (value, error) {
	return value{sql: "any_value(" + c.args[0].sql + ")", t: c.args[0].t, elem: c.args[0].elem, agg: true}, nil
}

func fnDatetimePart(c *call) (value, error) {
	s, err := c.constString(0)
	if err != nil {
		return value{}, err
	}
	part := strings.ToLower(s)
	if _, ok := dateParts[part]; !ok && part != "dayofyear" || part == "week" {
		return value{}, c.errf(0, "unknown datetime part %q (year, quarter, month, day, dayofyear, hour, minute, second, millisecond, microsecond)", s)
	}
	if err := c.needTime(1); err != nil {
		return value{}, err
	}
	switch part {
	case "millisecond":
		return c.ret("CAST(millisecond("+c.args[1].sql+") % 1000 AS BIGINT)", tyLong)
	case "microsecond":
		return c.ret("CAST(microsecond("+c.args[1].sql+") % 1000000 AS BIGINT)", tyLong)
	}
	return c.ret("CAST("+part+"("+c.args[1].sql+") AS BIGINT)", tyLong)
}

func fnStrcatDelim(c *call) (value, error) {
	var parts []string
	for _, a := range c.args[1:] {
		parts = append(parts, tostring(a))
	}
	return c.ret("concat_ws("+tostring(c.args[0])+", "+strings.Join(parts, ", ")+")", tyString)
}

func fnReplaceRegex(c *call) (value, error) {
	re, err := c.constString(1)
	if err != nil {
		return value{}, err
	}
	if _, err := regexp.Compile(re); err != nil {
		return value{}, c.errf(1, "bad regular expression: %v", err)
	}
	return c.ret("regexp_replace("+tostring(c.args[0])+", "+str(re)+", "+tostring(c.args[2])+", 'g')", tyString)
}

func fnColumnIfExists(c *call) (value, error) {
	name, err := c.constString(0)
	if err != nil {
		return value{}, err
	}
	if col, ok := c.cols.find(name); ok {
		return value{sql: ident(col.name), t: col.t, elem: col.elem, agg: c.agg}, nil
	}
	d := c.args[1]
	d.agg = c.agg
	return d, nil
}

func fnExtreme(sqlFn string) func(c *call) (value, error) {
	return func(c *call) (value, error) {
		t, _ := sameType(c.args...)
		all := true
		for _, a := range c.args {
			all = all && (a.t.numeric() || a.t == tyUnknown)
		}
		if t == tyUnknown && all {
			t = tyReal
		}
		if t == tyUnknown || t == tyDynamic || t == tyArray || t == tyBool {
			return value{}, c.errf(-1, "%s() needs values of one type: numbers, strings or datetimes", c.e.name)
		}
		var parts []string
		for _, a := range c.args {
			parts = append(parts, a.sql)
		}
		return c.ret(sqlFn+"("+strings.Join(parts, ", ")+")", t)
	}
}
