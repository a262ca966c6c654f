package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIndexPage(t *testing.T) {
	page, err := IndexPage([][]byte{
		[]byte(`{"date":"2026-11-23","jobs_submitted":4,"jobs_failed":1,"failure_rate":0.25,"alerts_fired":0,"rejected":2,"missing_hours":3}`),
		[]byte(`{"date":"2026-11-25","jobs_submitted":10,"jobs_failed":0,"failure_rate":null,"alerts_fired":7,"rejected":0,"missing_hours":0}`),
		[]byte(`{"date":"2026-11-24","jobs_submitted":0}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, string(page))
	var days []string
	for _, tr := range elements(doc, "tr")[1:] {
		var cells []string
		for _, td := range elements(tr, "td") {
			cells = append(cells, textOf(td))
		}
		days = append(days, strings.Join(cells[:7], ","))
		if a := elements(tr, "a")[0]; attr(a, "href") != cells[0]+"/report.html" {
			t.Errorf("%s links %s", cells[0], attr(a, "href"))
		}
	}
	want := []string{"2026-11-25,10,0,,7,0,0", "2026-11-24,0,0,,0,0,0", "2026-11-23,4,1,25 %,0,2,3"}
	if strings.Join(days, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(days, "\n"), strings.Join(want, "\n"))
	}
	latest := false
	for _, a := range elements(doc, "a") {
		latest = latest || attr(a, "href") == "latest/report.html"
	}
	if !latest {
		t.Error("index.html does not link latest/report.html")
	}

	for _, bad := range []string{`{"date":"<script>"}`, `not json`} {
		if _, err := IndexPage([][]byte{[]byte(bad)}); err == nil {
			t.Errorf("IndexPage(%s) did not fail", bad)
		}
	}
	empty, err := IndexPage(nil)
	if err != nil || !strings.Contains(string(empty), "No day published yet") {
		t.Errorf("IndexPage(nil) = %s, %v", empty, err)
	}
}

func TestReadIncidents(t *testing.T) {
	dir := t.TempDir()
	csv := "rule,resource_id,workspace,metric,aggregation,operator,threshold,window,frequency,fired_at,resolved_at,evaluations,peak_value\n" +
		"quota_utilization,/S/WS1,WS1,Quota Utilization Percentage,Average,GreaterThan,90,5m,1m,2026-11-24T03:05:00.000000Z,2026-11-24T03:20:00.000000Z,12,97.5\n" +
		"unusable_nodes,/S/WS2,\"W,S2\",Unusable Nodes,Total,GreaterThan,0,5m,1m,2026-11-24T23:59:00.000000Z,,1,2\n"
	if err := os.WriteFile(filepath.Join(dir, "alerts.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadIncidents(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Incident{
		{"quota_utilization", "/S/WS1", "WS1", "2026-11-24T03:05:00.000000Z", "2026-11-24T03:20:00.000000Z", "97.5"},
		{"unusable_nodes", "/S/WS2", "W,S2", "2026-11-24T23:59:00.000000Z", "", "2"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("incidents = %+v, want %+v", got, want)
	}
	// The columns of the earlier alerts.csv, one row per window.
	old := "rule,resource_id,workspace,window_start,aggregation,operator,threshold,value\nr,/S/WS1,WS1,2026-11-24T01:00:00.000000Z,Total,GreaterThan,0,3\n"
	if err := os.WriteFile(filepath.Join(dir, "alerts.csv"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err = ReadIncidents(dir)
	if err != nil || len(got) != 1 || got[0].FiredAt != "2026-11-24T01:00:00.000000Z" || got[0].Value != "3" {
		t.Errorf("incidents of the earlier columns = %+v, %v", got, err)
	}
	if _, err := ReadIncidents(t.TempDir()); err == nil {
		t.Error("a folder without alerts.csv gave no error")
	}
}
