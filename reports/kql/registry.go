package kql

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
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
	{"split", 2, 3, false, "split(s, delimiter [, index]): the parts of s as an array, or the one at index", fnSplit},
	{"extract", 3, 4, false, "extract(regex, group, s [, typeof(t)]): the group's match in s, null when none", fnExtract},
	{"array_length", 1, 1, false, "array_length(array): the elements in an array, null when it is no array", fnArrayLength},
	// Logic.
	{"iff", 3, 3, false, "iff(condition, then, else)", fnIff},
	{"iif", 3, 3, false, "iif(condition, then, else): the same as iff", fnIff},
	{"case", 3, -1, false, "case(condition1, value1, condition2, value2, …, else)", fnCase2},
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

// functionNames lists the registry's names for an error message.
func functionNames() string {
	var n []string
	for _, f := range functions {
		n = append(n, f.name)
	}
	return strings.Join(n, ", ")
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
	{name: "in", not: "!in", kind: opList, doc: "one of a list of literals: x in (\"a\", \"b\")"},
	{name: "in~", not: "!in~", kind: opList, doc: "one of a list of literals, ignoring case"},
	{name: "between", not: "!between", kind: opList, doc: "x between (a .. b), both ends included; a datetime range may be (t .. span)"},
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

// The translations follow. Each reads its arguments from c.args (translated) and, where a
// literal is required, from c.e.args.

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
