package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var fixedNow = time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)

func writeReport(t *testing.T, db *DB, out string, rules []Rule) (string, Summary) {
	t.Helper()
	d := Daily{Date: reportDay, Out: out, Rules: rules, Version: "test", Now: func() time.Time { return fixedNow }}
	s, err := d.Write(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(out, "2026-11-25"), s
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// The expectations below are computed by hand from fixtureLake.
func TestDailyCSVs(t *testing.T) {
	dir, _ := writeReport(t, fixtureLake(t).open(), t.TempDir(), nil)
	want := map[string]string{
		// j0 (D-1 23:59:59.999999) and j7 (D+1 00:00) are outside D; j1 at 00:00 is inside.
		// WS1/gpu: submitted j1 j2 j3, succeeded j1, failed j2 (twice) j3 (jobfailed) j4 → 3/4.
		// The same cluster name in WS2 is its own row; WS1/cpu has no finished job: 0/0 is empty.
		"failures_by_cluster.csv": lines(
			"resource_id,workspace,cluster,jobs_submitted,jobs_succeeded,jobs_failed,failure_rate",
			rid1+",WS1,gpu,3,1,3,0.75",
			rid2+",WS2,gpu,1,0,1,1",
			rid1+",WS1,cpu,1,0,0,"),
		// j2 failed at 04:00 and 03:00: its first failure counts. j3's JobErrorMessage is empty,
		// so ErrorDetails is used; j4 has neither.
		"failed_jobs.csv": lines(
			"time,resource_id,workspace,cluster,job_id,job_name,experiment_name,tool_type,error",
			"2026-11-25T03:00:00.000000Z,"+rid1+",WS1,gpu,j2,train-j2,exp,Python,OOM: CUDA out of memory",
			"2026-11-25T06:00:00.000000Z,"+rid1+",WS1,gpu,j3,train-j3,exp,Python,Disk full",
			"2026-11-25T11:00:00.000000Z,"+rid2+",WS2,gpu,j5,train-j5,exp,Python,OOM: CUDA out of memory",
			"2026-11-25T23:59:59.999999Z,"+rid1+",WS1,gpu,j4,train-j4,exp,Python,"),
		"failure_reasons.csv": lines(
			"error,jobs,workspaces",
			"OOM: CUDA out of memory,2,2",
			",1,1",
			"Disk full,1,1"),
		// WS1/gpu: 50, 95, 92 % (the QuotaAllocated 0 and QuotaUtilized NULL events are out):
		// max 95, avg 79, two above 90. WS2/gpu: 3 of 10.
		"quota_usage.csv": lines(
			"resource_id,workspace,cluster,vm_size,vm_priority,events,quota_allocated,quota_utilized_max,utilization_pct_max,utilization_pct_avg,events_over_90",
			rid1+",WS1,gpu,STANDARD_NC6,Dedicated,3,100,95,95,79,2",
			rid2+",WS2,gpu,STANDARD_NC6,Dedicated,1,10,3,30,30,0"),
		// WS1/cpu: 1, 3 (same time, later offset), 2 → +2 −1. cpu-lowpri has node events only.
		// WS1/gpu: 0 4 2 3 → +4 −2 +1; nodes n1 n2 n3 (n3 allocated 23:59 D, logged D+1; n4
		// allocated D+1 is out); boots 100 200 300 460 s → p50 250, p95 300+0.85·160 = 436.
		// WS2/gpu: no event has CurrentNodeCount → events 0, node counts empty.
		"node_churn.csv": lines(
			"resource_id,workspace,cluster,events,nodes_min,nodes_max,nodes_added,nodes_removed,preempted_max,unusable_max,nodes_allocated,boot_seconds_p50,boot_seconds_p95",
			rid1+",WS1,cpu,3,1,3,2,1,,,,,",
			rid1+",WS1,cpu-lowpri,,,,,,,,1,30,30",
			rid1+",WS1,gpu,4,0,4,5,2,1,2,3,250,436",
			rid2+",WS2,gpu,0,,,,,0,,,,"),
		// Default rules: 5-minute windows evaluated every minute. Quota: 95 at 10:01 is met at
		// 10:02 … 10:06, resolved at 10:09; 85 at 10:30 is not met; 92 at 11:00 is met 11:01 …
		// 11:05, resolved 11:08; 186/2 = 93 at 11:59:59.999999 is met 12:00 … 12:04, resolved
		// 12:07 (names in other cases). Model Deploy Failed at 23:59:59.999999 is met only at
		// D+1 00:00, the last evaluation, so still open; the row at D+1 00:00 is in no window
		// of D. Unusable Nodes: WS1's 0 is not met; WS2's 2 at 05:15 is met 05:16 … 05:20.
		"alerts.csv": lines(
			"rule,resource_id,workspace,metric,aggregation,operator,threshold,window,frequency,fired_at,resolved_at,evaluations,peak_value",
			"model_deploy_failed,"+rid1+",WS1,Model Deploy Failed,Total,GreaterThan,0,5m,1m,2026-11-26T00:00:00.000000Z,,1,1",
			"quota_utilization,"+rid1+",WS1,Quota Utilization Percentage,Average,GreaterThan,90,5m,1m,2026-11-25T10:02:00.000000Z,2026-11-25T10:09:00.000000Z,5,95",
			"quota_utilization,"+rid1+",WS1,Quota Utilization Percentage,Average,GreaterThan,90,5m,1m,2026-11-25T11:01:00.000000Z,2026-11-25T11:08:00.000000Z,5,92",
			"quota_utilization,"+rid1+",WS1,Quota Utilization Percentage,Average,GreaterThan,90,5m,1m,2026-11-25T12:00:00.000000Z,2026-11-25T12:07:00.000000Z,5,93",
			"unusable_nodes,"+rid2+",WS2,Unusable Nodes,Total,GreaterThan,0,5m,1m,2026-11-25T05:16:00.000000Z,2026-11-25T05:23:00.000000Z,5,2"),
		// WS1's job events had a blob in every hour of the week before; WS2's cluster events
		// one blob in it, which makes them neither hourly nor daily.
		"completeness.csv": lines(
			"container,resource_id,expected,missing_hours",
			"insights-logs-amlcomputejobevent,"+rid1+",hourly,03 04 21"),
	}
	dq := []string{"container,blob,bytes,records,rejected,first_error"}
	for h := 0; h < 24; h++ {
		name := fmt.Sprintf("insights-logs-amlcomputejobevent,resourceId=%s/y=2026/m=11/d=25/h=%02d/m=00/PT1H.json", rid1, h)
		switch h {
		case 3, 4, 21:
		case 0:
			dq = append(dq, name+",1000,0,2,not a JSON object")
		case 5: // an empty blob is listed too
			dq = append(dq, name+",0,0,0,")
		default: // hour 1 was read twice; its later entry counts
			dq = append(dq, fmt.Sprintf("%s,%d,%d,0,", name, 1000+h, h))
		}
	}
	want["data_quality.csv"] = lines(dq...)
	for name, w := range want {
		if got := readFile(t, dir, name); got != w {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", name, got, w)
		}
	}
}

func TestDailySummary(t *testing.T) {
	l := fixtureLake(t)
	run := &RunStatus{Started: fixedNow.Add(-time.Hour), Duration: time.Minute, Blobs: 30, Read: 22}
	d := Daily{Date: reportDay.Add(13 * time.Hour), Out: t.TempDir(), Version: "v1.2.3", Now: func() time.Time { return fixedNow }, Run: run}
	s, err := d.Write(context.Background(), l.open())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(d.Out, "2026-11-25"), "summary.json")), &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{
		"date": "2026-11-25", "lake": l.dir, "version": "v1.2.3", "generated_at": "2026-11-26T02:00:00Z",
		"jobs_submitted": 5.0, "jobs_succeeded": 1.0, "jobs_failed": 4.0, "failure_rate": 0.8,
		"alerts_fired": 5.0, "blobs": 21.0, "rejected": 2.0, "warnings": 3.0, "missing_hours": 3.0,
		"unrecognised_blobs": 1.0,
	} {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("summary.json %s = %v, want %v", k, got[k], v)
		}
	}
	rows, _ := got["rows"].(map[string]any)
	for table, n := range map[string]float64{"AmlComputeJobEvent": 11, "AmlComputeClusterEvent": 10,
		"AmlComputeClusterNodeEvent": 4, "AzureMetrics": 7, "ModelsChangeEvent": 1, "Rejects": 2, "AmlRunStatusChangedEvent": 0} {
		if rows[table] != n {
			t.Errorf("rows[%s] = %v, want %v", table, rows[table], n)
		}
	}
	if r, _ := got["run"].(map[string]any); r["blobs_read"] != 22.0 {
		t.Errorf("run = %v, want the RunStatus", got["run"])
	}
	if s.JobsFailed != 4 || s.MissingHours != 3 || s.AlertsFired != 5 || s.Date != "2026-11-25" {
		t.Errorf("Summary = %+v", s)
	}
}

func TestCustomRules(t *testing.T) {
	rules := []Rule{
		// Average weighted by count over an hour: 95 from 10:02; 265/3 = 88.33 once 10:30 is in;
		// 357/4 = 89.25 at 11:01; 262/3 = 87.33 from 11:02, resolved at 11:04. Then 92 from
		// 11:31 (10:30 out), 278/3 at 12:00, 93 until 12:59; resolved at 13:02.
		{Name: "weighted", Metric: "quota utilization PERCENTAGE", Aggregation: "Average", Operator: "GreaterThan", Threshold: 88, Window: time.Hour, Frequency: time.Minute},
		// WS2's 2 at 05:15 is in the 30-minute windows of 05:16 … 05:45.
		{Name: "half_hour", Metric: "Unusable Nodes", Aggregation: "Maximum", Operator: "GreaterThanOrEqual", Threshold: 1.5, Window: 30 * time.Minute},
		// Count sums the rows' counts, 1 + 2 + 1 + 2 = 6 while a 6-hour window holds all four
		// rows: 12:00 … 16:01.
		{Name: "many_rows", Metric: "Quota Utilization Percentage", Aggregation: "Count", Operator: "GreaterThan", Threshold: 5, Window: 6 * time.Hour},
		// 85 at 10:30 stays in the 24-hour window for the rest of the day.
		{Name: "low", Metric: "Quota Utilization Percentage", Aggregation: "Minimum", Operator: "LessThan", Threshold: 90, Window: 24 * time.Hour},
	}
	dir, _ := writeReport(t, fixtureLake(t).open(), t.TempDir(), rules)
	want := lines(
		"rule,resource_id,workspace,metric,aggregation,operator,threshold,window,frequency,fired_at,resolved_at,evaluations,peak_value",
		"half_hour,"+rid2+",WS2,Unusable Nodes,Maximum,GreaterThanOrEqual,1.5,30m,1m,2026-11-25T05:16:00.000000Z,2026-11-25T05:48:00.000000Z,30,2",
		"low,"+rid1+",WS1,Quota Utilization Percentage,Minimum,LessThan,90,24h,1m,2026-11-25T10:31:00.000000Z,,810,85",
		"many_rows,"+rid1+",WS1,Quota Utilization Percentage,Count,GreaterThan,5,6h,1m,2026-11-25T12:00:00.000000Z,2026-11-25T16:04:00.000000Z,242,6",
		"weighted,"+rid1+",WS1,quota utilization PERCENTAGE,Average,GreaterThan,88,1h,1m,2026-11-25T10:02:00.000000Z,2026-11-25T11:04:00.000000Z,60,95",
		"weighted,"+rid1+",WS1,quota utilization PERCENTAGE,Average,GreaterThan,88,1h,1m,2026-11-25T11:31:00.000000Z,2026-11-25T13:02:00.000000Z,89,93")
	if got := readFile(t, dir, "alerts.csv"); got != want {
		t.Errorf("alerts.csv:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestDailyRejectsBadRule(t *testing.T) {
	d := Daily{Date: reportDay, Out: t.TempDir(), Rules: []Rule{{Name: "x", Metric: "m", Aggregation: "Mean", Operator: "GreaterThan", Window: time.Hour}}}
	_, err := d.Write(context.Background(), newLake(t).open())
	if err == nil || !strings.Contains(err.Error(), `aggregation "Mean"`) {
		t.Fatalf("err = %v, want the bad aggregation named", err)
	}
}

func TestEmptyLake(t *testing.T) {
	db := newLake(t).open()
	dir, s := writeReport(t, db, t.TempDir(), nil)
	for _, c := range contractCSVs() {
		if got := readFile(t, dir, c.name+".csv"); got != c.header+"\n" {
			t.Errorf("%s.csv = %q, want the header only", c.name, got)
		}
	}
	md := readFile(t, dir, "report.md")
	if !strings.Contains(md, "No data for 2026-11-25") {
		t.Errorf("report.md does not say there is no data:\n%s", md)
	}
	for _, svg := range []string{"failures_by_hour.svg", "quota_by_cluster.svg", "nodes_over_day.svg"} {
		if strings.Contains(md, svg) {
			t.Errorf("report.md shows %s without data", svg)
		}
	}
	if s.JobsSubmitted != 0 || s.FailureRate != nil || s.Blobs != 0 {
		t.Errorf("Summary = %+v", s)
	}
}

func TestRewriteReplacesReport(t *testing.T) {
	out := t.TempDir()
	dir, _ := writeReport(t, newLake(t).open(), out, nil)
	stale := filepath.Join(dir, "stale.txt")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	writeReport(t, fixtureLake(t).open(), out, nil)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a file of the previous report survived: %v", err)
	}
	if !strings.Contains(readFile(t, dir, "failed_jobs.csv"), "j2") {
		t.Error("the report was not replaced")
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("report folder holds %d entries, want only the day", len(entries))
	}
}

// BenchmarkDailyWrite measures one report of the fixture lake: the queries, the rendering and
// the folder swap.
func BenchmarkDailyWrite(b *testing.B) {
	l := fixtureLake(b)
	db, err := Open(context.Background(), l.dir)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	d := Daily{Date: reportDay, Out: b.TempDir(), Now: func() time.Time { return fixedNow }}
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.Write(context.Background(), db); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReportQueriesOrderTheirRows: the report's DB lets DuckDB return rows of a query without
// ORDER BY in any order (ReportDays), so every query whose rows the report writes orders them
// at its top level; only single-row queries, those that fill the shared tables and those that
// others embed do not.
func TestReportQueriesOrderTheirRows(t *testing.T) {
	unordered := map[string]bool{"headline": true, "table_rows": true, "node_steps": true, "cluster_names": true, "alert_rows": true}
	for _, name := range sharedQueries {
		unordered[name] = true
	}
	entries, err := sqlFiles.ReadDir("sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sql")
		text, err := query(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := orderBy(text) != ""; got == unordered[name] {
			t.Errorf("%s: top-level ORDER BY %v, want %v", name, got, !unordered[name])
		}
	}
}

// TestOneClusterInTwoSpellings: a cluster whose events spell its resource ID in two cases is
// one row, as the resource ID is compared in upper case. By hand: quota 50, 95 and 20 % (the
// quota raised to 200), one above 90; node counts 1, 3, 2.
func TestOneClusterInTwoSpellings(t *testing.T) {
	l := newLake(t)
	at := func(h int) string { return reportDay.Add(time.Duration(h) * time.Hour).Format(time.RFC3339Nano) }
	l.table("AmlComputeClusterEvent", "2026-11-25", []row{
		clusterEvent(rid1, "WS1", "gpu", at(1), row{"CurrentNodeCount": 1, "QuotaAllocated": 100, "QuotaUtilized": 50}),
		clusterEvent(strings.ToLower(rid1), "WS1", "gpu", at(2), row{"CurrentNodeCount": 3, "QuotaAllocated": 100, "QuotaUtilized": 95}),
		clusterEvent(rid1, "WS1", "gpu", at(3), row{"CurrentNodeCount": 2, "QuotaAllocated": 200, "QuotaUtilized": 40}),
	})
	dir, _ := writeReport(t, l.open(), t.TempDir(), nil)
	for name, want := range map[string]string{
		"quota_usage.csv": lines(
			"resource_id,workspace,cluster,vm_size,vm_priority,events,quota_allocated,quota_utilized_max,utilization_pct_max,utilization_pct_avg,events_over_90",
			rid1+",WS1,gpu,STANDARD_NC6,Dedicated,3,200,95,95,55,1"),
		"node_churn.csv": lines(
			"resource_id,workspace,cluster,events,nodes_min,nodes_max,nodes_added,nodes_removed,preempted_max,unusable_max,nodes_allocated,boot_seconds_p50,boot_seconds_p95",
			rid1+",WS1,gpu,3,1,3,2,1,,,,,"),
	} {
		if got := readFile(t, dir, name); got != want {
			t.Errorf("%s:\n got:\n%s\nwant:\n%s", name, got, want)
		}
	}
}
