package main

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/reports"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestReportDay(t *testing.T) {
	now := utc("2026-11-25T02:30:00Z")
	d, err := reportDay(time.Time{}, now)
	if err != nil || !d.Equal(utc("2026-11-24T00:00:00Z")) {
		t.Errorf("default day = %v, %v; want yesterday 2026-11-24", d, err)
	}
	// Just after midnight in a zone east of UTC, it is still the 24th in UTC.
	d, _ = reportDay(time.Time{}, time.Date(2026, 11, 25, 0, 30, 0, 0, time.FixedZone("CET", 3600)))
	if !d.Equal(utc("2026-11-23T00:00:00Z")) {
		t.Errorf("default day from 00:30 CET = %v, want 2026-11-23", d)
	}
	d, err = reportDay(utc("2026-11-25T00:00:00Z"), now)
	if err != nil || !d.Equal(utc("2026-11-25T00:00:00Z")) {
		t.Errorf("today = %v, %v", d, err)
	}
	var u *usageError
	if _, err := reportDay(utc("2026-11-26T00:00:00Z"), now); !errors.As(err, &u) {
		t.Errorf("tomorrow: err = %v, want a usage error", err)
	}
}

func TestRunWindow(t *testing.T) {
	d := utc("2026-11-24T00:00:00Z")
	for _, tc := range []struct {
		now, from, to string
	}{
		// Long after: D-7 00:00 to D+3 00:00, late records of D+1 and D+2 included.
		{"2026-12-10T09:00:00Z", "2026-11-17T00:00:00Z", "2026-11-27T00:00:00Z"},
		{"2026-11-27T00:00:00Z", "2026-11-17T00:00:00Z", "2026-11-27T00:00:00Z"},
		// The nightly run: capped at now + 1 h, so the hour being written is included.
		{"2026-11-25T02:30:00Z", "2026-11-17T00:00:00Z", "2026-11-25T03:30:00Z"},
		{"2026-11-26T23:30:00Z", "2026-11-17T00:00:00Z", "2026-11-27T00:00:00Z"},
	} {
		w := runWindow(d, utc(tc.now))
		if !w.From.Equal(utc(tc.from)) || !w.To.Equal(utc(tc.to)) {
			t.Errorf("now %s: window [%v, %v), want [%s, %s)", tc.now, w.From, w.To, tc.from, tc.to)
		}
	}
}

func TestSyncWindow(t *testing.T) {
	now := utc("2026-11-25T10:15:00Z")
	day := func(s string) time.Time { return utc(s + "T00:00:00Z") }
	for _, tc := range []struct {
		name     string
		o        WindowOptions
		from, to string // empty: the whole archive
		usage    bool
	}{
		{name: "nothing is a backfill"},
		{name: "one day", o: WindowOptions{Date: day("2026-11-24")}, from: "2026-11-24T00:00:00Z", to: "2026-11-25T00:00:00Z"},
		{name: "inclusive range", o: WindowOptions{From: day("2026-11-20"), To: day("2026-11-22")}, from: "2026-11-20T00:00:00Z", to: "2026-11-23T00:00:00Z"},
		{name: "open range runs to now", o: WindowOptions{From: day("2026-11-20")}, from: "2026-11-20T00:00:00Z", to: "2026-11-25T11:15:00Z"},
		{name: "to alone", o: WindowOptions{To: day("2026-11-22")}, usage: true},
		{name: "date and range", o: WindowOptions{Date: day("2026-11-24"), From: day("2026-11-20")}, usage: true},
		{name: "reversed", o: WindowOptions{From: day("2026-11-22"), To: day("2026-11-20")}, usage: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := tc.o.window(now, "to")
			var u *usageError
			if tc.usage {
				if !errors.As(err, &u) {
					t.Fatalf("err = %v, want a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.from == "" {
				if !w.All() {
					t.Errorf("window = %+v, want the whole archive", w)
				}
				return
			}
			if !w.From.Equal(utc(tc.from)) || !w.To.Equal(utc(tc.to)) {
				t.Errorf("window [%v, %v), want [%s, %s)", w.From, w.To, tc.from, tc.to)
			}
		})
	}
}

func TestSourceWindowFilters(t *testing.T) {
	o := SourceOptions{Workspaces: []string{"ws-prod"}, Categories: []string{"AmlComputeJobEvent", "metrics"}}
	w := o.window(archive.Window{From: utc("2026-11-24T00:00:00Z")})
	if len(w.Resources) != 1 || w.Resources[0] != "ws-prod" || len(w.Containers) != 2 || w.From.IsZero() {
		t.Errorf("window = %+v", w)
	}
}

func TestFetchTo(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		dir, from, to string
		date          string
	}{
		{args: []string{"--to", "./archive", "--date", "2026-11-24"}, dir: "./archive", date: "2026-11-24"},
		{args: []string{"--to", "./archive", "--from", "2026-11-20", "--to", "2026-11-24"}, dir: "./archive", from: "2026-11-20", to: "2026-11-24"},
		{args: []string{"--from", "2026-11-20", "--to", "2026-11-24", "--to", "out"}, dir: "out", from: "2026-11-20", to: "2026-11-24"},
		{args: []string{"--dir", "2026-11-24", "--from", "2026-11-20", "--until", "2026-11-24"}, dir: "2026-11-24", from: "2026-11-20", to: "2026-11-24"},
		{args: []string{"--to=/data/archive"}, dir: "/data/archive"},
	} {
		o := parseWithEnv(t, "fetch", nil, tc.args...).(*FetchOptions)
		date := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format(time.DateOnly)
		}
		dir, err := o.dir()
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
		}
		if dir != tc.dir || date(o.Window.From) != tc.from || date(o.Window.To) != tc.to || date(o.Window.Date) != tc.date {
			t.Errorf("%v: dir %q from %q to %q date %q", tc.args, dir, date(o.Window.From), date(o.Window.To), date(o.Window.Date))
		}
	}
}

func TestFetchRangeErrorsNameUntil(t *testing.T) {
	code, _, stderr := runCmd(t, "", "fetch", "--source", "s", "--to", "out", "--from", "2026-11-24", "--until", "2026-11-20")
	if code != exitUsage || !strings.Contains(stderr, "--until 2026-11-20 is before --from 2026-11-24") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// A value of --to shaped like a date that is none is a mistyped day, not a directory; --dir and
// a different --to DIR are two directories.
func TestFetchToRefusesMistypedDates(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--dir", "d", "--from", "2026-11-24", "--to", "2026-11-31"}, `"2026-11-31" is not a date`},
		{[]string{"--to", "2026-13-01"}, `"2026-13-01" is not a date`},
		{[]string{"--dir", "d", "--to", "e", "--date", "2026-11-24"}, "--dir d and --to e name two directories"},
	} {
		args := append([]string{"fetch", "--source", "s"}, tc.args...)
		code, _, stderr := runCmd(t, "", args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr:\n%s", tc.args, code, stderr)
		}
	}
	entries, err := os.ReadDir(cwd)
	if err != nil || len(entries) != 0 {
		t.Errorf("a refused fetch left %v (%v)", entries, err)
	}
	o := parseWithEnv(t, "fetch", nil, "--dir", "d", "--to", "d", "--date", "2026-11-24").(*FetchOptions)
	if dir, err := o.dir(); dir != "d" || err != nil {
		t.Errorf("--dir d --to d: dir %q, %v", dir, err)
	}
}

// run syncs every hour of every day the report reads, once the last of them is over.
func TestRunWindowCoversTheReportDays(t *testing.T) {
	d := utc("2026-11-24T00:00:00Z")
	w := runWindow(d, utc("2026-12-31T00:00:00Z"))
	first, last := reports.ReportSpan(d)
	if !first.Equal(utc("2026-11-17T00:00:00Z")) || !last.Equal(utc("2026-11-26T00:00:00Z")) {
		t.Errorf("the report of %s reads %s … %s, want 2026-11-17 … 2026-11-26", d, first, last)
	}
	synced := map[time.Time]bool{}
	for h := range w.Hours() {
		synced[h] = true
	}
	for h := first; h.Before(last.AddDate(0, 0, 1)); h = h.Add(time.Hour) {
		if !synced[h] {
			t.Errorf("run window [%s, %s) misses hour %s of the report's days", w.From, w.To, h)
		}
	}
}
