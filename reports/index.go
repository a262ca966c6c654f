package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// IndexPage renders index.html of a report site: one row per day, latest first, with its
// headline figures, from the summary.json of each published day. A summary that does not
// parse, or names no date, is an error: the site would otherwise lose a day without a word.
func IndexPage(summaries [][]byte) ([]byte, error) {
	days := make([]Summary, 0, len(summaries))
	for _, b := range summaries {
		var s Summary
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("read summary.json: %w", err)
		}
		if _, err := time.Parse(time.DateOnly, s.Date); err != nil {
			return nil, fmt.Errorf("summary.json: date %q is not a day", s.Date)
		}
		days = append(days, s)
	}
	slices.SortFunc(days, func(a, b Summary) int { return strings.Compare(b.Date, a.Date) })
	var b bytes.Buffer
	err := writePage(&b, "amlmon daily reports", func(b *bytes.Buffer) error {
		b.WriteString("<h1>amlmon daily reports</h1>\n")
		if len(days) == 0 {
			b.WriteString("<p>No day published yet.</p>\n")
			return nil
		}
		fmt.Fprintf(b, "<p>The latest day, %s: <a href=\"latest/report.html\">latest/report.html</a>. Times are UTC.</p>\n", html.EscapeString(days[0].Date))
		b.WriteString("<table>\n<thead><tr><th>day</th><th>jobs submitted</th><th>jobs failed</th><th>failure rate</th><th>alerts</th><th>rejected lines</th><th>missing hours</th><th>files</th></tr></thead>\n<tbody>\n")
		for _, s := range days {
			d := html.EscapeString(s.Date)
			rate := ""
			if s.FailureRate != nil {
				rate = percent(*s.FailureRate)
			}
			fmt.Fprintf(b, "<tr><td><a href=\"%s/report.html\">%s</a></td><td>%d</td><td>%d</td><td>%s</td><td>%d</td><td>%d</td><td>%d</td><td><a href=\"%s/report.md\">report.md</a> <a href=\"%s/summary.json\">summary.json</a></td></tr>\n",
				d, d, s.JobsSubmitted, s.JobsFailed, rate, s.AlertsFired, s.Rejected, s.MissingHours, d, d)
		}
		b.WriteString("</tbody>\n</table>\n")
		return nil
	})
	return b.Bytes(), err
}

// Incident is one row of a day's alerts.csv, as a message about the day tells it.
type Incident struct {
	Rule, ResourceID, Workspace string
	// FiredAt is when the incident opened, ResolvedAt when it resolved ("" while open).
	FiredAt, ResolvedAt string
	// Value is the incident's peak value, as alerts.csv writes it.
	Value string
}

// ReadIncidents reads the alert incidents of the report folder dir from its alerts.csv, by
// column name, so that a column added to the file changes nothing here.
func ReadIncidents(dir string) ([]Incident, error) {
	f, err := os.Open(filepath.Join(dir, "alerts.csv"))
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read alerts.csv: %w", err)
	}
	col := func(names ...string) int {
		for _, n := range names {
			if i := slices.Index(header, n); i >= 0 {
				return i
			}
		}
		return -1
	}
	rule, rid, ws := col("rule"), col("resource_id"), col("workspace")
	fired, resolved, value := col("fired_at", "window_start"), col("resolved_at"), col("peak_value", "value")
	get := func(rec []string, i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return rec[i]
	}
	var out []Incident
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read alerts.csv: %w", err)
		}
		out = append(out, Incident{Rule: get(rec, rule), ResourceID: get(rec, rid), Workspace: get(rec, ws),
			FiredAt: get(rec, fired), ResolvedAt: get(rec, resolved), Value: get(rec, value)})
	}
}
