package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
)

// topRows is how many rows a section of report.md shows; the CSV beside it has them all.
const topRows = 10

// mdDoc builds report.md. Every value from the archive goes through mdCell or mdInline.
type mdDoc struct{ b strings.Builder }

func (m *mdDoc) p(format string, args ...any) {
	fmt.Fprintf(&m.b, format, args...)
	m.b.WriteString("\n\n")
}

// table writes the first topRows rows of res, columns cols, and a link to the full CSV.
func (m *mdDoc) table(res result, cols []string, csvName string) {
	res.need(cols...)
	if len(res.rows) == 0 {
		m.p("None.")
		return
	}
	m.b.WriteString("|")
	for _, c := range cols {
		m.b.WriteString(" " + mdCell(c) + " |")
	}
	m.b.WriteString("\n|")
	for range cols {
		m.b.WriteString("---|")
	}
	m.b.WriteString("\n")
	for i := range res.rows {
		if i == topRows {
			break
		}
		m.b.WriteString("|")
		for _, c := range cols {
			var cell string
			switch v := res.text(i, c); c {
			case "blob":
				cell = blobCell(v)
			case "resource_id":
				// Resource IDs share their start and differ in the name at their end.
				cell = mdCell(cutMiddle(v))
			default:
				cell = mdCell(v)
			}
			m.b.WriteString(" " + cell + " |")
		}
		m.b.WriteString("\n")
	}
	m.b.WriteString("\n")
	if csvName != "" {
		shown := ""
		if len(res.rows) > topRows {
			shown = fmt.Sprintf(", top %d shown", topRows)
		}
		m.p("All %s%s: [%s](%s).", plural(int64(len(res.rows)), "row"), shown, csvName, csvName)
	}
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}

func percent(f float64) string { return floatText(roundTo(f*100, 2), 64) + " %" }

// markdown writes report.md: the headline first, then one section per topic.
func markdown(d *day, charts []file) []byte {
	var m mdDoc
	s := d.summary
	date := d.date.Format(amlmon.DateLayout)
	has := map[string]bool{}
	for _, f := range charts {
		has[f.name] = true
	}
	m.p("# amlmon daily report: %s", date)
	m.p("Times are UTC; the day is %s 00:00 to 24:00. Machine-readable figures: [summary.json](summary.json).", date)

	var rows int64
	for _, n := range s.Rows {
		rows += n
	}
	if rows == 0 && s.Blobs == 0 {
		m.p("**No data for %s in the lake**: no table has rows for the day and no archive blob is dated that day. "+
			"Check that the archive was synced for this day (`amlmon sync --date %s`).", date, date)
	}

	m.p("## Headline")
	rate := "no job finished"
	if s.FailureRate != nil {
		rate = "failure rate " + percent(*s.FailureRate)
	}
	m.b.WriteString(fmt.Sprintf("- **Jobs**: %d submitted, %d succeeded, %d failed (%s).\n", s.JobsSubmitted, s.JobsSucceeded, s.JobsFailed, rate))
	m.b.WriteString("- **Alerts**: " + alertsHeadline(d) + "\n")
	quota := d.csv["quota_usage"]
	if len(quota.rows) > 0 {
		m.b.WriteString(fmt.Sprintf("- **Worst quota utilisation**: %s %% on %s.\n", quota.text(0, "utilization_pct_max"), mdInline(clusterLabel(quota, 0, true))))
	} else {
		m.b.WriteString("- **Worst quota utilisation**: no quota figures for the day.\n")
	}
	m.b.WriteString(spendHeadline(s.Spend))
	m.b.WriteString(failedHeadline(s))
	m.b.WriteString(fmt.Sprintf("- **Data**: %s, %s, %s, %s, %s.\n\n",
		plural(s.Blobs, "blob"), plural(s.Rejected, "rejected line"), plural(s.Warnings, "coercion warning"),
		plural(s.MissingHours, "missing hour"), plural(s.Unrecognised, "unrecognised blob")))

	m.p("## Job failures")
	if has["failures_by_hour.svg"] {
		m.p("![Failed jobs per hour of the day](failures_by_hour.svg)")
	}
	m.p("### By cluster")
	m.table(d.csv["failures_by_cluster"], []string{"workspace", "cluster", "jobs_submitted", "jobs_succeeded", "jobs_failed", "failure_rate"}, "failures_by_cluster.csv")
	m.p("### Failed jobs")
	m.table(d.csv["failed_jobs"], []string{"time", "workspace", "cluster", "job_name", "experiment_name", "error"}, "failed_jobs.csv")
	m.p("### Failure reasons")
	m.table(d.csv["failure_reasons"], []string{"error", "jobs", "workspaces"}, "failure_reasons.csv")

	if len(d.trend.rows) > 1 {
		m.p("## Seven-day trend")
		m.b.WriteString("| day | jobs submitted | jobs failed | failure rate | node-hours | idle share |\n|---|---|---|---|---|---|\n")
		for i := range d.trend.rows {
			ok, failed := d.trend.int(i, "jobs_succeeded"), d.trend.int(i, "jobs_failed")
			r := ""
			if ok+failed > 0 {
				r = percent(roundTo(float64(failed)/float64(ok+failed), 4))
			}
			idle := ""
			if f, ok := d.trend.float(i, "idle_share"); ok {
				idle = percent(f)
			}
			day, _ := d.trend.get(i, "day").(time.Time)
			m.b.WriteString(fmt.Sprintf("| %s | %d | %d | %s | %s | %s |\n", day.Format(amlmon.DateLayout), d.trend.int(i, "jobs_submitted"), failed,
				mdCell(r), mdCell(d.trend.text(i, "node_hours")), mdCell(idle)))
		}
		m.b.WriteString("\n")
	}

	m.p("## Quota usage")
	if has["quota_by_cluster.svg"] {
		m.p("![Peak quota utilisation by cluster](quota_by_cluster.svg)")
	}
	m.table(quota, []string{"workspace", "cluster", "vm_size", "vm_priority", "events", "quota_allocated", "utilization_pct_max", "utilization_pct_avg", "events_over_90"}, "quota_usage.csv")

	m.p("## Node churn")
	if has["nodes_over_day.svg"] {
		m.p("![Nodes per cluster over the day](nodes_over_day.svg)")
	}
	if note := nodeEventsNote(d); note != "" {
		m.p("%s", note)
	}
	m.table(d.csv["node_churn"], []string{"workspace", "cluster", "events", "nodes_min", "nodes_max", "nodes_added", "nodes_removed", "preempted_max", "unusable_max", "nodes_allocated", "boot_seconds_p50", "boot_seconds_p95"}, "node_churn.csv")

	spendSection(&m, d, has["node_hours_by_cluster.svg"])
	waitSection(&m, d)

	m.p("## Alerts")
	m.alerts(d)

	m.p("## Data quality")
	m.p("%s dated %s read into the lake: %s, %s (values that could not be coerced to their column type, kept as NULL). "+
		"Per blob: [data_quality.csv](data_quality.csv).",
		plural(s.Blobs, "archive blob"), date, plural(s.Rejected, "rejected line"), plural(s.Warnings, "coercion warning"))
	m.p("### Rejected lines by reason")
	m.table(d.rejects, []string{"reason", "lines"}, "")
	m.p("### Coercion warnings")
	m.table(d.warnings, []string{"container", "blob", "warnings"}, "")
	m.p("### Missing hours")
	m.p("Only streams that were regular over the week before are checked: an `hourly` stream (a blob in " +
		"every hour) with hours of the day without a blob, and a `daily` stream (a blob every day) silent " +
		"all day. Event-driven categories write no blob in an hour without events, and idle metrics back off.")
	m.table(d.csv["completeness"], []string{"container", "resource_id", "expected", "missing_hours"}, "completeness.csv")
	m.p("### Unrecognised blobs")
	m.table(d.unrecognised, []string{"container", "blob", "reason"}, "")
	if len(s.FailedBlobs) > 0 || (s.Run != nil && len(s.Run.FailedBlobs) > 0) {
		m.p("### Failed blobs")
		m.p("Blobs that could not be read: their rows are missing from this report until the next run reads them again.")
		m.table(failedResult(allFailed(s)), []string{"container", "blob", "reason"}, "")
	}
	return []byte(strings.TrimRight(m.b.String(), "\n") + "\n")
}

// firedRules names the rules that fired and how often, in rule order: " (rule ×2, other ×1)".
func firedRules(alerts result) string {
	var parts []string
	for i := 0; i < len(alerts.rows); {
		name := alerts.text(i, "rule")
		n := 0
		for ; i < len(alerts.rows) && alerts.text(i, "rule") == name; i++ {
			n++
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", mdInline(name), n))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// blobCell shows a blob name in a table of report.md. Archive blob names share a long
// resource path and differ at their end, so an archive blob is named by its resource and
// path hour ("WS1 2026-11-25 13:00"; the full name is in data_quality.csv), and any other
// long name is cut in the middle rather than at the end.
func blobCell(name string) string {
	if label, ok := blobLabel(name); ok {
		return mdCell(label)
	}
	return mdCell(cutMiddle(name))
}

// cutMiddle shortens s to maxCell characters by replacing its middle with "…".
func cutMiddle(s string) string {
	r := []rune(s)
	if len(r) <= maxCell {
		return s
	}
	keep := (maxCell - 1) / 2
	return string(r[:keep]) + "…" + string(r[len(r)-(maxCell-1-keep):])
}

// blobLabel names an archive blob (resourceId=/SUBSCRIPTIONS/…/PROVIDERS/<ns>/<type>/<name>
// [/<type>/<name>…]/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json) by its resource names and path hour.
func blobLabel(name string) (string, bool) {
	upper := strings.ToUpper(name)
	at := strings.LastIndex(upper, "/Y=")
	if !strings.HasPrefix(upper, "RESOURCEID=/") || at < 0 {
		return "", false
	}
	var y, mo, d, h, mi int
	var file string
	if n, err := fmt.Sscanf(upper[at:], "/Y=%4d/M=%2d/D=%2d/H=%2d/M=%2d/%s", &y, &mo, &d, &h, &mi, &file); err != nil || n != 6 {
		return "", false
	}
	resource := strings.Split(strings.Trim(name[len("resourceId="):at], "/"), "/")
	var names []string
	for i := 0; i+1 < len(resource); i += 2 {
		if strings.EqualFold(resource[i], "providers") {
			// <namespace>/<type>/<name>/<type>/<name>…: the names are every other segment.
			for j := i + 3; j < len(resource); j += 2 {
				names = append(names, resource[j])
			}
			break
		}
	}
	if len(names) == 0 {
		names = resource[len(resource)-1:]
	}
	return fmt.Sprintf("%s %04d-%02d-%02d %02d:00", strings.Join(names, "/"), y, mo, d, h), true
}
