package kql

import (
	"strconv"
	"strings"
)

// script is a whole query: let statements, then one tabular expression.
type script struct {
	lets []*letStmt
	body *pipeline
}

// letStmt binds a name to a scalar or to a tabular expression.
type letStmt struct {
	name   token
	scalar *node
	tab    *pipeline
}

// pipeline is a source and its tabular operators in order.
type pipeline struct {
	src *source
	ops []*operator
}

// source is what a pipeline starts from.
type source struct {
	kind   string // table, sub, union, datatable, search, print
	off    int
	name   token     // table: a lake table or a tabular let
	sub    *pipeline // sub: a parenthesised pipeline
	union  *unionSpec
	data   *datatableSpec
	search *searchSpec
	print  []item // print: one row of these values
}

// unionSpec is union's arguments: tables (maybe with a trailing *) and subqueries.
type unionSpec struct {
	fuzzy      bool
	withSource string
	parts      []*source
}

type datatableSpec struct {
	cols  []token // names
	types []token // type names, one a column
	vals  []*node // row-major
}

type searchSpec struct {
	tables []*source // empty: every lake table
	pred   *node
}

// joinSpec is join's arguments.
type joinSpec struct {
	kind  string
	right *pipeline
	on    []joinKey
}

// joinKey pairs a left and a right column.
type joinKey struct {
	left, right string
	off         int
}

// parseSpec is parse's pattern: literals, columns and * in order.
type parseSpec struct {
	kind  string // simple, relaxed, regex
	fold  bool   // flags=i
	e     *node
	parts []parsePart
}

type parsePart struct {
	off  int
	lit  string // a literal (or a regular expression for kind=regex)
	col  string // a column to extract
	typ  string // the column's type, string by default
	star bool   // *: anything, skipped
}

// renderSpec is render's chart kind and title.
type renderSpec struct {
	kind  string
	title string
}

// operator is one tabular operator after a "|".
type operator struct {
	kind   string // where, project, project-away, project-keep, project-rename, project-reorder, extend, summarize, distinct, count, order, take, top, join, union, parse, render, search, mv-expand
	off    int
	items  []item     // where: one unnamed item; project, extend, summarize aggregates, distinct, project-away, project-rename
	by     []item     // summarize … by
	keys   []orderKey // order, top
	n      int64      // take, top
	all    bool       // distinct *
	join   *joinSpec
	union  *unionSpec
	parse  *parseSpec
	render *renderSpec
	search *searchSpec
	expand *expandSpec
}

// expandSpec is mv-expand's arguments.
type expandSpec struct {
	index string // with_itemindex
	items []item
	types []string // to typeof(T), "" when not given
}

// item is an expression with the name it was given ("name = expr"), if any.
type item struct {
	name    string
	nameOff int
	e       *node
}

type orderKey struct {
	e          *node
	desc       bool
	nullsFirst bool
}

type nodeKind int

const (
	nCol     nodeKind = iota // name
	nLit                     // tok
	nCall                    // name(args)
	nBinary                  // args[0] name args[1]
	nUnary                   // name args[0]
	nIn                      // args[0] name (args[1:]…)
	nBetween                 // args[0] name (args[1] .. args[2])
	nMember                  // args[0].name or args[0]['name']
	nIndex                   // args[0][args[1]]
	nStar                    // * in where * has …, arg_max(x, *)
)

// node is an expression.
type node struct {
	kind nodeKind
	off  int
	name string
	tok  token
	args []*node
}

type parser struct {
	q       string
	toks    []token
	i       int
	depth   int // nesting of expressions, bounded so that no query can exhaust the stack
	tabular map[string]bool
	// lets and tabs hold the let statements read so far: a later name refers to them, and a
	// let refers only to those before it, so no binding can refer to itself.
	lets       map[string]*node
	tabs       map[string]*pipeline
	expansions int
	inSearch   bool // a bare string is a term and Col:"x" a column match
	// knownTable tells a table from a scalar name in "let x = T;".
	knownTable func(string) bool
}

// maxDepth bounds how deeply expressions nest: far beyond what a person writes.
const maxDepth = 200

// maxExpansions bounds how often tabular lets are used, since each use is a copy of its
// query: "let b = union a, a; let c = union b, b; …" doubles at every step.
const maxExpansions = 64

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errf(t token, format string, args ...any) error {
	return errAt(p.q, t.off, format, args...)
}

// isOp reports whether the next token is the operator op.
func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == op
}

// isWord reports whether the next token is the keyword w (keywords are case-sensitive in
// Kusto, as are names).
func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tIdent && t.text == w
}

func (p *parser) expectOp(op string) (token, error) {
	t := p.advance()
	if t.kind != tOp || t.text != op {
		return t, p.errf(t, "expected %q, found %s", op, t)
	}
	return t, nil
}

func (p *parser) expectWord(w string) error {
	t := p.advance()
	if t.kind != tIdent || t.text != w {
		return p.errf(t, "expected %q, found %s", w, t)
	}
	return nil
}

// name reads a column name: a plain identifier or ['bracketed name'].
func (p *parser) name() (token, error) {
	t := p.advance()
	if t.kind != tIdent && t.kind != tQuoted {
		return t, p.errf(t, "expected a column name, found %s", t)
	}
	return t, nil
}

// parse reads a whole query: "let name = …;" statements, then one tabular expression.
func parse(q string, knownTable func(string) bool) (*script, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{q: q, toks: toks, tabular: map[string]bool{}, lets: map[string]*node{}, tabs: map[string]*pipeline{}, knownTable: knownTable}
	sc := &script{}
	for p.isWord("let") {
		l, err := p.let()
		if err != nil {
			return nil, err
		}
		sc.lets = append(sc.lets, l)
	}
	if t := p.peek(); t.kind == tEOF && len(sc.lets) > 0 {
		return nil, p.errf(t, "the query has no tabular expression after its let statements")
	}
	if sc.body, err = p.pipeline(); err != nil {
		return nil, err
	}
	for p.isOp(";") {
		p.advance()
	}
	if t := p.peek(); t.kind != tEOF {
		if t.kind == tOp && (t.text == "," || t.text == ")") || t.kind == tIdent {
			return nil, p.errf(t, "unexpected %s (missing \"|\"?)", t)
		}
		return nil, p.errf(t, "expected \"|\" or the end of the query, found %s", t)
	}
	return sc, nil
}

// let reads "let name = expression;", tabular or scalar.
func (p *parser) let() (*letStmt, error) {
	p.advance()
	name, err := p.name()
	if err != nil {
		return nil, err
	}
	if _, err := p.expectOp("="); err != nil {
		return nil, err
	}
	l := &letStmt{name: name}
	if p.isOp("(") && p.startsFunction() {
		return nil, p.errf(p.peek(), "let functions (name = (params) { … }) are not supported")
	}
	if p.startsTabular() {
		if l.tab, err = p.pipeline(); err != nil {
			return nil, err
		}
		p.tabular[name.text] = true
		p.tabs[name.text] = l.tab
		delete(p.lets, name.text)
	} else {
		if l.scalar, err = p.expr(); err != nil {
			return nil, err
		}
		p.lets[name.text] = l.scalar
		delete(p.tabs, name.text)
		delete(p.tabular, name.text)
	}
	if !p.isOp(";") {
		return nil, p.errf(p.peek(), "expected \";\" after the let statement, found %s", p.peek())
	}
	for p.isOp(";") {
		p.advance()
	}
	return l, nil
}

// startsFunction reports whether "(" opens a parameter list followed by a body in braces.
func (p *parser) startsFunction() bool {
	depth := 0
	for i := p.i; i < len(p.toks); i++ {
		t := p.toks[i]
		if t.kind == tEOF {
			return false
		}
		if t.kind == tOp && t.text == "(" {
			depth++
		}
		if t.kind == tOp && t.text == ")" {
			depth--
			if depth == 0 {
				n := p.toks[min(i+1, len(p.toks)-1)]
				return n.kind == tOp && n.text == "{"
			}
		}
	}
	return false
}

// tabularStarts are the words that begin a tabular expression.
var tabularStarts = map[string]bool{"union": true, "datatable": true, "search": true, "view": true, "range": true, "print": true, "materialize": true, "find": true, "externaldata": true, "evaluate": true}

// startsTabular reports whether a let's value is a tabular expression: a source word, a
// table followed by "|", a known table or tabular let, or a parenthesised pipeline.
func (p *parser) startsTabular() bool {
	t := p.peek()
	next := p.toks[min(p.i+1, len(p.toks)-1)]
	switch {
	case t.kind == tIdent && tabularStarts[t.text] && !(next.kind == tOp && next.text == "("):
		return true
	case t.kind == tIdent && t.text == "datatable":
		return true
	case (t.kind == tIdent || t.kind == tQuoted) && next.kind == tOp && next.text == "|":
		return true
	case (t.kind == tIdent || t.kind == tQuoted) && next.kind == tOp && next.text == ";":
		return p.tabular[t.text] || p.isTable(t.text)
	case t.kind == tOp && t.text == "(":
		// ( T | … ) is tabular; ( 1 + 2 ) is not.
		a, b := p.toks[min(p.i+1, len(p.toks)-1)], p.toks[min(p.i+2, len(p.toks)-1)]
		return (a.kind == tIdent || a.kind == tQuoted) && b.kind == tOp && b.text == "|"
	}
	return false
}

// pipeline reads a source and its "| operator"s.
func (p *parser) pipeline() (*pipeline, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errf(p.peek(), "query nested more than %d deep", maxDepth)
	}
	src, err := p.source()
	if err != nil {
		return nil, err
	}
	pl := &pipeline{src: src}
	for p.isOp("|") {
		p.advance()
		op, err := p.operator()
		if err != nil {
			return nil, err
		}
		if n := len(pl.ops); n > 0 && pl.ops[n-1].kind == "render" {
			return nil, errAt(p.q, op.off, "render must be the last operator")
		}
		pl.ops = append(pl.ops, op)
		if t := p.peek(); t.kind != tEOF && !p.isOp("|") && !p.isOp(")") && !p.isOp(";") && !p.isOp(",") {
			return nil, p.errf(t, "unexpected %s after %s (missing \"|\" or \",\"?)", t, op.kind)
		}
	}
	return pl, nil
}

// source reads what a pipeline starts from.
func (p *parser) source() (*source, error) {
	t := p.peek()
	switch {
	case t.kind == tOp && t.text == "(":
		p.advance()
		sub, err := p.pipeline()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &source{kind: "sub", off: t.off, sub: sub}, nil
	case t.kind == tIdent && t.text == "union":
		p.advance()
		u, err := p.unionArgs()
		if err != nil {
			return nil, err
		}
		return &source{kind: "union", off: t.off, union: u}, nil
	case t.kind == tIdent && t.text == "datatable":
		p.advance()
		d, err := p.datatable()
		if err != nil {
			return nil, err
		}
		return &source{kind: "datatable", off: t.off, data: d}, nil
	case t.kind == tIdent && t.text == "print" && !p.tabular["print"] && !p.isTable("print"):
		p.advance()
		items, err := p.items(true)
		if err != nil {
			return nil, err
		}
		return &source{kind: "print", off: t.off, print: items}, nil
	case t.kind == tIdent && t.text == "search":
		p.advance()
		s, err := p.searchArgs(true)
		if err != nil {
			return nil, err
		}
		return &source{kind: "search", off: t.off, search: s}, nil
	case t.kind == tIdent && tabularStarts[t.text] && !p.tabular[t.text] && !p.isTable(t.text):
		return nil, p.errf(t, "%s is not supported", t.text)
	case t.kind == tIdent || t.kind == tQuoted:
		p.advance()
		if p.isOp("(") {
			return nil, p.errf(t, "a query cannot start with the function %s()", t.text)
		}
		if sub, ok := p.tabs[t.text]; ok {
			p.expansions++
			if p.expansions > maxExpansions {
				return nil, p.errf(t, "the query refers to its let statements more than %d times", maxExpansions)
			}
			return &source{kind: "sub", off: t.off, sub: sub}, nil
		}
		return &source{kind: "table", off: t.off, name: t}, nil
	}
	return nil, p.errf(t, "expected a table name, found %s", t)
}

// unionArgs reads "[kind=…] [withsource=Name] [isfuzzy=true|false] T, T*, (query), …".
func (p *parser) unionArgs() (*unionSpec, error) {
	u := &unionSpec{}
	for {
		t := p.peek()
		next := p.toks[min(p.i+1, len(p.toks)-1)]
		if t.kind != tIdent || next.kind != tOp || next.text != "=" {
			break
		}
		p.advance()
		p.advance()
		v := p.advance()
		switch t.text {
		case "isfuzzy":
			if v.kind != tIdent || (v.text != "true" && v.text != "false") {
				return nil, p.errf(v, "isfuzzy takes true or false")
			}
			u.fuzzy = v.text == "true"
		case "withsource":
			if v.kind != tIdent && v.kind != tQuoted {
				return nil, p.errf(v, "withsource takes a column name")
			}
			u.withSource = v.text
		case "kind":
			if v.kind != tIdent || (v.text != "outer" && v.text != "inner") {
				return nil, p.errf(v, "union kind is inner or outer")
			}
			if v.text == "inner" {
				return nil, p.errf(v, "union kind=inner is not supported")
			}
		default:
			return nil, p.errf(t, "union parameter %s is not supported", t.text)
		}
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tOp && t.text == "(":
			p.advance()
			sub, err := p.pipeline()
			if err != nil {
				return nil, err
			}
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
			u.parts = append(u.parts, &source{kind: "sub", off: t.off, sub: sub})
		case t.kind == tIdent || t.kind == tQuoted:
			p.advance()
			name := t
			// A trailing * right after the name is a wildcard: union Aml*.
			if n := p.peek(); n.kind == tOp && n.text == "*" && n.off == t.off+len(t.text) {
				p.advance()
				name.text += "*"
			}
			u.parts = append(u.parts, &source{kind: "table", off: t.off, name: name})
		default:
			return nil, p.errf(t, "expected a table or a (query) in union, found %s", t)
		}
		if !p.isOp(",") {
			return u, nil
		}
		p.advance()
	}
}

// datatable reads "(Name:type, …) [value, …]".
func (p *parser) datatable() (*datatableSpec, error) {
	d := &datatableSpec{}
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	for {
		name, err := p.name()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(":"); err != nil {
			return nil, err
		}
		typ := p.advance()
		if typ.kind != tIdent {
			return nil, p.errf(typ, "expected a type name, found %s", typ)
		}
		d.cols = append(d.cols, name)
		d.types = append(d.types, typ)
		if !p.isOp(",") {
			break
		}
		p.advance()
	}
	if _, err := p.expectOp(")"); err != nil {
		return nil, err
	}
	// ["only"] lexes as a bracketed name: a one-value list.
	if t := p.peek(); t.kind == tQuoted {
		p.advance()
		d.vals = append(d.vals, &node{kind: nLit, off: t.off, tok: token{kind: tString, text: t.text, off: t.off}})
		if len(d.cols) != 1 {
			return nil, errAt(p.q, d.cols[0].off, "datatable has 1 value for %d columns", len(d.cols))
		}
		return d, nil
	}
	var err error
	if d.vals, err = p.delimited("[", "]", p.unary, true); err != nil {
		return nil, err
	}
	if len(d.vals)%len(d.cols) != 0 {
		return nil, errAt(p.q, d.cols[0].off, "datatable has %d values for %d columns", len(d.vals), len(d.cols))
	}
	return d, nil
}

// searchArgs reads "[kind=case_insensitive] [in (T, …)] predicate"; as the first word of a
// query (source) it may name tables with in.
func (p *parser) searchArgs(source bool) (*searchSpec, error) {
	s := &searchSpec{}
	if p.isWord("kind") {
		t := p.advance()
		if _, err := p.expectOp("="); err != nil {
			return nil, err
		}
		v := p.advance()
		if v.kind != tIdent || v.text != "case_insensitive" {
			return nil, p.errf(t, "search kind=%s is not supported", v.text)
		}
	}
	if p.isWord("in") {
		t := p.advance()
		if !source {
			return nil, p.errf(t, "search in (…) only starts a query")
		}
		u, err := p.parenTables()
		if err != nil {
			return nil, err
		}
		s.tables = u
	}
	p.inSearch = true
	e, err := p.expr()
	p.inSearch = false
	if err != nil {
		return nil, err
	}
	s.pred = e
	return s, nil
}

// parenTables reads "(T, T*, …)".
func (p *parser) parenTables() ([]*source, error) {
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	var out []*source
	for {
		t, err := p.name()
		if err != nil {
			return nil, err
		}
		if n := p.peek(); n.kind == tOp && n.text == "*" && n.off == t.off+len(t.text) {
			p.advance()
			t.text += "*"
		}
		out = append(out, &source{kind: "table", off: t.off, name: t})
		if !p.isOp(",") {
			break
		}
		p.advance()
	}
	if _, err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return out, nil
}

// isTable reports whether name is a table the translation knows; the parser asks only to
// tell "let x = T;" (tabular) from "let x = y;" (scalar).
func (p *parser) isTable(name string) bool {
	return p.knownTable != nil && p.knownTable(name)
}

func (p *parser) operator() (*operator, error) {
	t := p.advance()
	if t.kind != tIdent {
		return nil, p.errf(t, "expected a tabular operator, found %s", t)
	}
	for _, o := range tabularOperators() {
		for _, name := range o.names {
			if name != t.text {
				continue
			}
			op := &operator{kind: o.names[0], off: t.off}
			if err := o.parse(p, op, t); err != nil {
				return nil, err
			}
			return op, nil
		}
	}
	return nil, p.errf(t, "operator %q is not supported (supported: %s)", t.text, operatorNames())
}

// skipHints skips hint.name=value pairs, which tune Kusto's execution and mean nothing here.
func (p *parser) skipHints() {
	for {
		t := p.peek()
		if t.kind != tIdent || t.text != "hint" || !(p.toks[p.i+1].kind == tOp && p.toks[p.i+1].text == ".") {
			return
		}
		for !p.isOp("=") && p.peek().kind != tEOF {
			p.advance()
		}
		p.advance()
		p.advance()
	}
}

// joinKinds maps join's kinds to themselves; innerunique is the default.
var joinKinds = map[string]bool{
	"innerunique": true, "inner": true, "leftouter": true, "rightouter": true, "fullouter": true,
	"leftanti": true, "anti": true, "leftantisemi": true, "rightanti": true, "rightantisemi": true,
	"leftsemi": true, "rightsemi": true,
}

// joinArgs reads "[kind=K] [hint.…] (right) on keys" (lookup: leftouter by default).
func (p *parser) joinArgs(lookup bool) (*joinSpec, error) {
	j := &joinSpec{kind: "innerunique"}
	if lookup {
		j.kind = "leftouter"
	}
	for {
		p.skipHints()
		if !p.isWord("kind") {
			break
		}
		p.advance()
		if _, err := p.expectOp("="); err != nil {
			return nil, err
		}
		k := p.advance()
		if k.kind != tIdent || !joinKinds[k.text] || lookup && k.text != "leftouter" && k.text != "inner" {
			return nil, p.errf(k, "join kind %s is not supported", k)
		}
		j.kind = map[string]string{"anti": "leftanti", "leftantisemi": "leftanti", "rightantisemi": "rightanti"}[k.text]
		if j.kind == "" {
			j.kind = k.text
		}
	}
	var err error
	if p.isOp("(") {
		p.advance()
		if j.right, err = p.pipeline(); err != nil {
			return nil, err
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
	} else {
		if t := p.peek(); t.kind != tIdent && t.kind != tQuoted {
			return nil, p.errf(t, "expected a table or a (query) to join, found %s", t)
		}
		src, err := p.source()
		if err != nil {
			return nil, err
		}
		j.right = &pipeline{src: src}
	}
	if err := p.expectWord("on"); err != nil {
		return nil, err
	}
	for {
		e, err := p.comparison()
		if err != nil {
			return nil, err
		}
		k, ok := joinKeyOf(e)
		if !ok {
			return nil, errAt(p.q, e.off, "join on takes column names or $left.A == $right.B")
		}
		j.on = append(j.on, k)
		if !p.isOp(",") && !p.isWord("and") {
			return j, nil
		}
		p.advance()
	}
}

// joinKeyOf reads "Col" or "$left.A == $right.B" (either order).
func joinKeyOf(e *node) (joinKey, bool) {
	side := func(n *node) (string, string, bool) {
		if n.kind == nMember && n.args[0].kind == nCol && (n.args[0].name == "$left" || n.args[0].name == "$right") {
			return n.args[0].name, n.name, true
		}
		return "", "", false
	}
	switch {
	case e.kind == nCol && !strings.HasPrefix(e.name, "$"):
		return joinKey{left: e.name, right: e.name, off: e.off}, true
	case e.kind == nBinary && e.name == "==":
		s1, c1, ok1 := side(e.args[0])
		s2, c2, ok2 := side(e.args[1])
		if !ok1 || !ok2 || s1 == s2 {
			return joinKey{}, false
		}
		if s1 == "$right" {
			c1, c2 = c2, c1
		}
		return joinKey{left: c1, right: c2, off: e.off}, true
	}
	return joinKey{}, false
}

// parseArgs reads "[kind=simple|relaxed|regex [flags=…]] expr with pattern".
func (p *parser) parseArgs() (*parseSpec, error) {
	ps := &parseSpec{kind: "simple"}
	for p.isWord("kind") || p.isWord("flags") {
		w := p.advance()
		if _, err := p.expectOp("="); err != nil {
			return nil, err
		}
		v := p.advance()
		if w.text == "kind" {
			if v.kind != tIdent || (v.text != "simple" && v.text != "regex" && v.text != "relaxed") {
				return nil, p.errf(v, "parse kind is simple, relaxed or regex")
			}
			ps.kind = v.text
			continue
		}
		if v.kind != tIdent || strings.Trim(v.text, "imsU") != "" {
			return nil, p.errf(v, "parse flags are letters of imsU")
		}
		if strings.ContainsAny(v.text, "msU") {
			return nil, p.errf(v, "parse flags other than i are not supported")
		}
		ps.fold = true
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	ps.e = e
	if err := p.expectWord("with"); err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tOp && t.text == "*":
			p.advance()
			ps.parts = append(ps.parts, parsePart{off: t.off, star: true})
		case t.kind == tString:
			p.advance()
			ps.parts = append(ps.parts, parsePart{off: t.off, lit: t.text})
		case t.kind == tIdent || t.kind == tQuoted:
			p.advance()
			part := parsePart{off: t.off, col: t.text, typ: "string"}
			if p.isOp(":") {
				p.advance()
				ty := p.advance()
				if ty.kind != tIdent {
					return nil, p.errf(ty, "expected a type name, found %s", ty)
				}
				part.typ = ty.text
			}
			ps.parts = append(ps.parts, part)
		default:
			if len(ps.parts) == 0 {
				return nil, p.errf(t, "parse needs a pattern after with")
			}
			return ps, nil
		}
	}
}

// renderArgs reads "kind [with (name = value, …)]"; only the title is kept.
func (p *parser) renderArgs() (*renderSpec, error) {
	t := p.advance()
	if t.kind != tIdent {
		return nil, p.errf(t, "expected a chart kind after render, found %s", t)
	}
	r := &renderSpec{kind: t.text}
	if !p.isWord("with") {
		return r, nil
	}
	p.advance()
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	depth := 1
	for depth > 0 {
		t := p.advance()
		switch {
		case t.kind == tEOF:
			return nil, p.errf(t, "render with ( is not closed")
		case t.kind == tOp && t.text == "(":
			depth++
		case t.kind == tOp && t.text == ")":
			depth--
		case t.kind == tIdent && t.text == "title" && p.isOp("="):
			p.advance()
			if v := p.advance(); v.kind == tString {
				r.title = v.text
			}
		}
	}
	return r, nil
}

// count reads the row count of take and top.
func (p *parser) count() (int64, error) {
	t := p.advance()
	if t.kind != tInt {
		return 0, p.errf(t, "expected a row count, found %s", t)
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return 0, p.errf(t, "bad row count %s", t)
	}
	return n, nil
}

// items reads "[name =] expr, …".
func (p *parser) items(named bool) ([]item, error) {
	var items []item
	for {
		var it item
		t := p.peek()
		if named && (t.kind == tIdent || t.kind == tQuoted) && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].text == "=" {
			p.advance()
			p.advance()
			it.name, it.nameOff = t.text, t.off
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		it.e = e
		items = append(items, it)
		if !p.isOp(",") {
			return items, nil
		}
		p.advance()
	}
}

// names reads "col, col, …"; with wild, a name may end in * (project-away Extra*).
func (p *parser) names(wild bool) ([]item, error) {
	var items []item
	for {
		t, err := p.name()
		if err != nil {
			return nil, err
		}
		if n := p.peek(); wild && n.kind == tOp && n.text == "*" && n.off == t.off+len(t.text) {
			p.advance()
			t.text += "*"
		}
		items = append(items, item{e: &node{kind: nCol, off: t.off, name: t.text}})
		if !p.isOp(",") {
			return items, nil
		}
		p.advance()
	}
}

// orderKeys reads "expr [asc|desc] [nulls first|last], …"; Kusto sorts descending unless
// told otherwise, and puts nulls where the direction implies.
func (p *parser) orderKeys(many bool) ([]orderKey, error) {
	var keys []orderKey
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		k := orderKey{e: e, desc: true}
		if p.isWord("asc") {
			p.advance()
			k.desc = false
		} else if p.isWord("desc") {
			p.advance()
		}
		k.nullsFirst = !k.desc
		if p.isWord("nulls") {
			p.advance()
			t := p.advance()
			switch {
			case t.kind == tIdent && t.text == "first":
				k.nullsFirst = true
			case t.kind == tIdent && t.text == "last":
				k.nullsFirst = false
			default:
				return nil, p.errf(t, "expected first or last after nulls, found %s", t)
			}
		}
		keys = append(keys, k)
		if !many || !p.isOp(",") {
			return keys, nil
		}
		p.advance()
	}
}

// Expressions, lowest precedence first: or, and, comparisons and string operators,
// + -, * / %, unary -, primaries.

func (p *parser) expr() (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errf(p.peek(), "expression nested more than %d deep", maxDepth)
	}
	return p.or()
}

func (p *parser) or() (*node, error) {
	l, err := p.and()
	for err == nil && p.isWord("or") {
		t := p.advance()
		var r *node
		if r, err = p.and(); err == nil {
			l = &node{kind: nBinary, off: t.off, name: "or", args: []*node{l, r}}
		}
	}
	return l, err
}

func (p *parser) and() (*node, error) {
	l, err := p.comparison()
	for err == nil && p.isWord("and") {
		t := p.advance()
		var r *node
		if r, err = p.comparison(); err == nil {
			l = &node{kind: nBinary, off: t.off, name: "and", args: []*node{l, r}}
		}
	}
	return l, err
}

func (p *parser) comparison() (*node, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tOp && t.kind != tIdent {
		return l, nil
	}
	op, _, _, known := lookupOperator(t.text)
	switch {
	case known && (op.kind == opCompare || op.kind == opText):
		p.advance()
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &node{kind: nBinary, off: t.off, name: t.text, args: []*node{l, r}}, nil
	case t.text == "in" || t.text == "!in" || t.text == "in~" || t.text == "!in~" || t.text == "has_any" || t.text == "has_all":
		p.advance()
		// has_any () and has_all () take an empty list; in () does not.
		args, err := p.listOf(l, t.text == "has_any" || t.text == "has_all")
		if err != nil {
			return nil, err
		}
		return &node{kind: nIn, off: t.off, name: t.text, args: args}, nil
	case t.text == ":" && p.inSearch:
		p.advance()
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &node{kind: nBinary, off: t.off, name: "has", args: []*node{l, r}}, nil
	case t.text == "between" || t.text == "!between":
		p.advance()
		if _, err := p.expectOp("("); err != nil {
			return nil, err
		}
		lo, err := p.additive()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(".."); err != nil {
			return nil, err
		}
		hi, err := p.additive()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &node{kind: nBetween, off: t.off, name: t.text, args: []*node{l, lo, hi}}, nil
	}
	return l, nil
}

func (p *parser) additive() (*node, error) {
	l, err := p.multiplicative()
	for err == nil && (p.isOp("+") || p.isOp("-")) {
		t := p.advance()
		var r *node
		if r, err = p.multiplicative(); err == nil {
			l = &node{kind: nBinary, off: t.off, name: t.text, args: []*node{l, r}}
		}
	}
	return l, err
}

func (p *parser) multiplicative() (*node, error) {
	l, err := p.unary()
	for err == nil && (p.isOp("*") || p.isOp("/") || p.isOp("%")) {
		t := p.advance()
		var r *node
		if r, err = p.unary(); err == nil {
			l = &node{kind: nBinary, off: t.off, name: t.text, args: []*node{l, r}}
		}
	}
	return l, err
}

func (p *parser) unary() (*node, error) {
	if p.isOp("-") || p.isOp("+") {
		t := p.advance()
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, p.errf(t, "expression nested more than %d deep", maxDepth)
		}
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{kind: nUnary, off: t.off, name: t.text, args: []*node{e}}, nil
	}
	return p.primary()
}

// primary reads an operand and what follows it: .Field, ['Field'], [index].
func (p *parser) primary() (*node, error) {
	n, err := p.operand()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tOp && t.text == "." && n.kind != nStar:
			p.advance()
			f := p.advance()
			if f.kind != tIdent && f.kind != tQuoted {
				return nil, p.errf(f, "expected a property name after \".\", found %s", f)
			}
			n = &node{kind: nMember, off: t.off, name: f.text, args: []*node{n}}
		case t.kind == tQuoted && n.kind != nStar && n.kind != nLit:
			// d['Field'] lexes as a bracketed name right after the value.
			p.advance()
			n = &node{kind: nMember, off: t.off, name: t.text, args: []*node{n}}
		case t.kind == tOp && t.text == "[" && n.kind != nStar && n.kind != nLit:
			p.advance()
			i, err := p.expr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expectOp("]"); err != nil {
				return nil, err
			}
			n = &node{kind: nIndex, off: t.off, args: []*node{n, i}}
		default:
			return n, nil
		}
	}
}

func (p *parser) operand() (*node, error) {
	t := p.advance()
	switch t.kind {
	case tString, tInt, tReal, tTimespan, tDatetime, tDynamic:
		return &node{kind: nLit, off: t.off, tok: t}, nil
	case tQuoted:
		return &node{kind: nCol, off: t.off, name: t.text}, nil
	case tIdent:
		if t.text == "true" || t.text == "false" {
			return &node{kind: nLit, off: t.off, tok: t}, nil
		}
		if p.isOp("(") {
			n := &node{kind: nCall, off: t.off, name: strings.ToLower(t.text)}
			if n.name != t.text {
				return nil, p.errf(t, "unknown function %q", t.text)
			}
			args, err := p.delimited("(", ")", p.expr, true)
			if err != nil {
				return nil, err
			}
			n.args = args
			return n, nil
		}
		if v, ok := p.lets[t.text]; ok {
			return v, nil
		}
		return &node{kind: nCol, off: t.off, name: t.text}, nil
	case tOp:
		if t.text == "*" {
			return &node{kind: nStar, off: t.off}, nil
		}
		if t.text == "(" {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return e, nil
		}
	}
	return nil, p.errf(t, "expected an expression, found %s", t)
}

// mvExpandArgs reads "[kind=array|bag] [with_itemindex=I] [Name =] x [to typeof(T)], …".
func (p *parser) mvExpandArgs() (*expandSpec, error) {
	x := &expandSpec{}
	for p.isWord("kind") || p.isWord("bagexpansion") || p.isWord("with_itemindex") {
		w := p.advance()
		if _, err := p.expectOp("="); err != nil {
			return nil, err
		}
		v, err := p.name()
		if err != nil {
			return nil, err
		}
		switch {
		case w.text == "with_itemindex":
			x.index = v.text
		case v.text != "array" && v.text != "bag":
			return nil, p.errf(v, "mv-expand kind is array or bag")
		}
	}
	for {
		its, err := p.itemsOne()
		if err != nil {
			return nil, err
		}
		typ := ""
		if p.isWord("to") {
			p.advance()
			if err := p.expectWord("typeof"); err != nil {
				return nil, err
			}
			if _, err := p.expectOp("("); err != nil {
				return nil, err
			}
			t, err := p.name()
			if err != nil {
				return nil, err
			}
			typ = t.text
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
		}
		x.items = append(x.items, its)
		x.types = append(x.types, typ)
		if !p.isOp(",") {
			break
		}
		p.advance()
	}
	if p.isWord("limit") {
		return nil, p.errf(p.peek(), "mv-expand limit is not supported")
	}
	return x, nil
}

// itemsOne reads one "[name =] expr".
func (p *parser) itemsOne() (item, error) {
	var it item
	t := p.peek()
	if (t.kind == tIdent || t.kind == tQuoted) && p.toks[p.i+1].kind == tOp && p.toks[p.i+1].text == "=" {
		p.advance()
		p.advance()
		it.name, it.nameOff = t.text, t.off
	}
	e, err := p.expr()
	it.e = e
	return it, err
}

// listOf reads "(e, e, ...)" after a list operator and returns first followed by the
// expressions; an empty list is accepted only when empty says so.
func (p *parser) listOf(first *node, empty bool) ([]*node, error) {
	args, err := p.delimited("(", ")", p.additive, empty)
	if err != nil {
		return nil, err
	}
	return append([]*node{first}, args...), nil
}

// delimited reads "open e, e, ... close", each e read by elem; no e at all is accepted only
// when empty says so.
func (p *parser) delimited(open, close string, elem func() (*node, error), empty bool) ([]*node, error) {
	if _, err := p.expectOp(open); err != nil {
		return nil, err
	}
	var out []*node
	for !empty || !p.isOp(close) {
		e, err := elem()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		if !p.isOp(",") {
			break
		}
		p.advance()
	}
	if _, err := p.expectOp(close); err != nil {
		return nil, err
	}
	return out, nil
}
