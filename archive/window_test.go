package archive_test

import (
	"slices"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
)

func TestWindowMatchContainer(t *testing.T) {
	for _, c := range []struct {
		containers []string
		name       string
		want       bool
	}{
		{nil, "insights-logs-amlcomputejobevent", true},
		{nil, "insights-metrics-pt1m", true},
		{nil, "insights-activity-logs", false},
		{nil, "backups", false},
		{[]string{"AmlComputeJobEvent"}, "insights-logs-amlcomputejobevent", true},
		{[]string{"AmlComputeJobEvent"}, "insights-logs-amlcomputeclusterevent", false},
		{[]string{"amlcompute"}, "insights-logs-amlcomputejobevent", false},
		{[]string{"insights-logs-amlcomputejobevent"}, "insights-logs-amlcomputejobevent", true},
		{[]string{"metrics"}, "insights-metrics-pt1m", true},
		{[]string{"METRICS"}, "insights-metrics-pt1h", true},
		{[]string{"metrics"}, "insights-logs-metrics", false},
		{[]string{"insights-metrics-pt1m"}, "insights-metrics-pt1m", true},
		{[]string{"pt1m"}, "insights-metrics-pt1m", false},
		{[]string{"backups"}, "backups", false},
	} {
		if got := (archive.Window{Containers: c.containers}).MatchContainer(c.name); got != c.want {
			t.Errorf("Containers %q MatchContainer(%q) = %v, want %v", c.containers, c.name, got, c.want)
		}
	}
}

func TestWindowMatchResource(t *testing.T) {
	const rg = "/SUBSCRIPTIONS/SUB-1/RESOURCEGROUPS/RG-ML"
	for _, c := range []struct {
		resources []string
		id        string
		want      bool
	}{
		{nil, wsID, true},
		{[]string{"ws-prod"}, wsID, true},
		{[]string{"WS"}, wsID, false},
		{[]string{"ws-prod"}, wsID + "/ONLINEENDPOINTS/EP-1", false},
		{[]string{"ep-1"}, wsID + "/ONLINEENDPOINTS/EP-1", true},
		{[]string{"other", "WS-PROD"}, wsID, true},
		{[]string{rg}, wsID, true},
		{[]string{rg + "/"}, wsID, true},
		{[]string{"subscriptions/sub-1/resourcegroups/rg-ml"}, wsID, true},
		{[]string{"/subscriptions/sub-1/resourceGroups/rg-ml"}, wsID, true},
		{[]string{"/SUBSCRIPTIONS/SUB-1/RESOURCEGROUPS/RG"}, wsID, false},
		{[]string{wsID}, wsID, true},
		{[]string{wsID}, wsID + "/ONLINEENDPOINTS/EP-1", true},
		{[]string{wsID + "/ONLINEENDPOINTS/EP-1"}, wsID, false},
		{[]string{""}, wsID, false},
	} {
		if got := (archive.Window{Resources: c.resources}).MatchResource(c.id); got != c.want {
			t.Errorf("Resources %q MatchResource(%q) = %v, want %v", c.resources, c.id, got, c.want)
		}
	}
}

func TestWindowHours(t *testing.T) {
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	cet := time.FixedZone("CET", 3600)
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     []time.Time
	}{
		{"three hours", day, day.Add(3 * time.Hour), []time.Time{day, day.Add(time.Hour), day.Add(2 * time.Hour)}},
		{"off the hour", day.Add(30 * time.Minute), day.Add(61 * time.Minute), []time.Time{day, day.Add(time.Hour)}},
		{"other zone", time.Date(2026, 11, 25, 1, 0, 0, 0, cet), time.Date(2026, 11, 25, 2, 0, 0, 0, cet), []time.Time{day}},
		{"empty", day, day, nil},
		{"reversed", day.Add(time.Hour), day, nil},
		{"unbounded", time.Time{}, time.Time{}, nil},
		{"only From", day, time.Time{}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := slices.Collect(archive.Window{From: c.from, To: c.to}.Hours())
			if !slices.EqualFunc(got, c.want, time.Time.Equal) {
				t.Errorf("Hours = %v, want %v", got, c.want)
			}
			for _, h := range got {
				if h.Location() != time.UTC {
					t.Errorf("hour %v not in UTC", h)
				}
			}
		})
	}
	var n int
	for range (archive.Window{From: day, To: day.AddDate(1, 0, 0)}).Hours() {
		if n++; n == 5 {
			break
		}
	}
	if n != 5 {
		t.Errorf("stopping early yielded %d hours", n)
	}
}
