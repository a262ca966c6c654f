package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon"
)

// alertsOf evaluates rules on a lake of the given AzureMetrics rows (partitioned by their
// date) for reportDay and returns alerts.csv's rows, fields joined by commas.
func alertsOf(t *testing.T, rules []Rule, rows ...row) []string {
	t.Helper()
	l := newLake(t)
	byDate := map[string][]row{}
	for _, r := range rows {
		d := r["TimeGenerated"].(time.Time).Format(amlmon.DateLayout)
		byDate[d] = append(byDate[d], r)
	}
	for d, rs := range byDate {
		l.table(amlmon.AzureMetrics, d, rs)
	}
	for i, r := range rules {
		if err := r.check(); err != nil {
			t.Fatalf("rule %d: %v", i, err)
		}
	}
	res, err := evaluate(context.Background(), l.open(), reportDay, rules)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(res.cols, ","), "rule,resource_id,workspace,metric,aggregation,operator,threshold,window,frequency,fired_at,resolved_at,evaluations,peak_value"; got != want {
		t.Fatalf("columns %s, want %s", got, want)
	}
	var out []string
	for i := range res.rows {
		var fields []string
		for _, c := range res.cols {
			fields = append(fields, res.text(i, c))
		}
		out = append(out, strings.Join(fields, ","))
	}
	return out
}

func checkAlerts(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("alerts.csv rows:\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// limits sets a metric row's Minimum and Maximum.
func limits(r row, min, max float64) row {
	r["Minimum"], r["Maximum"] = min, max
	return r
}

func totalAbove0(name, metricName string, window, frequency time.Duration) Rule {
	return Rule{Name: name, Metric: metricName, Aggregation: "Total", Operator: "GreaterThan", Threshold: 0, Window: window, Frequency: frequency}
}

// A single minute with a value is inside the 5-minute window of the 5 evaluations after it,
// 10:03 … 10:07 ([t−5m, t) holds 10:02:30 for t in (10:02:30, 10:07:30]); the incident
// resolves at the third unmet evaluation, 10:10. The zero before it is a row that is not met.
func TestAlertSingleMinuteSpike(t *testing.T) {
	got := alertsOf(t, []Rule{totalAbove0("spike", "Unusable Nodes", 5*time.Minute, time.Minute)},
		metric(rid1, "WS1", "Unusable Nodes", "2026-11-25T10:00:00Z", 0, 1),
		metric(rid1, "WS1", "Unusable Nodes", "2026-11-25T10:02:30Z", 3, 1),
	)
	checkAlerts(t, got,
		"spike,"+rid1+",WS1,Unusable Nodes,Total,GreaterThan,0,5m,1m,2026-11-25T10:03:00.000000Z,2026-11-25T10:10:00.000000Z,5,3")
}

// With a 1-minute window, evaluation t sees the minute before it. WS1 is met at 10:01 and
// 10:02, unmet at 10:03 and 10:04 (rows of value 0), met again at 10:05 (value 2): two unmet
// evaluations do not resolve, so one incident of 3 met evaluations, which resolves at 10:08.
// WS2 is met at 10:01 and 10:02, unmet at 10:03, 10:04 and 10:05 (no rows): resolved at 10:05;
// met again at 10:06, a new incident, resolved at 10:09. Each resource has its own state.
func TestAlertDipInsideIncident(t *testing.T) {
	got := alertsOf(t, []Rule{totalAbove0("dip", "Model Deploy Failed", time.Minute, time.Minute)},
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-25T10:00:00Z", 1, 1),
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-25T10:01:00Z", 1, 1),
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-25T10:02:00Z", 0, 1),
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-25T10:03:00Z", 0, 1),
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-25T10:04:00Z", 2, 1),
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-25T10:05:00Z", 0, 1),
		metric(rid2, "WS2", "Model Deploy Failed", "2026-11-25T10:00:00Z", 1, 1),
		metric(rid2, "WS2", "Model Deploy Failed", "2026-11-25T10:01:00Z", 1, 1),
		metric(rid2, "WS2", "Model Deploy Failed", "2026-11-25T10:05:00Z", 4, 1),
	)
	checkAlerts(t, got,
		"dip,"+rid1+",WS1,Model Deploy Failed,Total,GreaterThan,0,1m,1m,2026-11-25T10:01:00.000000Z,2026-11-25T10:08:00.000000Z,3,2",
		"dip,"+rid2+",WS2,Model Deploy Failed,Total,GreaterThan,0,1m,1m,2026-11-25T10:01:00.000000Z,2026-11-25T10:05:00.000000Z,2,1",
		"dip,"+rid2+",WS2,Model Deploy Failed,Total,GreaterThan,0,1m,1m,2026-11-25T10:06:00.000000Z,2026-11-25T10:09:00.000000Z,1,4")
}

// The last evaluation is D+1 00:00. WS1's row at 23:58 is met at 23:59 and 00:00 and the
// incident is still open after it: resolved_at is empty. WS2's row at 23:52 is met 23:53 …
// 23:57 and unmet 23:58, 23:59, 00:00: resolved at D+1 00:00, the day's last evaluation. WS3's
// only row is at D+1 00:00, outside every window of D: no incident.
func TestAlertOpenAtEndOfDay(t *testing.T) {
	got := alertsOf(t, []Rule{totalAbove0("late", "Model Deploy Failed", 5*time.Minute, time.Minute)},
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-25T23:58:00Z", 1, 1),
		metric(rid2, "WS2", "Model Deploy Failed", "2026-11-25T23:52:00Z", 2, 1),
		metric(rid3, "WS3", "Model Deploy Failed", "2026-11-26T00:00:00Z", 7, 1),
	)
	checkAlerts(t, got,
		"late,"+rid1+",WS1,Model Deploy Failed,Total,GreaterThan,0,5m,1m,2026-11-25T23:59:00.000000Z,,2,1",
		"late,"+rid2+",WS2,Model Deploy Failed,Total,GreaterThan,0,5m,1m,2026-11-25T23:53:00.000000Z,2026-11-26T00:00:00.000000Z,5,2")
}

// The first evaluations of D reach back into D−1: 00:01 is [23:56, 00:01), which holds the row
// at 23:57 (value 1, in the date=2026-11-24 partition) but not the one at 23:55:59 (value 10).
// Met at 00:01 and 00:02, resolved at 00:05, peak 1. The 24-hour window of the second rule,
// evaluated hourly, holds both rows from 01:00 ([D−1 01:00, D 01:00)) to 23:00: 11 > 10, 23
// evaluations; at D+1 00:00 its window [D, D+1) is empty, one unmet evaluation, so the
// incident is still open at the end of the day.
func TestAlertWindowReachesPreviousDay(t *testing.T) {
	rules := []Rule{
		totalAbove0("five", "Unusable Nodes", 5*time.Minute, time.Minute),
		{Name: "day", Metric: "Unusable Nodes", Aggregation: "Total", Operator: "GreaterThan", Threshold: 10, Window: 24 * time.Hour, Frequency: time.Hour},
	}
	got := alertsOf(t, rules,
		metric(rid1, "WS1", "Unusable Nodes", "2026-11-24T23:55:59Z", 10, 1),
		metric(rid1, "WS1", "Unusable Nodes", "2026-11-24T23:57:00Z", 1, 1),
	)
	checkAlerts(t, got,
		"day,"+rid1+",WS1,Unusable Nodes,Total,GreaterThan,10,24h,1h,2026-11-25T01:00:00.000000Z,,23,11",
		"five,"+rid1+",WS1,Unusable Nodes,Total,GreaterThan,0,5m,1m,2026-11-25T00:01:00.000000Z,2026-11-25T00:05:00.000000Z,2,1")
}

// Average is sum(Total)/sum(Count) over the window's rows, as Azure Monitor computes it, not the
// mean of the rows' averages. WS1: 10:00 (96 over 1) and 10:01 (170 over 2, average 85). At
// 10:01 only the first row: 96 > 90, met. 10:02 … 10:05 hold both: 266/3 = 88.67, unmet (the
// mean of the averages, 90.5, would be met), so resolved at 10:04 after 1 met evaluation.
// WS2: two rows in one minute, 92 over 1 and 186 over 2: 278/3 = 92.6667 at 11:01 … 11:05
// (the mean of the averages is 92.5), resolved at 11:08.
func TestAlertAverageWeightedByCount(t *testing.T) {
	rule := Rule{Name: "quota", Metric: "quota utilization percentage", Aggregation: "Average", Operator: "GreaterThan", Threshold: 90, Window: 5 * time.Minute, Frequency: time.Minute}
	got := alertsOf(t, []Rule{rule},
		metric(rid1, "WS1", "Quota Utilization Percentage", "2026-11-25T10:00:00Z", 96, 1),
		metric(rid1, "WS1", "Quota Utilization Percentage", "2026-11-25T10:01:00Z", 170, 2),
		metric(rid2, "WS2", "QUOTA UTILIZATION PERCENTAGE", "2026-11-25T11:00:00Z", 92, 1),
		metric(rid2, "WS2", "Quota Utilization Percentage", "2026-11-25T11:00:30Z", 186, 2),
	)
	checkAlerts(t, got,
		"quota,"+rid1+",WS1,quota utilization percentage,Average,GreaterThan,90,5m,1m,2026-11-25T10:01:00.000000Z,2026-11-25T10:04:00.000000Z,1,96",
		"quota,"+rid2+",WS2,quota utilization percentage,Average,GreaterThan,90,5m,1m,2026-11-25T11:01:00.000000Z,2026-11-25T11:08:00.000000Z,5,92.6667")
}

// A window without rows is not met, even where a NULL would compare true if it were taken as 0:
// "fewer than 1 active node" is met only while the window holds the row of value 0, 10:01 …
// 10:05, and resolves at 10:08; the empty windows of the rest of the day are not met. Its
// peak is the smallest value, 0.
func TestAlertWindowWithoutRows(t *testing.T) {
	rule := Rule{Name: "idle", Metric: "Active Nodes", Aggregation: "Total", Operator: "LessThan", Threshold: 1, Window: 5 * time.Minute, Frequency: time.Minute}
	got := alertsOf(t, []Rule{rule},
		metric(rid1, "WS1", "Active Nodes", "2026-11-25T10:00:00Z", 0, 1),
		metric(rid1, "WS1", "Active Nodes", "2026-11-25T12:00:00Z", 4, 1),
	)
	checkAlerts(t, got,
		"idle,"+rid1+",WS1,Active Nodes,Total,LessThan,1,5m,1m,2026-11-25T10:01:00.000000Z,2026-11-25T10:08:00.000000Z,5,0")
}

// A LessThan rule's peak is the smallest value among the met evaluations. Minimum < 50 over
// 5 minutes of rows at 10:00 (40), 10:02 (20) and 10:03 (45): 10:01 and 10:02 see 40, 10:03 …
// 10:07 see 20, 10:08 ([10:03, 10:08)) sees 45; 10:09 … 10:11 are empty, resolved at 10:11.
// A LessThanOrEqual rule on Maximum ≤ 45: the row at 10:00 (maximum 80) keeps it unmet until
// 10:05; 10:06 … 10:08 see 45, so 3 met evaluations, peak 45, resolved at 10:11.
func TestAlertLessThanPeak(t *testing.T) {
	rules := []Rule{
		{Name: "low", Metric: "CpuUtilization", Aggregation: "Minimum", Operator: "LessThan", Threshold: 50, Window: 5 * time.Minute, Frequency: time.Minute},
		{Name: "low_max", Metric: "CpuUtilization", Aggregation: "Maximum", Operator: "LessThanOrEqual", Threshold: 45, Window: 5 * time.Minute, Frequency: time.Minute},
	}
	got := alertsOf(t, rules,
		limits(metric(rid1, "WS1", "CpuUtilization", "2026-11-25T10:00:00Z", 60, 1), 40, 80),
		limits(metric(rid1, "WS1", "CpuUtilization", "2026-11-25T10:02:00Z", 20, 1), 20, 20),
		limits(metric(rid1, "WS1", "CpuUtilization", "2026-11-25T10:03:00Z", 45, 1), 45, 45),
	)
	checkAlerts(t, got,
		"low,"+rid1+",WS1,CpuUtilization,Minimum,LessThan,50,5m,1m,2026-11-25T10:01:00.000000Z,2026-11-25T10:11:00.000000Z,8,20",
		"low_max,"+rid1+",WS1,CpuUtilization,Maximum,LessThanOrEqual,45,5m,1m,2026-11-25T10:06:00.000000Z,2026-11-25T10:11:00.000000Z,3,45")
}

// A 15-minute window evaluated every 5 minutes: evaluations at 00:05, 00:10, … 24:00. The row
// at 10:07 is in the windows of 10:10, 10:15 and 10:20; unmet at 10:25, 10:30, 10:35:
// resolved at 10:35. The row at 12:00 sits on a boundary: windows of 12:05, 12:10, 12:15.
// Count sums the rows' counts: 3 and then 5.
func TestAlertFifteenMinutesEveryFive(t *testing.T) {
	rules := []Rule{
		{Name: "slow", Metric: "Unusable Nodes", Aggregation: "Maximum", Operator: "GreaterThan", Threshold: 0, Window: 15 * time.Minute, Frequency: 5 * time.Minute},
		{Name: "slow_count", Metric: "Unusable Nodes", Aggregation: "Count", Operator: "GreaterThanOrEqual", Threshold: 3, Window: 15 * time.Minute, Frequency: 5 * time.Minute},
	}
	got := alertsOf(t, rules,
		metric(rid1, "WS1", "Unusable Nodes", "2026-11-25T10:07:00Z", 2, 3),
		metric(rid1, "WS1", "Unusable Nodes", "2026-11-25T12:00:00Z", 5, 5),
	)
	checkAlerts(t, got,
		"slow,"+rid1+",WS1,Unusable Nodes,Maximum,GreaterThan,0,15m,5m,2026-11-25T10:10:00.000000Z,2026-11-25T10:35:00.000000Z,3,0.6667",
		"slow,"+rid1+",WS1,Unusable Nodes,Maximum,GreaterThan,0,15m,5m,2026-11-25T12:05:00.000000Z,2026-11-25T12:30:00.000000Z,3,1",
		"slow_count,"+rid1+",WS1,Unusable Nodes,Count,GreaterThanOrEqual,3,15m,5m,2026-11-25T10:10:00.000000Z,2026-11-25T10:35:00.000000Z,3,3",
		"slow_count,"+rid1+",WS1,Unusable Nodes,Count,GreaterThanOrEqual,3,15m,5m,2026-11-25T12:05:00.000000Z,2026-11-25T12:30:00.000000Z,3,5")
}

// BenchmarkAlerts evaluates the default rules on two days of per-minute metrics: 200
// resources × 12 metrics × 1440 minutes a day (3.5 million rows a day, the AzureMetrics of a
// large account), one file per day.
func BenchmarkAlerts(b *testing.B) {
	l := newLake(b)
	tbl, _ := amlmon.TableNamed(amlmon.AzureMetrics)
	names := []string{"Model Deploy Failed", "Quota Utilization Percentage", "Unusable Nodes", "Active Nodes",
		"CpuUtilization", "GpuUtilization", "GpuMemoryUtilization", "DiskUsedMegabytes", "Failed Runs",
		"Completed Runs", "Started Runs", "Idle Nodes"}
	var quoted []string
	for _, n := range names {
		quoted = append(quoted, sqlString(n))
	}
	for _, day := range []string{"2026-11-24", "2026-11-25"} {
		var cols []string
		for _, c := range tbl.Columns {
			expr := "CAST(NULL AS " + c.Type.SQL() + ")"
			switch c.Name {
			case "TimeGenerated":
				expr = "TIMESTAMP '" + day + "' + to_minutes(m)"
			case "ResourceId":
				expr = "'/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS' || r"
			case "Resource":
				expr = "'WS' || r"
			case "MetricName":
				expr = "([" + strings.Join(quoted, ", ") + "])[n + 1]"
			case "Total", "Maximum", "Minimum", "Average":
				expr = "CAST((m * 7 + r * 13 + n) % 100 AS DOUBLE)"
			case "Count":
				expr = "1.0"
			}
			cols = append(cols, expr+" AS "+ident(c.Name))
		}
		dir := filepath.Join(l.dir, amlmon.AzureMetrics, "date="+day)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		q := fmt.Sprintf("COPY (SELECT %s FROM range(200) t1(r), range(%d) t2(n), range(1440) t3(m) ORDER BY m) TO %s (FORMAT parquet, COMPRESSION zstd)",
			strings.Join(cols, ", "), len(names), sqlString(filepath.Join(dir, "part.parquet")))
		if _, err := l.db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	db, err := Open(context.Background(), l.dir, ReportDays(reportDay))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ResetTimer()
	for b.Loop() {
		res, err := evaluate(context.Background(), db, reportDay, DefaultRules())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(res.rows)), "incidents")
	}
}

// Rules given in code are checked like those of a file; a zero window and frequency are the
// defaults.
func TestDailyChecksWindowAndFrequency(t *testing.T) {
	bad := Rule{Name: "often", Metric: "m", Aggregation: "Total", Operator: "GreaterThan", Window: 5 * time.Minute, Frequency: 10 * time.Minute}
	d := Daily{Date: reportDay, Out: t.TempDir(), Rules: []Rule{bad}}
	_, err := d.Write(context.Background(), newLake(t).open())
	if err == nil || !strings.Contains(err.Error(), `rule "often": frequency 10m is not one Azure Monitor accepts`) {
		t.Fatalf("err = %v, want the frequency named", err)
	}
	got := alertsOf(t, []Rule{{Name: "defaults", Metric: "Unusable Nodes", Aggregation: "Total", Operator: "GreaterThan",
		Window: DefaultWindow, Frequency: DefaultFrequency}},
		metric(rid1, "WS1", "Unusable Nodes", "2026-11-25T10:00:00Z", 1, 1))
	checkAlerts(t, got,
		"defaults,"+rid1+",WS1,Unusable Nodes,Total,GreaterThan,0,5m,1m,2026-11-25T10:01:00.000000Z,2026-11-25T10:08:00.000000Z,5,1")
	d = Daily{Date: reportDay, Out: t.TempDir(), Rules: []Rule{{Name: "zero", Metric: "m", Aggregation: "Total", Operator: "GreaterThan"}}}
	if _, err := d.Write(context.Background(), newLake(t).open()); err != nil {
		t.Fatalf("a rule without window and frequency: %v", err)
	}
}
