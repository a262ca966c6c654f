package reports

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// everyHour returns the n hours from start.
func everyHour(start time.Time, n int) []time.Time {
	var hs []time.Time
	for i := 0; i < n; i++ {
		hs = append(hs, start.Add(time.Duration(i)*time.Hour))
	}
	return hs
}

// The streams below are computed by hand over the week D−7 00:00 … D 00:00 (168 hours).
func TestCompleteness(t *testing.T) {
	const jobs, clusters, metrics, runs = "insights-logs-amlcomputejobevent", "insights-logs-amlcomputeclusterevent",
		"insights-metrics-pt1m", "insights-logs-amlrunstatuschangedevent"
	l := newLake(t)
	week := reportDay.AddDate(0, 0, -7)
	add := func(container, rid string, hours []time.Time) {
		for _, h := range hours {
			l.blobs(blobEntry(container, rid, h, 100, 1))
		}
	}
	dayExcept := func(skip ...int) []time.Time {
		var hs []time.Time
		for i, h := range everyHour(reportDay, 24) {
			if !slices.Contains(skip, i) {
				hs = append(hs, h)
			}
		}
		return hs
	}

	// Hourly, with gaps at 03, 04 and 21 of D; D's blobs name the resource in lower case.
	add(jobs, rid1, everyHour(week, 168))
	add(jobs, strings.ToLower(rid1), dayExcept(3, 4, 21))
	// Hourly and complete on D: no row.
	add(jobs, rid2, everyHour(week, 192))
	// Hourly, silent on D (a blob of D+1 does not count): all 24 hours.
	add(metrics, rid1, everyHour(week, 168))
	add(metrics, rid1, []time.Time{reportDay.AddDate(0, 0, 1)})
	// Hourly only from D−3: neither hourly nor daily over the week, so its silent D is no gap.
	add(metrics, rid2, everyHour(reportDay.AddDate(0, 0, -3), 72))
	// Daily: one blob on each of the 7 days (one of them empty), none on D: all 24 hours.
	for d := 0; d < 7; d++ {
		e := blobEntry(clusters, rid1, week.AddDate(0, 0, d).Add(10*time.Hour), 100, 1)
		if d == 2 {
			e.Size, e.Consumed, e.Records = 0, 0, 0
		}
		l.blobs(e)
	}
	// Daily with a blob on D: its quiet hours are not gaps.
	for d := 0; d < 8; d++ {
		add(clusters, rid2, []time.Time{week.AddDate(0, 0, d).Add(5 * time.Hour)})
	}
	// Event-driven: blobs on 5 of the 7 days, none on D: no row.
	for _, d := range []int{0, 1, 3, 4, 6} {
		add(clusters, rid3, []time.Time{week.AddDate(0, 0, d).Add(7 * time.Hour)})
	}
	// Every hour of the week but one: daily, not hourly, so two blobs on D are enough.
	for _, h := range everyHour(week, 168) {
		if h != reportDay.AddDate(0, 0, -2).Add(13*time.Hour) {
			add(runs, rid1, []time.Time{h})
		}
	}
	add(runs, rid1, []time.Time{reportDay.Add(2 * time.Hour), reportDay.Add(20 * time.Hour)})

	all := "00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23"
	dir, s := writeReport(t, l.open(), t.TempDir(), nil)
	want := lines(
		"container,resource_id,expected,missing_hours",
		clusters+","+rid1+",daily,"+all,
		jobs+","+rid1+",hourly,03 04 21",
		metrics+","+rid1+",hourly,"+all)
	if got := readFile(t, dir, "completeness.csv"); got != want {
		t.Errorf("completeness.csv:\n got:\n%s\nwant:\n%s", got, want)
	}
	if s.MissingHours != 24+3+24 {
		t.Errorf("MissingHours = %d, want 51", s.MissingHours)
	}
}
