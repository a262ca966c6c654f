package kql

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
	"github.com/amlmon/amlmon/internal/sqltext"
)

// IsKQL reports whether q looks like a KQL query (a table name followed by "|", or a bare
// name that is a known lake table) rather than SQL.
func IsKQL(q string) bool {
	// Only the first two tokens matter, so that a KQL query with a mistake further on is
	// still reported as KQL, with the KQL error.
	lx := &lexer{q: q}
	for len(lx.toks) < 2 {
		if err := lx.next(); err != nil {
			return false
		}
		if lx.toks[len(lx.toks)-1].kind == tEOF {
			break
		}
	}
	toks := lx.toks
	if len(toks) < 2 {
		return false
	}
	first := toks[0]
	if first.kind != tIdent && first.kind != tQuoted {
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

// Translate turns a KQL query into one DuckDB SQL statement over the lake's views. now pins
// what ago() and now() measure from. Errors are *Error.
func Translate(q string, now time.Time) (string, error) {
	qu, err := parse(q)
	if err != nil {
		return "", err
	}
	tr := &translator{q: q, now: now.UTC().Truncate(time.Microsecond)}
	return tr.query(qu)
}

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
)

func (t typ) numeric() bool { return t == tyLong || t == tyReal || t == tyDecimal }

type column struct {
	name string
	t    typ
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
	sql string
	t   typ
	agg bool // contains an aggregation
}

type translator struct {
	q   string
	now time.Time
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

func (tr *translator) query(qu *query) (string, error) {
	name := qu.table.text
	var cols schema
	if t, ok := amlmon.TableNamed(name); ok {
		name = t.Name
		for _, c := range t.Columns {
			cols = append(cols, column{c.Name, lakeType(c.Type)})
		}
	} else {
		for _, c := range amlmon.LogTable(name).Columns {
			cols = append(cols, column{c.Name, lakeType(c.Type)})
		}
	}
	cur := &layer{sel: "*", from: ident(name)}
	for i, op := range qu.ops {
		// Kusto keeps the order of a sorted result through the operators after it. DuckDB
		// keeps it through projections and filters; take right after order by joins the
		// same SELECT so that the limit is certain to apply to the sorted rows.
		if op.kind == "take" && i > 0 && qu.ops[i-1].kind == "order" {
			cur.limit = strconv.FormatInt(op.n, 10)
			continue
		}
		next, out, err := tr.operator(op, cur, cols)
		if err != nil {
			return "", err
		}
		cur, cols = next, out
	}
	return strings.TrimSuffix(cur.render(""), "\n"), nil
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
			out = append(out, column{name, v.t})
			sel = append(sel, aliased(v.sql, name))
		}
		l.sel = strings.Join(sel, ", ")
		return l, out, nil
	case "project-away":
		var drop []string
		out := append(schema(nil), cols...)
		for _, it := range op.items {
			if _, ok := out.find(it.e.name); !ok {
				return nil, nil, tr.errf(it.e.off, "unknown column %q", it.e.name)
			}
			for i, c := range out {
				if c.name == it.e.name {
					out = append(out[:i:i], out[i+1:]...)
					break
				}
			}
			drop = append(drop, ident(it.e.name))
		}
		if len(out) == 0 {
			return nil, nil, tr.errf(op.off, "project-away removes every column")
		}
		l.sel = "* EXCLUDE (" + strings.Join(drop, ", ") + ")"
		return l, out, nil
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
						out[i].t = v.t
					}
				}
			} else {
				l.sel = "*, " + aliased(v.sql, name)
				out = append(out, column{name, v.t})
			}
			cur = l
		}
		return cur, out, nil
	case "summarize":
		return tr.summarize(op, l, cols)
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
		return l, schema{{"Count", tyLong}}, nil
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
	return nil, nil, tr.errf(op.off, "operator %q is not supported (supported: %s)", op.kind, supportedOperators)
}

func (tr *translator) orderBy(keys []orderKey, cols schema) (string, error) {
	var parts []string
	for _, k := range keys {
		v, err := tr.scalar(k.e, cols, false)
		if err != nil {
			return "", err
		}
		s := v.sql + " ASC"
		if k.desc {
			s = v.sql + " DESC"
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

func (tr *translator) summarize(op *operator, l *layer, cols schema) (*layer, schema, error) {
	var sel, group []string
	var out schema
	gen := names{}
	for _, it := range op.by {
		v, err := tr.scalar(it.e, cols, false)
		if err != nil {
			return nil, nil, err
		}
		name, off := it.name, it.nameOff
		if name == "" {
			off = it.e.off
			switch {
			case it.e.kind == nCol:
				name = it.e.name
			case it.e.kind == nCall && (it.e.name == "bin" || it.e.name == "floor") && len(it.e.args) > 0 && it.e.args[0].kind == nCol:
				name = it.e.args[0].name
			default:
				name = gen.next(cols, out)
			}
		}
		if err := tr.checkNew(out, name, off); err != nil {
			return nil, nil, err
		}
		out = append(out, column{name, v.t})
		sel = append(sel, aliased(v.sql, name))
		group = append(group, v.sql)
	}
	for _, it := range op.items {
		v, err := tr.scalar(it.e, cols, true)
		if err != nil {
			return nil, nil, err
		}
		if !v.agg {
			return nil, nil, tr.errf(it.e.off, "summarize needs an aggregation such as count() here")
		}
		name := it.name
		if name == "" {
			name = aggName(it.e)
			if name == "" {
				name = gen.next(cols, out)
			}
			// Kusto numbers a repeated default name: count_, count_1, …
			base := name
			for i := 1; ; i++ {
				if _, dup := out.findFold(name); !dup {
					break
				}
				name = base + strconv.Itoa(i)
			}
		} else if err := tr.checkNew(out, name, it.nameOff); err != nil {
			return nil, nil, err
		}
		out = append(out, column{name, v.t})
		sel = append(sel, aliased(v.sql, name))
	}
	l.sel = strings.Join(sel, ", ")
	l.groupBy = strings.Join(group, ", ")
	return l, out, nil
}

// aggName is Kusto's default name of an aggregation: count_, sum_X, percentile_X_95.
func aggName(e *node) string {
	if e.kind != nCall {
		return ""
	}
	col := ""
	if len(e.args) > 0 && e.args[0].kind == nCol {
		col = e.args[0].name
	}
	switch e.name {
	case "count", "countif":
		return e.name + "_"
	case "percentile":
		if len(e.args) == 2 && e.args[1].kind == nLit {
			return "percentile_" + col + "_" + strings.ReplaceAll(e.args[1].tok.text, ".", "_")
		}
	case "sum", "avg", "dcount", "min", "max":
		return e.name + "_" + col
	}
	return ""
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
	case it.e.kind == nCol:
		return it.e.name, it.e.off
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
		return tr.literal(e.tok), nil
	case nCol:
		c, ok := cols.find(e.name)
		if !ok {
			if f, ok := cols.findFold(e.name); ok {
				return value{}, tr.errf(e.off, "unknown column %q (did you mean %q?)", e.name, f.name)
			}
			return value{}, tr.errf(e.off, "unknown column %q", e.name)
		}
		return value{sql: ident(c.name), t: c.t}, nil
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

func (tr *translator) binary(e *node, cols schema, aggOK bool) (value, error) {
	l, err := tr.scalar(e.args[0], cols, aggOK)
	if err != nil {
		return value{}, err
	}
	r, err := tr.scalar(e.args[1], cols, aggOK)
	if err != nil {
		return value{}, err
	}
	agg := l.agg || r.agg
	b := func(s string, t typ) (value, error) { return value{sql: "(" + s + ")", t: t, agg: agg}, nil }
	// Negative string predicates hold for NULL: Log Analytics has empty strings where the
	// lake has NULL.
	not := func(s string) (value, error) { return b("("+s+") IS NOT TRUE", tyBool) }
	lower := func(v value) string { return "lower(" + v.sql + ")" }
	isStr := l.t == tyString || r.t == tyString
	emptyLit := func(n *node) bool { return n.kind == nLit && n.tok.kind == tString && n.tok.text == "" }
	switch e.name {
	case "and", "or":
		for i, v := range []value{l, r} {
			if v.t != tyBool && v.t != tyUnknown {
				return value{}, tr.errf(e.args[i].off, "%q needs true/false conditions on both sides", e.name)
			}
		}
		return b(l.sql+" "+strings.ToUpper(e.name)+" "+r.sql, tyBool)
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
	case "<", "<=", ">", ">=":
		return b(l.sql+" "+e.name+" "+r.sql, tyBool)
	case "=~":
		return b(lower(l)+" = "+lower(r), tyBool)
	case "!~":
		return not(lower(l) + " = " + lower(r))
	case "contains":
		return b("contains("+lower(l)+", "+lower(r)+")", tyBool)
	case "!contains":
		return not("contains(" + lower(l) + ", " + lower(r) + ")")
	case "contains_cs":
		return b("contains("+l.sql+", "+r.sql+")", tyBool)
	case "!contains_cs":
		return not("contains(" + l.sql + ", " + r.sql + ")")
	case "startswith":
		return b("starts_with("+lower(l)+", "+lower(r)+")", tyBool)
	case "!startswith":
		return not("starts_with(" + lower(l) + ", " + lower(r) + ")")
	case "startswith_cs":
		return b("starts_with("+l.sql+", "+r.sql+")", tyBool)
	case "!startswith_cs":
		return not("starts_with(" + l.sql + ", " + r.sql + ")")
	case "endswith":
		return b("suffix("+lower(l)+", "+lower(r)+")", tyBool)
	case "!endswith":
		return not("suffix(" + lower(l) + ", " + lower(r) + ")")
	case "endswith_cs":
		return b("suffix("+l.sql+", "+r.sql+")", tyBool)
	case "!endswith_cs":
		return not("suffix(" + l.sql + ", " + r.sql + ")")
	case "has", "!has", "has_cs", "!has_cs":
		flags := "(?i)"
		if strings.HasSuffix(e.name, "_cs") {
			flags = ""
		}
		var pattern string
		if n := e.args[1]; n.kind == nLit && n.tok.kind == tString {
			pattern = str(flags + `(^|[^[:alnum:]])` + regexp.QuoteMeta(n.tok.text) + `($|[^[:alnum:]])`)
		} else {
			pattern = str(flags+`(^|[^[:alnum:]])`) + " || regexp_escape(" + r.sql + ") || " + str(`($|[^[:alnum:]])`)
		}
		s := "regexp_matches(" + l.sql + ", " + pattern + ")"
		if strings.HasPrefix(e.name, "!") {
			return not(s)
		}
		return b(s, tyBool)
	case "+", "-", "*", "/", "%":
		return tr.arithmetic(e, l, r, agg)
	}
	return value{}, tr.errf(e.off, "unknown operator %q", e.name)
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
	l, err := tr.scalar(e.args[0], cols, aggOK)
	if err != nil {
		return value{}, err
	}
	fold := strings.HasSuffix(e.name, "~")
	var list []string
	for _, a := range e.args[1:] {
		if a.kind != nLit {
			if _, ok := constNumber(a); !ok {
				return value{}, tr.errf(a.off, "%s (…) takes literals only", e.name)
			}
		}
		v, err := tr.scalar(a, cols, false)
		if err != nil {
			return value{}, err
		}
		if fold {
			v.sql = "lower(" + v.sql + ")"
		}
		list = append(list, v.sql)
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

// aggregations are the functions allowed only in summarize.
var aggregations = map[string]bool{
	"count": true, "countif": true, "dcount": true, "sum": true, "avg": true, "min": true, "max": true, "percentile": true,
}

// functions names every function for the error on an unknown one.
const functions = "ago, now, bin, floor, todatetime, toint, tolong, todouble, toreal, todecimal, tostring, strcat, strlen, tolower, toupper, iff, iif, coalesce, not, isnull, isnotnull, isempty, isnotempty, count, countif, dcount, sum, avg, min, max, percentile"

func (tr *translator) call(e *node, cols schema, aggOK bool) (value, error) {
	fn := e.name
	isAgg := aggregations[fn]
	if isAgg && !aggOK {
		return value{}, tr.errf(e.off, "aggregation %s() is only allowed in summarize", fn)
	}
	arity := func(lo, hi int) error {
		if len(e.args) < lo || len(e.args) > hi {
			if lo == hi {
				return tr.errf(e.off, "%s() takes %d argument(s), got %d", fn, lo, len(e.args))
			}
			return tr.errf(e.off, "%s() takes %d to %d arguments, got %d", fn, lo, hi, len(e.args))
		}
		return nil
	}
	// Time functions evaluate at translation time.
	switch fn {
	case "ago", "now":
		lo := 1
		if fn == "now" {
			lo = 0
		}
		if err := arity(lo, 1); err != nil {
			return value{}, err
		}
		var d time.Duration
		if len(e.args) == 1 {
			var ok bool
			if d, ok = constSpan(e.args[0]); !ok {
				return value{}, tr.errf(e.args[0].off, "%s() takes a timespan literal such as 5d", fn)
			}
		}
		if fn == "ago" {
			d = -d
		}
		return value{sql: timestampSQL(tr.now.Add(d)), t: tyDatetime}, nil
	}
	var args []value
	agg := false
	for _, a := range e.args {
		// An aggregation's arguments are per row: no aggregation inside another.
		v, err := tr.scalar(a, cols, aggOK && !isAgg)
		if err != nil {
			return value{}, err
		}
		args = append(args, v)
		agg = agg || v.agg
	}
	ret := func(s string, t typ) (value, error) { return value{sql: s, t: t, agg: agg || isAgg}, nil }
	switch fn {
	case "bin", "floor":
		if err := arity(2, 2); err != nil {
			return value{}, err
		}
		x := args[0]
		if d, ok := constSpan(e.args[1]); ok {
			if d <= 0 {
				return value{}, tr.errf(e.args[1].off, "%s() needs a positive bin size", fn)
			}
			if x.t != tyDatetime && x.t != tyUnknown {
				return value{}, tr.errf(e.args[0].off, "%s() with a timespan size needs a datetime", fn)
			}
			if d%time.Microsecond != 0 {
				return value{}, tr.errf(e.args[1].off, "%s() size below a microsecond", fn)
			}
			return ret("time_bucket("+intervalSQL(d)+", "+x.sql+", TIMESTAMP '1970-01-01 00:00:00')", tyDatetime)
		}
		n, ok := constNumber(e.args[1])
		if !ok {
			return value{}, tr.errf(e.args[1].off, "%s() takes a literal bin size such as 1h or 10", fn)
		}
		if n <= 0 || math.IsInf(n, 0) {
			return value{}, tr.errf(e.args[1].off, "%s() needs a positive bin size", fn)
		}
		if x.t == tyDatetime || x.t == tyTimespan {
			return value{}, tr.errf(e.args[1].off, "%s() of a %s needs a timespan size", fn, map[typ]string{tyDatetime: "datetime", tyTimespan: "timespan"}[x.t])
		}
		if x.t == tyString || x.t == tyBool {
			return value{}, tr.errf(e.args[0].off, "%s() needs a number or a datetime", fn)
		}
		s := "(floor(" + x.sql + " / " + args[1].sql + ") * " + args[1].sql + ")"
		if x.t == tyLong && args[1].t == tyLong {
			return ret("CAST"+s[:len(s)-1]+" AS BIGINT)", tyLong)
		}
		return ret(s, tyReal)
	case "todatetime":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		if args[0].t == tyDatetime {
			return ret(args[0].sql, tyDatetime)
		}
		if args[0].t != tyString && args[0].t != tyUnknown {
			return ret("TRY_CAST("+args[0].sql+" AS TIMESTAMP)", tyDatetime)
		}
		// A cast to TIMESTAMP drops a UTC offset instead of applying it; text that carries
		// one goes through TIMESTAMPTZ, whose offset is explicit, so the session time zone
		// plays no part.
		x := args[0].sql
		return ret("CASE WHEN regexp_matches("+x+", "+str(zonedTime)+") THEN timezone('UTC', TRY_CAST("+x+" AS TIMESTAMPTZ)) ELSE TRY_CAST("+x+" AS TIMESTAMP) END", tyDatetime)
	case "toint", "tolong":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		sqlType := map[string]string{"toint": "INTEGER", "tolong": "BIGINT"}[fn]
		x := args[0].sql
		if args[0].t == tyReal || args[0].t == tyDecimal {
			x = "trunc(" + x + ")" // Kusto truncates; DuckDB's cast rounds.
		}
		return ret("TRY_CAST("+x+" AS "+sqlType+")", tyLong)
	case "todouble", "toreal":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret("TRY_CAST("+args[0].sql+" AS DOUBLE)", tyReal)
	case "todecimal":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret("TRY_CAST("+args[0].sql+" AS DECIMAL(38, 10))", tyDecimal)
	case "tostring":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret(tostring(args[0]), tyString)
	case "strcat":
		if len(e.args) == 0 {
			return value{}, tr.errf(e.off, "strcat() takes at least one argument")
		}
		var parts []string
		for _, a := range args {
			parts = append(parts, tostring(a))
		}
		return ret("concat("+strings.Join(parts, ", ")+")", tyString)
	case "strlen":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret("CAST(length("+args[0].sql+") AS BIGINT)", tyLong)
	case "tolower", "toupper":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret(map[string]string{"tolower": "lower", "toupper": "upper"}[fn]+"("+args[0].sql+")", tyString)
	case "iff", "iif":
		if err := arity(3, 3); err != nil {
			return value{}, err
		}
		t := args[1].t
		if t != args[2].t {
			t = tyUnknown
		}
		return ret("CASE WHEN "+args[0].sql+" THEN "+args[1].sql+" ELSE "+args[2].sql+" END", t)
	case "coalesce":
		if len(args) < 2 {
			return value{}, tr.errf(e.off, "coalesce() takes at least two arguments")
		}
		var parts []string
		for _, a := range args {
			parts = append(parts, a.sql)
		}
		return ret("coalesce("+strings.Join(parts, ", ")+")", args[0].t)
	case "not":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret("(NOT "+args[0].sql+")", tyBool)
	case "isnull":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret("("+args[0].sql+" IS NULL)", tyBool)
	case "isnotnull":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret("("+args[0].sql+" IS NOT NULL)", tyBool)
	case "isempty", "isnotempty":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		x := args[0].sql
		text := x
		if args[0].t != tyString {
			text = "CAST(" + x + " AS VARCHAR)"
		}
		if fn == "isempty" {
			return ret("("+x+" IS NULL OR "+text+" = '')", tyBool)
		}
		return ret("("+x+" IS NOT NULL AND "+text+" <> '')", tyBool)
	case "count":
		if err := arity(0, 0); err != nil {
			return value{}, err
		}
		return ret("count(*)", tyLong)
	case "countif":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret("CAST(count_if("+args[0].sql+") AS BIGINT)", tyLong)
	case "dcount":
		// The accuracy argument is accepted and has nothing to tune: the count is exact.
		if err := arity(1, 2); err != nil {
			return value{}, err
		}
		return ret("count(DISTINCT "+args[0].sql+")", tyLong)
	case "sum":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		if args[0].t == tyLong {
			return ret("CAST(sum("+args[0].sql+") AS BIGINT)", tyLong)
		}
		return ret("sum("+args[0].sql+")", args[0].t)
	case "avg":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret("avg("+args[0].sql+")", tyReal)
	case "min", "max":
		if err := arity(1, 1); err != nil {
			return value{}, err
		}
		return ret(fn+"("+args[0].sql+")", args[0].t)
	case "percentile":
		if err := arity(2, 2); err != nil {
			return value{}, err
		}
		p, ok := constNumber(e.args[1])
		if !ok || p < 0 || p > 100 {
			return value{}, tr.errf(e.args[1].off, "percentile() takes a literal percentage from 0 to 100")
		}
		return ret("quantile_disc("+args[0].sql+", "+strconv.FormatFloat(p/100, 'f', -1, 64)+")", args[0].t)
	}
	return value{}, tr.errf(e.off, "unknown function %q (supported: %s)", fn, functions)
}

// zonedTime matches text that ends in a time with a UTC offset or Z.
const zonedTime = `\d:\d\d(:\d\d(\.\d*)?)?\s*([Zz]|[+-]\d\d(:?\d\d)?)$`

// tostring converts as Kusto's tostring does: NULL becomes "", datetimes are ISO 8601 in UTC.
func tostring(v value) string {
	switch v.t {
	case tyString:
		return v.sql
	case tyDatetime:
		return "coalesce(strftime(" + v.sql + ", '%Y-%m-%dT%H:%M:%S.%fZ'), '')"
	}
	return "coalesce(CAST(" + v.sql + " AS VARCHAR), '')"
}
