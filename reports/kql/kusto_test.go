package kql

import (
	"database/sql"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
)

// checkKusto runs c like checkRows, rendering values as published.kql does.
func checkKusto(t *testing.T, db *sql.DB, c rowCase) {
	t.Helper()
	out, err := Compile(c.q, Options{Now: now})
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	rows, err := db.Query(out.SQL)
	if err != nil {
		t.Fatalf("%s: %v\n%s", c.name, err, out.SQL)
	}
	defer rows.Close()
	cols, got := scanRows(t, rows, renderPublished)
	if c.cols != "" && strings.Join(cols, ",") != c.cols {
		t.Errorf("%s: columns = %s, want %s\n%s", c.name, strings.Join(cols, ","), c.cols, out.SQL)
	}
	want := slices.Clone(c.rows)
	if !c.ordered {
		sort.Strings(got)
		sort.Strings(want)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: %s\n got %q\nwant %q\nSQL:\n%s", c.name, c.q, got, want, out.SQL)
	}
}

// TestKustoSemantics checks each construct where Kusto's meaning is not DuckDB's, over the
// jobs lake of kql_test.go and tables written in the query (datatable).
func TestKustoSemantics(t *testing.T) {
	db := lake(t)
	const J = "AmlComputeJobEvent"
	const lr = `let L = datatable(k:string, v:long) ["a", 1, "a", 2, "b", 3];
let R = datatable(k:string, w:long) ["a", 10, "a", 20, "c", 30];
`
	for _, c := range []rowCase{
		// Joins: innerunique keeps one left row per key, so "a" meets both right rows once.
		{name: "innerunique", q: lr + "L | join R on k | project k, w", rows: []string{"a|10", "a|20"}},
		{name: "inner", q: lr + "L | join kind=inner R on k", cols: "k,v,k1,w", rows: []string{"a|1|a|10", "a|1|a|20", "a|2|a|10", "a|2|a|20"}},
		{name: "leftouter", q: lr + "L | join kind=leftouter R on k | project v, w", rows: []string{"1|10", "1|20", "2|10", "2|20", "3|NULL"}},
		{name: "rightouter", q: lr + "L | join kind=rightouter R on k | project v, w", rows: []string{"1|10", "1|20", "2|10", "2|20", "NULL|30"}},
		{name: "fullouter", q: lr + "L | join kind=fullouter R on k | project v, w", rows: []string{"1|10", "1|20", "2|10", "2|20", "3|NULL", "NULL|30"}},
		{name: "leftanti", q: lr + "L | join kind=leftanti R on k", cols: "k,v", rows: []string{"b|3"}},
		{name: "rightanti", q: lr + "L | join kind=rightanti R on k", cols: "k,w", rows: []string{"c|30"}},
		{name: "leftsemi", q: lr + "L | join kind=leftsemi R on k", rows: []string{"a|1", "a|2"}},
		{name: "on $left == $right", q: lr + "L | join kind=inner (R | project-rename kk = k) on $left.k == $right.kk | summarize sum(w)", rows: []string{"60"}},
		{name: "join a table by name", q: J + " | where JobId == 'j2' | join kind=inner (AmlComputeClusterNodeEvent | where NodeId == 'n2' | project ClusterId = 'c1', NodeId) on ClusterId | project JobId, NodeId, NodeId1", rows: []string{"j2|NULL|n2"}},

		// Dynamic values.
		{name: "nested access, negative index, missing key", q: `datatable(d:dynamic) [dynamic({"a":{"b":[1,2,3]},"s":"x"})]
| project first = d.a.b[0], last = d.a.b[-1], s = d['s'], missing = d.missing, out = d.a.b[5], whole = tostring(d.a)`,
			rows: []string{`1|3|x|NULL|NULL|{"b":[1,2,3]}`}},
		{name: "split and negative index", q: `datatable(s:string) ["a/b/c"] | project x = split(s, "/")[-1], y = split(s, "/")[0], z = split(s, "/")[7], n = array_length(split(s, "/"))`, rows: []string{"c|a|NULL|3"}},
		{name: "parse_json of text", q: `datatable(p:string) ['{"x":{"y":5}}', 'not json'] | project v = toint(parse_json(p).x.y), w = todynamic(p).x['y']`, rows: []string{"5|5", "NULL|NULL"}},

		// mv-expand: null gives one row, an empty array none (docs of the mv-expand operator).
		{name: "mv-expand", q: `datatable(n:long, d:dynamic) [1, dynamic([1,2,3]), 2, dynamic([]), 3, dynamic(null)] | mv-expand d | project n, v = tolong(d)`, rows: []string{"1|1", "1|2", "1|3", "3|NULL"}},
		{name: "mv-expand with index and type", q: `datatable(s:string) ["a,b"] | mv-expand with_itemindex=i p = split(s, ",") to typeof(string) | project i, p`, ordered: true, rows: []string{"0|a", "1|b"}},
		{name: "mv-expand a bag", q: `datatable(d:dynamic) [dynamic({"x":1,"y":2})] | mv-expand d | project s = tostring(d)`, rows: []string{`{"x":1}`, `{"y":2}`}},

		// let, comments, search, union.
		{name: "let scalar", q: "let since = ago(2d);\n" + J + " | where TimeGenerated > since | count", rows: []string{"3"}},
		{name: "let timespan", q: "let span = 2d; " + J + " | where TimeGenerated > ago(span) | count", rows: []string{"3"}},
		{name: "let tabular", q: `let failed = ` + J + ` | where EventType == "JobFailed";
failed | summarize count()`, rows: []string{"3"}},
		{name: "comments anywhere", q: "// leading\n" + J + " // trailing\n| where JobId == 'j1' // end\n| count // last", rows: []string{"1"}},
		{name: "search in", q: `search in (` + J + `) "automl" | count`, rows: []string{"2"}},
		{name: "search after a pipe", q: J + ` | search "gpu" | count`, rows: []string{"4"}},
		{name: "search wildcard", q: J + ` | search "*_mod*" | project JobId`, rows: []string{"j2"}},
		{name: "union", q: `union AmlComputeClusterNodeEvent, (` + J + ` | take 2) | count`, rows: []string{"8"}},
		{name: "union isfuzzy", q: `union isfuzzy=true NoSuchTable, AmlComputeClusterNodeEvent | count`, rows: []string{"6"}},
		{name: "union withsource", q: `union withsource=T AmlComputeClusterNodeEvent, AmlComputeClusterEvent | summarize count() by T`, rows: []string{"AmlComputeClusterEvent|5", "AmlComputeClusterNodeEvent|6"}},
		{name: "union operator", q: J + ` | where JobId == "j1" | union (` + J + ` | where JobId == "j2") | project JobId`, rows: []string{"j1", "j2"}},

		// String operators and parse.
		{name: "parse simple", q: `datatable(s:string) ["node n1 took 35 s", "bad"] | parse s with "node " node " took " secs:long " s" | project node, secs`, rows: []string{"n1|35", "NULL|NULL"}},
		{name: "parse regex", q: `datatable(s:string) ["id=42;name=x"] | parse kind=regex s with "id=" id:long ";name=" name | project id, name`, rows: []string{"42|x"}},
		{name: "extract", q: `datatable(s:string) ["job=abc;x", "none"] | project e = extract("job=([a-z]+)", 1, s), n = extract("=([0-9]+)", 1, "a=12", typeof(long))`, rows: []string{"abc|12", "NULL|12"}},
		{name: "has_any", q: J + ` | where JobName has_any ("train", "prep") | project JobId`, rows: []string{"j2", "j4"}},
		{name: "has_any dynamic", q: J + ` | where JobName has_any (dynamic(["data"])) | project JobId`, rows: []string{"j4"}},
		{name: "has_all", q: J + ` | where JobName has_all ("prep", "DATA") | project JobId`, rows: []string{"j4"}},
		{name: "!between", q: J + ` | where DurationMs !between (100 .. 200) | project JobId`, rows: []string{"j4", "j5", "j7"}},
		{name: "where * contains", q: J + ` | where * contains "edge" | project JobId`, rows: []string{"j6"}},
		{name: "bracketed names", q: J + ` | where ['JobId'] == "j1" | project ['the id'] = JobId`, cols: "the id", rows: []string{"j1"}},

		// Aggregations.
		{name: "arg_max with *", q: J + ` | summarize arg_max(TimeGenerated, *) by ClusterId | project ClusterId, JobId`, rows: []string{"c1|j7", "c2|j4", "c3|j6"}},
		{name: "arg_min with columns", q: J + ` | summarize arg_min(DurationMs, JobId) by ClusterName`, cols: "ClusterName,DurationMs,JobId", rows: []string{"gpu|10|j7", "cpu|150|j3", "edge|NULL|NULL"}},
		{name: "make_list and make_set", q: J + ` | summarize l = make_list(JobId), s = make_set(ClusterName) by ClusterId | project ClusterId, array_length(l), array_length(s)`, rows: []string{"c1|4|1", "c2|2|1", "c3|1|1"}},
		{name: "conditional aggregations", q: J + ` | summarize s = sumif(DurationMs, ClusterId == "c1"), a = avgif(DurationMs, ClusterId == "c2"), d = dcountif(ClusterId, EventType == "JobFailed")`, rows: []string{"360|225|2"}},
		{name: "percentiles", q: J + ` | summarize percentiles(DurationMs, 0, 95)`, cols: "percentile_DurationMs_0,percentile_DurationMs_95", rows: []string{"10|300"}},
		{name: "take_any of several", q: J + ` | where JobId == "j2" | summarize take_any(JobName, ClusterName)`, cols: "JobName,ClusterName", rows: []string{"train_model|gpu"}},
		{name: "top nulls first", q: J + ` | top 2 by DurationMs asc nulls first | project JobId`, ordered: true, rows: []string{"j6", "j7"}},

		// Scalar functions. 2026-11-25 is a Wednesday.
		{name: "time functions", q: `datatable(t:datetime) [datetime(2026-11-25 13:45:30.123)]
| project startofday(t), startofweek(t), startofmonth(t), endofday(t), hourofday(t), dayofweek(t),
  datetime_diff('day', t, datetime(2026-11-20)), datetime_add('month', 1, t), format_datetime(t, 'yyyy-MM-dd HH:mm:ss.fff'),
  bin_at(t, 1h, datetime(2026-11-25 00:30)), format_timespan(timespan(1.02:03:04.5), 'd.hh:mm:ss.fff')`,
			rows: []string{"2026-11-25 00:00:00|2026-11-22 00:00:00|2026-11-01 00:00:00|2026-11-25 23:59:59.999999|13|72h0m0s|5|2026-12-25 13:45:30.123|2026-11-25 13:45:30.123|2026-11-25 13:30:00|1.02:03:04.500"}},
		{name: "string functions", q: `datatable(s:string) ["abcdef"]
| project substring(s, 2, 3), indexof(s, "cd"), indexof(s, "z"), replace_string("a-b-c", "-", "+"), trim(@"\s+", "  x  "),
  strcat_array(dynamic(["a","b"]), "-"), array_length(dynamic([1,2,3])), tobool("TRUE"), case(1 > 2, "a", 2 > 1, "b", "c"), round(2.5), round(-2.5)`,
			rows: []string{"cde|2|-1|a+b+c|x|a-b|3|true|b|3|-3"}},
		{name: "more functions", q: `datatable(t:datetime, a:long, b:long) [datetime(2026-11-25 13:45:30.123), 3, 7]
| project dayofyear(t), datetime_part("hour", t), datetime_part("millisecond", t), strcat_delim("-", "x", a, "y"),
  replace_regex("job-12-run-3", @"(\d+)", @"<\1>"), max_of(a, b, 5), min_of(a, b), column_ifexists("a", 0), column_ifexists("nope", "dflt")`,
			rows: []string{"329|13|123|x-3-y|job-<12>-run-<3>|7|3|3|dflt"}},
		{name: "print", q: `print x = 1 + 2, s = strcat("a", "b"), 5 * 2`, cols: "x,s,print_2", rows: []string{"3|ab|10"}},
		{name: "ingestion_time is TimeGenerated", q: J + ` | where JobId == "j2" | project t = ingestion_time()`, rows: []string{"2026-11-24 12:00:00"}},
	} {
		t.Run(c.name, func(t *testing.T) { checkKusto(t, db, c) })
	}
}

func TestRender(t *testing.T) {
	for q, want := range map[string]Chart{
		"AmlComputeJobEvent | summarize count() by ClusterName | render piechart":                                                             {Kind: "piechart"},
		"AmlComputeJobEvent | summarize count() by bin(TimeGenerated, 1h) | render timechart with (title=\"Jobs per hour\", ytitle=\"jobs\")": {Kind: "timechart", Title: "Jobs per hour"},
	} {
		out, err := Compile(q, Options{Now: now})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if out.Chart == nil || *out.Chart != want {
			t.Errorf("%s: chart %+v, want %+v", q, out.Chart, want)
		}
		if strings.Contains(strings.ToLower(out.SQL), "render") {
			t.Errorf("%s: render reached the SQL:\n%s", q, out.SQL)
		}
	}
	out, err := Compile("AmlComputeJobEvent | count", Options{Now: now})
	if err != nil || out.Chart != nil {
		t.Errorf("no render: chart %+v, %v", out.Chart, err)
	}
}

// TestUnsupported: a construct outside the subset is an error that names it and where it is.
func TestUnsupported(t *testing.T) {
	for _, c := range []struct {
		q         string
		line, col int
		msg       string
	}{
		{"AmlComputeJobEvent\n| evaluate bag_unpack(Properties)", 2, 3, `operator "evaluate" is not supported`},
		{"AmlComputeJobEvent | mv-expand x = split(JobName, '_') limit 3", 1, 56, `mv-expand limit is not supported`},
		{"let f = (x:long) { x + 1 };\nAmlComputeJobEvent", 1, 9, `let functions`},
		{"AmlComputeJobEvent | join (AmlComputeJobEvent | render piechart) on JobId", 1, 49, `render only ends the whole query`},
		{"AmlComputeJobEvent | render piechart | take 1", 1, 40, `render must be the last operator`},
		{"AmlComputeJobEvent | where JobName has_any (JobId)", 1, 45, `expected string literals or a dynamic array`},
		{"AmlComputeJobEvent | summarize arg_max(TimeGenerated, JobId) + 1", 1, 32, `yields several columns`},
		{"AmlComputeJobEvent | join kind=inner (AmlComputeClusterEvent) on $left.JobId == $right.Nope", 1, 78, `the right side has no column "Nope"`},
		{"datatable(a:money) [1]", 1, 13, `unknown type "money"`},
		{"AmlComputeJobEvent | project x = toscalar(1)", 1, 34, `unknown function "toscalar"`},
		{"range x from 1 to 3 step 1", 1, 1, `range is not supported`},
		{"AmlComputeJobEvent | where DurationMs.x == 1", 1, 38, `not dynamic`},
	} {
		_, err := Translate(c.q, now)
		var ke *Error
		if !errors.As(err, &ke) {
			t.Errorf("Translate(%q) error = %v, want *Error", c.q, err)
			continue
		}
		if ke.Line != c.line || ke.Col != c.col || !strings.Contains(ke.Msg, c.msg) {
			t.Errorf("Translate(%q) = %v, want %d:%d: …%s…", c.q, err, c.line, c.col, c.msg)
		}
	}
}

func TestIsKQLStatements(t *testing.T) {
	for q, want := range map[string]bool{
		"// failed jobs\nAmlComputeJobEvent | take 1": true,
		"let x = 1; AmlComputeJobEvent":               true,
		`search "x"`:                                  true,
		"union AmlComputeJobEvent, AzureMetrics":      true,
		"datatable(a:long) [1]":                       true,
		"-- comment\nSELECT 1":                        false,
		"SELECT 'let'":                                false,
	} {
		if got := IsKQL(q); got != want {
			t.Errorf("IsKQL(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestHelpListsRegistry: --help-kql prints every function of the registry.
func TestHelpListsRegistry(t *testing.T) {
	var b strings.Builder
	if err := WriteHelp(&b); err != nil {
		t.Fatal(err)
	}
	for _, f := range functions {
		if !strings.Contains(b.String(), "\n  "+f.name+" ") {
			t.Errorf("help lacks %s", f.name)
		}
	}
	for _, op := range []string{"join", "union", "parse", "render", "search"} {
		if !strings.Contains(b.String(), "\n  "+op) {
			t.Errorf("help lacks operator %s", op)
		}
	}
}
