package reports

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFixture(t *testing.T, l *lakeBuilder, rules []Rule) (string, Summary) {
	t.Helper()
	db := l.open()
	out := t.TempDir()
	d := Daily{Date: reportDay, Out: out, Rules: rules, Version: "test",
		Now: func() time.Time { return time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC) }}
	s, err := d.Write(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(out, "2026-11-25"), s
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDump(t *testing.T) {
	dir, _ := writeFixture(t, fixtureLake(t), nil)
	for _, n := range []string{"failures_by_cluster.csv", "failed_jobs.csv", "failure_reasons.csv", "quota_usage.csv", "node_churn.csv", "alerts.csv", "data_quality.csv", "completeness.csv", "summary.json", "report.md"} {
		t.Logf("%s:\n%s", n, readFile(t, dir, n))
	}
}
