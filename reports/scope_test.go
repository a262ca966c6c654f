package reports

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon"
)

// corrupt writes a file that is not Parquet (nor JSON) into a partition, as a reader that
// opens it fails.
func corrupt(t *testing.T, dir string, name string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte("this is not a Parquet file\n{"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// reportCSVs writes the fixture day's report from db and returns its CSVs by name.
func reportCSVs(t *testing.T, db *DB) map[string]string {
	t.Helper()
	dir, _ := writeReport(t, db, t.TempDir(), nil)
	got := map[string]string{}
	for _, c := range contractCSVs() {
		got[c.name] = readFile(t, dir, c.name+".csv")
	}
	return got
}

func TestReportScopeSkipsOtherDays(t *testing.T) {
	l := fixtureLake(t)
	want := reportCSVs(t, l.open())
	if want["failed_jobs"] == "" || !strings.Contains(want["node_churn"], "WS1,gpu") {
		t.Fatalf("fixture report is empty: %v", want)
	}

	// Files far outside D−7 … D+2, and just outside it, that no reader can open.
	for _, date := range []string{"2025-01-01", "2026-11-17", "2026-11-28", "2027-06-30"} {
		for _, table := range []string{"AmlComputeJobEvent", "AmlComputeClusterEvent", "AmlComputeClusterNodeEvent", amlmon.AzureMetrics, amlmon.Rejects, "ModelsChangeEvent"} {
			corrupt(t, filepath.Join(l.dir, table, "date="+date), "bad.parquet")
		}
		corrupt(t, filepath.Join(amlmon.MetaDir(l.dir), "blobs", "date="+date), "insights-logs-amlcomputejobevent.jsonl")
	}
	// A category whose only files are outside the scope.
	corrupt(t, filepath.Join(l.dir, "OldAuditEvent", "date=2025-01-01"), "bad.parquet")

	db, err := Open(context.Background(), l.dir, ReportDays(reportDay))
	if err != nil {
		t.Fatalf("scoped Open over corrupt partitions outside the scope: %v", err)
	}
	defer db.Close()
	got := reportCSVs(t, db)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s.csv with the scope differs:\n%s\nwant\n%s", name, got[name], w)
		}
	}
	if tables := strings.Join(db.Tables(), ","); !strings.Contains(tables, "OldAuditEvent") {
		t.Errorf("Tables() = %s, want the category found outside the scope too", tables)
	}

	if db, err := Open(context.Background(), l.dir); err == nil {
		db.Close()
		t.Errorf("unscoped Open read no corrupt partition")
	}
}

func TestEmptyScope(t *testing.T) {
	l := fixtureLake(t)
	db, err := Open(context.Background(), l.dir, Days(reportDay.AddDate(1, 0, 0), reportDay.AddDate(1, 0, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, v := range append(db.Tables(), BlobsView) {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + ident(v)).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s in an empty scope: %d rows, %v", v, n, err)
		}
	}
	if cols := columnsOf(t, db, "AmlComputeJobEvent"); cols["JobId"] != "VARCHAR" || cols["date"] != "DATE" {
		t.Errorf("AmlComputeJobEvent in an empty scope has columns %v", cols)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + ident(UnrecognisedView)).Scan(&n); err != nil || n != 1 {
		t.Errorf("_Unrecognised, which has no date, in a scope: %d rows, %v; want 1", n, err)
	}
}

func TestScopeReadsOnlyItsDays(t *testing.T) {
	l := fixtureLake(t)
	db, err := Open(context.Background(), l.dir, Days(reportDay, reportDay))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT DISTINCT CAST(date AS VARCHAR) FROM AmlComputeJobEvent UNION SELECT DISTINCT CAST(date AS VARCHAR) FROM _Blobs ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var dates []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		dates = append(dates, d)
	}
	if strings.Join(dates, ",") != "2026-11-25" {
		t.Errorf("dates read = %v, want only 2026-11-25", dates)
	}
}

// partitionFilter is how every query of the report starts its WHERE on a lake view: a
// condition on the partition, relative to the report day, that DuckDB prunes files with.
var partitionFilter = regexp.MustCompile(`^date (?:= CAST\(\$day AS DATE\)|BETWEEN CAST\(\$day AS DATE\)(?: - (\d+))? AND CAST\(\$day AS DATE\)(?: \+ (\d+))?)`)

var fromView = regexp.MustCompile(`(?s)FROM\s+(/\*table\*/|[A-Za-z_]+)\s+(?:WHERE\s+(.*))?`)

// TestQueriesFilterOnPartitions checks that each query reads partitions inside ReportDays'
// scope of its view only, and says so with a condition on date that DuckDB can prune with.
func TestQueriesFilterOnPartitions(t *testing.T) {
	views := map[string]bool{BlobsView: true, "/*table*/": true}
	for _, tb := range amlmon.Tables() {
		views[tb.Name] = true
	}
	entries, err := sqlFiles.ReadDir("sql")
	if err != nil {
		t.Fatal(err)
	}
	var scope openConfig
	ReportDays(reportDay)(&scope)
	checked := 0
	for _, e := range entries {
		text, err := sqlFiles.ReadFile("sql/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, idx := range regexp.MustCompile(`\bFROM\s`).FindAllIndex(text, -1) {
			m := fromView.FindSubmatch(text[idx[0]:])
			if m == nil || !views[string(m[1])] {
				continue
			}
			checked++
			f := partitionFilter.FindSubmatch(m[2])
			if f == nil {
				t.Errorf("%s: FROM %s is not filtered on date first: %.60q", e.Name(), m[1], m[2])
				continue
			}
			before, _ := strconv.Atoi(string(f[1]))
			after, _ := strconv.Atoi(string(f[2]))
			sc := scope.forView(string(m[1]))
			lo := reportDay.AddDate(0, 0, -before).Format(amlmon.DateLayout)
			hi := reportDay.AddDate(0, 0, after).Format(amlmon.DateLayout)
			if lo < sc.from || hi > sc.to {
				t.Errorf("%s: FROM %s reads D-%d … D+%d, outside the report's scope of it, %s … %s", e.Name(), m[1], before, after, sc.from, sc.to)
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked %d reads of lake views, the queries have more", checked)
	}
}

// BenchmarkOpenAndReport opens a lake of a year of daily partitions and writes one day's
// report, reading the whole lake and reading the report's scope: the scoped run should not
// depend on the lake's age.
func BenchmarkOpenAndReport(b *testing.B) {
	l := newLake(b)
	first := reportDay.AddDate(-1, 0, 0)
	for d := first; !d.After(reportDay.AddDate(0, 0, 2)); d = d.AddDate(0, 0, 1) {
		at := d.Add(10 * time.Hour).Format(time.RFC3339Nano)
		date := d.Format(amlmon.DateLayout)
		l.table("AmlComputeJobEvent", date, []row{job(rid1, "WS1", "gpu", "j"+date, "JobFailed", at, nil)})
		l.table("AmlComputeClusterEvent", date, []row{clusterEvent(rid1, "WS1", "gpu", at, row{"CurrentNodeCount": 2})})
	}
	for name, opts := range map[string][]Option{"whole lake": nil, "report scope": {ReportDays(reportDay)}} {
		b.Run(name, func(b *testing.B) {
			d := Daily{Date: reportDay, Out: b.TempDir(), Now: func() time.Time { return fixedNow }}
			for b.Loop() {
				db, err := Open(context.Background(), l.dir, opts...)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := d.Write(context.Background(), db); err != nil {
					b.Fatal(err)
				}
				db.Close()
			}
		})
	}
}

// ReportSpan takes in every day that ReportDays lets any view read, and no more.
func TestReportSpanCoversEveryView(t *testing.T) {
	var scope openConfig
	ReportDays(reportDay)(&scope)
	first, last := ReportSpan(reportDay)
	lo, hi := first.Format(amlmon.DateLayout), last.Format(amlmon.DateLayout)
	views := []string{BlobsView, UnrecognisedView, "SomeNewCategory", "AmlComputeJobEvent", "AmlComputeClusterEvent",
		"AmlComputeClusterNodeEvent", "AmlComputeCpuGpuUtilization", "AmlRunStatusChangedEvent", "AzureMetrics", "Rejects"}
	seenLo, seenHi := false, false
	for _, v := range views {
		c := scope.forView(v)
		if c.from < lo || c.to > hi {
			t.Errorf("view %s reads %s … %s, outside ReportSpan %s … %s", v, c.from, c.to, lo, hi)
		}
		seenLo = seenLo || c.from == lo
		seenHi = seenHi || c.to == hi
	}
	if !seenLo || !seenHi {
		t.Errorf("ReportSpan %s … %s is wider than any view reads", lo, hi)
	}
}
