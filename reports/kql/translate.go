package kql

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
	"github.com/amlmon/amlmon/internal/sqltext"
)

// Options are what a translation needs besides the query.
type Options struct {
	// Now pins what ago() and now() measure from.
	Now time.Time
	// Tables are the tables a query may name, with their columns; nil means the lake's
	// (amlmon.Tables). A name that is none of them is a category table with the common
	// columns.
	Tables []amlmon.Table
}

// Query is a translated query.
type Query struct {
	SQL string
	// Chart is the chart that render asks for, nil when the query has no render.
	Chart *Chart
}

// Chart is what a query's render operator asks to draw.
type Chart struct {
	Kind  string // timechart, linechart, barchart, columnchart, piechart, …
	Title string // from render … with (title="…"), maybe empty
}

// Translate turns a KQL query into one DuckDB SQL statement over the lake's views. now pins
// what ago() and now() measure from. A render operator is accepted and left out of the SQL;
// Compile reports it. Errors are *Error.
func Translate(q string, now time.Time) (string, error) {
	out, err := Compile(q, Options{Now: now})
	if err != nil {
		return "", err
	}
	return out.SQL, nil
}

// Compile translates a KQL query and reports the chart its render operator asks for.
// Errors are *Error.
func Compile(q string, o Options) (*Query, error) {
	tables := o.Tables
	if tables == nil {
		tables = amlmon.Tables()
	}
	tr := &translator{q: q, now: o.Now.UTC().Truncate(time.Microsecond), tables: tables}
	sc, err := parse(q, func(name string) bool { _, ok := tr.table(name); return ok })
	if err != nil {
		return nil, err
	}
	l, cols, err := tr.pipeline(sc.body, true)
	if err != nil {
		return nil, err
	}
	// Dynamic values leave as text: a string without its JSON quotes, anything else as JSON.
	var dyn []string
	for _, c := range cols {
		if c.t == tyDynamic {
			dyn = append(dyn, "json_extract_string("+ident(c.name)+", '$') AS "+ident(c.name))
		}
		if c.t == tyArray {
			dyn = append(dyn, "CAST(to_json("+ident(c.name)+") AS VARCHAR) AS "+ident(c.name))
		}
	}
	if len(dyn) > 0 {
		outer := &layer{inner: l, sel: "* REPLACE (" + strings.Join(dyn, ", ") + ")"}
		l = outer
	}
	return &Query{SQL: strings.TrimSuffix(l.render(""), "\n"), Chart: tr.chart}, nil
}

// IsKQL reports whether q looks like a KQL query rather than SQL: it starts with a comment
// ("//" is no SQL comment), let, search, union, datatable or print, or with a table name
// followed by "|", or it is a bare name of a lake table.
func IsKQL(q string) bool {
	trimmed := strings.TrimLeft(q, " \t\r\n")
	if strings.HasPrefix(trimmed, "//") {
		return true
	}
	// Only the first two tokens matter, so that a KQL query with a mistake further on is
	// still reported as KQL, with the KQL error.
	lx := &lexer{q: q}
	for len(lx.toks) < 2 {
		if err := lx.next(); err != nil {
			break
		}
		if lx.toks[len(lx.toks)-1].kind == tEOF {
			break
		}
	}
	toks := lx.toks
	if len(toks) == 0 {
		return false
	}
	first := toks[0]
	if first.kind == tIdent && kqlStarts[first.text] {
		return true
	}
	if len(toks) < 2 || first.kind != tIdent && first.kind != tQuoted {
		return false
	}
	if toks[1].kind == tOp && toks[1].text == "|" {
		return true
	}
	if toks[1].kind == tEOF {
		_, ok := amlmon.TableNamed(first.text)
		return ok
	}
	return false
}

// kqlStarts are the words that begin a KQL query and never an SQL statement.
var kqlStarts = map[string]bool{"let": true, "search": true, "union": true, "datatable": true, "print": true}

// typ is what the translation knows of an expression's type.
type typ int

const (
	tyUnknown typ = iota
	tyString
	tyLong
	tyReal
	tyDecimal
	tyBool
	tyDatetime
	tyTimespan
	tyDynamic // JSON
	tyArray   // a DuckDB list, from split, make_list, make_set
)

func (t typ) numeric() bool { return t == tyLong || t == tyReal || t == tyDecimal }

type column struct {
	name string
	t    typ
	elem typ // the elements' type of a tyArray
}

// schema is the columns flowing between operators, in order. Kusto names are
// case-sensitive; DuckDB's are not, so two names differing only in case are refused.
type schema []column

func (s schema) find(name string) (column, bool) {
	for _, c := range s {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

func (s schema) findFold(name string) (column, bool) {
	for _, c := range s {
		if strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	return column{}, false
}

func lakeType(t amlmon.ColumnType) typ {
	switch t {
	case amlmon.Int64:
		return tyLong
	case amlmon.Float64:
		return tyReal
	case amlmon.Timestamp:
		return tyDatetime
	default:
		return tyString
	}
}

// value is a translated expression.
type value struct {
	sql  string
	t    typ
	agg  bool // contains an aggregation
	elem typ  // the elements' type of a tyArray
}

type translator struct {
	q      string
	now    time.Time
	tables []amlmon.Table
	chart  *Chart
	// sources counts the pipelines translated, bounded because a tabular let is copied
	// wherever it is used.
	sources int
}

// maxSources bounds the pipelines one query may translate into.
const maxSources = 2000

// table finds a table by name, case-insensitively as categories are.
func (tr *translator) table(name string) (amlmon.Table, bool) {
	for _, t := range tr.tables {
		if strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return amlmon.Table{}, false
}

func (tr *translator) errf(off int, format string, args ...any) error {
	return errAt(tr.q, off, format, args...)
}

// ident quotes a name for SQL (sqltext.Ident).
func ident(name string) string { return sqltext.Ident(name) }

// str quotes a string literal for SQL (sqltext.String).
func str(s string) string { return sqltext.String(s) }

func timestampSQL(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.000000") + "'"
}

// intervalSQL writes a timespan in the largest unit that divides it, to keep --explain readable.
func intervalSQL(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "DAY"}, {time.Hour, "HOUR"}, {time.Minute, "MINUTE"}, {time.Second, "SECOND"}, {time.Millisecond, "MILLISECOND"}} {
		if d%u.d == 0 {
			return fmt.Sprintf("INTERVAL %d %s", d/u.d, u.name)
		}
	}
	return fmt.Sprintf("to_microseconds(%d)", d/time.Microsecond)
}

// layer is one SELECT; from is a quoted table or a nested layer.
type layer struct {
	sel     string
	from    string
	inner   *layer
	where   string
	groupBy string
	orderBy string
	limit   string
}

func (l *layer) render(indent string) string {
	var b strings.Builder
	b.WriteString(indent + "SELECT " + l.sel + "\n")
	if l.inner != nil {
		b.WriteString(indent + "FROM (\n" + l.inner.render(indent+"  ") + indent + ")\n")
	} else {
		b.WriteString(indent + "FROM " + l.from + "\n")
	}
	for _, c := range []struct{ kw, v string }{{"WHERE", l.where}, {"GROUP BY", l.groupBy}, {"ORDER BY", l.orderBy}, {"LIMIT", l.limit}} {
		if c.v != "" {
			b.WriteString(indent + c.kw + " " + c.v + "\n")
		}
	}
	return b.String()
}

// pipeline translates a source and its operators; top is the query's own pipeline, the only
// one where render may stand.
func (tr *translator) pipeline(pl *pipeline, top bool) (*layer, schema, error) {
	tr.sources++
	if tr.sources > maxSources {
		return nil, nil, tr.errf(pl.src.off, "the query expands into more than %d subqueries", maxSources)
	}
	cur, cols, err := tr.source(pl.src)
	if err != nil {
		return nil, nil, err
	}
	for i, op := range pl.ops {
		// Kusto keeps the order of a sorted result through the operators after it. DuckDB
		// keeps it through projections and filters; take right after order by joins the
		// same SELECT so that the limit is certain to apply to the sorted rows.
		if op.kind == "take" && i > 0 && pl.ops[i-1].kind == "order" && cur.limit == "" {
			cur.limit = strconv.FormatInt(op.n, 10)
			continue
		}
		if op.kind == "render" {
			if !top {
				return nil, nil, tr.errf(op.off, "render only ends the whole query, not a subquery")
			}
			tr.chart = &Chart{Kind: op.render.kind, Title: op.render.title}
			continue
		}
		if op.kind == "as" {
			continue
		}
		next, out, err := tr.operator(op, cur, cols)
		if err != nil {
			return nil, nil, err
		}
		cur, cols = next, out
	}
	return cur, cols, nil
}

// tableSchema is the columns of a lake table by name.
func (tr *translator) tableSchema(name string) (string, schema) {
	var cols schema
	t, ok := tr.table(name)
	if !ok {
		t = amlmon.LogTable(name)
	}
	for _, c := range t.Columns {
		cols = append(cols, column{name: c.Name, t: lakeType(c.Type)})
	}
	return t.Name, cols
}

// source translates what a pipeline starts from.
func (tr *translator) source(src *source) (*layer, schema, error) {
	switch src.kind {
	case "table":
		if strings.HasSuffix(src.name.text, "*") {
			return tr.union(nil, nil, &unionSpec{parts: []*source{src}}, src.off)
		}
		name, cols := tr.tableSchema(src.name.text)
		return &layer{sel: "*", from: ident(name)}, cols, nil
	case "sub":
		return tr.pipeline(src.sub, false)
	case "union":
		return tr.union(nil, nil, src.union, src.off)
	case "datatable":
		return tr.datatable(src.data)
	case "search":
		return tr.search(nil, nil, src.search, src.off)
	case "print":
		// print is one row of values: a projection of a table of one row and no columns.
		var sel []string
		var out schema
		for i, it := range src.print {
			v, err := tr.scalar(it.e, nil, false)
			if err != nil {
				return nil, nil, err
			}
			name, off := it.name, it.nameOff
			if name == "" {
				name, off = "print_"+strconv.Itoa(i), it.e.off
				if n := inferredName(it.e); n != "" {
					name = n
				}
			}
			if err := tr.checkNew(out, name, off); err != nil {
				return nil, nil, err
			}
			out = append(out, column{name: name, t: v.t, elem: v.elem})
			sel = append(sel, aliased(v.sql, name))
		}
		return &layer{sel: strings.Join(sel, ", "), from: "(SELECT 1) AS p"}, out, nil
	}
	return nil, nil, tr.errf(src.off, "unsupported source")
}

// over starts a layer reading from prev; a bare "SELECT * FROM table" is folded in.
func over(prev *layer) *layer {
	if prev.sel == "*" && prev.inner == nil && prev.where == "" && prev.limit == "" && prev.orderBy == "" {
		return &layer{from: prev.from}
	}
	return &layer{inner: prev}
}

func (tr *translator) operator(op *operator, prev *layer, cols schema) (*layer, schema, error) {
	l := over(prev)
	switch op.kind {
	case "where":
		v, err := tr.scalar(op.items[0].e, cols, false)
		if err != nil {
			return nil, nil, err
		}
		if v.t != tyBool && v.t != tyUnknown {
			return nil, nil, tr.errf(op.items[0].e.off, "where needs a true/false condition")
		}
		l.sel, l.where = "*", trimParens(v.sql)
		return l, cols, nil
	case "project":
		var sel []string
		var out schema
		gen := names{}
		for _, it := range op.items {
			v, err := tr.scalar(it.e, cols, false)
			if err != nil {
				return nil, nil, err
			}
			name, off := tr.itemName(it, &gen, cols)
			if err := tr.checkNew(out, name, off); err != nil {
				return nil, nil, err
			}
			out = append(out, column{name: name, t: v.t, elem: v.elem})
			sel = append(sel, aliased(v.sql, name))
		}
		l.sel = strings.Join(sel, ", ")
		return l, out, nil
	case "project-away", "project-keep", "project-reorder":
		return tr.projectNames(op, l, cols)
	case "project-rename":
		var ren []string
		out := append(schema(nil), cols...)
		for _, it := range op.items {
			idx := -1
			for i, c := range out {
				if c.name == it.e.name {
					idx = i
				}
			}
			if idx < 0 {
				return nil, nil, tr.errf(it.e.off, "unknown column %q", it.e.name)
			}
			if c, ok := out.findFold(it.name); ok && c.name != it.e.name {
				return nil, nil, tr.errf(it.nameOff, "column %q already exists", it.name)
			}
			out[idx].name = it.name
			ren = append(ren, ident(it.e.name)+" AS "+ident(it.name))
		}
		l.sel = "* RENAME (" + strings.Join(ren, ", ") + ")"
		return l, out, nil
	case "extend":
		// One SELECT per column, so that a later column can use an earlier one.
		gen := names{}
		out := append(schema(nil), cols...)
		cur := prev
		for _, it := range op.items {
			v, err := tr.scalar(it.e, out, false)
			if err != nil {
				return nil, nil, err
			}
			name, _ := tr.itemName(it, &gen, out)
			l := over(cur)
			if c, ok := out.findFold(name); ok {
				if c.name != name {
					return nil, nil, tr.errf(it.nameOff, "column %q differs from %q only in case", name, c.name)
				}
				l.sel = "* REPLACE (" + aliased(v.sql, name) + ")"
				for i := range out {
					if out[i].name == name {
						out[i].t, out[i].elem = v.t, v.elem
					}
				}
			} else {
				l.sel = "*, " + aliased(v.sql, name)
				out = append(out, column{name: name, t: v.t, elem: v.elem})
			}
			cur = l
		}
		return cur, out, nil
	case "summarize":
		return tr.summarize(op, l, cols)
	case "join":
		return tr.join(op, prev, cols)
	case "union":
		return tr.union(prev, cols, op.union, op.off)
	case "search":
		return tr.search(prev, cols, op.search, op.off)
	case "parse":
		return tr.parseOp(op, prev, cols)
	case "mv-expand":
		return tr.mvExpand(op, prev, cols)
	case "distinct":
		if op.all {
			l.sel = "DISTINCT *"
			return l, cols, nil
		}
		var sel []string
		var out schema
		for _, it := range op.items {
			c, ok := cols.find(it.e.name)
			if !ok {
				return nil, nil, tr.errf(it.e.off, "unknown column %q", it.e.name)
			}
			if _, dup := out.find(c.name); dup {
				return nil, nil, tr.errf(it.e.off, "column %q appears twice", c.name)
			}
			out = append(out, c)
			sel = append(sel, ident(c.name))
		}
		l.sel = "DISTINCT " + strings.Join(sel, ", ")
		return l, out, nil
	case "count":
		l.sel = `count(*) AS "Count"`
		return l, schema{{name: "Count", t: tyLong}}, nil
	case "order":
		by, err := tr.orderBy(op.keys, cols)
		if err != nil {
			return nil, nil, err
		}
		l.sel, l.orderBy = "*", by
		return l, cols, nil
	case "take":
		l.sel, l.limit = "*", strconv.FormatInt(op.n, 10)
		return l, cols, nil
	case "top":
		by, err := tr.orderBy(op.keys, cols)
		if err != nil {
			return nil, nil, err
		}
		l.sel, l.orderBy, l.limit = "*", by, strconv.FormatInt(op.n, 10)
		return l, cols, nil
	}
	return nil, nil, tr.errf(op.off, "operator %q is not supported (supported: %s)", op.kind, operatorNames())
}

func (tr *translator) orderBy(keys []orderKey, cols schema) (string, error) {
	var parts []string
	for _, k := range keys {
		v, err := tr.scalar(k.e, cols, false)
		if err != nil {
			return "", err
		}
		x := positionSafe(v.sql)
		s := x + " ASC"
		if k.desc {
			s = x + " DESC"
		}
		if k.nullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", "), nil
}

// names hands out Kusto's names for unnamed expressions: Column1, Column2, …
type names struct{ n int }

func (g *names) next(in, out schema) string {
	for {
		g.n++
		name := "Column" + strconv.Itoa(g.n)
		_, a := in.findFold(name)
		_, b := out.findFold(name)
		if !a && !b {
			return name
		}
	}
}

func (tr *translator) itemName(it item, gen *names, cols schema) (string, int) {
	switch {
	case it.name != "":
		return it.name, it.nameOff
	case inferredName(it.e) != "":
		return inferredName(it.e), it.e.off
	}
	return gen.next(cols, nil), it.e.off
}

func (tr *translator) checkNew(out schema, name string, off int) error {
	if _, dup := out.findFold(name); dup {
		return tr.errf(off, "column %q appears twice", name)
	}
	return nil
}

// aliased writes "expr AS name", or just the column when it keeps its name.
func aliased(sql, name string) string {
	if sql == ident(name) {
		return sql
	}
	return sql + " AS " + ident(name)
}

// trimParens drops the parentheses around a whole condition.
func trimParens(s string) string {
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return s
	}
	depth := 0
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr != 0:
			if c == inStr {
				inStr = 0
			}
		case c == '\'' || c == '"':
			inStr = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 && i != len(s)-1 {
				return s
			}
		}
	}
	return s[1 : len(s)-1]
}

// constSpan evaluates a timespan known at translation time: a literal, maybe negated.
func constSpan(e *node) (time.Duration, bool) {
	switch {
	case e.kind == nLit && e.tok.kind == tTimespan && !e.tok.null:
		return e.tok.span, true
	case e.kind == nUnary:
		d, ok := constSpan(e.args[0])
		if e.name == "-" {
			d = -d
		}
		return d, ok
	}
	return 0, false
}

// constNumber evaluates a number known at translation time.
func constNumber(e *node) (float64, bool) {
	switch {
	case e.kind == nLit && (e.tok.kind == tInt || e.tok.kind == tReal):
		f, err := strconv.ParseFloat(e.tok.text, 64)
		return f, err == nil
	case e.kind == nUnary:
		f, ok := constNumber(e.args[0])
		if e.name == "-" {
			f = -f
		}
		return f, ok
	}
	return 0, false
}

func (tr *translator) literal(t token) value {
	switch t.kind {
	case tString:
		return value{sql: str(t.text), t: tyString}
	case tInt:
		return value{sql: t.text, t: tyLong}
	case tReal:
		// Kusto's reals are doubles; DuckDB would read 1.5 as a DECIMAL.
		return value{sql: t.text + "::DOUBLE", t: tyReal}
	case tTimespan:
		if t.null {
			return value{sql: "CAST(NULL AS INTERVAL)", t: tyTimespan}
		}
		return value{sql: intervalSQL(t.span), t: tyTimespan}
	case tDatetime:
		if t.null {
			return value{sql: "CAST(NULL AS TIMESTAMP)", t: tyDatetime}
		}
		return value{sql: timestampSQL(t.when), t: tyDatetime}
	}
	return value{sql: strings.ToUpper(t.text), t: tyBool} // true, false
}

func (tr *translator) scalar(e *node, cols schema, aggOK bool) (value, error) {
	switch e.kind {
	case nLit:
		if e.tok.kind == tDynamic {
			return tr.dynamicLiteral(e.tok)
		}
		return tr.literal(e.tok), nil
	case nMember, nIndex:
		return tr.access(e, cols, aggOK)
	case nStar:
		return value{}, tr.errf(e.off, "* stands for every column only in where * has …, search and arg_max(x, *)")
	case nCol:
		c, ok := cols.find(e.name)
		if !ok {
			// Log Analytics' hidden columns: _ResourceId is the resource ID in lower case,
			// as Log Analytics writes it.
			if alias, ok := hiddenColumns[e.name]; ok {
				if c, ok := cols.find(alias); ok {
					return value{sql: "lower(" + ident(c.name) + ")", t: tyString}, nil
				}
			}
			if f, ok := cols.findFold(e.name); ok {
				return value{}, tr.errf(e.off, "unknown column %q (did you mean %q?)", e.name, f.name)
			}
			return value{}, tr.errf(e.off, "unknown column %q", e.name)
		}
		return value{sql: ident(c.name), t: c.t, elem: c.elem}, nil
	case nUnary:
		v, err := tr.scalar(e.args[0], cols, aggOK)
		if err != nil {
			return value{}, err
		}
		if v.t != tyUnknown && !v.t.numeric() && v.t != tyTimespan {
			return value{}, tr.errf(e.off, "%q needs a number or a timespan", e.name)
		}
		if e.name == "+" {
			return v, nil
		}
		return value{sql: "(-" + v.sql + ")", t: v.t, agg: v.agg}, nil
	case nBinary:
		return tr.binary(e, cols, aggOK)
	case nIn:
		return tr.in(e, cols, aggOK)
	case nBetween:
		var vs []value
		for _, a := range e.args {
			v, err := tr.scalar(a, cols, aggOK)
			if err != nil {
				return value{}, err
			}
			vs = append(vs, v)
		}
		// Kusto's (start .. span) is the range from start to start + span.
		if vs[1].t == tyDatetime && vs[2].t == tyTimespan {
			vs[2] = value{sql: "(" + vs[1].sql + " + " + vs[2].sql + ")", t: tyDatetime, agg: vs[1].agg || vs[2].agg}
		}
		for i := 1; i <= 2; i++ {
			x, bound, err := tr.comparable(e, coerceDynamic(vs[0], vs[i]), coerceDynamic(vs[i], vs[0]))
			if err != nil {
				return value{}, err
			}
			if i == 1 {
				vs[0] = x
			}
			vs[i] = bound
		}
		kw := " BETWEEN "
		if e.name == "!between" {
			kw = " NOT BETWEEN "
		}
		return value{sql: "(" + vs[0].sql + kw + vs[1].sql + " AND " + vs[2].sql + ")", t: tyBool, agg: vs[0].agg || vs[1].agg || vs[2].agg}, nil
	case nCall:
		return tr.call(e, cols, aggOK)
	}
	return value{}, tr.errf(e.off, "unsupported expression")
}

// hiddenColumns maps Log Analytics' standard hidden columns to the lake column they are the
// lower-cased value of.
var hiddenColumns = map[string]string{"_ResourceId": "ResourceId", "_SubscriptionId": "SubscriptionId"}

func (tr *translator) binary(e *node, cols schema, aggOK bool) (value, error) {
	op, negated, cs, ok := lookupOperator(e.name)
	if !ok {
		return value{}, tr.errf(e.off, "unknown operator %q", e.name)
	}
	if e.args[0].kind == nStar && op.kind == opText {
		return tr.anyColumn(e, cols, aggOK)
	}
	l, err := tr.scalar(e.args[0], cols, aggOK)
	if err != nil {
		return value{}, err
	}
	r, err := tr.scalar(e.args[1], cols, aggOK)
	if err != nil {
		return value{}, err
	}
	l, r = coerceDynamic(l, r), coerceDynamic(r, l)
	agg := l.agg || r.agg
	b := func(s string, t typ) (value, error) { return value{sql: "(" + s + ")", t: t, agg: agg}, nil }
	switch op.kind {
	case opLogic:
		for i, v := range []value{l, r} {
			if v.t != tyBool && v.t != tyUnknown {
				return value{}, tr.errf(e.args[i].off, "%q needs true/false conditions on both sides", e.name)
			}
		}
		return b(l.sql+" "+strings.ToUpper(e.name)+" "+r.sql, tyBool)
	case opArith:
		return tr.arithmetic(e, l, r, agg)
	case opText:
		// String operators read any value as its text, as Kusto does. The negation holds
		// for NULL: Log Analytics has empty strings where the lake has NULL.
		if l.t != tyString && l.t != tyUnknown {
			l.sql = tostring(l)
		}
		if r.t != tyString && r.t != tyUnknown {
			r.sql = tostring(r)
		}
		s := op.sql(l.sql, r.sql, !cs, e.args[1])
		if negated {
			return b("("+s+") IS NOT TRUE", tyBool)
		}
		return b(s, tyBool)
	case opCompare:
		if l, r, err = tr.comparable(e, l, r); err != nil {
			return value{}, err
		}
	default:
		return value{}, tr.errf(e.off, "operator %q takes a list in parentheses", e.name)
	}
	isStr := l.t == tyString || r.t == tyString
	emptyLit := func(n *node) bool { return n.kind == nLit && n.tok.kind == tString && n.tok.text == "" }
	switch e.name {
	case "==":
		if isStr && (emptyLit(e.args[0]) || emptyLit(e.args[1])) {
			other := l
			if emptyLit(e.args[0]) {
				other = r
			}
			return b(other.sql+" IS NULL OR "+other.sql+" = ''", tyBool)
		}
		return b(l.sql+" = "+r.sql, tyBool)
	case "!=":
		if isStr && (emptyLit(e.args[0]) || emptyLit(e.args[1])) {
			other := l
			if emptyLit(e.args[0]) {
				other = r
			}
			return b(other.sql+" IS NOT NULL AND "+other.sql+" <> ''", tyBool)
		}
		if isStr {
			return b(l.sql+" IS DISTINCT FROM "+r.sql, tyBool)
		}
		return b(l.sql+" <> "+r.sql, tyBool)
	}
	return b(l.sql+" "+e.name+" "+r.sql, tyBool)
}

func (tr *translator) arithmetic(e *node, l, r value, agg bool) (value, error) {
	for i, v := range []value{l, r} {
		if v.t == tyString || v.t == tyBool {
			return value{}, tr.errf(e.args[i].off, "%q needs numbers, datetimes or timespans", e.name)
		}
	}
	t := tyUnknown
	op := e.name
	switch {
	case l.t == tyLong && r.t == tyLong:
		t = tyLong
		if op == "/" {
			op = "//" // Kusto divides integers as integers.
		}
	case l.t.numeric() && r.t.numeric():
		t = tyReal
		if l.t == tyDecimal && r.t == tyDecimal {
			t = tyDecimal
		}
	case l.t == tyDatetime && r.t == tyTimespan && (op == "+" || op == "-"),
		l.t == tyTimespan && r.t == tyDatetime && op == "+":
		t = tyDatetime
	case l.t == tyDatetime && r.t == tyDatetime && op == "-":
		t = tyTimespan
	case l.t == tyTimespan && r.t == tyTimespan && (op == "+" || op == "-"):
		t = tyTimespan
	case l.t == tyTimespan && r.t.numeric() && (op == "*" || op == "/"),
		l.t.numeric() && r.t == tyTimespan && op == "*":
		t = tyTimespan
	case l.t == tyUnknown || r.t == tyUnknown:
	default:
		return value{}, tr.errf(e.off, "%q is not supported between these types", e.name)
	}
	return value{sql: "(" + l.sql + " " + op + " " + r.sql + ")", t: t, agg: agg}, nil
}

func (tr *translator) in(e *node, cols schema, aggOK bool) (value, error) {
	if e.name == "has_any" || e.name == "has_all" {
		return tr.hasAny(e, cols, aggOK)
	}
	l, err := tr.scalar(e.args[0], cols, aggOK)
	if err != nil {
		return value{}, err
	}
	fold := strings.HasSuffix(e.name, "~")
	args := e.args[1:]
	// x in (dynamic(["a", "b"])) is x in ("a", "b").
	if len(args) == 1 && args[0].kind == nLit && args[0].tok.kind == tDynamic {
		terms, err := tr.literalStrings(args)
		if err != nil {
			return value{}, err
		}
		if len(terms) == 0 {
			return value{}, tr.errf(args[0].off, "%s needs at least one value", e.name)
		}
		args = nil
		for _, t := range terms {
			args = append(args, &node{kind: nLit, off: e.off, tok: token{kind: tString, text: t, off: e.off}})
		}
	}
	l = coerceDynamic(l, value{t: tyString})
	var list []string
	for _, a := range args {
		if a.kind != nLit {
			if _, ok := constNumber(a); !ok {
				return value{}, tr.errf(a.off, "%s (…) takes literals only", e.name)
			}
		}
		v, err := tr.scalar(a, cols, false)
		if err != nil {
			return value{}, err
		}
		if fold && v.t != tyString {
			v = value{sql: tostring(v), t: tyString}
		}
		var x value
		if x, v, err = tr.comparable(e, l, v); err != nil {
			return value{}, err
		}
		if x.t != l.t {
			l = x // a number among text compares as text
		}
		if fold {
			v.sql = "lower(" + v.sql + ")"
		}
		list = append(list, v.sql)
	}
	if fold && l.t != tyString {
		l = value{sql: tostring(l), t: tyString, agg: l.agg}
	}
	lhs := l.sql
	if fold {
		lhs = "lower(" + lhs + ")"
	}
	s := lhs + " IN (" + strings.Join(list, ", ") + ")"
	if strings.HasPrefix(e.name, "!") {
		if l.t == tyString || fold {
			s = "(" + s + ") IS NOT TRUE"
		} else {
			s = lhs + " NOT IN (" + strings.Join(list, ", ") + ")"
		}
	}
	return value{sql: "(" + s + ")", t: tyBool, agg: l.agg}, nil
}

// zonedTime matches text that ends in a time with a UTC offset or Z.
const zonedTime = `\d:\d\d(:\d\d(\.\d*)?)?\s*([Zz]|[+-]\d\d(:?\d\d)?)$`

// tostring converts as Kusto's tostring does: NULL becomes "", datetimes are ISO 8601 in UTC.
func tostring(v value) string {
	switch v.t {
	case tyString:
		return v.sql
	case tyDynamic:
		return "coalesce(json_extract_string(" + v.sql + ", '$'), '')"
	case tyArray:
		return "coalesce(CAST(to_json(" + v.sql + ") AS VARCHAR), '')"
	case tyDatetime:
		return "coalesce(strftime(" + v.sql + ", '%Y-%m-%dT%H:%M:%S.%fZ'), '')"
	}
	return "coalesce(CAST(" + v.sql + " AS VARCHAR), '')"
}

// positionSafe keeps an integer literal from reading as a column position in ORDER BY and
// GROUP BY, where SQL takes "ORDER BY 2" for the second column.
func positionSafe(sql string) string {
	if strings.Trim(strings.TrimPrefix(sql, "-"), "0123456789") == "" {
		return "CAST(" + sql + " AS BIGINT)"
	}
	return sql
}

var typeNames = map[typ]string{
	tyUnknown: "unknown", tyString: "string", tyLong: "long", tyReal: "real", tyDecimal: "decimal",
	tyBool: "bool", tyDatetime: "datetime", tyTimespan: "timespan", tyDynamic: "dynamic", tyArray: "array",
}

// comparable checks that two values can be compared and converts them so that DuckDB can.
// A number compared with text is compared as text: the lake types columns that Log Analytics
// declares as string (ResponseCode, QuotaAllocated) when they hold numbers, and queries
// written for Log Analytics compare them with strings. Text compared with a datetime is
// read as a datetime.
func (tr *translator) comparable(e *node, l, r value) (value, value, error) {
	switch {
	case l.t == tyUnknown || r.t == tyUnknown:
		return l, r, nil
	case l.t.numeric() && r.t.numeric(), l.t == r.t && l.t != tyArray:
		return l, r, nil
	case l.t == tyString && r.t.numeric():
		return l, value{sql: "CAST(" + r.sql + " AS VARCHAR)", t: tyString, agg: r.agg}, nil
	case l.t.numeric() && r.t == tyString:
		return value{sql: "CAST(" + l.sql + " AS VARCHAR)", t: tyString, agg: l.agg}, r, nil
	case l.t == tyString && r.t == tyDatetime:
		return value{sql: "TRY_CAST(" + l.sql + " AS TIMESTAMP)", t: tyDatetime, agg: l.agg}, r, nil
	case l.t == tyDatetime && r.t == tyString:
		return l, value{sql: "TRY_CAST(" + r.sql + " AS TIMESTAMP)", t: tyDatetime, agg: r.agg}, nil
	}
	return l, r, tr.errf(e.off, "%q cannot compare a %s with a %s", e.name, typeNames[l.t], typeNames[r.t])
}
