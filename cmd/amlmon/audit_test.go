package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/reports"
	"github.com/amlmon/amlmon/transform"
)

// sampleArchive is the archive of testdata/, whose report day fires alerts.
var sampleArchive = filepath.Join("..", "..", "testdata", "archive")

// A run keeps the lake locked until its report is written: while it writes, another run on
// the same lake is refused, and the lock is free once the run has returned.
func TestRunHoldsTheLockUntilTheReportIsWritten(t *testing.T) {
	lake, out := t.TempDir(), t.TempDir()
	o := parseWithEnv(t, "run", nil, "--source", sampleArchive, "--lake", lake, "--out", out,
		"--date", sampleDay, "--now", sampleNow, "--progress", "never").(*RunOptions)
	var stdout, stderr bytes.Buffer
	st := &streams{stdout: &stdout, stderr: &console{w: &stderr}, getenv: func(string) (string, bool) { return "", false }}

	reported := false
	report := func(ctx context.Context, lakeDir string, d time.Time, rf ReportFlags, rules []reports.Rule, now func() time.Time, status *reports.RunStatus, w io.Writer, log *slog.Logger) error {
		reported = true
		l, err := transform.Open(lakeDir, transform.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if release, err := l.Lock(); !errors.Is(err, transform.ErrLocked) {
			if err == nil {
				release()
			}
			t.Errorf("the lake's lock while the report is written: %v, want ErrLocked", err)
		}
		code, _, errOut := runCmd(t, "", "run", "--source", sampleArchive, "--lake", lakeDir, "--out", t.TempDir(),
			"--date", sampleDay, "--now", sampleNow, "--progress", "never")
		if code != exitFailed || !strings.Contains(errOut, "locked by another amlmon") || !strings.Contains(errOut, "changed nothing") {
			t.Errorf("a second run during the report: exit %d, stderr:\n%s", code, errOut)
		}
		return writeReport(ctx, lakeDir, d, rf, rules, now, status, w, log)
	}
	if err := o.run(context.Background(), st, report); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if !reported {
		t.Fatal("the report was not written")
	}
	l, err := transform.Open(lake, transform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	release, err := l.Lock()
	if err != nil {
		t.Fatalf("the lock is still held after the run: %v", err)
	}
	release()
}

// With --log-format json, every line the command writes is a JSON object: the log records,
// the end of a sync with its records per table, and the error that stops the job.
func TestJSONLogIsJSON(t *testing.T) {
	lake, out := t.TempDir(), t.TempDir()
	jsonLines := func(what, text string) []map[string]any {
		t.Helper()
		var recs []map[string]any
		for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			if line == "" {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Errorf("%s: a line that is not JSON: %q", what, line)
				continue
			}
			recs = append(recs, rec)
		}
		return recs
	}
	find := func(recs []map[string]any, msg string) map[string]any {
		for _, r := range recs {
			if r["msg"] == msg {
				return r
			}
		}
		t.Errorf("no %q record", msg)
		return map[string]any{}
	}

	code, stdout, stderr := runCmd(t, "", "run", "--source", sampleArchive, "--lake", lake, "--out", out,
		"--date", sampleDay, "--now", sampleNow, "--log-format", "json", "--fail-on-alert")
	if code != exitAlerts {
		t.Fatalf("exit %d, want %d\n%s", code, exitAlerts, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout with JSON logs: %q", stdout)
	}
	recs := jsonLines("stderr", stderr)
	fin := find(recs, "sync finished")
	perTable, ok := fin["records"].(map[string]any)
	if !ok || perTable["AmlComputeJobEvent"] == nil || perTable["AzureMetrics"] == nil {
		t.Errorf("sync finished: records per table = %v", fin["records"])
	}
	find(recs, "report written")
	last := recs[len(recs)-1]
	if last["exit"] != float64(exitAlerts) || !strings.Contains(last["err"].(string), fmt.Sprintf("%d alerts fired on %s", goldenAlertsFired(t), sampleDay)) {
		t.Errorf("last record %v, want the alerts with exit 3", last)
	}

	code, stdout, stderr = runCmd(t, "", "sync", "--source", filepath.Join(t.TempDir(), "none"), "--lake", lake, "--log-format", "json")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d", code, exitFailed)
	}
	recs = jsonLines("stderr of a failed sync", stdout+stderr)
	if len(recs) == 0 {
		t.Fatal("no record of the failure")
	}
	last = recs[len(recs)-1]
	if last["level"] != "ERROR" || last["exit"] != float64(exitFailed) || !strings.Contains(last["err"].(string), "open archive") {
		t.Errorf("last record %v, want the error at level ERROR with exit 1", last)
	}
}

// At a terminal, JSON logs keep progress as log records unless a redrawn line is asked for.
func TestProgressModeWithJSONLogs(t *testing.T) {
	for _, tc := range []struct {
		mode string
		json bool
		want string
	}{{"auto", true, "plain"}, {"auto", false, "auto"}, {"always", true, "always"}, {"never", true, "never"}} {
		if got := progressMode(tc.mode, tc.json); got != tc.want {
			t.Errorf("progressMode(%q, %v) = %q, want %q", tc.mode, tc.json, got, tc.want)
		}
	}
}

// The exit-3 line tells how many alerts fired, and on which day.
func TestAlertsExitSaysWhatFired(t *testing.T) {
	code, _, stderr := runCmd(t, "", "run", "--source", sampleArchive, "--lake", t.TempDir(), "--out", t.TempDir(),
		"--date", sampleDay, "--now", sampleNow, "--progress", "never", "--fail-on-alert")
	want := fmt.Sprintf("amlmon: finished; %d alerts fired on %s (exit 3 because of --fail-on-alert)\n", goldenAlertsFired(t), sampleDay)
	if code != exitAlerts || !strings.HasSuffix(stderr, want) {
		t.Errorf("exit %d, stderr ends %q, want %q", code, stderr[max(0, len(stderr)-120):], want)
	}
}

// A sync that stops still tells what it did, marked as incomplete.
func TestStoppedSyncPrintsSummary(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"run", "--source", sampleArchive, "--lake", t.TempDir(), "--out", t.TempDir(),
		"--date", sampleDay, "--now", sampleNow, "--progress", "never"}, nil, &out, &errb)
	if code != exitFailed || !strings.Contains(errb.String(), "interrupted") {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	for _, w := range []string{"Stopped:  the sync did not finish", "Blobs:", "Records:"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("stdout lacks %q:\n%s", w, out.String())
		}
	}
	if !strings.Contains(errb.String(), `msg="sync stopped"`) || !strings.Contains(errb.String(), "complete=false") {
		t.Errorf("no sync stopped log line:\n%s", errb.String())
	}
}

// A fetch that fails on a blob counts it and still prints what it did.
func TestFailedFetchPrintsSummary(t *testing.T) {
	dir := t.TempDir()
	// A file where a container's folder must go: every blob of that container fails.
	if err := os.WriteFile(filepath.Join(dir, "insights-logs-amlcomputejobevent"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "", "fetch", "--source", sampleArchive, "--dir", dir, "--date", sampleDay,
		"--parallel", "1", "--progress", "never")
	if code != exitFailed || !strings.Contains(stderr, "insights-logs-amlcomputejobevent") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, w := range []string{"Stopped:  the fetch did not finish", "1 failed", "Bytes:"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	if !strings.Contains(stderr, `msg="fetch stopped"`) || !strings.Contains(stderr, "blobs_failed=1") {
		t.Errorf("no fetch stopped log line:\n%s", stderr)
	}
}

// At a terminal a log record never lands on the progress line: the line is cleared first and
// drawn again under the record.
func TestLogClearsProgressLine(t *testing.T) {
	var buf bytes.Buffer
	con := &console{w: &buf}
	log := slog.New(slog.NewTextHandler(con, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	v := &progressView{tty: true, con: con, log: log}
	s := snapshot{Done: 1, Listed: 2, TotalKnown: true, Bytes: 100, Records: 5, Elapsed: time.Second}
	v.show(s)
	log.Warn("blob failed", "blob", "b")
	v.show(s)
	v.end()
	log.Info("after")
	line := "blobs 1/2  100 B  5 records  5 records/s  ETA 1s"
	want := "\r" + line + "\x1b[K" +
		"\r\x1b[K" + "level=WARN msg=\"blob failed\" blob=b\n" + line + "\x1b[K" +
		"\r" + line + "\x1b[K" + "\n" +
		"level=INFO msg=after\n"
	if buf.String() != want {
		t.Errorf("terminal output\n got %q\nwant %q", buf.String(), want)
	}
}
