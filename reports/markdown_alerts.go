package reports

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
)

// alertsHeadline is the headline's alert figure: how many incidents fired and of which rules,
// or that none did.
func alertsHeadline(d *day) string {
	alerts := d.csv["alerts"]
	switch {
	case len(alerts.rows) > 0:
		return fmt.Sprintf("%s fired%s.", plural(int64(len(alerts.rows)), "incident"), firedRules(alerts))
	case len(d.rules) == 0:
		return "no alert rules (turned off by the rules file)."
	}
	return fmt.Sprintf("none fired (%s evaluated).", plural(int64(len(d.rules)), "rule"))
}

// alerts writes the Alerts section: every incident with how long it lasted, or which rules
// were evaluated when none fired.
func (m *mdDoc) alerts(d *day) {
	alerts := d.csv["alerts"]
	if len(alerts.rows) == 0 {
		if len(d.rules) == 0 {
			m.p("No alert rules: the rules file turns alerting off.")
			return
		}
		var names []string
		for _, r := range d.rules {
			names = append(names, fmt.Sprintf("%s (%s %s %s %s over %s, every %s)", r.Name, r.Aggregation,
				r.Metric, operatorSign(r.Operator), floatText(r.Threshold, 64), durationLabel(r.Window), durationLabel(r.Frequency)))
		}
		m.p("No alert fired on %s. Rules evaluated: %s.", d.date.Format(amlmon.DateLayout), mdInline(strings.Join(names, "; ")))
		return
	}
	m.p("Each rule is evaluated per resource the way Azure Monitor evaluates a metric alert: every " +
		"*frequency*, over the *window* before it. An incident fires at the first met evaluation and " +
		"resolves at the third consecutive unmet one; *evaluations* counts the met ones, and *peak* is " +
		"the furthest value past the threshold.")
	shown := result{cols: []string{"rule", "workspace", "condition", "fired_at", "resolved_at", "duration", "evaluations", "peak_value"}}
	for i := range alerts.rows {
		condition := fmt.Sprintf("%s %s %s %s (%s window, every %s)", alerts.text(i, "aggregation"), alerts.text(i, "metric"),
			operatorSign(alerts.text(i, "operator")), alerts.text(i, "threshold"), alerts.text(i, "window"), alerts.text(i, "frequency"))
		shown.rows = append(shown.rows, []any{alerts.get(i, "rule"), alerts.get(i, "workspace"), condition,
			alerts.get(i, "fired_at"), alerts.get(i, "resolved_at"), incidentDuration(alerts, i),
			alerts.get(i, "evaluations"), alerts.get(i, "peak_value")})
	}
	m.table(shown, shown.cols, "alerts.csv")
}

// incidentDuration says how long incident i of alerts.csv lasted, fired to resolved.
func incidentDuration(alerts result, i int) string {
	fired, ok1 := alerts.get(i, "fired_at").(time.Time)
	resolved, ok2 := alerts.get(i, "resolved_at").(time.Time)
	if !ok1 || !ok2 {
		return "still open at end of day"
	}
	d := resolved.Sub(fired).Round(time.Second)
	h, min, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case sec != 0:
		return d.String()
	case h == 0:
		return fmt.Sprintf("%d min", min)
	case min == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, min)
}

// operatorSign writes an Azure Monitor operator as its comparison sign.
func operatorSign(op string) string {
	switch op {
	case "GreaterThan":
		return ">"
	case "GreaterThanOrEqual":
		return "≥"
	case "LessThan":
		return "<"
	case "LessThanOrEqual":
		return "≤"
	}
	return op
}

// nodeEventsNote explains the empty node-event columns of node churn where
// AmlComputeClusterNodeEvent has no rows, which Microsoft deprecated in February 2022: for the
// whole day, or for the workspaces of the section that log none; "" when every one does.
func nodeEventsNote(d *day) string {
	const why = "Microsoft deprecated that table in February 2022, so current accounts no longer write it, and "
	const columns = "`nodes_allocated`, `boot_seconds_p50` and `boot_seconds_p95`"
	if len(d.nodeEvents.rows) == 0 {
		return "AmlComputeClusterNodeEvent has no rows for this day: " + why + columns +
			" are empty for that reason. Every other figure comes from AmlComputeClusterEvent."
	}
	logged := map[string]bool{}
	for i := range d.nodeEvents.rows {
		logged[d.nodeEvents.text(i, "resource_id")] = true
	}
	churn := d.csv["node_churn"]
	var silent []string
	for i := range churn.rows {
		if id, ws := churn.text(i, "resource_id"), churn.text(i, "workspace"); !logged[id] && !slices.Contains(silent, ws) {
			silent = append(silent, ws)
		}
	}
	if len(silent) == 0 {
		return ""
	}
	whose := "their"
	if len(silent) == 1 {
		whose = "its"
	}
	return mdInline(strings.Join(silent, ", ")) + " logged no AmlComputeClusterNodeEvent rows for this day: " + why +
		whose + " clusters' " + columns + " are empty for that reason. Every other figure comes from AmlComputeClusterEvent."
}
