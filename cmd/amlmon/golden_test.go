package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from this run")

// The sample archive's report day and the instant the demo pretends to run at.
const (
	sampleDay = "2026-11-24"
	sampleNow = "2026-11-25T12:00:00Z"
)

// goldenDir holds the report of the sample archive, file for file: what `make demo` shows.
var goldenDir = filepath.Join("..", "..", "testdata", "golden", sampleDay)

// readReport reads every file of a day's report, with the lake's path in summary.json
// replaced, since each run of the test puts the lake in another temporary folder.
func readReport(t *testing.T, dir, lake string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "summary.json" && lake != "" {
			b = bytes.ReplaceAll(b, []byte(lake), []byte("LAKE"))
		}
		files[e.Name()] = b
	}
	return files
}

// TestSampleReportGolden converts the sample archive of testdata/ and compares the day's
// report with the golden files, byte for byte; a second report from the same lake must be
// identical. Run with -update to accept a new report.
func TestSampleReportGolden(t *testing.T) {
	archive := filepath.Join("..", "..", "testdata", "archive")
	lake, out, again := t.TempDir(), t.TempDir(), t.TempDir()
	mustRun(t, exitOK, "sync", "--source", archive, "--lake", lake, "--now", sampleNow, "--progress", "never")
	mustRun(t, exitOK, "report", "--lake", lake, "--out", out, "--date", sampleDay, "--now", sampleNow)
	mustRun(t, exitOK, "report", "--lake", lake, "--out", again, "--date", sampleDay, "--now", sampleNow)

	got := readReport(t, filepath.Join(out, sampleDay), lake)
	if len(got) < 11 {
		t.Fatalf("the report holds %d files, want the 8 CSVs, summary.json, report.md and charts", len(got))
	}
	if second := readReport(t, filepath.Join(again, sampleDay), lake); !sameFiles(t, "second report", got, second) {
		t.Error("two reports of one lake differ")
	}
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range got {
			if err := os.WriteFile(filepath.Join(goldenDir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	sameFiles(t, "golden report (go test ./cmd/amlmon -run Golden -update to accept)", readReport(t, goldenDir, ""), got)
}

// sameFiles reports each file that differs between want and got.
func sameFiles(t *testing.T, what string, want, got map[string][]byte) bool {
	t.Helper()
	names := map[string]bool{}
	for n := range want {
		names[n] = true
	}
	for n := range got {
		names[n] = true
	}
	var sorted []string
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	same := true
	for _, n := range sorted {
		w, inWant := want[n]
		g, inGot := got[n]
		switch {
		case !inWant:
			t.Errorf("%s: unexpected file %s", what, n)
		case !inGot:
			t.Errorf("%s: missing file %s", what, n)
		case !bytes.Equal(w, g):
			t.Errorf("%s: %s differs\n--- want\n%s\n--- got\n%s", what, n, clip(w), clip(g))
		default:
			continue
		}
		same = false
	}
	return same
}

func clip(b []byte) []byte {
	if len(b) > 4000 {
		return append(b[:4000:4000], "\n…"...)
	}
	return b
}
