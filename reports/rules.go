package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// aggregations a rule can apply to the metric rows of a window, as Azure Monitor spells them.
func aggregations() []string { return []string{"Total", "Average", "Maximum", "Minimum", "Count"} }

// operators a rule can compare the aggregated value with, as Azure Monitor spells them.
func operators() []string {
	return []string{"GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"}
}

// Windows are the evaluation windows Azure Monitor accepts for a metric alert rule
// (windowSize PT1M … P1D), shortest first.
func Windows() []time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}
}

// Frequencies are the evaluation frequencies Azure Monitor accepts for a metric alert rule
// (evaluationFrequency PT1M … PT1H), shortest first. Every window is a whole number of every
// frequency not longer than it, which the evaluation relies on.
func Frequencies() []time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}
}

// DefaultWindow and DefaultFrequency are what a rule that names none gets: Azure Monitor's own
// defaults, and what Azure Monitor Baseline Alerts ships the Azure ML rules with.
const (
	DefaultWindow    = 5 * time.Minute
	DefaultFrequency = time.Minute
)

// DefaultRules returns the alert rules Microsoft recommends for Azure Machine Learning, with the
// window and frequency of Azure Monitor Baseline Alerts (docs/alerts.md).
func DefaultRules() []Rule {
	return []Rule{
		{Name: "model_deploy_failed", Metric: "Model Deploy Failed", Aggregation: "Total", Operator: "GreaterThan", Threshold: 0, Window: DefaultWindow, Frequency: DefaultFrequency},
		{Name: "quota_utilization", Metric: "Quota Utilization Percentage", Aggregation: "Average", Operator: "GreaterThan", Threshold: 90, Window: DefaultWindow, Frequency: DefaultFrequency},
		{Name: "unusable_nodes", Metric: "Unusable Nodes", Aggregation: "Total", Operator: "GreaterThan", Threshold: 0, Window: DefaultWindow, Frequency: DefaultFrequency},
	}
}

// durationLabel writes a window or frequency as the rules file and alerts.csv spell it: 5m, 1h, 24h.
func durationLabel(d time.Duration) string {
	switch {
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d > 0 && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// durationLabels lists ds as durationLabel spells them: "1m, 5m, 15m".
func durationLabels(ds []time.Duration) string {
	labels := make([]string, len(ds))
	for i, d := range ds {
		labels[i] = durationLabel(d)
	}
	return strings.Join(labels, ", ")
}

// parseDuration reads a window or frequency written as a Go duration (5m, 1h, 90s) or as
// Azure Monitor writes it in a rule's JSON (PT5M, PT1H, P1D), so that a value copied from an
// ARM or Bicep template is accepted as it is.
func parseDuration(s string) (time.Duration, bool) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, true
	}
	u := strings.ToUpper(strings.TrimSpace(s))
	if strings.HasPrefix(u, "P") && strings.HasSuffix(u, "D") && !strings.Contains(u, "T") {
		n, err := strconv.Atoi(u[1 : len(u)-1])
		return time.Duration(n) * 24 * time.Hour, err == nil && n > 0
	}
	if !strings.HasPrefix(u, "PT") || len(u) < 4 {
		return 0, false
	}
	d, err := time.ParseDuration(strings.ToLower(u[2:]))
	return d, err == nil
}

// rulesFile is the shape of a rules file. With extends_defaults the file's rules are added to
// DefaultRules, a rule named like a default replacing it; without it they replace the defaults,
// so an empty list turns alerting off.
type rulesFile struct {
	ExtendsDefaults bool        `yaml:"extends_defaults"`
	Rules           []yaml.Node `yaml:"rules"`
}

// ruleFields are the keys a rule may have; anything else is a typo worth reporting.
func ruleFields() []string {
	return []string{"name", "metric", "aggregation", "operator", "threshold", "window", "frequency"}
}

// rawRule keeps optional fields as pointers so that a missing field can be told from a zero.
type rawRule struct {
	Name        string   `yaml:"name"`
	Metric      string   `yaml:"metric"`
	Aggregation string   `yaml:"aggregation"`
	Operator    string   `yaml:"operator"`
	Threshold   *float64 `yaml:"threshold"`
	Window      string   `yaml:"window"`
	Frequency   string   `yaml:"frequency"`
}

// LoadRules reads alert rules from a YAML or JSON file (JSON is read as YAML, of which it is a
// subset):
//
//	extends_defaults: true        # keep DefaultRules; a rule of the same name replaces one
//	rules:
//	  - name: gpu_hot
//	    metric: GpuUtilization    # AzureMetrics MetricName (its REST name), matched case-insensitively
//	    aggregation: Average      # Total | Average | Maximum | Minimum | Count
//	    operator: GreaterThan     # GreaterThan | GreaterThanOrEqual | LessThan | LessThanOrEqual
//	    threshold: 95
//	    window: 30m               # 1m 5m 15m 30m 1h 6h 12h 24h (or PT30M); default 5m
//	    frequency: 5m             # 1m 5m 15m 30m 1h, at most the window (or PT5M); default 1m
//
// A window or frequency that Azure Monitor would not accept is an error, as is a frequency
// longer than the window. Every error names the file, the rule and the field.
func LoadRules(path string) ([]Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	var f rulesFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: no rules in the file (write rules: [] to turn alerting off)", path)
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rules []Rule
	if f.ExtendsDefaults {
		rules = DefaultRules()
	}
	seen := map[string]bool{}
	for i, node := range f.Rules {
		r, err := decodeRule(&node, i)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("%s: rule %q: name is used twice", path, r.Name)
		}
		seen[r.Name] = true
		replaced := false
		for j := range rules {
			if rules[j].Name == r.Name {
				rules[j], replaced = r, true
			}
		}
		if !replaced {
			rules = append(rules, r)
		}
	}
	if rules == nil {
		rules = []Rule{}
	}
	return rules, nil
}

// decodeRule reads the i-th rule of a file and checks it.
func decodeRule(node *yaml.Node, i int) (Rule, error) {
	label := fmt.Sprintf("rule %d", i+1)
	if node.Kind != yaml.MappingNode {
		return Rule{}, fmt.Errorf("%s: not a mapping of %s", label, strings.Join(ruleFields(), ", "))
	}
	for k := 0; k+1 < len(node.Content); k += 2 {
		if key := node.Content[k].Value; key == "name" {
			label = fmt.Sprintf("rule %q", node.Content[k+1].Value)
		}
	}
	for k := 0; k+1 < len(node.Content); k += 2 {
		key := node.Content[k].Value
		if !contains(ruleFields(), key) {
			return Rule{}, fmt.Errorf("%s: unknown field %q (fields: %s)", label, key, strings.Join(ruleFields(), ", "))
		}
		if v := node.Content[k+1]; key == "threshold" && (v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float")) {
			return Rule{}, fmt.Errorf("%s: threshold %q is not a number", label, v.Value)
		}
	}
	var raw rawRule
	if err := node.Decode(&raw); err != nil {
		return Rule{}, fmt.Errorf("%s: %w", label, err)
	}
	r := Rule{Name: raw.Name, Metric: raw.Metric, Aggregation: raw.Aggregation, Operator: raw.Operator,
		Window: DefaultWindow, Frequency: DefaultFrequency}
	if raw.Threshold == nil {
		return Rule{}, fmt.Errorf("%s: threshold is required", label)
	}
	r.Threshold = *raw.Threshold
	if raw.Window != "" {
		w, ok := parseDuration(raw.Window)
		if !ok {
			return Rule{}, fmt.Errorf("%s: window %q is not a duration like 5m or 1h (one of %s)", label, raw.Window, durationLabels(Windows()))
		}
		r.Window = w
	}
	if raw.Frequency != "" {
		f, ok := parseDuration(raw.Frequency)
		if !ok {
			return Rule{}, fmt.Errorf("%s: frequency %q is not a duration like 1m or 5m (one of %s)", label, raw.Frequency, durationLabels(Frequencies()))
		}
		r.Frequency = f
	}
	// Spellings are accepted in any case and written back as Azure Monitor spells them.
	if a, ok := canonical(aggregations(), r.Aggregation); ok {
		r.Aggregation = a
	}
	if o, ok := canonical(operators(), r.Operator); ok {
		r.Operator = o
	}
	if err := r.check(); err != nil {
		return Rule{}, fmt.Errorf("%s: %w", label, err)
	}
	return r, nil
}

// check reports the first field of the rule that cannot be evaluated.
func (r Rule) check() error {
	switch {
	case r.Name == "":
		return errors.New("name is required")
	case strings.TrimSpace(r.Metric) == "":
		return errors.New("metric is required")
	case !contains(aggregations(), r.Aggregation):
		return fmt.Errorf("aggregation %q is not one of %s", r.Aggregation, strings.Join(aggregations(), ", "))
	case !contains(operators(), r.Operator):
		return fmt.Errorf("operator %q is not one of %s", r.Operator, strings.Join(operators(), ", "))
	case !slices.Contains(Windows(), r.Window):
		return fmt.Errorf("window %s is not one Azure Monitor accepts (%s)", durationLabel(r.Window), durationLabels(Windows()))
	case !slices.Contains(Frequencies(), r.Frequency):
		return fmt.Errorf("frequency %s is not one Azure Monitor accepts (%s)", durationLabel(r.Frequency), durationLabels(Frequencies()))
	case r.Frequency > r.Window:
		return fmt.Errorf("frequency %s is longer than the window %s (Azure Monitor requires frequency ≤ window)", durationLabel(r.Frequency), durationLabel(r.Window))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func canonical(list []string, s string) (string, bool) {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return x, true
		}
	}
	return "", false
}
