package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// usageLake builds the lake of the compute spend tests; every figure the tests expect is
// computed by hand in their comments. The report day is reportDay, 2026-11-25 (D).
func usageLake(t testing.TB) *lakeBuilder {
	l := newLake(t)
	const clusters = "AmlComputeClusterEvent"
	at := func(days int, clock string) string {
		return reportDay.AddDate(0, 0, days).Format("2006-01-02") + "T" + clock + "Z"
	}
	noVM := row{"VmSize": nil, "VmPriority": nil}
	with := func(r row, extra row) row {
		out := row{}
		for k, v := range r {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	// "gone" only logged D−8, outside the week: no row. "old" logged D−8 too (ignored).
	l.table(clusters, "2026-11-17", []row{
		clusterEvent(rid1, "WS1", "gone", at(-8, "23:00:00"), row{"CurrentNodeCount": 5, "IdleNodeCount": 5}),
		clusterEvent(rid1, "WS1", "old", at(-8, "23:00:00"), row{"CurrentNodeCount": 100, "IdleNodeCount": 100}),
	})
	// "edge" at D−7 00:00 exactly is inside the week; it holds 7 nodes until D 00:00.
	l.table(clusters, "2026-11-18", []row{
		clusterEvent(rid2, "WS2", "edge", at(-7, "00:00:00"), row{"CurrentNodeCount": 7, "VmPriority": "LowPriority"}),
	})
	// "old" has events before D only: 2 nodes from D−3 10:00, then 1 from D−2 00:00 to the end of D.
	l.table(clusters, "2026-11-22", []row{
		clusterEvent(rid1, "WS1", "old", at(-3, "10:00:00"), row{"CurrentNodeCount": 2, "IdleNodeCount": 2}),
	})
	// At D−2 00:00 blob "a" comes before the fixture's blob, so its 9 is replaced at once.
	l.table(clusters, "2026-11-23", []row{
		clusterEvent(rid1, "WS1", "old", at(-2, "00:00:00"), row{"CurrentNodeCount": 1, "IdleNodeCount": 1}),
		clusterEvent(rid1, "WS1", "old", at(-2, "00:00:00"), row{"CurrentNodeCount": 9, "IdleNodeCount": 9, "_SourceBlob": "a", "_SourceOffset": 99}),
	})
	// "carry": 4 nodes (2 idle) from D−1 12:00, carried into D; the only event with a VM
	// priority, and a VM size that a later event replaces.
	l.table(clusters, "2026-11-24", []row{
		clusterEvent(rid1, "WS1", "carry", at(-1, "12:00:00"), row{"CurrentNodeCount": 4, "IdleNodeCount": 2, "VmSize": "Standard_NC6"}),
	})
	l.table(clusters, "2026-11-25", []row{
		// carry: IdleNodeCount NULL at 06:00 keeps the 2 idle nodes until 12:00. The latest
		// VmSize is the lower-case one of 06:00: the later events name none.
		clusterEvent(rid1, "WS1", "carry", at(0, "06:00:00"), row{"CurrentNodeCount": 4, "VmSize": "standard_nc24", "VmPriority": nil}),
		clusterEvent(rid1, "WS1", "carry", at(0, "12:00:00"), with(noVM, row{"CurrentNodeCount": 2, "IdleNodeCount": 1})),
		clusterEvent(rid1, "WS1", "carry", at(0, "18:00:00"), with(noVM, row{"CurrentNodeCount": 0, "IdleNodeCount": 0})),
		// edge: 3 nodes from D 00:00 exactly; no event of edge reports idle nodes.
		clusterEvent(rid2, "WS2", "edge", at(0, "00:00:00"), row{"CurrentNodeCount": 3, "VmPriority": "LowPriority"}),
		// tie: at 08:00, offset 10 (1 node) before offset 20 (5 nodes, 3 idle), whatever the
		// file order; at 16:00, blob a (2) before blob b (6, 0 idle), and b logged twice.
		clusterEvent(rid2, "WS2", "tie", at(0, "08:00:00"), row{"CurrentNodeCount": 5, "IdleNodeCount": 3, "_SourceBlob": "b", "_SourceOffset": 20}),
		clusterEvent(rid2, "WS2", "tie", at(0, "08:00:00"), row{"CurrentNodeCount": 1, "IdleNodeCount": 0, "_SourceBlob": "b", "_SourceOffset": 10}),
		clusterEvent(rid2, "WS2", "tie", at(0, "16:00:00"), row{"CurrentNodeCount": 6, "IdleNodeCount": 0, "_SourceBlob": "b", "_SourceOffset": 1}),
		clusterEvent(rid2, "WS2", "tie", at(0, "16:00:00"), row{"CurrentNodeCount": 2, "IdleNodeCount": 2, "_SourceBlob": "a", "_SourceOffset": 50}),
		clusterEvent(rid2, "WS2", "tie", at(0, "16:00:00"), row{"CurrentNodeCount": 6, "IdleNodeCount": 0, "_SourceBlob": "b", "_SourceOffset": 1}),
		// frac: 3 nodes, 1 idle, for the last 1¼ hours.
		clusterEvent(rid1, "WS1", "frac", at(0, "22:45:00"), row{"CurrentNodeCount": 3, "IdleNodeCount": 1}),
		// quiet: no node count at all: no row.
		clusterEvent(rid1, "WS1", "quiet", at(0, "09:00:00"), row{"QuotaAllocated": 10, "IdleNodeCount": 1}),
	})
	// D+1 00:00 is outside D: neither its count nor its VM size counts.
	l.table(clusters, "2026-11-26", []row{
		clusterEvent(rid2, "WS2", "edge", at(1, "00:00:00"), row{"CurrentNodeCount": 9, "VmSize": "Standard_XXL", "VmPriority": "LowPriority"}),
	})

	const jobs = "AmlComputeJobEvent"
	noCluster := row{"ClusterName": nil}
	l.table(jobs, "2026-11-17", []row{
		job(rid1, "WS1", "gpu", "j7", "JobSubmitted", at(-8, "23:00:00"), nil),
	})
	l.table(jobs, "2026-11-23", []row{
		job(rid1, "WS1", "gpu", "j4", "JobSubmitted", at(-2, "00:00:00"), nil),
	})
	l.table(jobs, "2026-11-24", []row{
		job(rid1, "WS1", "gpu", "j1", "JobSubmitted", at(-1, "23:00:00"), nil),
		job(rid1, "WS1", "gpu", "j4", "JobRunning", at(-1, "00:00:00"), nil),
	})
	l.table(jobs, "2026-11-25", []row{
		job(rid1, "WS1", "gpu", "j1", "JobRunning", at(0, "01:00:00"), nil),
		job(rid1, "WS1", "gpu", "j1", "JobSucceeded", at(0, "03:00:00"), nil),
		job(rid1, "WS1", "gpu", "j2", "JobSubmitted", at(0, "02:00:00"), nil),
		job(rid1, "WS1", "gpu", "j2", "JobRunning", at(0, "02:10:00"), nil),
		job(rid1, "WS1", "gpu", "j2", "JobRunning", at(0, "02:10:00"), nil),
		job(rid1, "WS1", "gpu", "j2", "JobRunning", at(0, "02:20:00"), nil),
		job(rid1, "WS1", "gpu", "j2", "jobfailed", at(0, "02:40:00"), nil),
		job(rid1, "WS1", "gpu", "j3", "JobSubmitted", at(0, "05:00:00"), nil),
		job(rid1, "WS1", "gpu", "j3", "JobFailed", at(0, "06:00:00"), nil),
		job(rid1, "WS1", "gpu", "j4", "JOBSUCCEEDED", at(0, "00:00:00"), nil),
		job(rid1, "WS1", "gpu", "j5", "JobSubmitted", at(0, "10:00:00"), noCluster),
		job(rid1, "WS1", "gpu", "j5", "JobRunning", at(0, "10:05:00"), nil),
		job(rid1, "WS1", "gpu", "j6", "JobSubmitted", at(0, "23:00:00"), nil),
		job(rid1, "WS1", "gpu", "j7", "JobRunning", at(0, "01:00:00"), nil),
		job(rid2, "WS2", "cpu", "j8", "JobSubmitted", at(0, "04:00:00"), nil),
		job(rid2, "WS2", "cpu", "j8", "JobSubmitted", at(0, "04:00:00"), nil),
		job(rid2, "WS2", "cpu", "j8", "JobRunning", at(0, "04:00:30"), nil),
		job(rid2, "WS2", "cpu", "j8", "JobSucceeded", at(0, "05:00:30"), nil),
		job(rid2, "WS2", "cpu", "j9", "JobSubmitted", at(0, "06:00:00"), nil),
		job(rid2, "WS2", "cpu2", "j9", "JobRunning", at(0, "06:01:00"), nil),
		// j10's first events name two clusters at one instant: blob "a" comes first.
		job(rid2, "WS2", "zzz", "j10", "JobSubmitted", at(0, "07:00:00"), row{"_SourceBlob": "b"}),
		job(rid2, "WS2", "cpu", "j10", "JobSubmitted", at(0, "07:00:00"), row{"_SourceBlob": "a", "_SourceOffset": 5}),
		job(rid2, "WS2", "zzz", "j10", "JobRunning", at(0, "07:01:00"), nil),
	})
	l.table(jobs, "2026-11-26", []row{
		job(rid1, "WS1", "gpu", "j6", "JobRunning", at(1, "00:00:00"), nil),
	})
	return l
}

// usagePrices match "carry" (standard_nc24 Dedicated) and "edge" (STANDARD_NC6 LowPriority)
// in other cases; "tie", "old" and "frac" (STANDARD_NC6 Dedicated) have no price.
func usagePrices(t *testing.T) []Price {
	t.Helper()
	prices, err := ReadPrices(strings.NewReader("vm_size,vm_priority,hourly_price\nStandard_NC24,dedicated,3.5\nstandard_nc6,lowpriority,0.25\nStandard_NC6s_v3,Dedicated,3.06\n"))
	if err != nil {
		t.Fatal(err)
	}
	return prices
}

func writeUsageReport(t *testing.T, db *DB, prices []Price) (string, Summary) {
	t.Helper()
	d := Daily{Date: reportDay, Out: t.TempDir(), Prices: prices, Version: "test", Now: func() time.Time { return fixedNow }}
	s, err := d.Write(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return d.Out + "/2026-11-25", s
}

func TestClusterUsage(t *testing.T) {
	l := usageLake(t)
	// The same figures whether the views read the whole lake or the report's scope.
	scoped, err := Open(context.Background(), l.dir, ReportDays(reportDay))
	if err != nil {
		t.Fatal(err)
	}
	defer scoped.Close()
	for name, db := range map[string]*DB{"whole lake": l.open(), "report scope": scoped} {
		dir, _ := writeUsageReport(t, db, usagePrices(t))
		// tie: 5 nodes 08–16 (40), 6 nodes 16–24 (48) = 88; idle 3 × 8 = 24; 24/88 = 0.2727.
		// edge: 3 × 24 = 72, the 7 nodes of D−7 end at D 00:00; no idle figure; 72 × 0.25 = 18.
		// carry: 4 × 6 + 4 × 6 + 2 × 6 + 0 × 6 = 60; idle 2 × 12 + 1 × 6 = 30, share 0.5;
		// VM standard_nc24 (06:00), priority Dedicated (D−1); 60 × 3.5 = 210.
		// old: 1 × 24 = 24, idle 24. frac: 3 × 1.25 = 3.75, idle 1.25, 0.3333.
		want := lines(
			"resource_id,workspace,cluster,vm_size,vm_priority,node_hours,idle_node_hours,idle_share,hourly_price,cost",
			rid2+",WS2,tie,STANDARD_NC6,Dedicated,88,24,0.2727,,",
			rid2+",WS2,edge,STANDARD_NC6,LowPriority,72,,,0.25,18",
			rid1+",WS1,carry,standard_nc24,Dedicated,60,30,0.5,3.5,210",
			rid1+",WS1,old,STANDARD_NC6,Dedicated,24,24,1,,",
			rid1+",WS1,frac,STANDARD_NC6,Dedicated,3.75,1.25,0.3333,,")
		if got := readFile(t, dir, "cluster_usage.csv"); got != want {
			t.Errorf("%s: cluster_usage.csv:\n got:\n%s\nwant:\n%s", name, got, want)
		}
	}
}

func TestJobTimes(t *testing.T) {
	dir, _ := writeUsageReport(t, usageLake(t).open(), nil)
	// WS1/gpu started in D: j1 (queue 7200 s, submitted D−1), j2 (600: its first JobRunning of
	// three), j5 (300; its cluster from its second event), j7 (submitted before the week: no
	// queue time) = 4; queue 300, 600, 7200 → p50 600, p95 600 + 0.9 × 6600 = 6540.
	// Ended in D: j1 (run 7200), j2 (1800, "jobfailed"), j3 (no JobRunning: no run time), j4
	// (86400, "JOBSUCCEEDED" at D 00:00, started D−1) = 4; run 1800, 7200, 86400 → p50 7200,
	// p95 7200 + 0.9 × 79200 = 78480. j6 starts D+1 00:00: not in D.
	// WS2/cpu: j8 (queue 30, JobSubmitted twice; run 3600), j9 (60; cluster cpu from its first
	// event), j10 (60; cpu from blob "a" at its first instant) → p50 60, p95 60.
	want := lines(
		"resource_id,workspace,cluster,jobs_started,queue_seconds_p50,queue_seconds_p95,jobs_ended,run_seconds_p50,run_seconds_p95",
		rid1+",WS1,gpu,4,600,6540,4,7200,78480",
		rid2+",WS2,cpu,3,60,60,1,3600,3600")
	if got := readFile(t, dir, "job_times.csv"); got != want {
		t.Errorf("job_times.csv:\n got:\n%s\nwant:\n%s", got, want)
	}
}

func TestSpendSummaryAndTrend(t *testing.T) {
	dir, s := writeUsageReport(t, usageLake(t).open(), usagePrices(t))
	// D: 88 + 72 + 60 + 24 + 3.75 = 247.75 node-hours; idle 24 + 30 + 24 + 1.25 = 79.25 over
	// the 175.75 node-hours of the clusters that report idle nodes (all but edge) = 0.4509.
	// Cost 18 + 210 = 228; idle cost 30 × 3.5 = 105 (edge has no idle figure); tie, old and
	// frac have no price.
	var got map[string]any
	if err := json.Unmarshal([]byte(readFile(t, dir, "summary.json")), &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"node_hours": 247.75, "idle_node_hours": 79.25, "idle_share": 0.4509,
		"cost": 228.0, "idle_cost": 105.0, "unpriced_clusters": 3.0} {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("summary.json %s = %v, want %v", k, got[k], v)
		}
	}
	if s.NodeHours == nil || *s.NodeHours != 247.75 {
		t.Errorf("Summary.NodeHours = %v", s.NodeHours)
	}
	md := readFile(t, dir, "report.md")
	for _, want := range []string{
		"- **Compute**: 247.75 node-hours, 79.25 idle (45.09 %), cost 228.00 (105.00 for idle nodes); 3 clusters without a price.",
		"## Compute spend", "![Busy and idle node-hours by cluster](node_hours_by_cluster.svg)",
		"## Waiting for nodes", "| WS1 | gpu | 4 | 10 min 0 s | 1 h 49 min | 4 | 2 h 0 min | 21 h 48 min |",
		// D−6 … D−4: edge's 7 nodes, no idle figure; D−3: + old 2 × 14 h (idle); D−2: + old
		// 1 × 24; D−1: + old 24 + carry 4 × 12 (idle 24 + 2 × 12 over 72). Jobs: j4 submitted
		// D−2, j1 D−1; in D j2 j3 j5 j6 j8 j9 j10 submitted, j1 j4 j8 succeeded, j2 j3 failed.
		"| 2026-11-19 | 0 | 0 |   | 168 |   |", "| 2026-11-22 | 0 | 0 |   | 196 | 100 % |",
		"| 2026-11-23 | 1 | 0 |   | 192 | 100 % |", "| 2026-11-24 | 1 | 0 |   | 240 | 66.67 % |",
		"| 2026-11-25 | 7 | 2 | 40 % | 247.75 | 45.09 % |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	// The clusters that wasted most first, by idle node-hours since not every cluster has a
	// price: carry 30, tie 24 (88 node-hours) before old 24 (24), frac 1.25, edge unknown.
	spend := md[strings.Index(md, "## Compute spend"):strings.Index(md, "## Waiting for nodes")]
	order := []string{"| WS1 | carry |", "| WS2 | tie |", "| WS1 | old |", "| WS1 | frac |", "| WS2 | edge |"}
	last := -1
	for _, o := range order {
		at := strings.Index(spend, o)
		if at < last {
			t.Errorf("Compute spend table: %s out of order:\n%s", o, spend)
		}
		last = at
	}
}

// TestSpendWithoutIdleOrRunning: an archive whose cluster events have no IdleNodeCount and
// whose jobs have no JobRunning says so in one line each, instead of showing zeros.
func TestSpendWithoutIdleOrRunning(t *testing.T) {
	l := newLake(t)
	l.table("AmlComputeClusterEvent", "2026-11-25", []row{
		clusterEvent(rid1, "WS1", "gpu", "2026-11-25T12:00:00Z", row{"CurrentNodeCount": 2}),
	})
	l.table("AmlComputeJobEvent", "2026-11-25", []row{
		job(rid1, "WS1", "gpu", "j1", "JobSubmitted", "2026-11-25T01:00:00Z", nil),
		job(rid1, "WS1", "gpu", "j1", "JobSucceeded", "2026-11-25T02:00:00Z", nil),
	})
	dir, s := writeUsageReport(t, l.open(), nil)
	// 2 nodes for 12 hours; no idle figure, no price.
	if got, want := readFile(t, dir, "cluster_usage.csv"), lines(
		"resource_id,workspace,cluster,vm_size,vm_priority,node_hours,idle_node_hours,idle_share,hourly_price,cost",
		rid1+",WS1,gpu,STANDARD_NC6,Dedicated,24,,,,"); got != want {
		t.Errorf("cluster_usage.csv:\n got:\n%s\nwant:\n%s", got, want)
	}
	// j1 ended in D but never ran: no start, no run time.
	if got, want := readFile(t, dir, "job_times.csv"), lines(
		"resource_id,workspace,cluster,jobs_started,queue_seconds_p50,queue_seconds_p95,jobs_ended,run_seconds_p50,run_seconds_p95",
		rid1+",WS1,gpu,0,,,1,,"); got != want {
		t.Errorf("job_times.csv:\n got:\n%s\nwant:\n%s", got, want)
	}
	if s.NodeHours == nil || *s.NodeHours != 24 || s.IdleNodeHours != nil || s.IdleShare != nil || s.Cost != nil {
		t.Errorf("Spend = %+v, want 24 node-hours and nothing else", s.Spend)
	}
	md := readFile(t, dir, "report.md")
	for _, want := range []string{
		"- **Compute**: 24 node-hours, idle unknown (no IdleNodeCount in the cluster events).",
		"No cluster event of the week reports IdleNodeCount, so how many of these node-hours were idle is unknown.",
		"No job event of the week is a JobRunning, so how long jobs waited for a node and how long they ran is unknown; 1 job ended on 2026-11-25.",
		"`amlmon prices --region REGION --out prices.csv`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "job_times.csv") {
		t.Errorf("report.md shows a table of unknown queue times:\n%s", md)
	}
}

func TestReadPrices(t *testing.T) {
	got, err := ReadPrices(strings.NewReader("\uFEFFHourly_Price, VM_Size,vm_priority,note\n0.9,Standard_NC6,Dedicated,x\n0.18,Standard_NC6,LowPriority,\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Price{{"Standard_NC6", "Dedicated", 0.9}, {"Standard_NC6", "LowPriority", 0.18}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ReadPrices = %v, want %v", got, want)
	}
	for _, c := range []struct{ file, err string }{
		{"", "empty price file"},
		{"vm_size,hourly_price\nStandard_NC6,0.9\n", "line 1: no vm_priority column"},
		{"vm_size,vm_priority,hourly_price\nStandard_NC6,Dedicated,0.9\nStandard_NC12,Dedicated,about 2\n", `line 3: hourly_price "about 2" of Standard_NC12 Dedicated is not a price`},
		{"vm_size,vm_priority,hourly_price\nStandard_NC6,Dedicated,-1\n", "line 2: hourly_price \"-1\""},
		{"vm_size,vm_priority,hourly_price\nStandard_NC6,Dedicated,0.9\n\nSTANDARD_NC6,dedicated,1.1\n", "line 4: STANDARD_NC6 dedicated has a price on line 2 already"},
		{"vm_size,vm_priority,hourly_price\n,Dedicated,0.9\n", "line 2: empty vm_size"},
		{"vm_size,vm_priority,hourly_price\nStandard_NC6,,0.9\n", "line 2: empty vm_priority"},
		{"vm_size,vm_priority,hourly_price\nStandard_NC6,Dedicated\n", "line 2"},
	} {
		_, err := ReadPrices(strings.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("ReadPrices(%q) = %v, want an error with %q", c.file, err, c.err)
		}
	}
}

func TestWritePricesReadsBack(t *testing.T) {
	var b strings.Builder
	in := []Price{{"Standard_NC6", "LowPriority", 0.18}, {"Standard_D2s_v3", "Dedicated", 0.096}, {"Standard_NC6", "Dedicated", 0.9}}
	if err := WritePrices(&b, in); err != nil {
		t.Fatal(err)
	}
	want := "vm_size,vm_priority,hourly_price\nStandard_D2s_v3,Dedicated,0.096\nStandard_NC6,Dedicated,0.9\nStandard_NC6,LowPriority,0.18\n"
	if b.String() != want {
		t.Errorf("WritePrices:\n%s\nwant\n%s", b.String(), want)
	}
	back, err := ReadPrices(strings.NewReader(b.String()))
	if err != nil || len(back) != 3 || back[0].Hourly != 0.096 {
		t.Errorf("ReadPrices(WritePrices) = %v, %v", back, err)
	}
}

// TestClusterUsageWorkspace: a cluster's workspace is the least Resource of its events in D,
// and of the week before only for a cluster that logged nothing in D.
func TestClusterUsageWorkspace(t *testing.T) {
	l := newLake(t)
	at := func(days int) string {
		return reportDay.AddDate(0, 0, days).Add(12 * time.Hour).Format(time.RFC3339Nano)
	}
	l.table("AmlComputeClusterEvent", "2026-11-24", []row{
		clusterEvent(rid1, "A-EARLIER", "busy", at(-1), row{"CurrentNodeCount": 1}),
		clusterEvent(rid1, "C-EARLIER", "quiet", at(-1), row{"CurrentNodeCount": 1}),
	})
	l.table("AmlComputeClusterEvent", "2026-11-25", []row{
		clusterEvent(rid1, "B-TODAY", "busy", at(0), row{"CurrentNodeCount": 2}),
	})
	dir, _ := writeUsageReport(t, l.open(), nil)
	// busy: 1 × 12 + 2 × 12 = 36; quiet: 1 × 24.
	want := lines(
		"resource_id,workspace,cluster,vm_size,vm_priority,node_hours,idle_node_hours,idle_share,hourly_price,cost",
		rid1+",B-TODAY,busy,STANDARD_NC6,Dedicated,36,,,,",
		rid1+",C-EARLIER,quiet,STANDARD_NC6,Dedicated,24,,,,")
	if got := readFile(t, dir, "cluster_usage.csv"); got != want {
		t.Errorf("cluster_usage.csv:\n got:\n%s\nwant:\n%s", got, want)
	}
}
