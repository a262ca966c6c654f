package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// The -update flag is registered only if no other test file of the package has registered it,
// since a second registration would panic.
var _ = func() bool {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/golden")
	}
	return true
}()

// updating reports whether -update was given.
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// listFiles returns the names of the files in dir, sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// TestGolden compares every file of the fixture's report with testdata/golden; run
// `go test ./reports -run TestGolden -update` after an intended change and review the diff.
func TestGolden(t *testing.T) {
	l := fixtureLake(t)
	db := l.open()
	first, _ := writeReport(t, db, t.TempDir(), nil)
	second, _ := writeReport(t, db, t.TempDir(), nil)

	names := listFiles(t, first)
	wantNames := []string{"alerts.csv", "cluster_usage.csv", "completeness.csv", "data_quality.csv", "failed_jobs.csv",
		"failure_reasons.csv", "failures_by_cluster.csv", "failures_by_hour.svg", "job_times.csv", "node_churn.csv",
		"node_hours_by_cluster.svg", "nodes_over_day.svg", "quota_by_cluster.svg", "quota_usage.csv", "report.html", "report.md", "summary.json"}
	if !equalStrings(names, wantNames) {
		t.Fatalf("report files = %v, want %v", names, wantNames)
	}
	if again := listFiles(t, second); !equalStrings(names, again) {
		t.Fatalf("second run wrote %v, first %v", again, names)
	}
	golden := filepath.Join("testdata", "golden", "2026-11-25")
	if updating() {
		os.RemoveAll(golden)
		if err := os.MkdirAll(golden, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range names {
		a, b := []byte(readFile(t, first, name)), []byte(readFile(t, second, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs over the same lake", name)
		}
		// The lake is a temporary folder: summary.json names it, the golden file does not.
		a = bytes.ReplaceAll(a, []byte(l.dir), []byte("/lake"))
		path := filepath.Join(golden, name)
		if updating() {
			if err := os.WriteFile(path, a, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(a, want) {
			t.Errorf("%s differs from %s:\n%s", name, path, a)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
