package kql

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/amlmon/amlmon"
)

// FuzzTranslate: whatever the input, Compile returns an *Error or SQL that DuckDB can
// prepare over the lake's tables, and never panics. A table the lake does not have (a
// category with no rows yet) may be missing; that is DuckDB's error to report.
func FuzzTranslate(f *testing.F) {
	for _, c := range readPublishedForFuzz() {
		f.Add(c)
	}
	for _, q := range []string{
		`AmlComputeJobEvent | where TimeGenerated > ago(5d) and EventType == "JobFailed" | project TimeGenerated, ClusterId`,
		`let L = datatable(k:string, v:long) ["a", 1]; L | join kind=leftouter (L | project k, w = v) on k`,
		`union isfuzzy=true Aml*, AzureMetrics | summarize arg_max(TimeGenerated, *) by Category`,
		`search "gpu" | take 5`,
		`AmlComputeJobEvent | extend d = parse_json(Properties) | project x = d.a.b[-1], y = d['c']`,
		`AmlComputeJobEvent | parse JobName with * "_" rest | summarize make_set(rest), percentiles(DurationMs, 50, 90)`,
		`AmlComputeJobEvent | where * has "x" | top 3 by DurationMs asc nulls first | render piechart`,
		`datatable(t:datetime) [datetime(2026-01-01)] | project startofweek(t), format_datetime(t, "yyyy-MM"), format_timespan(1h, "hh:mm")`,
	} {
		f.Add(q)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	for _, table := range amlmon.Tables() {
		var cols []string
		for _, c := range table.Columns {
			cols = append(cols, ident(c.Name)+" "+c.Type.SQL())
		}
		if _, err := db.Exec("CREATE TABLE " + ident(table.Name) + " (" + strings.Join(cols, ", ") + ")"); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, q string) {
		out, err := Compile(q, Options{Now: now})
		if err != nil {
			var ke *Error
			if !errors.As(err, &ke) {
				t.Fatalf("Compile(%q) error %T %v, want *Error", q, err, err)
			}
			return
		}
		stmt, err := db.Prepare(out.SQL)
		if err != nil {
			if strings.Contains(err.Error(), "Catalog Error: Table with name") {
				return
			}
			t.Fatalf("Compile(%q) gave SQL that DuckDB cannot prepare: %v\n%s", q, err, out.SQL)
		}
		stmt.Close()
	})
}

// readPublishedForFuzz is the queries of published.kql, as seeds.
func readPublishedForFuzz() []string {
	var out []string
	for _, block := range strings.Split(publishedQueries, "\n## ")[1:] {
		_, body, _ := strings.Cut(block, "\n")
		q, _, _ := strings.Cut(body, "\n-- ")
		out = append(out, q)
	}
	return out
}
