package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A rules file with a window and frequency Azure Monitor would not accept stops the report
// with an error that names the file and the rule, before anything is written.
func TestReportRejectsRuleAzureWouldNot(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	text := "rules:\n  - name: quota_slow\n    metric: Quota Utilization Percentage\n    aggregation: Average\n" +
		"    operator: GreaterThan\n    threshold: 90\n    window: 5m\n    frequency: 15m\n"
	if err := os.WriteFile(rules, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "reports")
	code, _, stderr := runCmd(t, "", "report", "--lake", t.TempDir(), "--out", out, "--date", "2026-11-24",
		"--now", "2026-11-25T00:00:00Z", "--rules", rules)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailed, stderr)
	}
	if strings.Count(stderr, rules) != 1 {
		t.Errorf("stderr names the file %d times:\n%s", strings.Count(stderr, rules), stderr)
	}
	for _, want := range []string{"load alert rules: " + rules + `: rule "quota_slow": frequency 15m is longer than the window 5m`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the report folder was created: %v", err)
	}
}
