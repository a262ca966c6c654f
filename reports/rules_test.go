package reports

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func writeRules(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The default rules are Azure Monitor Baseline Alerts' rules for Azure ML workspaces, as
// https://github.com/Azure/azure-monitor-baseline-alerts ships them in
// services/MachineLearningServices/workspaces/alerts.yaml (commit b772e9f, 2026-05-26):
// metricName, timeAggregation, operator and threshold as below, each with windowSize PT5M and
// evaluationFrequency PT1M. (That file also lists Failed Runs, which it marks unverified, and
// Not Responding Runs; Microsoft's Azure ML monitoring page recommends the three below.)
func TestDefaultRules(t *testing.T) {
	rules := DefaultRules()
	const w, f = 5 * time.Minute, time.Minute
	want := []Rule{
		{"model_deploy_failed", "Model Deploy Failed", "Total", "GreaterThan", 0, w, f},
		{"quota_utilization", "Quota Utilization Percentage", "Average", "GreaterThan", 90, w, f},
		{"unusable_nodes", "Unusable Nodes", "Total", "GreaterThan", 0, w, f},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Fatalf("DefaultRules() = %+v", rules)
	}
	rules[0].Name = "changed"
	if DefaultRules()[0].Name != "model_deploy_failed" {
		t.Error("DefaultRules shares its slice")
	}
}

func TestLoadRulesYAML(t *testing.T) {
	path := writeRules(t, "rules.yaml", `
rules:
  - name: gpu_hot
    metric: GpuUtilization
    aggregation: average
    operator: GreaterThanOrEqual
    threshold: 95.5
    window: 30m
    frequency: 15m
  - name: deploys
    metric: Model Deploy Failed
    aggregation: Total
    operator: GreaterThan
    threshold: 0
  - name: from_arm
    metric: Unusable Nodes
    aggregation: Maximum
    operator: GreaterThan
    threshold: 0
    window: P1D
    frequency: PT1H
  - name: whole_hour
    metric: Active Nodes
    aggregation: Minimum
    operator: LessThan
    threshold: 1
    window: 60m
`)
	rules, err := LoadRules(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{"gpu_hot", "GpuUtilization", "Average", "GreaterThanOrEqual", 95.5, 30 * time.Minute, 15 * time.Minute},
		// Without window and frequency: Azure Monitor's defaults, 5m and 1m.
		{"deploys", "Model Deploy Failed", "Total", "GreaterThan", 0, 5 * time.Minute, time.Minute},
		// As an ARM template writes them (windowSize P1D, evaluationFrequency PT1H).
		{"from_arm", "Unusable Nodes", "Maximum", "GreaterThan", 0, 24 * time.Hour, time.Hour},
		{"whole_hour", "Active Nodes", "Minimum", "LessThan", 1, time.Hour, time.Minute},
	}
	if !reflect.DeepEqual(rules, want) {
		t.Fatalf("LoadRules = %+v, want %+v", rules, want)
	}
}

func TestLoadRulesJSONExtendingDefaults(t *testing.T) {
	path := writeRules(t, "rules.json", `{
  "extends_defaults": true,
  "rules": [
    {"name": "quota_utilization", "metric": "Quota Utilization Percentage", "aggregation": "Maximum",
     "operator": "GreaterThan", "threshold": 80, "window": "15m", "frequency": "5m"},
    {"name": "cpu_low", "metric": "CpuUtilization", "aggregation": "Minimum", "operator": "LessThan", "threshold": -1e-3}
  ]
}`)
	rules, err := LoadRules(path)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultRules()
	want[1] = Rule{"quota_utilization", "Quota Utilization Percentage", "Maximum", "GreaterThan", 80, 15 * time.Minute, 5 * time.Minute}
	want = append(want, Rule{"cpu_low", "CpuUtilization", "Minimum", "LessThan", -0.001, 5 * time.Minute, time.Minute})
	if !reflect.DeepEqual(rules, want) {
		t.Fatalf("LoadRules = %+v, want %+v", rules, want)
	}
}

func TestLoadRulesEmptyTurnsAlertsOff(t *testing.T) {
	rules, err := LoadRules(writeRules(t, "rules.yaml", "rules: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	if rules == nil || len(rules) != 0 {
		t.Fatalf("LoadRules = %#v, want an empty, non-nil list (nil means the defaults)", rules)
	}
}

func TestLoadRulesErrors(t *testing.T) {
	rule := func(fields string) string {
		return "rules:\n  - name: gpu_hot\n" + fields
	}
	const full = "    metric: GPU\n    aggregation: Total\n    operator: GreaterThan\n    threshold: 1\n"
	for _, tc := range []struct{ name, text, want string }{
		{"aggregation", rule("    metric: GPU\n    aggregation: Mean\n    operator: GreaterThan\n    threshold: 1\n"),
			`rules.yaml: rule "gpu_hot": aggregation "Mean" is not one of Total, Average, Maximum, Minimum, Count`},
		{"operator", rule("    metric: GPU\n    aggregation: Total\n    operator: Above\n    threshold: 1\n"),
			`rule "gpu_hot": operator "Above" is not one of GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual`},
		{"metric", rule("    aggregation: Total\n    operator: GreaterThan\n    threshold: 1\n"),
			`rule "gpu_hot": metric is required`},
		{"threshold missing", rule("    metric: GPU\n    aggregation: Total\n    operator: GreaterThan\n"),
			`rule "gpu_hot": threshold is required`},
		{"threshold text", rule("    metric: GPU\n    aggregation: Total\n    operator: GreaterThan\n    threshold: high\n"),
			`rule "gpu_hot": threshold "high" is not a number`},
		{"window syntax", rule(full + "    window: an hour\n"),
			`rule "gpu_hot": window "an hour" is not a duration like 5m or 1h (one of 1m, 5m, 15m, 30m, 1h, 6h, 12h, 24h)`},
		// Azure Monitor accepts windowSize PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D and
		// evaluationFrequency PT1M, PT5M, PT15M, PT30M, PT1H: the allowedValues of the metric
		// alert policies of https://github.com/Azure/azure-monitor-baseline-alerts
		// (patterns/alz/policyDefinitions/policies-Automation.json, commit b772e9f).
		{"window not accepted", rule(full + "    window: 10m\n"),
			`rule "gpu_hot": window 10m is not one Azure Monitor accepts (1m, 5m, 15m, 30m, 1h, 6h, 12h, 24h)`},
		{"window divides the day but is not accepted", rule(full + "    window: 2h\n"),
			`rule "gpu_hot": window 2h is not one Azure Monitor accepts`},
		{"window of seconds", rule(full + "    window: 90s\n"),
			`rule "gpu_hot": window 1m30s is not one Azure Monitor accepts`},
		{"frequency syntax", rule(full + "    frequency: often\n"),
			`rule "gpu_hot": frequency "often" is not a duration like 1m or 5m (one of 1m, 5m, 15m, 30m, 1h)`},
		{"frequency not accepted", rule(full + "    window: 24h\n    frequency: 6h\n"),
			`rule "gpu_hot": frequency 6h is not one Azure Monitor accepts (1m, 5m, 15m, 30m, 1h)`},
		{"frequency longer than window", rule(full + "    window: 5m\n    frequency: 15m\n"),
			`rule "gpu_hot": frequency 15m is longer than the window 5m`},
		{"frequency longer than default window", rule(full + "    frequency: PT1H\n"),
			`rule "gpu_hot": frequency 1h is longer than the window 5m`},
		{"unknown field", rule(full + "    treshold: 2\n"),
			`rule "gpu_hot": unknown field "treshold"`},
		{"no name", "rules:\n  - metric: GPU\n    aggregation: Total\n    operator: GreaterThan\n    threshold: 1\n",
			`rule 1: name is required`},
		{"duplicate", rule(full) + "  - name: gpu_hot\n" + full,
			`rule "gpu_hot": name is used twice`},
		{"top level", "rule:\n  - name: x\n", `rules.yaml: `},
		{"syntax", "rules: [\n", `rules.yaml: `},
		{"empty file", "", `no rules in the file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "rules.yaml")
			os.WriteFile(path, []byte(tc.text), 0o644)
			_, err := LoadRules(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), path+": ") {
				t.Errorf("err = %v, want it to name the file", err)
			}
		})
	}
	if _, err := LoadRules(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file gave no error")
	}
}
