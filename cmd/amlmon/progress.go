package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/reports"
	"github.com/amlmon/amlmon/transform"
)

// maxRunErrors bounds the blob errors kept for the report's run status.
const maxRunErrors = 20

// tracker counts a sync or fetch as it goes. Its methods are safe from any goroutine.
type tracker struct {
	mu          sync.Mutex
	start       time.Time
	listed      int64
	done        int64
	bytes       int64
	records     int64
	listingDone bool
	// fetching: the blobs are downloaded, not converted, so there are no records to count.
	fetching bool
	errs     []string
	failed   []reports.FailedBlob
}

func newTracker(start time.Time) *tracker { return &tracker{start: start} }

// listedOne counts a blob handed on by the listing.
func (t *tracker) listedOne() {
	t.mu.Lock()
	t.listed++
	t.mu.Unlock()
}

// listingFinished marks the total as known, so that an ETA can be told.
func (t *tracker) listingFinished() {
	t.mu.Lock()
	t.listingDone = true
	t.mu.Unlock()
}

// blobDone counts a blob that Sync has handled.
func (t *tracker) blobDone(d transform.Done) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	t.bytes += d.Bytes
	t.records += d.Records
	if d.Err != nil && len(t.errs) < maxRunErrors {
		t.errs = append(t.errs, d.Err.Error()) // the source's errors name the blob
	}
	if d.Action == transform.Failed && len(t.failed) < maxRunErrors {
		t.failed = append(t.failed, reports.FailedBlob{Container: d.Blob.Container, Blob: d.Blob.Name, Reason: errText(d.Err)})
	}
}

// fetched counts a blob that Fetch has handled.
func (t *tracker) fetched(b archive.Blob, action string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fetching = true
	t.listed++
	t.done++
	if action == "downloaded" {
		t.bytes += b.Size
	}
}

// errors returns the blob errors kept so far.
func (t *tracker) errors() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.errs...)
}

// snapshot is the state of a tracker at one instant.
type snapshot struct {
	Done, Listed   int64
	TotalKnown     bool
	Bytes, Records int64
	Elapsed        time.Duration
	Fetching       bool
}

func (t *tracker) snapshot(now time.Time) snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	return snapshot{
		Done: t.done, Listed: t.listed, TotalKnown: t.listingDone,
		Bytes: t.bytes, Records: t.records, Elapsed: now.Sub(t.start), Fetching: t.fetching,
	}
}

// eta estimates the time left from the pace so far; ok is false while the total is unknown.
func (s snapshot) eta() (time.Duration, bool) {
	if !s.TotalKnown || s.Done == 0 || s.Elapsed <= 0 {
		return 0, false
	}
	left := s.Listed - s.Done
	return time.Duration(float64(s.Elapsed) * float64(left) / float64(s.Done)).Round(time.Second), true
}

func (s snapshot) recordsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Records) / s.Elapsed.Seconds()
}

// line is the one-line progress shown at a terminal.
func (s snapshot) line() string {
	if s.Fetching {
		var mib float64
		if s.Elapsed > 0 {
			mib = float64(s.Bytes) / (1 << 20) / s.Elapsed.Seconds()
		}
		return fmt.Sprintf("blobs %d  %s  %.1f MiB/s", s.Done, formatBytes(s.Bytes), mib)
	}
	total := fmt.Sprintf("%d+", s.Listed)
	if s.TotalKnown {
		total = fmt.Sprint(s.Listed)
	}
	out := fmt.Sprintf("blobs %d/%s  %s  %s records  %.0f records/s", s.Done, total,
		formatBytes(s.Bytes), formatCount(s.Records), s.recordsPerSecond())
	if eta, ok := s.eta(); ok {
		out += "  ETA " + eta.String()
	}
	return out
}

// progressView shows snapshots: redrawn in place at a terminal, as log lines elsewhere.
type progressView struct {
	tty bool
	con *console
	log *slog.Logger
}

// show displays one snapshot.
func (v *progressView) show(s snapshot) {
	if v.tty {
		v.con.draw(s.line())
		return
	}
	attrs := []any{"blobs_done", s.Done, "blobs_listed", s.Listed, "bytes", s.Bytes,
		"records", s.Records, "records_per_s", int64(s.recordsPerSecond())}
	if eta, ok := s.eta(); ok {
		attrs = append(attrs, "eta", eta.String())
	}
	v.log.Info("progress", attrs...)
}

// end leaves the terminal line so that what follows starts on a fresh one.
func (v *progressView) end() {
	if v.tty {
		v.con.endLine()
	}
}

// Intervals between progress updates.
const (
	ttyInterval   = 250 * time.Millisecond
	plainInterval = 30 * time.Second
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressMode is the --progress mode to use: with JSON logs, auto means log records even at
// a terminal, so that stderr holds nothing but JSON unless a redrawn line is asked for.
func progressMode(mode string, jsonLog bool) string {
	if jsonLog && mode == "auto" {
		return "plain"
	}
	return mode
}

// startProgress shows t's progress on stderr until stop is called, in the mode --progress
// asks for. Elapsed time is the wall clock's even when --now is pinned. Log records must reach
// stderr through the same console (as the command's logger does), so that they never land on
// the progress line.
func startProgress(mode string, stderr io.Writer, log *slog.Logger, t *tracker) (stop func()) {
	if mode == "never" {
		return func() {}
	}
	con := consoleOf(stderr)
	v := &progressView{tty: mode == "always" || mode == "auto" && isTerminal(con.w), con: con, log: log}
	interval := plainInterval
	if v.tty {
		interval = ttyInterval
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				v.show(t.snapshot(now))
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		if v.tty {
			v.show(t.snapshot(time.Now()))
		}
		v.end()
	}
}

// formatBytes prints a byte count in binary units.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// formatCount prints a count with thin groups of three digits, for people.
func formatCount(n int64) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// failures returns the failed blobs recorded, up to maxRunErrors.
func (t *tracker) failures() []reports.FailedBlob {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]reports.FailedBlob(nil), t.failed...)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
