package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/transform"
)

func TestTrackerAndLine(t *testing.T) {
	start := time.Date(2026, 11, 25, 2, 30, 0, 0, time.UTC)
	tr := newTracker(start)
	for range 4 {
		tr.listedOne()
	}
	tr.blobDone(transform.Done{Bytes: 3 << 20, Records: 1500})
	tr.blobDone(transform.Done{Blob: transform.Blob{Container: "insights-logs-x", Name: "b"}, Err: errors.New("decode: read insights-logs-x/b: boom"), Action: transform.Failed})

	s := tr.snapshot(start.Add(10 * time.Second))
	if got, want := s.line(), "blobs 2/4+  3.0 MiB  1,500 records  150 records/s"; got != want {
		t.Errorf("line while listing\n got %q\nwant %q", got, want)
	}
	if _, ok := s.eta(); ok {
		t.Error("an ETA before the listing finished")
	}
	tr.listingFinished()
	s = tr.snapshot(start.Add(10 * time.Second))
	if got, want := s.line(), "blobs 2/4  3.0 MiB  1,500 records  150 records/s  ETA 10s"; got != want {
		t.Errorf("line after listing\n got %q\nwant %q", got, want)
	}
	if errs := tr.errors(); len(errs) != 1 || errs[0] != "decode: read insights-logs-x/b: boom" {
		t.Errorf("errors = %q", errs)
	}
}

func TestTrackerFetch(t *testing.T) {
	tr := newTracker(time.Now())
	tr.fetched(archive.Blob{Size: 2048}, "downloaded")
	tr.fetched(archive.Blob{Size: 4096}, "skipped")
	s := tr.snapshot(tr.start.Add(2 * time.Second))
	if s.Done != 2 || s.Listed != 2 || s.Bytes != 2048 {
		t.Errorf("snapshot = %+v", s)
	}
	s.Bytes = 3 << 20
	if got, want := s.line(), "blobs 2  3.0 MiB  1.5 MiB/s"; got != want {
		t.Errorf("fetch line %q, want %q", got, want)
	}
}

func TestTrackerKeepsFewErrors(t *testing.T) {
	tr := newTracker(time.Now())
	for range maxRunErrors + 5 {
		tr.blobDone(transform.Done{Err: errors.New("x")})
	}
	if n := len(tr.errors()); n != maxRunErrors {
		t.Errorf("kept %d errors, want %d", n, maxRunErrors)
	}
}

func TestProgressViewTerminal(t *testing.T) {
	var buf bytes.Buffer
	v := &progressView{tty: true, con: &console{w: &buf}}
	v.show(snapshot{Done: 1, Listed: 10, TotalKnown: true, Bytes: 100, Records: 5, Elapsed: time.Second})
	v.show(snapshot{Done: 2, Listed: 10, TotalKnown: true, Bytes: 200, Records: 10, Elapsed: 2 * time.Second})
	v.end()
	want := "\rblobs 1/10  100 B  5 records  5 records/s  ETA 9s\x1b[K" +
		"\rblobs 2/10  200 B  10 records  5 records/s  ETA 8s\x1b[K\n"
	if buf.String() != want {
		t.Errorf("terminal output\n got %q\nwant %q", buf.String(), want)
	}
}

func TestProgressViewPlain(t *testing.T) {
	var buf bytes.Buffer
	v := &progressView{con: &console{w: &buf}, log: slog.New(slog.NewTextHandler(&buf, nil))}
	v.show(snapshot{Done: 3, Listed: 7, Bytes: 1024, Records: 40, Elapsed: 4 * time.Second})
	v.end()
	out := buf.String()
	for _, w := range []string{"msg=progress", "blobs_done=3", "blobs_listed=7", "bytes=1024", "records=40", "records_per_s=10"} {
		if !strings.Contains(out, w) {
			t.Errorf("log line lacks %q: %s", w, out)
		}
	}
	if strings.Contains(out, "\r") || strings.Count(out, "\n") != 1 {
		t.Errorf("plain mode should write one log line, no redraws: %q", out)
	}
}

func TestStartProgress(t *testing.T) {
	var buf bytes.Buffer
	tr := newTracker(time.Now())
	tr.listedOne()
	tr.blobDone(transform.Done{Records: 1})
	tr.listingFinished()
	log := slog.New(slog.NewTextHandler(&buf, nil))

	startProgress("never", &buf, log, tr)()
	if buf.Len() != 0 {
		t.Errorf("--progress never wrote %q", buf.String())
	}
	// A buffer is no terminal: auto logs every 30 s, so a short sync writes nothing.
	startProgress("auto", &buf, log, tr)()
	if buf.Len() != 0 {
		t.Errorf("--progress auto on a non-terminal wrote %q at once", buf.String())
	}
	startProgress("always", &buf, log, tr)()
	if out := buf.String(); !strings.HasPrefix(out, "\rblobs 1/1") || !strings.HasSuffix(out, "\x1b[K\n") {
		t.Errorf("--progress always: the final line is %q", out)
	}
}

func TestFormat(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSyncSummary(t *testing.T) {
	s := transform.Stats{
		Blobs: 10, Read: 4, Appended: 1, Replaced: 1, Skipped: 5, Unrecognised: 1, Bytes: 10 << 20,
		Records: map[string]int64{"AzureMetrics": 3000, "AmlComputeJobEvent": 2000}, Rejected: 2, Warnings: 7,
		Duration: 2 * time.Second,
	}
	var out, logs bytes.Buffer
	writeSyncSummary(&out, s, true)
	logSyncSummary(slog.New(slog.NewTextHandler(&logs, nil)), s, true)
	for _, w := range []string{
		"10 listed, 4 read (1 appended, 1 replaced), 5 skipped, 0 gone, 1 unrecognised, 0 failed",
		"10.0 MiB read", "5,000 (AmlComputeJobEvent 2,000, AzureMetrics 3,000)",
		"2 lines rejected, 7 values not coerced", "2s, 5.00 MiB/s, 2,500 records/s",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("summary lacks %q:\n%s", w, out.String())
		}
	}
	for _, w := range []string{"msg=\"sync finished\"", "blobs_listed=10", "records_total=5000", "records.AzureMetrics=3000", "records.AmlComputeJobEvent=2000", "mib_per_s=5.00", "records_per_s=2500"} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("log lacks %q: %s", w, logs.String())
		}
	}
}
