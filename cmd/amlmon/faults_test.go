package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive/azuritetest"
)

// A nightly run meets a storage account that throttles, cuts and stalls downloads, or fails
// them all. Through a fault proxy in front of Azurite, every fault a retry can overcome leaves
// the same report as a clean run; downloads that always fail exit 4 and leave a consistent
// lake that the next, clean run completes.
func TestSyncThroughFaults(t *testing.T) {
	arc := e2eArchive(t)
	az := azuritetest.Start(t)
	uploadAppendBlobs(t, az.ConnectionString(), arc)

	syncAndReport := func(t *testing.T, lake, cs string, want int, extra ...string) (map[string][]byte, time.Duration, string) {
		t.Helper()
		args := append([]string{"sync", "--source", cs, "--lake", lake, "--from", "2026-11-23", "--to", "2026-11-25",
			"--now", "2030-01-01T00:00:00Z", "--settle", "1ms", "--progress", "never"}, extra...)
		started := time.Now()
		code, _, stderr := runCmd(t, "", args...)
		took := time.Since(started)
		if code != want {
			t.Fatalf("sync: exit %d, want %d\n%s", code, want, tail(stderr, 40))
		}
		out := t.TempDir()
		mustRun(t, exitOK, "report", "--lake", lake, "--out", out, "--date", e2eDay, "--now", "2030-01-01T00:00:00Z")
		return reportFiles(t, out), took, stderr
	}
	clean, cleanTook, _ := syncAndReport(t, t.TempDir(), az.ConnectionString(), exitOK)

	for _, tc := range []struct {
		name   string
		faults func() *azuritetest.Faults
		extra  []string
	}{
		// One call in three answered 503 or 429 with Retry-After: 1.
		{"throttled", func() *azuritetest.Faults { return &azuritetest.Faults{ThrottleEvery: 3, RetryAfter: 1} }, nil},
		{"cut mid-body", func() *azuritetest.Faults { return &azuritetest.Faults{CutEvery: 4, CutAfter: 100} }, nil},
		{"stalled", func() *azuritetest.Faults { return &azuritetest.Faults{StallEvery: 9, CutAfter: 100} }, []string{"--try-timeout", "2s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.faults()
			got, took, _ := syncAndReport(t, t.TempDir(), f.Serve(t, az), exitOK, tc.extra...)
			if !sameFiles(t, tc.name, clean, got) {
				for n := range got {
					if !bytes.Equal(got[n], clean[n]) {
						t.Logf("%s with faults:\n%s\nclean:\n%s", n, got[n], clean[n])
					}
				}
			}
			calls, downloads, throttled, cut, _ := f.Counts()
			if throttled+cut == 0 {
				t.Errorf("no fault was injected in %d calls", calls)
			}
			t.Logf("%s: %d calls (%d downloads), %d throttled, %d cut or stalled; %s against %s clean", tc.name, calls, downloads,
				throttled, cut, took.Round(time.Millisecond), cleanTook.Round(time.Millisecond))
		})
	}

	t.Run("every download fails", func(t *testing.T) {
		f := &azuritetest.Faults{FailDownloads: true}
		lake := t.TempDir()
		_, _, stderr := syncAndReport(t, lake, f.Serve(t, az), exitBlobsFailed, "--try-timeout", "2s", "--retries", "1")
		if !strings.Contains(stderr, "level=ERROR") {
			t.Errorf("the failures are not logged at ERROR:\n%s", tail(stderr, 20))
		}
		// The next night the account answers again: the same lake catches up.
		got, _, _ := syncAndReport(t, lake, az.ConnectionString(), exitOK)
		sameFiles(t, "after the failed night", clean, got)
	})
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... %d lines", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
