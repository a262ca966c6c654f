package kql

import (
	"strconv"
	"strings"
)

// summarize translates summarize … by …. Aggregations that yield several columns from one
// row (arg_max, arg_min, take_any of several values) aggregate a struct of the row, so that
// every column comes from the same row, and a second SELECT unpacks it.
func (tr *translator) summarize(op *operator, l *layer, cols schema) (*layer, schema, error) {
	var sel, group, outer []string
	var out schema
	gen := names{}
	for _, it := range op.by {
		v, err := tr.scalar(it.e, cols, false)
		if err != nil {
			return nil, nil, err
		}
		if v.t == tyDynamic || v.t == tyArray {
			return nil, nil, tr.errf(it.e.off, "summarize by a dynamic value: convert it with tostring() first")
		}
		name, off := it.name, it.nameOff
		if name == "" {
			off = it.e.off
			if name = inferredName(it.e); name == "" {
				name = gen.next(cols, out)
			}
		}
		if err := tr.checkNew(out, name, off); err != nil {
			return nil, nil, err
		}
		out = append(out, column{name: name, t: v.t})
		sel = append(sel, aliased(v.sql, name))
		outer = append(outer, ident(name))
		group = append(group, positionSafe(v.sql))
	}
	byNames := map[string]bool{}
	for _, c := range out {
		byNames[c.name] = true
	}
	// unique numbers a repeated default name as Kusto does: count_, count_1, …
	unique := func(name string) string {
		base := name
		for i := 1; ; i++ {
			if _, dup := out.findFold(name); !dup {
				return name
			}
			name = base + strconv.Itoa(i)
		}
	}
	structs := 0
	for _, it := range op.items {
		e := it.e
		if e.kind == nCall && multiColumn(e) {
			cs, err := tr.rowAggregation(e, cols, byNames)
			if err != nil {
				return nil, nil, err
			}
			if cs.percentiles {
				for _, c := range cs.cols {
					name := unique(c.name)
					out = append(out, column{name: name, t: c.t})
					sel = append(sel, aliased(c.sql, name))
					outer = append(outer, ident(name))
				}
				continue
			}
			structs++
			s := "__row" + strconv.Itoa(structs)
			sel = append(sel, cs.agg+" AS "+ident(s))
			for _, c := range cs.cols {
				name := unique(c.name)
				out = append(out, column{name: name, t: c.t, elem: c.elem})
				outer = append(outer, "struct_extract("+ident(s)+", "+str(c.key)+") AS "+ident(name))
			}
			continue
		}
		v, err := tr.scalar(e, cols, true)
		if err != nil {
			return nil, nil, err
		}
		if !v.agg {
			return nil, nil, tr.errf(e.off, "summarize needs an aggregation such as count() here")
		}
		name := it.name
		if name == "" {
			name = aggName(e)
			if name == "" {
				name = gen.next(cols, out)
			}
			name = unique(name)
		} else if err := tr.checkNew(out, name, it.nameOff); err != nil {
			return nil, nil, err
		}
		out = append(out, column{name: name, t: v.t, elem: v.elem})
		sel = append(sel, aliased(v.sql, name))
		outer = append(outer, ident(name))
	}
	l.sel = strings.Join(sel, ", ")
	l.groupBy = strings.Join(group, ", ")
	if structs == 0 {
		return l, out, nil
	}
	return &layer{inner: l, sel: strings.Join(outer, ", ")}, out, nil
}

// multiColumn reports whether an aggregation yields several columns.
func multiColumn(e *node) bool {
	switch e.name {
	case "arg_max", "arg_min", "percentiles":
		return true
	case "take_any", "any":
		return len(e.args) != 1 || e.args[0].kind == nStar
	}
	return false
}

type rowColumn struct {
	name string
	key  string // the struct field
	sql  string // percentiles: the aggregation itself
	t    typ
	elem typ
}

type rowAgg struct {
	agg         string // the struct aggregation
	cols        []rowColumn
	percentiles bool
}

// rowAggregation translates arg_max(x, c, …|*), arg_min, take_any(c, …|*) and
// percentiles(x, p, …).
func (tr *translator) rowAggregation(e *node, cols schema, byNames map[string]bool) (*rowAgg, error) {
	fn := e.name
	minArgs := map[string]int{"arg_max": 1, "arg_min": 1, "percentiles": 2, "take_any": 1, "any": 1}[fn]
	if len(e.args) < minArgs {
		return nil, tr.errf(e.off, "%s() takes at least %d argument(s)", fn, minArgs)
	}
	if fn == "percentiles" {
		x, err := tr.scalar(e.args[0], cols, false)
		if err != nil {
			return nil, err
		}
		ra := &rowAgg{percentiles: true}
		base := "percentile_" + inferredName(e.args[0])
		for _, a := range e.args[1:] {
			p, ok := constNumber(a)
			if !ok || p < 0 || p > 100 {
				return nil, tr.errf(a.off, "percentiles() takes literal percentages from 0 to 100")
			}
			text := strings.ReplaceAll(strconv.FormatFloat(p, 'f', -1, 64), ".", "_")
			ra.cols = append(ra.cols, rowColumn{name: base + "_" + text, sql: "quantile_disc(" + x.sql + ", " + strconv.FormatFloat(p/100, 'f', -1, 64) + ")", t: x.t})
		}
		return ra, nil
	}
	var fields []string
	ra := &rowAgg{}
	seen := map[string]bool{}
	add := func(name string, v value) {
		if seen[name] {
			return
		}
		seen[name] = true
		key := "f" + strconv.Itoa(len(fields))
		fields = append(fields, str(key)+": "+v.sql)
		ra.cols = append(ra.cols, rowColumn{name: name, key: key, t: v.t, elem: v.elem})
	}
	var by value
	args := e.args
	if fn == "arg_max" || fn == "arg_min" {
		var err error
		if by, err = tr.scalar(args[0], cols, false); err != nil {
			return nil, err
		}
		if by.t == tyDynamic || by.t == tyArray || by.t == tyBool {
			return nil, tr.errf(args[0].off, "%s() needs a value that orders: a number, a string or a datetime", fn)
		}
		name := inferredName(args[0])
		if name == "" {
			name = strings.TrimPrefix(fn, "arg_")
		}
		add(name, by)
		args = args[1:]
	}
	for _, a := range args {
		if a.kind == nStar {
			for _, c := range cols {
				if byNames[c.name] {
					continue
				}
				add(c.name, value{sql: ident(c.name), t: c.t, elem: c.elem})
			}
			continue
		}
		v, err := tr.scalar(a, cols, false)
		if err != nil {
			return nil, err
		}
		name := inferredName(a)
		if name == "" {
			return nil, tr.errf(a.off, "%s() returns columns by name: give a column here", fn)
		}
		add(name, v)
	}
	row := "{" + strings.Join(fields, ", ") + "}"
	switch fn {
	case "arg_max", "arg_min":
		// Rows whose value is null take no part, as in Kusto.
		ra.agg = fn + "(" + row + ", " + by.sql + ")"
	default:
		ra.agg = "first(" + row + ")"
	}
	return ra, nil
}

// inferredName is the name Kusto gives an expression that is a column, or a conversion or
// bin of one: by bin(TimeGenerated, 1h) is TimeGenerated.
func inferredName(e *node) string {
	switch {
	case e.kind == nCol:
		return e.name
	case e.kind == nCall && len(e.args) > 0 && nameKeeping[e.name]:
		return inferredName(e.args[0])
	}
	return ""
}

// nameKeeping are the functions whose result keeps the name of their first argument.
var nameKeeping = map[string]bool{
	"bin": true, "floor": true, "bin_at": true, "tostring": true, "toint": true, "tolong": true,
	"todouble": true, "toreal": true, "todecimal": true, "todatetime": true, "tobool": true,
}

// aggName is Kusto's default name of an aggregation: count_, sum_X, percentile_X_95; an
// aggregation inside a function (round(avg(x), 2)) names the result.
func aggName(e *node) string {
	if e.kind != nCall {
		return ""
	}
	col := ""
	if len(e.args) > 0 {
		col = inferredName(e.args[0])
	}
	switch e.name {
	case "count", "countif":
		return e.name + "_"
	case "percentile":
		if len(e.args) == 2 && e.args[1].kind == nLit {
			return "percentile_" + col + "_" + strings.ReplaceAll(e.args[1].tok.text, ".", "_")
		}
	case "sum", "avg", "dcount", "min", "max", "sumif", "avgif", "dcountif", "minif", "maxif", "stdev", "variance":
		return e.name + "_" + col
	case "make_set", "make_set_if":
		return "set_" + col
	case "make_list", "make_list_if":
		return "list_" + col
	case "take_any", "any":
		return col
	}
	for _, a := range e.args {
		if n := aggName(a); n != "" {
			return n
		}
	}
	return ""
}
