package kql

import (
	"strconv"
	"strings"
)

// query is a parsed pipeline: a table and its tabular operators in order.
type query struct {
	table token
	ops   []*operator
}

// operator is one tabular operator after a "|".
type operator struct {
	kind  string // where, project, project-away, project-rename, extend, summarize, distinct, count, order, take, top
	off   int
	items []item     // where: one unnamed item; project, extend, summarize aggregates, distinct, project-away, project-rename
	by    []item     // summarize … by
	keys  []orderKey // order, top
	n     int64      // take, top
	all   bool       // distinct *
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
)

// node is an expression.
type node struct {
	kind nodeKind
	off  int
	name string
	tok  token
	args []*node
}

// supportedOperators is named in the error for an operator outside the subset.
const supportedOperators = "where, project, project-away, project-rename, extend, summarize, distinct, count, order by, sort by, take, limit, top"

type parser struct {
	q     string
	toks  []token
	i     int
	depth int // nesting of expressions, bounded so that no query can exhaust the stack
}

// maxDepth bounds how deeply expressions nest: far beyond what a person writes.
const maxDepth = 200

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

func parse(q string) (*query, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{q: q, toks: toks}
	t := p.advance()
	if t.kind != tIdent && t.kind != tQuoted {
		return nil, p.errf(t, "expected a table name, found %s", t)
	}
	qu := &query{table: t}
	if !p.isOp("|") {
		if t := p.peek(); t.kind != tEOF {
			return nil, p.errf(t, "expected \"|\" or the end of the query, found %s", t)
		}
		return qu, nil
	}
	for p.isOp("|") {
		p.advance()
		op, err := p.operator()
		if err != nil {
			return nil, err
		}
		qu.ops = append(qu.ops, op)
		if t := p.peek(); t.kind != tEOF && !p.isOp("|") {
			return nil, p.errf(t, "unexpected %s after %s (missing \"|\" or \",\"?)", t, op.kind)
		}
	}
	return qu, nil
}

func (p *parser) operator() (*operator, error) {
	t := p.advance()
	if t.kind != tIdent {
		return nil, p.errf(t, "expected a tabular operator, found %s", t)
	}
	op := &operator{kind: t.text, off: t.off}
	var err error
	switch t.text {
	case "where", "filter":
		op.kind = "where"
		var e *node
		e, err = p.expr()
		op.items = []item{{e: e}}
	case "project", "extend":
		op.items, err = p.items(true)
	case "project-away":
		op.items, err = p.names()
	case "project-rename":
		op.items, err = p.items(true)
		for _, it := range op.items {
			if err == nil && (it.name == "" || it.e.kind != nCol) {
				err = errAt(p.q, it.e.off, "project-rename expects new = old")
			}
		}
	case "summarize":
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
	case "distinct":
		if p.isOp("*") {
			p.advance()
			op.all = true
		} else {
			op.items, err = p.names()
		}
	case "count":
	case "order", "sort":
		op.kind = "order"
		if err = p.expectWord("by"); err == nil {
			op.keys, err = p.orderKeys(true)
		}
	case "take", "limit":
		op.kind = "take"
		op.n, err = p.count()
	case "top":
		if op.n, err = p.count(); err == nil {
			if err = p.expectWord("by"); err == nil {
				op.keys, err = p.orderKeys(false)
			}
		}
	default:
		return nil, p.errf(t, "operator %q is not supported (supported: %s)", t.text, supportedOperators)
	}
	if err != nil {
		return nil, err
	}
	return op, nil
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

// names reads "col, col, …".
func (p *parser) names() ([]item, error) {
	var items []item
	for {
		t, err := p.name()
		if err != nil {
			return nil, err
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

// comparisonOps are the binary operators between additive expressions; string operators
// are words (contains) or "!"-words lexed as one operator (!contains).
var comparisonOps = map[string]bool{
	"==": true, "!=": true, "=~": true, "!~": true, "<": true, "<=": true, ">": true, ">=": true,
	"contains": true, "!contains": true, "contains_cs": true, "!contains_cs": true,
	"has": true, "!has": true, "has_cs": true, "!has_cs": true,
	"startswith": true, "!startswith": true, "startswith_cs": true, "!startswith_cs": true,
	"endswith": true, "!endswith": true, "endswith_cs": true, "!endswith_cs": true,
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
	switch {
	case comparisonOps[t.text]:
		p.advance()
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		return &node{kind: nBinary, off: t.off, name: t.text, args: []*node{l, r}}, nil
	case t.text == "in" || t.text == "!in" || t.text == "in~" || t.text == "!in~":
		p.advance()
		if _, err := p.expectOp("("); err != nil {
			return nil, err
		}
		args := []*node{l}
		for {
			e, err := p.additive()
			if err != nil {
				return nil, err
			}
			args = append(args, e)
			if !p.isOp(",") {
				break
			}
			p.advance()
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return &node{kind: nIn, off: t.off, name: t.text, args: args}, nil
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

func (p *parser) primary() (*node, error) {
	t := p.advance()
	switch t.kind {
	case tString, tInt, tReal, tTimespan, tDatetime:
		return &node{kind: nLit, off: t.off, tok: t}, nil
	case tQuoted:
		return &node{kind: nCol, off: t.off, name: t.text}, nil
	case tIdent:
		if t.text == "true" || t.text == "false" {
			return &node{kind: nLit, off: t.off, tok: t}, nil
		}
		if p.isOp("(") {
			p.advance()
			n := &node{kind: nCall, off: t.off, name: strings.ToLower(t.text)}
			if n.name != t.text {
				return nil, p.errf(t, "unknown function %q", t.text)
			}
			for !p.isOp(")") {
				e, err := p.expr()
				if err != nil {
					return nil, err
				}
				n.args = append(n.args, e)
				if !p.isOp(",") {
					break
				}
				p.advance()
			}
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return n, nil
		}
		return &node{kind: nCol, off: t.off, name: t.text}, nil
	case tOp:
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
