package reports

import (
	"strings"
	"testing"
)

// report.md lists each incident with how long it lasted, an open one as still open.
func TestReportShowsIncidents(t *testing.T) {
	dir, _ := writeReport(t, fixtureLake(t).open(), t.TempDir(), nil)
	md := readFile(t, dir, "report.md")
	for _, want := range []string{
		"- **Alerts**: 5 incidents fired (model\\_deploy\\_failed ×1, quota\\_utilization ×3, unusable\\_nodes ×1).",
		"| model\\_deploy\\_failed | WS1 | Total Model Deploy Failed &gt; 0 (5m window, every 1m) | 2026-11-26T00:00:00.000000Z |   | still open at end of day | 1 | 1 |",
		"| 2026-11-25T10:02:00.000000Z | 2026-11-25T10:09:00.000000Z | 7 min | 5 | 95 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
}

// With no incident, report.md says so and names the rules it evaluated; with no rules, that
// alerting is off.
func TestReportSaysNoAlertFired(t *testing.T) {
	l := newLake(t)
	l.table("AzureMetrics", "2026-11-25", []row{metric(rid1, "WS1", "Unusable Nodes", "2026-11-25T10:00:00Z", 0, 1)})
	db := l.open()
	dir, s := writeReport(t, db, t.TempDir(), nil)
	md := readFile(t, dir, "report.md")
	for _, want := range []string{
		"- **Alerts**: none fired (3 rules evaluated).",
		"No alert fired on 2026-11-25. Rules evaluated: model\\_deploy\\_failed (Total Model Deploy Failed &gt; 0 over 5m, every 1m); " +
			"quota\\_utilization (Average Quota Utilization Percentage &gt; 90 over 5m, every 1m); unusable\\_nodes (Total Unusable Nodes &gt; 0 over 5m, every 1m).",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	if s.AlertsFired != 0 {
		t.Errorf("AlertsFired = %d, want 0", s.AlertsFired)
	}
	dir, _ = writeReport(t, db, t.TempDir(), []Rule{})
	if md := readFile(t, dir, "report.md"); !strings.Contains(md, "No alert rules: the rules file turns alerting off.") {
		t.Errorf("report.md does not say alerting is off:\n%s", md)
	}
}

func TestIncidentDuration(t *testing.T) {
	at := func(s string) any { return ts(s) }
	res := result{cols: []string{"fired_at", "resolved_at"}, rows: [][]any{
		{at("2026-11-25T10:02:00Z"), at("2026-11-25T10:09:00Z")},
		{at("2026-11-25T10:00:00Z"), at("2026-11-25T12:00:00Z")},
		{at("2026-11-25T00:05:00Z"), at("2026-11-26T00:00:00Z")},
		{at("2026-11-25T23:59:00Z"), nil},
	}}
	for i, want := range []string{"7 min", "2 h", "23 h 55 min", "still open at end of day"} {
		if got := incidentDuration(res, i); got != want {
			t.Errorf("incidentDuration(row %d) = %q, want %q", i, got, want)
		}
	}
}

// On a day without AmlComputeClusterNodeEvent rows (the table Microsoft deprecated in 2022),
// node churn says why three of its columns are empty; on a day with some, it names the
// workspaces that logged none.
func TestNodeChurnDeprecationNote(t *testing.T) {
	const note = "AmlComputeClusterNodeEvent has no rows for this day: Microsoft deprecated that table in February 2022"
	l := newLake(t)
	l.table("AmlComputeClusterEvent", "2026-11-25", []row{
		clusterEvent(rid1, "WS1", "gpu", "2026-11-25T01:00:00Z", row{"CurrentNodeCount": 1}),
		clusterEvent(rid1, "WS1", "gpu", "2026-11-25T02:00:00Z", row{"CurrentNodeCount": 3}),
	})
	dir, _ := writeReport(t, l.open(), t.TempDir(), nil)
	md := readFile(t, dir, "report.md")
	churn := md[strings.Index(md, "## Node churn"):strings.Index(md, "## Alerts")]
	for _, want := range []string{note, "`nodes_allocated`, `boot_seconds_p50` and `boot_seconds_p95` are empty",
		"| WS1 | gpu | 2 | 1 | 3 | 2 | 0 |   |   |   |   |   |"} {
		if !strings.Contains(churn, want) {
			t.Errorf("node churn section lacks %q:\n%s", want, churn)
		}
	}
	if got := readFile(t, dir, "node_churn.csv"); !strings.HasSuffix(got, ",WS1,gpu,2,1,3,2,0,,,,,\n") {
		t.Errorf("node_churn.csv = %q", got)
	}

	// In the fixture WS1 logs node events and WS2 none: the note names WS2 only.
	dir, _ = writeReport(t, fixtureLake(t).open(), t.TempDir(), nil)
	md = readFile(t, dir, "report.md")
	if strings.Contains(md, note) {
		t.Errorf("report.md has the whole-day deprecation note on a day with node events:\n%s", md)
	}
	if want := "\nWS2 logged no AmlComputeClusterNodeEvent rows for this day: Microsoft deprecated that table in February 2022, " +
		"so current accounts no longer write it, and its clusters' `nodes_allocated`"; !strings.Contains(md, want) {
		t.Errorf("report.md lacks %q:\n%s", want, md)
	}
}
