package kql

import (
	"bytes"
	"encoding/json"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// projectNames translates project-away, project-keep and project-reorder, whose names may
// end in a * wildcard.
func (tr *translator) projectNames(op *operator, l *layer, cols schema) (*layer, schema, error) {
	picked := map[string]bool{}
	var order []column
	for _, it := range op.items {
		n := 0
		for _, c := range cols {
			ok := c.name == it.e.name
			if strings.HasSuffix(it.e.name, "*") {
				ok, _ = path.Match(it.e.name, c.name)
				ok = ok || strings.HasPrefix(c.name, strings.TrimSuffix(it.e.name, "*")) && !strings.ContainsAny(strings.TrimSuffix(it.e.name, "*"), "*?[\\")
			}
			if ok {
				n++
				if !picked[c.name] {
					picked[c.name] = true
					order = append(order, c)
				}
			}
		}
		if n == 0 && !strings.HasSuffix(it.e.name, "*") {
			return nil, nil, tr.errf(it.e.off, "unknown column %q", it.e.name)
		}
	}
	var out schema
	switch op.kind {
	case "project-away":
		for _, c := range cols {
			if !picked[c.name] {
				out = append(out, c)
			}
		}
	case "project-keep":
		for _, c := range cols {
			if picked[c.name] {
				out = append(out, c)
			}
		}
	case "project-reorder":
		out = append(out, order...)
		for _, c := range cols {
			if !picked[c.name] {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 {
		return nil, nil, tr.errf(op.off, "%s leaves no column", op.kind)
	}
	var sel []string
	for _, c := range out {
		sel = append(sel, ident(c.name))
	}
	l.sel = strings.Join(sel, ", ")
	return l, out, nil
}

// joinSides are the SQL join of each kind that keeps columns of both sides.
var joinSides = map[string]string{
	"innerunique": "INNER JOIN", "inner": "INNER JOIN", "leftouter": "LEFT JOIN",
	"rightouter": "RIGHT JOIN", "fullouter": "FULL JOIN",
}

// join translates join and lookup. Keys compare with =, except strings, which compare with
// IS NOT DISTINCT FROM because Log Analytics has empty strings where the lake has NULL, and
// Kusto matches "" with "". innerunique, Kusto's default, keeps one left row per key.
func (tr *translator) join(op *operator, prev *layer, cols schema) (*layer, schema, error) {
	j := op.join
	right, rcols, err := tr.pipeline(j.right, false)
	if err != nil {
		return nil, nil, err
	}
	var conds, leftKeys []string
	for _, k := range j.on {
		lc, ok := cols.find(k.left)
		if !ok {
			return nil, nil, tr.errf(k.off, "join: the left side has no column %q", k.left)
		}
		rc, ok := rcols.find(k.right)
		if !ok {
			return nil, nil, tr.errf(k.off, "join: the right side has no column %q", k.right)
		}
		if lc.t == tyDynamic || rc.t == tyDynamic || lc.t == tyArray || rc.t == tyArray {
			return nil, nil, tr.errf(k.off, "join on a dynamic column: convert it with tostring() first")
		}
		eq := " = "
		if lc.t == tyString || rc.t == tyString {
			eq = " IS NOT DISTINCT FROM "
		}
		conds = append(conds, "l."+ident(lc.name)+eq+"r."+ident(rc.name))
		leftKeys = append(leftKeys, ident(lc.name))
	}
	on := strings.Join(conds, " AND ")
	lsql := "(\n" + prev.render("  ") + ")"
	rsql := "(\n" + right.render("  ") + ")"
	switch j.kind {
	case "leftsemi", "leftanti", "rightsemi", "rightanti":
		not := ""
		if strings.HasSuffix(j.kind, "anti") {
			not = "NOT "
		}
		if strings.HasPrefix(j.kind, "left") {
			return &layer{sel: "*", from: lsql + " AS l", where: not + "EXISTS (SELECT 1 FROM " + rsql + " AS r WHERE " + on + ")"}, cols, nil
		}
		return &layer{sel: "*", from: rsql + " AS r", where: not + "EXISTS (SELECT 1 FROM " + lsql + " AS l WHERE " + on + ")"}, rcols, nil
	}
	if j.kind == "innerunique" {
		lsql = "(\n  SELECT * FROM " + lsql + " QUALIFY row_number() OVER (PARTITION BY " + strings.Join(leftKeys, ", ") + ") = 1\n)"
	}
	var sel []string
	var out schema
	for _, c := range cols {
		out = append(out, c)
		sel = append(sel, "l."+ident(c.name)+" AS "+ident(c.name))
	}
	for _, c := range rcols {
		name := c.name
		// Kusto renames a right column whose name the left side has: JobId1, JobId2, …
		for i := 1; ; i++ {
			if _, dup := out.findFold(name); !dup {
				break
			}
			name = c.name + strconv.Itoa(i)
		}
		out = append(out, column{name: name, t: c.t})
		sel = append(sel, "r."+ident(c.name)+" AS "+ident(name))
	}
	return &layer{sel: strings.Join(sel, ", "), from: lsql + " AS l " + joinSides[j.kind] + " " + rsql + " AS r ON " + on}, out, nil
}

// union translates union (a source when prev is nil, else an operator whose left side is
// prev): the columns of every part by name, as Kusto's outer union, NULL where a part lacks
// one. A name ending in * stands for every lake table it matches; isfuzzy skips a part
// that names no table.
func (tr *translator) union(prev *layer, prevCols schema, u *unionSpec, off int) (*layer, schema, error) {
	type part struct {
		name string
		l    *layer
		cols schema
	}
	var parts []part
	if prev != nil {
		parts = append(parts, part{"", prev, prevCols})
	}
	for _, src := range u.parts {
		if src.kind == "table" && strings.HasSuffix(src.name.text, "*") {
			prefix := strings.TrimSuffix(src.name.text, "*")
			n := 0
			for _, t := range tr.tables {
				if len(t.Name) >= len(prefix) && strings.EqualFold(t.Name[:len(prefix)], prefix) {
					name, cols := tr.tableSchema(t.Name)
					parts = append(parts, part{name, &layer{sel: "*", from: ident(name)}, cols})
					n++
				}
			}
			if n == 0 && !u.fuzzy {
				return nil, nil, tr.errf(src.off, "no table matches %s", src.name.text)
			}
			continue
		}
		if src.kind == "table" && u.fuzzy {
			if _, ok := tr.table(src.name.text); !ok {
				continue
			}
		}
		l, cols, err := tr.source(src)
		if err != nil {
			return nil, nil, err
		}
		name := ""
		if src.kind == "table" {
			name, _ = tr.tableSchema(src.name.text)
		}
		parts = append(parts, part{name, l, cols})
	}
	if len(parts) == 0 {
		return nil, nil, tr.errf(off, "union has no table to read")
	}
	var out schema
	if u.withSource != "" {
		out = append(out, column{name: u.withSource, t: tyString})
	}
	for _, p := range parts {
		for _, c := range p.cols {
			if i := out.index(c.name); i >= 0 {
				if out[i].t != c.t {
					out[i].t = tyUnknown
				}
				continue
			}
			if _, clash := out.findFold(c.name); clash {
				return nil, nil, tr.errf(off, "union: column %q differs from another only in case", c.name)
			}
			out = append(out, c)
		}
	}
	var sqls []string
	for _, p := range parts {
		head := "SELECT "
		if u.withSource != "" {
			head += str(p.name) + " AS " + ident(u.withSource) + ", "
		}
		sqls = append(sqls, head+"* FROM (\n"+p.l.render("  ")+")")
	}
	if len(sqls) == 1 {
		return &layer{sel: "*", from: "(\n" + sqls[0] + "\n) AS u"}, out, nil
	}
	// Columns come in the order of the first part that has them, as in Kusto.
	var order []string
	for _, c := range out {
		order = append(order, ident(c.name))
	}
	return &layer{sel: strings.Join(order, ", "), from: "(\n" + strings.Join(sqls, "\nUNION ALL BY NAME\n") + "\n) AS u"}, out, nil
}

func (s schema) index(name string) int {
	for i, c := range s {
		if c.name == name {
			return i
		}
	}
	return -1
}

// datatypes maps Kusto's scalar types to the translation's and DuckDB's.
var datatypes = map[string]struct {
	t   typ
	sql string
}{
	"string": {tyString, "VARCHAR"}, "guid": {tyString, "VARCHAR"},
	"long": {tyLong, "BIGINT"}, "int": {tyLong, "BIGINT"},
	"real": {tyReal, "DOUBLE"}, "double": {tyReal, "DOUBLE"},
	"decimal":  {tyDecimal, "DECIMAL(38, 10)"},
	"datetime": {tyDatetime, "TIMESTAMP"}, "date": {tyDatetime, "TIMESTAMP"},
	"timespan": {tyTimespan, "INTERVAL"}, "time": {tyTimespan, "INTERVAL"},
	"bool": {tyBool, "BOOLEAN"}, "boolean": {tyBool, "BOOLEAN"},
	"dynamic": {tyDynamic, "JSON"},
}

// datatable translates datatable(…)[…] into VALUES.
func (tr *translator) datatable(d *datatableSpec) (*layer, schema, error) {
	var out schema
	var sqlTypes []string
	for i, c := range d.cols {
		dt, ok := datatypes[d.types[i].text]
		if !ok {
			return nil, nil, tr.errf(d.types[i].off, "unknown type %q", d.types[i].text)
		}
		if _, dup := out.findFold(c.text); dup {
			return nil, nil, tr.errf(c.off, "column %q appears twice", c.text)
		}
		out = append(out, column{name: c.text, t: dt.t})
		sqlTypes = append(sqlTypes, dt.sql)
	}
	var sel []string
	for i, c := range out {
		sel = append(sel, "CAST(col"+strconv.Itoa(i)+" AS "+sqlTypes[i]+") AS "+ident(c.name))
	}
	if len(d.vals) == 0 {
		var nulls []string
		for i := range out {
			nulls = append(nulls, "NULL AS col"+strconv.Itoa(i))
		}
		return &layer{sel: strings.Join(sel, ", "), from: "(SELECT " + strings.Join(nulls, ", ") + " WHERE false) AS d"}, out, nil
	}
	var rows []string
	var names []string
	for i := range out {
		names = append(names, "col"+strconv.Itoa(i))
	}
	for r := 0; r < len(d.vals); r += len(out) {
		var cells []string
		for i := range out {
			e := d.vals[r+i]
			if !isConstant(e) {
				return nil, nil, tr.errf(e.off, "datatable takes literals only")
			}
			v, err := tr.scalar(e, nil, false)
			if err != nil {
				return nil, nil, err
			}
			sqlType := sqlTypes[i]
			if v.t == tyDynamic || v.t == tyArray {
				// A JSON value cast to another type keeps its quotes; take its text.
				cells = append(cells, "TRY_CAST(json_extract_string("+v.sql+", '$') AS "+sqlType+")")
				continue
			}
			if out[i].t == tyDynamic {
				cells = append(cells, "to_json("+v.sql+")")
				continue
			}
			cells = append(cells, "TRY_CAST("+v.sql+" AS "+sqlType+")")
		}
		rows = append(rows, "("+strings.Join(cells, ", ")+")")
	}
	return &layer{sel: strings.Join(sel, ", "), from: "(VALUES " + strings.Join(rows, ", ") + ") AS d(" + strings.Join(names, ", ") + ")"}, out, nil
}

// isConstant reports whether e is a literal, maybe negated.
func isConstant(e *node) bool {
	switch e.kind {
	case nLit:
		return true
	case nUnary:
		return isConstant(e.args[0])
	case nCol:
		return e.name == "null"
	}
	return false
}

// search translates search: with no table, every lake table (with a $table column); a bare
// string is a term that any column has ("*x*": contains it).
func (tr *translator) search(prev *layer, cols schema, s *searchSpec, off int) (*layer, schema, error) {
	if prev == nil {
		tables := s.tables
		if len(tables) == 0 {
			for _, t := range tr.tables {
				tables = append(tables, &source{kind: "table", off: off, name: token{kind: tIdent, text: t.Name, off: off}})
			}
		}
		var err error
		prev, cols, err = tr.union(nil, nil, &unionSpec{withSource: "$table", parts: tables}, off)
		if err != nil {
			return nil, nil, err
		}
	}
	pred := termsToStar(s.pred)
	v, err := tr.scalar(pred, cols, false)
	if err != nil {
		return nil, nil, err
	}
	if v.t != tyBool && v.t != tyUnknown {
		return nil, nil, tr.errf(s.pred.off, "search needs a term or a true/false condition")
	}
	l := over(prev)
	l.sel, l.where = "*", trimParens(v.sql)
	return l, cols, nil
}

// termsToStar rewrites the bare strings of a search predicate into "* has term".
func termsToStar(e *node) *node {
	switch {
	case e.kind == nLit && e.tok.kind == tString:
		text, op := e.tok.text, "has"
		switch {
		case strings.HasPrefix(text, "*") && strings.HasSuffix(text, "*") && len(text) >= 2:
			text, op = text[1:len(text)-1], "contains"
		case strings.HasSuffix(text, "*"):
			text, op = strings.TrimSuffix(text, "*"), "contains"
		case strings.HasPrefix(text, "*"):
			text, op = strings.TrimPrefix(text, "*"), "contains"
		}
		lit := *e
		lit.tok.text = text
		return &node{kind: nBinary, off: e.off, name: op, args: []*node{{kind: nStar, off: e.off}, &lit}}
	case e.kind == nBinary && (e.name == "and" || e.name == "or"):
		return &node{kind: nBinary, off: e.off, name: e.name, args: []*node{termsToStar(e.args[0]), termsToStar(e.args[1])}}
	case e.kind == nCall && e.name == "not" && len(e.args) == 1:
		return &node{kind: nCall, off: e.off, name: "not", args: []*node{termsToStar(e.args[0])}}
	}
	return e
}

// parseTypes are the types parse can extract into.
var parseTypes = map[string]bool{"string": true, "long": true, "int": true, "real": true, "double": true, "datetime": true, "timespan": true, "bool": true, "decimal": true, "guid": true, "dynamic": true}

// parseOp translates parse into one regular expression: each literal matches itself (or is a
// regular expression with kind=regex), each column captures lazily except the last, * skips.
// Kind simple matches from the start of the text. Where the text does not match, the columns
// are NULL, which the lake writes where Log Analytics has "".
func (tr *translator) parseOp(op *operator, prev *layer, cols schema) (*layer, schema, error) {
	ps := op.parse
	src, err := tr.scalar(ps.e, cols, false)
	if err != nil {
		return nil, nil, err
	}
	text := src.sql
	if src.t != tyString {
		text = tostring(src)
	}
	var re strings.Builder
	if ps.fold {
		re.WriteString("(?i)")
	}
	if ps.kind != "regex" {
		re.WriteString("^")
	}
	type capture struct {
		name string
		typ  string
		off  int
	}
	var caps []capture
	for i, part := range ps.parts {
		last := i == len(ps.parts)-1
		switch {
		case part.star:
			if last {
				re.WriteString(".*")
			} else {
				re.WriteString(".*?")
			}
		case part.col != "":
			if !parseTypes[part.typ] {
				return nil, nil, tr.errf(part.off, "parse cannot extract type %q", part.typ)
			}
			if last {
				re.WriteString("(.*)")
			} else {
				re.WriteString("(.*?)")
			}
			caps = append(caps, capture{part.col, part.typ, part.off})
		case ps.kind == "regex":
			if _, err := regexp.Compile(part.lit); err != nil {
				return nil, nil, tr.errf(part.off, "bad regular expression: %v", err)
			}
			// A group inside the literal would shift the columns' group numbers.
			re.WriteString("(?:" + nonCapturing(part.lit) + ")")
		default:
			re.WriteString(regexp.QuoteMeta(part.lit))
		}
	}
	if len(caps) == 0 {
		return nil, nil, tr.errf(op.off, "parse needs a column to extract")
	}
	if _, err := regexp.Compile(re.String()); err != nil {
		return nil, nil, tr.errf(op.off, "bad parse pattern: %v", err)
	}
	out := append(schema(nil), cols...)
	cur := prev
	for i, c := range caps {
		dt := datatypes[c.typ]
		v := "NULLIF(regexp_extract(" + text + ", " + str(re.String()) + ", " + strconv.Itoa(i+1) + "), '')"
		switch dt.t {
		case tyString:
		case tyDynamic:
			v = "to_json(" + v + ")"
		default:
			v = "TRY_CAST(" + v + " AS " + dt.sql + ")"
		}
		l := over(cur)
		if old, ok := out.findFold(c.name); ok {
			if old.name != c.name {
				return nil, nil, tr.errf(c.off, "column %q differs from %q only in case", c.name, old.name)
			}
			l.sel = "* REPLACE (" + v + " AS " + ident(c.name) + ")"
			out[out.index(c.name)].t = dt.t
		} else {
			l.sel = "*, " + v + " AS " + ident(c.name)
			out = append(out, column{name: c.name, t: dt.t})
		}
		cur = l
	}
	return cur, out, nil
}

// nonCapturing turns the capturing groups of a regular expression into non-capturing ones.
func nonCapturing(re string) string {
	var b strings.Builder
	for i := 0; i < len(re); i++ {
		c := re[i]
		if c == '\\' && i+1 < len(re) {
			b.WriteByte(c)
			b.WriteByte(re[i+1])
			i++
			continue
		}
		b.WriteByte(c)
		if c == '(' && (i+1 >= len(re) || re[i+1] != '?') {
			b.WriteString("?:")
		}
	}
	return b.String()
}

// dynamicLiteral translates dynamic(…): its text must be JSON.
func (tr *translator) dynamicLiteral(t token) (value, error) {
	text := t.text
	if text == "" || strings.EqualFold(text, "null") {
		return value{sql: "CAST(NULL AS JSON)", t: tyDynamic}, nil
	}
	if !json.Valid([]byte(text)) {
		return value{}, tr.errf(t.off, "dynamic(…) must hold JSON (strings in double quotes)")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(text)); err != nil {
		return value{}, tr.errf(t.off, "dynamic(…): %v", err)
	}
	return value{sql: "CAST(" + str(compact.String()) + " AS JSON)", t: tyDynamic}, nil
}

// mvExpand translates mv-expand with DuckDB's unnest, which expands several lists of one row
// in parallel and pads the shorter with NULL, as Kusto does. A null value gives one row with
// null, an empty array none; a property bag gives one row per property, as a bag of one; any
// other value is an array of itself.
func (tr *translator) mvExpand(op *operator, prev *layer, cols schema) (*layer, schema, error) {
	x := op.expand
	var sel, casts []string
	out := append(schema(nil), cols...)
	var replace []string
	first := ""
	for i, it := range x.items {
		v, err := tr.scalar(it.e, cols, false)
		if err != nil {
			return nil, nil, err
		}
		name := it.name
		if name == "" {
			if name = inferredName(it.e); name == "" {
				return nil, nil, tr.errf(it.e.off, "mv-expand needs a column or Name = expression")
			}
		}
		var list string
		elem := tyDynamic
		switch v.t {
		case tyArray:
			list = "CASE WHEN " + v.sql + " IS NULL THEN [NULL] ELSE " + v.sql + " END"
			elem = v.elem
		case tyDynamic, tyString, tyUnknown:
			j, err := tr.asJSON(v, it.e.off)
			if err != nil {
				return nil, nil, err
			}
			list = "CASE WHEN " + j + " IS NULL OR json_type(" + j + ") = 'NULL' THEN [CAST(NULL AS JSON)]" +
				" WHEN json_type(" + j + ") = 'ARRAY' THEN json_extract(" + j + ", '$[*]')" +
				" WHEN json_type(" + j + ") = 'OBJECT' THEN list_transform(json_keys(" + j + "), k -> json_object(k, json_extract(" + j + ", '$.\"' || replace(k, '\"', '\\\"') || '\"')))" +
				" ELSE [" + j + "] END"
		default:
			return nil, nil, tr.errf(it.e.off, "mv-expand needs a dynamic array")
		}
		if i == 0 {
			first = list
		}
		expr := "unnest(" + list + ")"
		t := elem
		if typ := x.types[i]; typ != "" {
			dt, ok := datatypes[typ]
			if !ok {
				return nil, nil, tr.errf(it.e.off, "unknown type %q", typ)
			}
			src := ident(name)
			if elem == tyDynamic {
				src = "json_extract_string(" + src + ", '$')"
			}
			if dt.t != tyDynamic {
				casts = append(casts, "TRY_CAST("+src+" AS "+dt.sql+") AS "+ident(name))
				t = dt.t
			}
		}
		if c, ok := out.findFold(name); ok {
			if c.name != name {
				return nil, nil, tr.errf(it.e.off, "column %q differs from %q only in case", name, c.name)
			}
			replace = append(replace, expr+" AS "+ident(name))
			out[out.index(name)] = column{name: name, t: t}
		} else {
			sel = append(sel, expr+" AS "+ident(name))
			out = append(out, column{name: name, t: t})
		}
	}
	if x.index != "" {
		if _, dup := out.findFold(x.index); dup {
			return nil, nil, tr.errf(op.off, "column %q already exists", x.index)
		}
		sel = append(sel, "unnest(range(len("+first+"))) AS "+ident(x.index))
		out = append(out, column{name: x.index, t: tyLong})
	}
	l := over(prev)
	head := "*"
	if len(replace) > 0 {
		head = "* REPLACE (" + strings.Join(replace, ", ") + ")"
	}
	l.sel = strings.Join(append([]string{head}, sel...), ", ")
	if len(casts) == 0 {
		return l, out, nil
	}
	return &layer{inner: l, sel: "* REPLACE (" + strings.Join(casts, ", ") + ")"}, out, nil
}
