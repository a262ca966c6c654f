package kql

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// function is one entry of the registry: what a KQL function is called, how many arguments
// it takes, whether it aggregates, what it does in one line, and its translation.
type function struct {
	name     string
	min, max int // max < 0: any number
	agg      bool
	doc      string
	// translate builds the SQL from the translated arguments; nil for the aggregations
	// that summarize translates itself because they yield several columns.
	translate func(c *call) (value, error)
}

// call is one use of a function being translated.
type call struct {
	tr   *translator
	e    *node
	args []value
	cols schema
	agg  bool // an argument aggregates, or the function does
}

func (c *call) ret(sql string, t typ) (value, error) {
	return value{sql: sql, t: t, agg: c.agg}, nil
}

func (c *call) errf(i int, format string, a ...any) error {
	off := c.e.off
	if i >= 0 && i < len(c.e.args) {
		off = c.e.args[i].off
	}
	return c.tr.errf(off, format, a...)
}

// constString is argument i as a string literal.
func (c *call) constString(i int) (string, error) {
	a := c.e.args[i]
	if a.kind != nLit || a.tok.kind != tString {
		return "", c.errf(i, "%s() takes a string literal here", c.e.name)
	}
	return a.tok.text, nil
}

// functions is the registry: every function the translation knows, in the order --help-kql
// lists them. Its entries never refer back to it, so it needs no initialisation order.
var functions = []function{
	// Time.
	{"ago", 1, 1, false, "ago(span): the time span before now, fixed when the query is translated", fnAgo},
	{"now", 0, 1, false, "now([offset]): the time the query is translated, plus an offset", fnAgo},
	{"bin", 2, 2, false, "bin(x, size): x rounded down to a multiple of size; datetimes from the Unix epoch", fnBin},
	{"floor", 2, 2, false, "floor(x, size): the same as bin", fnBin},
	{"bin_at", 3, 3, false, "bin_at(x, size, start): x rounded down to start plus a multiple of size", fnBinAt},
	{"startofday", 1, 2, false, "startofday(t [, offset]): midnight of t's day, offset by whole days", fnStartOf("day")},
	{"startofweek", 1, 2, false, "startofweek(t [, offset]): midnight of the Sunday that starts t's week", fnStartOf("week")},
	{"startofmonth", 1, 2, false, "startofmonth(t [, offset]): midnight of the first of t's month", fnStartOf("month")},
	{"startofyear", 1, 2, false, "startofyear(t [, offset]): midnight of 1 January of t's year", fnStartOf("year")},
	{"endofday", 1, 2, false, "endofday(t [, offset]): the last microsecond of t's day", fnEndOf("day")},
	{"endofweek", 1, 2, false, "endofweek(t [, offset]): the last microsecond of t's week (Sunday to Saturday)", fnEndOf("week")},
	{"endofmonth", 1, 2, false, "endofmonth(t [, offset]): the last microsecond of t's month", fnEndOf("month")},
	{"datetime_diff", 3, 3, false, "datetime_diff(part, t1, t2): the part boundaries (day, hour, …) from t2 to t1", fnDatetimeDiff},
	{"datetime_add", 3, 3, false, "datetime_add(part, n, t): t plus n of part (year, month, week, day, hour, …)", fnDatetimeAdd},
	{"format_datetime", 2, 2, false, "format_datetime(t, format): t as text, format of yyyy MM dd HH hh mm ss fff tt", fnFormatDatetime},
	{"format_timespan", 2, 2, false, "format_timespan(span, format): a span as text, format of d hh mm ss fff", fnFormatTimespan},
	{"hourofday", 1, 1, false, "hourofday(t): the hour, 0 to 23", fnPart("hour", tyLong)},
	{"dayofmonth", 1, 1, false, "dayofmonth(t): the day of the month, 1 to 31", fnPart("day", tyLong)},
	{"getmonth", 1, 1, false, "getmonth(t): the month, 1 to 12", fnPart("month", tyLong)},
	{"monthofyear", 1, 1, false, "monthofyear(t): the month, 1 to 12", fnPart("month", tyLong)},
	{"getyear", 1, 1, false, "getyear(t): the year", fnPart("year", tyLong)},
	{"dayofweek", 1, 1, false, "dayofweek(t): the days since the Sunday before, as a timespan", fnDayOfWeek},
	{"dayofyear", 1, 1, false, "dayofyear(t): the day of the year, 1 to 366", fnPart("dayofyear", tyLong)},
	{"datetime_part", 2, 2, false, "datetime_part(part, t): year, quarter, month, day, dayofyear, hour, minute, second, millisecond or microsecond of t", fnDatetimePart},
	{"ingestion_time", 0, 0, false, "ingestion_time(): the lake has no ingestion time; this is TimeGenerated", fnIngestionTime},
	// Conversions.
	{"todatetime", 1, 1, false, "todatetime(x): x as a datetime, null when it is none; applies a UTC offset in the text", fnToDatetime},
	{"toint", 1, 1, false, "toint(x): x as a whole number, truncated, null when it is none", fnToInt("INTEGER")},
	{"tolong", 1, 1, false, "tolong(x): x as a whole number, truncated, null when it is none", fnToInt("BIGINT")},
	{"todouble", 1, 1, false, "todouble(x): x as a real number, null when it is none", fnToReal},
	{"toreal", 1, 1, false, "toreal(x): x as a real number, null when it is none", fnToReal},
	{"todecimal", 1, 1, false, "todecimal(x): x as a decimal number, null when it is none", fnToDecimal},
	{"tobool", 1, 1, false, "tobool(x): true or false from text (\"true\", \"false\") or a number (non-zero)", fnToBool},
	{"toboolean", 1, 1, false, "toboolean(x): the same as tobool", fnToBool},
	{"tostring", 1, 1, false, "tostring(x): x as text, \"\" for null; datetimes in ISO 8601", fnToString},
	{"parse_json", 1, 1, false, "parse_json(text): the dynamic value the JSON text holds (text that is no JSON stays text)", fnParseJSON},
	{"todynamic", 1, 1, false, "todynamic(text): the same as parse_json", fnParseJSON},
	// Strings.
	{"strcat", 1, 64, false, "strcat(a, b, …): the texts joined", fnStrcat},
	{"strcat_array", 2, 2, false, "strcat_array(array, delimiter): an array's elements joined", fnStrcatArray},
	{"strlen", 1, 1, false, "strlen(s): the characters in s", fnStrlen},
	{"tolower", 1, 1, false, "tolower(s): s in lower case", fnCase("lower")},
	{"toupper", 1, 1, false, "toupper(s): s in upper case", fnCase("upper")},
	{"substring", 2, 3, false, "substring(s, start [, length]): part of s, start counted from 0", fnSubstring},
	{"indexof", 2, 3, false, "indexof(s, lookup [, start]): where lookup first occurs in s from 0, -1 if not", fnIndexOf},
	{"replace_string", 3, 3, false, "replace_string(s, lookup, rewrite): s with every lookup replaced", fnReplaceString},
	{"trim", 2, 2, false, "trim(regex, s): s without leading and trailing matches of regex", fnTrim("^(?:%s)+|(?:%s)+$")},
	{"trim_start", 2, 2, false, "trim_start(regex, s): s without leading matches of regex", fnTrim("^(?:%s)+")},
	{"trim_end", 2, 2, false, "trim_end(regex, s): s without trailing matches of regex", fnTrim("(?:%s)+$")},
	{"strcat_delim", 3, 64, false, "strcat_delim(delimiter, a, b, …): the texts joined by the delimiter", fnStrcatDelim},
	{"replace_regex", 3, 3, false, "replace_regex(s, regex, rewrite): s with every match replaced; \\1 in rewrite is the first group", fnReplaceRegex},
	{"split", 2, 3, false, "split(s, delimiter [, index]): the parts of s as an array, or the one at index", fnSplit},
	{"extract", 3, 4, false, "extract(regex, group, s [, typeof(t)]): the group's match in s, null when none", fnExtract},
	{"array_length", 1, 1, false, "array_length(array): the elements in an array, null when it is no array", fnArrayLength},
	// Logic.
	{"iff", 3, 3, false, "iff(condition, then, else)", fnIff},
	{"iif", 3, 3, false, "iif(condition, then, else): the same as iff", fnIff},
	{"case", 3, -1, false, "case(condition1, value1, condition2, value2, …, else)", fnCase2},
	{"column_ifexists", 2, 2, false, "column_ifexists(\"Name\", default): the column if the rows have it, else default", fnColumnIfExists},
	{"max_of", 2, 64, false, "max_of(a, b, …): the greatest, nulls left out", fnExtreme("greatest")},
	{"min_of", 2, 64, false, "min_of(a, b, …): the least, nulls left out", fnExtreme("least")},
	{"coalesce", 2, 64, false, "coalesce(a, b, …): the first that is not null", fnCoalesce},
	{"not", 1, 1, false, "not(condition)", fnNot},
	{"isnull", 1, 1, false, "isnull(x): x is null", fnIsNull(true)},
	{"isnotnull", 1, 1, false, "isnotnull(x): x is not null", fnIsNull(false)},
	{"isempty", 1, 1, false, "isempty(x): x is null or \"\"", fnIsEmpty(true)},
	{"isnotempty", 1, 1, false, "isnotempty(x): x is neither null nor \"\"", fnIsEmpty(false)},
	// Numbers.
	{"round", 1, 2, false, "round(x [, digits]): x rounded half away from zero", fnRound},
	{"abs", 1, 1, false, "abs(x)", fnMath("abs")},
	{"sqrt", 1, 1, false, "sqrt(x)", fnMath("sqrt")},
	{"exp", 1, 1, false, "exp(x)", fnMath("exp")},
	{"log", 1, 1, false, "log(x): the natural logarithm", fnMath("ln")},
	{"log10", 1, 1, false, "log10(x)", fnMath("log10")},
	{"pow", 2, 2, false, "pow(x, y): x to the power y", fnPow},
	// Aggregations, only in summarize.
	{"count", 0, 0, true, "count(): the rows", fnCount},
	{"countif", 1, 1, true, "countif(condition): the rows where it holds", fnCountIf},
	{"dcount", 1, 2, true, "dcount(x): the distinct values of x, exactly", fnDcount},
	{"dcountif", 2, 3, true, "dcountif(x, condition): the distinct values of x where it holds", fnDcount},
	{"sum", 1, 1, true, "sum(x)", fnSum},
	{"sumif", 2, 2, true, "sumif(x, condition): the sum where it holds", fnSum},
	{"avg", 1, 1, true, "avg(x)", fnSimpleAgg("avg", tyReal)},
	{"avgif", 2, 2, true, "avgif(x, condition): the average where it holds", fnSimpleAgg("avg", tyReal)},
	{"min", 1, 1, true, "min(x)", fnSimpleAgg("min", tyUnknown)},
	{"minif", 2, 2, true, "minif(x, condition)", fnSimpleAgg("min", tyUnknown)},
	{"max", 1, 1, true, "max(x)", fnSimpleAgg("max", tyUnknown)},
	{"maxif", 2, 2, true, "maxif(x, condition)", fnSimpleAgg("max", tyUnknown)},
	{"stdev", 1, 1, true, "stdev(x): the sample standard deviation", fnSimpleAgg("stddev_samp", tyReal)},
	{"variance", 1, 1, true, "variance(x): the sample variance", fnSimpleAgg("var_samp", tyReal)},
	{"percentile", 2, 2, true, "percentile(x, p): nearest-rank percentile, a value that occurs in the data", fnPercentile},
	{"percentiles", 2, -1, true, "percentiles(x, p1, p2, …): one column per percentile", nil},
	{"make_set", 1, 2, true, "make_set(x [, max]): the distinct non-null values as an array", fnMakeList(true, false)},
	{"make_set_if", 2, 3, true, "make_set_if(x, condition [, max])", fnMakeList(true, true)},
	{"make_list", 1, 2, true, "make_list(x [, max]): the non-null values as an array", fnMakeList(false, false)},
	{"make_list_if", 2, 3, true, "make_list_if(x, condition [, max])", fnMakeList(false, true)},
	{"take_any", 1, -1, true, "take_any(x, … | *): the values of one row of the group", fnTakeAny},
	{"any", 1, -1, true, "any(x, … | *): the same as take_any", fnTakeAny},
	{"arg_max", 2, -1, true, "arg_max(x, c, … | *): the row with the greatest x: x and the columns named", nil},
	{"arg_min", 2, -1, true, "arg_min(x, c, … | *): the row with the least x", nil},
}

// lookupFunction finds a function of the registry.
func lookupFunction(name string) (*function, bool) {
	for i := range functions {
		if functions[i].name == name {
			return &functions[i], true
		}
	}
	return nil, false
}

// callFunction translates a call through the registry.
func (tr *translator) call(e *node, cols schema, aggOK bool) (value, error) {
	fn, ok := lookupFunction(e.name)
	if !ok {
		return value{}, tr.errf(e.off, "unknown function %q (amlmon query --help-kql lists the supported ones)", e.name)
	}
	if fn.agg && !aggOK {
		return value{}, tr.errf(e.off, "aggregation %s() is only allowed in summarize", fn.name)
	}
	if len(e.args) < fn.min || fn.max >= 0 && len(e.args) > fn.max {
		switch {
		case fn.min == fn.max:
			return value{}, tr.errf(e.off, "%s() takes %d argument(s), got %d", fn.name, fn.min, len(e.args))
		case fn.max < 0:
			return value{}, tr.errf(e.off, "%s() takes at least %d arguments, got %d", fn.name, fn.min, len(e.args))
		}
		return value{}, tr.errf(e.off, "%s() takes %d to %d arguments, got %d", fn.name, fn.min, fn.max, len(e.args))
	}
	if fn.translate == nil {
		return value{}, tr.errf(e.off, "%s() yields several columns: use it directly in summarize, not inside an expression", fn.name)
	}
	c := &call{tr: tr, e: e, cols: cols, agg: fn.agg}
	for i, a := range e.args {
		if fn.name == "extract" && i == 3 {
			c.args = append(c.args, value{}) // typeof(type), read from the node
			continue
		}
		if a.kind == nStar {
			return value{}, tr.errf(a.off, "* is not an argument of %s()", fn.name)
		}
		// An aggregation's arguments are per row: no aggregation inside another.
		v, err := tr.scalar(a, cols, aggOK && !fn.agg)
		if err != nil {
			return value{}, err
		}
		c.args = append(c.args, v)
		c.agg = c.agg || v.agg
	}
	return fn.translate(c)
}

// WriteHelp writes what the translation supports: operators, then functions, from the
// registry.
func WriteHelp(w io.Writer) error {
	var b strings.Builder
	b.WriteString("KQL that amlmon query translates to SQL over the lake\n\nTabular operators:\n")
	for _, o := range tabularOperators() {
		fmt.Fprintf(&b, "  %-18s %s\n", strings.Join(o.names, ", "), o.doc)
	}
	b.WriteString("\nStatements and sources:\n")
	for _, o := range statements {
		fmt.Fprintf(&b, "  %-18s %s\n", o.name, o.doc)
	}
	b.WriteString("\nScalar operators:\n")
	for _, o := range binaryOperators {
		fmt.Fprintf(&b, "  %-18s %s\n", o.name, o.doc)
	}
	fmt.Fprintf(&b, "  %-18s %s\n", "x.Name x['Name']", "a property of a dynamic value; null when missing")
	fmt.Fprintf(&b, "  %-18s %s\n", "x[i]", "an element of an array; negative indexes count from the end, null out of range")
	b.WriteString("\nFunctions:\n")
	for _, f := range functions {
		if !f.agg {
			fmt.Fprintf(&b, "  %-18s %s\n", f.name, f.doc)
		}
	}
	b.WriteString("\nAggregations (summarize):\n")
	for _, f := range functions {
		if f.agg {
			fmt.Fprintf(&b, "  %-18s %s\n", f.name, f.doc)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tabularOperator is one tabular operator of the registry: its names, what it does, and how
// its arguments are read into op, whose kind is the first name.
type tabularOperator struct {
	names []string
	doc   string
	parse func(p *parser, op *operator, word token) error
}

// tabularOperators is the registry of tabular operators, in the order --help-kql lists them.
// It is a function rather than a variable because reading join's and union's arguments reads
// whole queries, which look operators up here.
func tabularOperators() []tabularOperator {
	return []tabularOperator{
		{[]string{"where", "filter"}, "keep the rows where a condition holds; where * has \"x\" looks in every column", func(p *parser, op *operator, _ token) error {
			e, err := p.expr()
			op.items = []item{{e: e}}
			return err
		}},
		{[]string{"project"}, "keep, rename or compute columns", parseItems},
		{[]string{"extend"}, "add or replace computed columns", parseItems},
		{[]string{"project-away"}, "drop columns (Name* drops every column starting with Name)", parseWildNames},
		{[]string{"project-keep"}, "keep only the columns named", parseWildNames},
		{[]string{"project-reorder"}, "put the columns named first", parseWildNames},
		{[]string{"project-rename"}, "rename columns: new = old", func(p *parser, op *operator, _ token) error {
			items, err := p.items(true)
			for _, it := range items {
				if err == nil && (it.name == "" || it.e.kind != nCol) {
					err = errAt(p.q, it.e.off, "project-rename expects new = old")
				}
			}
			op.items = items
			return err
		}},
		{[]string{"summarize"}, "aggregate, by columns or bins", func(p *parser, op *operator, t token) error {
			var err error
			p.skipHints()
			if !p.isWord("by") {
				op.items, err = p.items(true)
			}
			if err == nil && p.isWord("by") {
				p.advance()
				op.by, err = p.items(true)
			}
			if err == nil && len(op.items) == 0 && len(op.by) == 0 {
				err = p.errf(t, "summarize needs an aggregation or a by clause")
			}
			return err
		}},
		{[]string{"distinct"}, "the distinct rows of the columns named, or of *", func(p *parser, op *operator, _ token) error {
			if p.isOp("*") {
				p.advance()
				op.all = true
				return nil
			}
			var err error
			op.items, err = p.names(false)
			return err
		}},
		{[]string{"count"}, "the number of rows, as Count", func(*parser, *operator, token) error { return nil }},
		{[]string{"order", "sort"}, "order by / sort by x [asc|desc] [nulls first|last], …: descending unless asc", func(p *parser, op *operator, _ token) error {
			if err := p.expectWord("by"); err != nil {
				return err
			}
			var err error
			op.keys, err = p.orderKeys(true)
			return err
		}},
		{[]string{"take", "limit"}, "the first N rows", func(p *parser, op *operator, _ token) error {
			var err error
			op.n, err = p.count()
			return err
		}},
		{[]string{"top"}, "top N by x [asc|desc] [nulls first|last]", func(p *parser, op *operator, _ token) error {
			var err error
			if op.n, err = p.count(); err != nil {
				return err
			}
			if err := p.expectWord("by"); err != nil {
				return err
			}
			op.keys, err = p.orderKeys(true)
			return err
		}},
		{[]string{"join"}, "kind=innerunique (the default: one left row per key), inner, leftouter, rightouter, fullouter, leftanti, rightanti, leftsemi, rightsemi; on Col or $left.A == $right.B", func(p *parser, op *operator, _ token) error {
			var err error
			op.join, err = p.joinArgs(false)
			return err
		}},
		{[]string{"lookup"}, "a leftouter join (kind=inner also)", func(p *parser, op *operator, _ token) error {
			var err error
			op.kind = "join"
			op.join, err = p.joinArgs(true)
			return err
		}},
		{[]string{"union"}, "the rows of more tables or subqueries, columns by name; isfuzzy=true, withsource=Name, Table*", func(p *parser, op *operator, _ token) error {
			var err error
			op.union, err = p.unionArgs()
			return err
		}},
		{[]string{"search"}, "the rows where any column has a term: search \"x\", search in (T1, T2) \"x\", Col:\"x\"", func(p *parser, op *operator, _ token) error {
			var err error
			op.search, err = p.searchArgs(false)
			return err
		}},
		{[]string{"parse"}, "extract columns from text: parse [kind=regex [flags=i]] x with * \"literal\" Col:type …", func(p *parser, op *operator, _ token) error {
			var err error
			op.parse, err = p.parseArgs()
			return err
		}},
		{[]string{"render"}, "the chart to draw (amlmon query --chart FILE.svg); not part of the SQL", func(p *parser, op *operator, _ token) error {
			var err error
			op.render, err = p.renderArgs()
			return err
		}},
		{[]string{"mv-expand"}, "one row per element of a dynamic array: mv-expand [with_itemindex=I] [Name =] x [to typeof(T)], …; null gives one row, an empty array none", func(p *parser, op *operator, _ token) error {
			var err error
			op.expand, err = p.mvExpandArgs()
			return err
		}},
		{[]string{"as"}, "names a result; no effect here", func(p *parser, _ *operator, _ token) error {
			_, err := p.name()
			return err
		}},
	}
}

func parseItems(p *parser, op *operator, _ token) error {
	var err error
	op.items, err = p.items(true)
	return err
}

func parseWildNames(p *parser, op *operator, _ token) error {
	var err error
	op.items, err = p.names(true)
	return err
}

// statements documents what starts a query besides a table.
var statements = []struct{ name, doc string }{
	{"let", "let name = scalar or tabular expression; before the query"},
	{"datatable", "datatable(Name:type, …) [value, …]: a table written in the query"},
	{"print", "print [Name =] x, …: one row of values"},
	{"union, search", "also start a query: union T1, T2 …; search \"x\""},
	{"(query)", "a subquery, wherever a table may stand"},
	{"//", "a comment, to the end of the line"},
}

// opKind is what a binary operator does with its operands.
type opKind int

const (
	opLogic   opKind = iota // and, or: true/false on both sides
	opCompare               // == != < <= > >=: operands of comparable types
	opText                  // string operators: both sides read as text
	opArith                 // + - * / %
	opList                  // in, between, has_any: a syntax of their own
)

// binaryOperator is one scalar operator of the registry. A text operator has a negation
// (not: true where it does not hold, NULL included, as Log Analytics' strings are never
// null) and a case-sensitive form (cs); the others are case-insensitive.
type binaryOperator struct {
	name, not, cs string
	kind          opKind
	doc           string
	// sql writes a text operator over its operands; fold is true for the case-insensitive
	// form; needle is the right side's node, for a literal.
	sql func(l, r string, fold bool, needle *node) string
}

// binaryOperators are the scalar operators, in the order --help-kql lists them.
var binaryOperators = []binaryOperator{
	{name: "and", kind: opLogic, doc: "both conditions hold"},
	{name: "or", kind: opLogic, doc: "either condition holds"},
	{name: "==", kind: opCompare, doc: "equal; == \"\" also holds for null, as Log Analytics has \"\" where the lake has null"},
	{name: "!=", kind: opCompare, doc: "not equal; holds for null against a string"},
	{name: "<", kind: opCompare, doc: "less than; a number compared with a string is compared as text"},
	{name: "<=", kind: opCompare, doc: "at most"},
	{name: ">", kind: opCompare, doc: "greater than"},
	{name: ">=", kind: opCompare, doc: "at least"},
	{name: "=~", not: "!~", kind: opText, doc: "equal ignoring case (!~: not)", sql: func(l, r string, fold bool, _ *node) string {
		return foldCase(l, fold) + " = " + foldCase(r, fold)
	}},
	{name: "contains", not: "!contains", cs: "contains_cs", kind: opText, doc: "has the substring, ignoring case (!contains, contains_cs, !contains_cs)", sql: func(l, r string, fold bool, _ *node) string {
		return "contains(" + foldCase(l, fold) + ", " + foldCase(r, fold) + ")"
	}},
	{name: "startswith", not: "!startswith", cs: "startswith_cs", kind: opText, doc: "starts with, ignoring case (!startswith, startswith_cs, !startswith_cs)", sql: func(l, r string, fold bool, _ *node) string {
		return "starts_with(" + foldCase(l, fold) + ", " + foldCase(r, fold) + ")"
	}},
	{name: "endswith", not: "!endswith", cs: "endswith_cs", kind: opText, doc: "ends with, ignoring case (!endswith, endswith_cs, !endswith_cs)", sql: func(l, r string, fold bool, _ *node) string {
		return "suffix(" + foldCase(l, fold) + ", " + foldCase(r, fold) + ")"
	}},
	{name: "has", not: "!has", cs: "has_cs", kind: opText, doc: "has the whole term: bounded by non-alphanumerics or the ends, ignoring case (!has, has_cs, !has_cs)", sql: hasSQL},
	{name: "has_any", kind: opList, doc: "has any of the terms: has_any (\"a\", \"b\") or has_any (dynamic([…]))"},
	{name: "has_all", kind: opList, doc: "has all of the terms"},
	{name: "in", not: "!in", kind: opList, doc: "one of a list of literals: x in (\"a\", \"b\") (!in: none of them)"},
	{name: "in~", not: "!in~", kind: opList, doc: "one of a list of literals, ignoring case (!in~: none of them)"},
	{name: "between", not: "!between", kind: opList, doc: "x between (a .. b), both ends included; a datetime range may be (t .. span) (!between: outside)"},
	{name: "+", kind: opArith, doc: "sum; datetime + timespan"},
	{name: "-", kind: opArith, doc: "difference; datetime - datetime is a timespan"},
	{name: "*", kind: opArith, doc: "product"},
	{name: "/", kind: opArith, doc: "quotient; whole numbers divide as whole numbers"},
	{name: "%", kind: opArith, doc: "remainder"},
}

// lookupOperator finds a scalar operator by any of its names, and tells whether that name is
// the negation or the case-sensitive form.
func lookupOperator(name string) (op *binaryOperator, negated, cs bool, ok bool) {
	for i := range binaryOperators {
		o := &binaryOperators[i]
		switch name {
		case o.name:
			return o, false, false, true
		case o.not:
			if o.not != "" {
				return o, true, false, true
			}
		case o.cs:
			if o.cs != "" {
				return o, false, true, true
			}
		case "!" + o.cs:
			if o.cs != "" {
				return o, true, true, true
			}
		}
	}
	return nil, false, false, false
}

func foldCase(sql string, fold bool) string {
	if fold {
		return "lower(" + sql + ")"
	}
	return sql
}

// hasSQL matches a whole term with a regular expression: the needle bounded by the start or
// end of the text or by a character that is not an ASCII letter or digit.
func hasSQL(l, r string, fold bool, needle *node) string {
	flags := ""
	if fold {
		flags = "(?i)"
	}
	var pattern string
	if needle != nil && needle.kind == nLit && needle.tok.kind == tString {
		pattern = str(flags + `(^|[^[:alnum:]])` + regexp.QuoteMeta(needle.tok.text) + `($|[^[:alnum:]])`)
	} else {
		pattern = str(flags+`(^|[^[:alnum:]])`) + " || regexp_escape(" + r + ") || " + str(`($|[^[:alnum:]])`)
	}
	return "regexp_matches(" + l + ", " + pattern + ")"
}

// operatorNames lists the tabular operators for an error message.
func operatorNames() string {
	var n []string
	for _, o := range tabularOperators() {
		n = append(n, o.names...)
	}
	return strings.Join(n, ", ")
}
