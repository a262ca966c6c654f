package kql

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// Dynamic values are DuckDB JSON (parse_json, todynamic, dynamic(…)) or DuckDB lists (split,
// make_list, make_set). Access follows Kusto: a missing property or an index out of range is
// null, not an error, and a negative index counts from the end.

// access translates x.Field, x['Field'] and x[i].
func (tr *translator) access(e *node, cols schema, aggOK bool) (value, error) {
	b, err := tr.scalar(e.args[0], cols, aggOK)
	if err != nil {
		return value{}, err
	}
	if e.kind == nIndex {
		if k := e.args[1]; k.kind == nLit && k.tok.kind == tString {
			return tr.member(b, k.tok.text, e.off)
		}
		i, err := tr.scalar(e.args[1], cols, aggOK)
		if err != nil {
			return value{}, err
		}
		if i.t != tyLong && i.t != tyUnknown {
			return value{}, tr.errf(e.args[1].off, "an index must be a whole number")
		}
		agg := b.agg || i.agg
		n, constant := constNumber(e.args[1])
		if b.t == tyArray {
			// DuckDB lists count from 1 and from the end with negative indexes.
			if constant {
				k := int64(n)
				if k >= 0 {
					k++
				}
				return value{sql: "list_extract(" + b.sql + ", " + strconv.FormatInt(k, 10) + ")", t: b.elem, agg: agg}, nil
			}
			return value{sql: "list_extract(" + b.sql + ", CASE WHEN " + i.sql + " >= 0 THEN " + i.sql + " + 1 ELSE " + i.sql + " END)", t: b.elem, agg: agg}, nil
		}
		j, err := tr.asJSON(b, e.off)
		if err != nil {
			return value{}, err
		}
		if constant {
			k := int64(n)
			p := "$[" + strconv.FormatInt(k, 10) + "]"
			if k < 0 {
				p = "$[#" + strconv.FormatInt(k, 10) + "]"
			}
			return value{sql: "json_extract(" + j + ", " + str(p) + ")", t: tyDynamic, agg: agg}, nil
		}
		return value{sql: "json_extract(" + j + ", CASE WHEN " + i.sql + " >= 0 THEN '$[' || " + i.sql + " || ']' ELSE '$[#' || " + i.sql + " || ']' END)", t: tyDynamic, agg: agg}, nil
	}
	return tr.member(b, e.name, e.off)
}

// member translates x.name as a JSON Pointer, which takes any property name.
func (tr *translator) member(b value, name string, off int) (value, error) {
	j, err := tr.asJSON(b, off)
	if err != nil {
		return value{}, err
	}
	ptr := "/" + strings.ReplaceAll(strings.ReplaceAll(name, "~", "~0"), "/", "~1")
	return value{sql: "json_extract(" + j + ", " + str(ptr) + ")", t: tyDynamic, agg: b.agg}, nil
}

// asJSON reads a value as JSON: text columns such as Properties and Identity hold JSON in
// the lake where Log Analytics has dynamic; text that is not JSON reads as null.
func (tr *translator) asJSON(b value, off int) (string, error) {
	switch b.t {
	case tyDynamic:
		return b.sql, nil
	case tyString, tyUnknown:
		return "TRY_CAST(" + b.sql + " AS JSON)", nil
	case tyArray:
		return "to_json(" + b.sql + ")", nil
	}
	return "", tr.errf(off, "this value has no properties: it is not dynamic")
}

// parseJSON is parse_json: JSON text becomes its value, other text a JSON string, as Kusto's
// parse_json returns a string it cannot parse.
func parseJSON(v value) value {
	switch v.t {
	case tyDynamic:
		return v
	case tyArray:
		return value{sql: "to_json(" + v.sql + ")", t: tyDynamic, agg: v.agg}
	case tyString, tyUnknown:
		return value{sql: "CASE WHEN json_valid(" + v.sql + ") THEN CAST(" + v.sql + " AS JSON) ELSE to_json(" + v.sql + ") END", t: tyDynamic, agg: v.agg}
	}
	return value{sql: "to_json(" + v.sql + ")", t: tyDynamic, agg: v.agg}
}

// coerceDynamic converts a dynamic value compared with a typed one to that type, as Kusto
// compares a dynamic holding a string with a string.
func coerceDynamic(v, other value) value {
	if v.t != tyDynamic {
		return v
	}
	text := "json_extract_string(" + v.sql + ", '$')"
	switch other.t {
	case tyLong:
		return value{sql: "TRY_CAST(" + text + " AS BIGINT)", t: tyLong, agg: v.agg}
	case tyReal, tyDecimal:
		return value{sql: "TRY_CAST(" + text + " AS DOUBLE)", t: tyReal, agg: v.agg}
	case tyBool:
		return value{sql: "TRY_CAST(" + text + " AS BOOLEAN)", t: tyBool, agg: v.agg}
	case tyDatetime:
		return value{sql: "TRY_CAST(" + text + " AS TIMESTAMP)", t: tyDatetime, agg: v.agg}
	}
	return value{sql: text, t: tyString, agg: v.agg}
}

// anyColumn translates "* op x": op holds for some column (for a negated op: for every
// column), each column compared as text.
func (tr *translator) anyColumn(e *node, cols schema, aggOK bool) (value, error) {
	var parts []string
	joiner, none := " OR ", "false"
	if strings.HasPrefix(e.name, "!") {
		joiner, none = " AND ", "true"
	}
	for _, c := range cols {
		col := &node{kind: nCol, off: e.off, name: c.name}
		if c.t != tyString {
			col = &node{kind: nCall, off: e.off, name: "tostring", args: []*node{col}}
		}
		v, err := tr.binary(&node{kind: nBinary, off: e.off, name: e.name, args: []*node{col, e.args[1]}}, cols, aggOK)
		if err != nil {
			return value{}, err
		}
		if v.t != tyBool {
			return value{}, tr.errf(e.off, "* works with string operators such as has and contains")
		}
		parts = append(parts, v.sql)
	}
	if len(parts) == 0 {
		return value{sql: none, t: tyBool}, nil
	}
	return value{sql: "(" + strings.Join(parts, joiner) + ")", t: tyBool}, nil
}

// literalStrings reads the terms of has_any(…), has_all(…): string literals, or one
// dynamic array of them.
func (tr *translator) literalStrings(args []*node) ([]string, error) {
	var out []string
	for _, a := range args {
		switch {
		case a.kind == nLit && a.tok.kind == tString:
			out = append(out, a.tok.text)
		case a.kind == nLit && a.tok.kind == tDynamic:
			var list []any
			if err := json.Unmarshal([]byte(a.tok.text), &list); err != nil {
				return nil, tr.errf(a.off, "expected a dynamic array of strings")
			}
			for _, v := range list {
				switch x := v.(type) {
				case string:
					out = append(out, x)
				case float64:
					out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
				default:
					return nil, tr.errf(a.off, "expected a dynamic array of strings")
				}
			}
		case a.kind == nLit && (a.tok.kind == tInt || a.tok.kind == tReal):
			out = append(out, a.tok.text)
		default:
			return nil, tr.errf(a.off, "expected string literals or a dynamic array")
		}
	}
	return out, nil
}

// hasAny translates has_any and has_all: whole-term matches, as has, case-insensitive.
func (tr *translator) hasAny(e *node, cols schema, aggOK bool) (value, error) {
	l, err := tr.scalar(e.args[0], cols, aggOK)
	if err != nil {
		return value{}, err
	}
	l = coerceDynamic(l, value{t: tyString})
	text := l.sql
	if l.t != tyString {
		text = tostring(l)
	}
	terms, err := tr.literalStrings(e.args[1:])
	if err != nil {
		return value{}, err
	}
	if len(terms) == 0 {
		return value{sql: "false", t: tyBool, agg: l.agg}, nil
	}
	var quoted []string
	for _, t := range terms {
		quoted = append(quoted, regexp.QuoteMeta(t))
	}
	term := func(alt string) string {
		return "regexp_matches(" + text + ", " + str(`(?i)(^|[^[:alnum:]])(`+alt+`)($|[^[:alnum:]])`) + ")"
	}
	if e.name == "has_any" {
		return value{sql: "coalesce(" + term(strings.Join(quoted, "|")) + ", false)", t: tyBool, agg: l.agg}, nil
	}
	var parts []string
	for _, q := range quoted {
		parts = append(parts, term(q))
	}
	return value{sql: "coalesce(" + strings.Join(parts, " AND ") + ", false)", t: tyBool, agg: l.agg}, nil
}
