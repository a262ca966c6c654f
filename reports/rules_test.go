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

func TestDefaultRules(t *testing.T) {
	rules := DefaultRules()
	want := []Rule{
		{"model_deploy_failed", "Model Deploy Failed", "Total", "GreaterThan", 0, time.Hour},
		{"quota_utilization", "Quota Utilization Percentage", "Average", "GreaterThan", 90, time.Hour},
		{"unusable_nodes", "Unusable Nodes", "Total", "GreaterThan", 0, time.Hour},
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
    metric: GPU Utilization
    aggregation: average
    operator: GreaterThanOrEqual
    threshold: 95.5
    window: 30m
  - name: deploys
    metric: Model Deploy Failed
    aggregation: Total
    operator: GreaterThan
    threshold: 0
`)
	rules, err := LoadRules(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{"gpu_hot", "GPU Utilization", "Average", "GreaterThanOrEqual", 95.5, 30 * time.Minute},
		{"deploys", "Model Deploy Failed", "Total", "GreaterThan", 0, time.Hour},
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
     "operator": "GreaterThan", "threshold": 80, "window": "15m"},
    {"name": "cpu_low", "metric": "CPU Utilization", "aggregation": "Minimum", "operator": "LessThan", "threshold": -1e-3}
  ]
}`)
	rules, err := LoadRules(path)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultRules()
	want[1] = Rule{"quota_utilization", "Quota Utilization Percentage", "Maximum", "GreaterThan", 80, 15 * time.Minute}
	want = append(want, Rule{"cpu_low", "CPU Utilization", "Minimum", "LessThan", -0.001, time.Hour})
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
			`rule "gpu_hot": window "an hour" is not a duration`},
		{"window divides", rule(full + "    window: 7h\n"),
			`rule "gpu_hot": window 7h0m0s does not divide the day`},
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
