package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
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

// DefaultWindow is the alert window when a rule names none.
const DefaultWindow = time.Hour

// DefaultRules returns the alert rules Microsoft recommends for Azure Machine Learning (docs/rules.md).
func DefaultRules() []Rule {
	return []Rule{
		{Name: "model_deploy_failed", Metric: "Model Deploy Failed", Aggregation: "Total", Operator: "GreaterThan", Threshold: 0, Window: DefaultWindow},
		{Name: "quota_utilization", Metric: "Quota Utilization Percentage", Aggregation: "Average", Operator: "GreaterThan", Threshold: 90, Window: DefaultWindow},
		{Name: "unusable_nodes", Metric: "Unusable Nodes", Aggregation: "Total", Operator: "GreaterThan", Threshold: 0, Window: DefaultWindow},
	}
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
	return []string{"name", "metric", "aggregation", "operator", "threshold", "window"}
}

// rawRule keeps optional fields as pointers so that a missing field can be told from a zero.
type rawRule struct {
	Name        string   `yaml:"name"`
	Metric      string   `yaml:"metric"`
	Aggregation string   `yaml:"aggregation"`
	Operator    string   `yaml:"operator"`
	Threshold   *float64 `yaml:"threshold"`
	Window      string   `yaml:"window"`
}

// LoadRules reads alert rules from a YAML or JSON file (JSON is read as YAML, of which it is a
// subset):
//
//	extends_defaults: true        # keep DefaultRules; a rule of the same name replaces one
//	rules:
//	  - name: gpu_hot
//	    metric: GPU Utilization   # AzureMetrics MetricName, matched case-insensitively
//	    aggregation: Average      # Total | Average | Maximum | Minimum | Count
//	    operator: GreaterThan     # GreaterThan | GreaterThanOrEqual | LessThan | LessThanOrEqual
//	    threshold: 95
//	    window: 30m               # Go duration dividing the day; default 1h
//
// Every error names the file, the rule and the field.
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
		return Rule{}, fmt.Errorf("%s: not a mapping of name, metric, aggregation, operator, threshold, window", label)
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
	r := Rule{Name: raw.Name, Metric: raw.Metric, Aggregation: raw.Aggregation, Operator: raw.Operator, Window: DefaultWindow}
	if raw.Threshold == nil {
		return Rule{}, fmt.Errorf("%s: threshold is required", label)
	}
	r.Threshold = *raw.Threshold
	if raw.Window != "" {
		w, err := time.ParseDuration(raw.Window)
		if err != nil {
			return Rule{}, fmt.Errorf("%s: window %q is not a duration like 1h or 30m", label, raw.Window)
		}
		r.Window = w
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
	case r.Window <= 0 || (24*time.Hour)%r.Window != 0 || r.Window%time.Microsecond != 0:
		// Windows are aligned to midnight, so only a window that divides the day gives a
		// day of whole windows.
		return fmt.Errorf("window %s does not divide the day (try 1h, 30m, 15m)", r.Window)
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
