package reports

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
	"github.com/duckdb/duckdb-go/v2"
	"golang.org/x/sync/errgroup"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// query returns the text of sql/<name>.sql.
func query(name string) (string, error) { return queryReading(name, nil) }

// queryReading returns the text of sql/<name>.sql, reading the tables of computed, by the name
// of the query that filled them, where it would embed that query.
func queryReading(name string, computed map[string]string) (string, error) {
	b, err := sqlFiles.ReadFile("sql/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("query %s: %w", name, err)
	}
	text := string(b)
	// A query built on another embeds it rather than repeat it: failure_reasons groups
	// failed_jobs; cluster_usage reads node_days, which integrates node_steps, and
	// cluster_names, which reads node_days too; trend reads node_days and trend_jobs, headline
	// trend_jobs; alerts reads alert_rows.
	for _, inner := range []string{"failed_jobs", "node_days", "node_steps", "cluster_names", "trend_jobs", "alert_rows"} {
		if name == inner || !strings.Contains(text, "/*"+inner+"*/") {
			continue
		}
		if table, ok := computed[inner]; ok {
			text = strings.Replace(text, "/*"+inner+"*/", "SELECT * FROM "+ident(table), 1)
			continue
		}
		sub, err := queryReading(inner, computed)
		if err != nil {
			return "", err
		}
		text = strings.Replace(text, "/*"+inner+"*/", sub, 1)
	}
	return text, nil
}

// result is a query's answer, values as the driver scans them into any.
type result struct {
	name  string   // the query, for errors
	cols  []string // column names
	kinds []string // column DuckDB types, as valueText takes them
	rows  [][]any
}

func (r result) col(name string) int {
	for i, c := range r.cols {
		if c == name {
			return i
		}
	}
	return -1
}

// missingColumn is what get panics with when the report reads a column that its query did not
// return: a mistake in the code, not in the data, which Daily.Write turns into its error
// rather than an empty cell.
type missingColumn struct {
	query, column string
}

func (m missingColumn) Error() string {
	return fmt.Sprintf("query %s returned no column %s", m.query, m.column)
}

// get returns the named column of row i, nil when there is no row i. A column the query did
// not return panics with missingColumn.
func (r result) get(i int, name string) any {
	c := r.col(name)
	if c < 0 {
		panic(missingColumn{query: r.name, column: name})
	}
	if i < len(r.rows) && c < len(r.rows[i]) {
		return r.rows[i][c]
	}
	return nil
}

// need panics with missingColumn unless the query returned every one of cols, so that a
// table of no rows checks its columns as well.
func (r result) need(cols ...string) {
	for _, c := range cols {
		if r.col(c) < 0 {
			panic(missingColumn{query: r.name, column: c})
		}
	}
}

// recoverMissingColumn turns a missingColumn panic into *err; any other panic goes on.
func recoverMissingColumn(err *error) {
	if p := recover(); p != nil {
		m, ok := p.(missingColumn)
		if !ok {
			panic(p)
		}
		*err = fmt.Errorf("write report: %w", m)
	}
}

// text is the value as the CSVs write it; runSQL has checked that every value has one.
func (r result) text(i int, name string) string {
	c := r.col(name)
	if c < 0 {
		panic(missingColumn{query: r.name, column: name})
	}
	kind := ""
	if c < len(r.kinds) {
		kind = r.kinds[c]
	}
	s, _ := valueText(r.get(i, name), kind)
	return s
}

func (r result) int(i int, name string) int64 {
	switch v := r.get(i, name).(type) {
	case int64:
		return v
	case int32:
		return int64(v)
	case float64:
		return int64(v)
	}
	return 0
}

func (r result) float(i int, name string) (float64, bool) {
	switch v := r.get(i, name).(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case duckdb.Decimal:
		if v.Value != nil {
			return v.Float64(), true
		}
	}
	return 0, false
}

// run runs the named query on conn.
func run(ctx context.Context, conn querier, name string, args ...any) (result, error) {
	text, err := query(name)
	if err != nil {
		return result{}, err
	}
	return runSQL(ctx, conn, name, text, args...)
}

func runSQL(ctx context.Context, conn querier, name, text string, args ...any) (result, error) {
	text, args = inlineDates(text, args)
	rows, err := conn.QueryContext(ctx, text, args...)
	if err != nil {
		return result{}, fmt.Errorf("query %s: %w", name, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return result{}, fmt.Errorf("query %s: %w", name, err)
	}
	res := result{name: name, cols: make([]string, len(types)), kinds: make([]string, len(types))}
	for i, t := range types {
		res.cols[i] = t.Name()
		res.kinds[i] = strings.ToUpper(t.DatabaseTypeName())
	}
	cols := res.cols
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return result{}, fmt.Errorf("query %s: %w", name, err)
		}
		// A value the report cannot write fails the report here, not as a blank field later.
		for i, v := range vals {
			if _, err := valueText(v, res.kinds[i]); err != nil {
				return result{}, fmt.Errorf("query %s: column %s: %w", name, cols[i], err)
			}
		}
		res.rows = append(res.rows, vals)
	}
	if err := rows.Err(); err != nil {
		return result{}, fmt.Errorf("query %s: %w", name, err)
	}
	return res, nil
}

// contractCSV is one CSV of docs/reports.md: its columns are a contract that other tools parse.
type contractCSV struct {
	name   string // the query, and the file without .csv
	header string
}

// contractCSVs lists the CSVs in the order the report presents them.
func contractCSVs() []contractCSV {
	return []contractCSV{
		{"failures_by_cluster", "resource_id,workspace,cluster,jobs_submitted,jobs_succeeded,jobs_failed,failure_rate"},
		{"failed_jobs", "time,resource_id,workspace,cluster,job_id,job_name,experiment_name,tool_type,error"},
		{"failure_reasons", "error,jobs,workspaces"},
		{"quota_usage", "resource_id,workspace,cluster,vm_size,vm_priority,events,quota_allocated,quota_utilized_max,utilization_pct_max,utilization_pct_avg,events_over_90"},
		{"node_churn", "resource_id,workspace,cluster,events,nodes_min,nodes_max,nodes_added,nodes_removed,preempted_max,unusable_max,nodes_allocated,boot_seconds_p50,boot_seconds_p95"},
		{"alerts", "rule,resource_id,workspace,metric,aggregation,operator,threshold,window,frequency,fired_at,resolved_at,evaluations,peak_value"},
		{"data_quality", "container,blob,bytes,records,rejected,first_error"},
		{"completeness", "container,resource_id,expected,missing_hours"},
		{"cluster_usage", "resource_id,workspace,cluster,vm_size,vm_priority,node_hours,idle_node_hours,idle_share,hourly_price,cost"},
		{"job_times", "resource_id,workspace,cluster,jobs_started,queue_seconds_p50,queue_seconds_p95,jobs_ended,run_seconds_p50,run_seconds_p95"},
	}
}

// day is everything the report of one day is made of.
type day struct {
	date         time.Time
	rules        []Rule // the alert rules evaluated
	csv          map[string]result
	headline     result
	trend        result
	nodeCounts   result
	rejects      result
	warnings     result
	unrecognised result
	nodeEvents   result // the resources with AmlComputeClusterNodeEvent rows for the day
	summary      Summary
}

// Write writes every file of the day's report: the CSVs of docs/reports.md, summary.json, report.md
// and its SVG charts. The files are written into a fresh folder beside <Out>/<Date> that then
// takes its place, so a reader never sees a half-written report.
func (d Daily) Write(ctx context.Context, db *DB) (_ Summary, err error) {
	defer recoverMissingColumn(&err)
	if d.Out == "" {
		return Summary{}, errors.New("write report: no output folder")
	}
	y, m, dd := d.Date.UTC().Date()
	date := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	rules := append([]Rule(nil), d.Rules...)
	if d.Rules == nil {
		rules = DefaultRules()
	}
	for i, r := range rules {
		if r.Window == 0 {
			rules[i].Window = DefaultWindow
			r.Window = DefaultWindow
		}
		if r.Frequency == 0 {
			rules[i].Frequency = DefaultFrequency
			r.Frequency = DefaultFrequency
		}
		if err := r.check(); err != nil {
			return Summary{}, fmt.Errorf("rule %q: %w", r.Name, err)
		}
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	dayData, err := d.collect(ctx, db, date, rules)
	if err != nil {
		return Summary{}, err
	}
	dayData.summary.Lake = db.lake
	dayData.summary.Version = d.Version
	dayData.summary.GeneratedAt = now().UTC()
	dayData.summary.Run = d.Run
	if dayData.summary.FailedBlobs, err = failedBlobs(db.lake, date); err != nil {
		return Summary{}, err
	}

	start := time.Now()
	files, err := render(dayData)
	if err != nil {
		return Summary{}, err
	}
	if err := replaceDir(filepath.Join(d.Out, date.Format(amlmon.DateLayout)), files); err != nil {
		return Summary{}, err
	}
	d.took("render and write", start)
	return dayData.summary, nil
}

// collect runs every query of the day, reportParallelism of them at once.
func (d Daily) collect(ctx context.Context, db *DB, date time.Time, rules []Rule) (*day, error) {
	arg := sql.Named("day", date.Format(amlmon.DateLayout))
	out := &day{date: date, rules: rules, csv: map[string]result{}}
	g, gctx := errgroup.WithContext(ctx)
	queries, _ := reportParallelism()
	g.SetLimit(queries)
	csvs := contractCSVs()
	csvResults := make([]result, len(csvs))
	prices, err := pricesParam(d.Prices)
	if err != nil {
		return nil, err
	}
	csvOf := func(name string) *result {
		return &csvResults[slices.IndexFunc(csvs, func(c contractCSV) bool { return c.name == name })]
	}
	// cluster_usage, trend and headline read tables (sharedQueries) computed beside the other
	// queries: cluster_usage as soon as node_days is there, the others once all are. The
	// queries start dearest first (on the 7-day bench lake), so that the report does not wait
	// at its end for a long one that started late.
	// Every contract CSV is filled here or after: one that is not has no columns, which the
	// check below reports.
	shared := newComputed(db, sharedQueries...)
	defer shared.drop()
	for _, q := range []struct {
		name string
		dst  *result
	}{
		{"node_days", csvOf("cluster_usage")}, {"job_times", csvOf("job_times")}, {"node_churn", csvOf("node_churn")},
		{"trend_jobs", nil}, {"node_counts", &out.nodeCounts},
		{"alerts", csvOf("alerts")}, {"quota_usage", csvOf("quota_usage")},
		{"failures_by_cluster", csvOf("failures_by_cluster")}, {"failed_jobs", csvOf("failed_jobs")},
		{"completeness", csvOf("completeness")}, {"data_quality", csvOf("data_quality")},
		{"node_event_resources", &out.nodeEvents}, {"warnings", &out.warnings},
		{"reject_reasons", &out.rejects}, {"unrecognised", &out.unrecognised},
	} {
		g.Go(func() (err error) {
			if q.name == "node_days" {
				return d.nodeDaysThenUsage(gctx, db, shared, date, q.dst, arg, sql.Named("prices", prices))
			}
			defer d.took(q.name, time.Now())
			switch q.name {
			case "trend_jobs":
				err = shared.compute(gctx, q.name, date)
			case "failed_jobs":
				*q.dst, *csvOf("failure_reasons"), err = failedJobs(gctx, db, date)
			case "alerts":
				*q.dst, err = evaluate(gctx, db, date, rules)
			case "node_counts":
				*q.dst, err = run(gctx, db, q.name, arg, sql.Named("series", maxSeries))
			default:
				*q.dst, err = run(gctx, db, q.name, arg)
			}
			return err
		})
	}
	count, err := query("table_rows")
	if err != nil {
		return nil, err
	}
	// One query counts every table's rows, each table's count its row of the same number.
	var counts result
	g.Go(func() (err error) {
		defer d.took("table_rows", time.Now())
		parts := make([]string, len(db.tables))
		for i, t := range db.tables {
			parts[i] = fmt.Sprintf("SELECT %d AS i, n FROM (%s)", i, strings.Replace(count, "/*table*/", ident(t), 1))
		}
		counts, err = runSQL(gctx, db, "table_rows", strings.Join(parts, "\nUNION ALL\n")+"\nORDER BY i", arg)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for name, dst := range map[string]*result{"trend": &out.trend, "headline": &out.headline} {
		start := time.Now()
		text, err := queryReading(name, shared.tables)
		if err != nil {
			return nil, err
		}
		if *dst, err = runSQL(ctx, db, name, text, arg); err != nil {
			return nil, err
		}
		d.took(name, start)
	}
	for i, c := range csvs {
		if got := strings.Join(csvResults[i].cols, ","); got != c.header {
			return nil, fmt.Errorf("query %s: columns %s, want %s", c.name, got, c.header)
		}
		out.csv[c.name] = csvResults[i]
	}
	rows := map[string]int64{}
	for i := range counts.rows {
		rows[db.tables[counts.int(i, "i")]] = counts.int(i, "n")
	}
	out.summary = summarise(out, rows)
	out.summary.Spend = spend(out)
	return out, nil
}

// failedJobs computes failed_jobs into a table, and returns its rows and those of
// failure_reasons, which groups them.
func failedJobs(ctx context.Context, db *DB, date time.Time) (jobs, reasons result, err error) {
	arg := sql.Named("day", date.Format(amlmon.DateLayout))
	failed := newComputed(db, "failed_jobs")
	defer failed.drop()
	if err := failed.compute(ctx, "failed_jobs", date); err != nil {
		return result{}, result{}, err
	}
	text, err := query("failed_jobs")
	if err != nil {
		return result{}, result{}, err
	}
	if jobs, err = runSQL(ctx, db, "failed_jobs", "SELECT * FROM "+ident(failed.tables["failed_jobs"])+" "+orderBy(text)); err != nil {
		return result{}, result{}, err
	}
	if text, err = queryReading("failure_reasons", failed.tables); err != nil {
		return result{}, result{}, err
	}
	reasons, err = runSQL(ctx, db, "failure_reasons", text, arg)
	return jobs, reasons, err
}

// nodeDaysThenUsage computes node_days into its table and then cluster_usage, which reads it,
// into *usage.
func (d Daily) nodeDaysThenUsage(ctx context.Context, db *DB, shared computed, date time.Time, usage *result, args ...any) error {
	start := time.Now()
	if err := shared.compute(ctx, "node_days", date); err != nil {
		return err
	}
	d.took("node_days", start)
	start = time.Now()
	text, err := queryReading("cluster_usage", shared.tables)
	if err != nil {
		return err
	}
	if *usage, err = runSQL(ctx, db, "cluster_usage", text, args...); err != nil {
		return err
	}
	d.took("cluster_usage", start)
	return nil
}

// took logs, at debug level, how long a query of the report took since start: what to look
// at first when a report is slow on a lake.
func (d Daily) took(name string, start time.Time) {
	if d.Log != nil {
		d.Log.Debug("report query", "query", name, "seconds", math.Round(time.Since(start).Seconds()*1000)/1000)
	}
}

// querier runs a query: a *DB, whose pool lets queries run side by side, or one connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// evaluate runs every rule over the day and returns their incidents in rule-name order. The
// rules were checked, so the window is a whole number of frequencies and the day of
// evaluations too.
func evaluate(ctx context.Context, db *DB, date time.Time, rules []Rule) (result, error) {
	arg := sql.Named("day", date.Format(amlmon.DateLayout))
	sorted := append([]Rule(nil), rules...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	found := make([]result, len(sorted))
	// The rows of the rules' metrics are read once, into a table that every rule reads.
	metrics := make([]string, len(sorted))
	for i, r := range sorted {
		metrics[i] = r.Metric
	}
	list, err := json.Marshal(metrics)
	if err != nil {
		return result{}, err
	}
	rows := newComputed(db, "alert_rows")
	defer rows.drop()
	if len(sorted) > 0 {
		if err := rows.compute(ctx, "alert_rows", date, sql.Named("metrics", string(list))); err != nil {
			return result{}, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, r := range sorted {
		g.Go(func() error {
			text, err := queryReading("alerts", rows.tables)
			if err != nil {
				return err
			}
			text = strings.Replace(text, "/*value*/", windowValue(r.Aggregation), 1)
			res, err := runSQL(gctx, db, "alerts", text, arg,
				sql.Named("rule", r.Name), sql.Named("metric", r.Metric),
				sql.Named("aggregation", r.Aggregation), sql.Named("operator", r.Operator),
				sql.Named("threshold", r.Threshold),
				sql.Named("window", durationLabel(r.Window)), sql.Named("frequency", durationLabel(r.Frequency)),
				sql.Named("window_us", r.Window.Microseconds()), sql.Named("frequency_us", r.Frequency.Microseconds()),
				sql.Named("span", int64(r.Window/r.Frequency)), sql.Named("evaluations", int64(24*time.Hour/r.Frequency)))
			if err != nil {
				return fmt.Errorf("rule %q: %w", r.Name, err)
			}
			found[i] = res
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return result{}, err
	}
	all := result{name: "alerts"}
	for _, res := range found {
		all.cols, all.kinds = res.cols, res.kinds
		all.rows = append(all.rows, res.rows...)
	}
	if all.cols == nil {
		for _, c := range contractCSVs() {
			if c.name == "alerts" {
				all.cols = strings.Split(c.header, ",")
				all.kinds = make([]string, len(all.cols))
			}
		}
	}
	return all, nil
}

// windowValue is the SQL of alerts.sql's window aggregate for an aggregation. Only the one
// the rule needs is computed: each is a pass over every evaluation of every resource.
func windowValue(aggregation string) string {
	switch aggregation {
	case "Average":
		return "sum(s.total) OVER w / NULLIF(sum(s.count) OVER w, 0)"
	case "Maximum":
		return "max(s.maximum) OVER w"
	case "Minimum":
		return "min(s.minimum) OVER w"
	case "Count":
		return "sum(s.count) OVER w"
	}
	return "sum(s.total) OVER w"
}

func summarise(d *day, rows map[string]int64) Summary {
	s := Summary{
		Date:          d.date.Format(amlmon.DateLayout),
		Rows:          rows,
		JobsSubmitted: d.headline.int(0, "jobs_submitted"),
		JobsSucceeded: d.headline.int(0, "jobs_succeeded"),
		JobsFailed:    d.headline.int(0, "jobs_failed"),
		AlertsFired:   int64(len(d.csv["alerts"].rows)),
		Unrecognised:  int64(len(d.unrecognised.rows)),
	}
	if done := s.JobsSucceeded + s.JobsFailed; done > 0 {
		rate := roundTo(float64(s.JobsFailed)/float64(done), 4)
		s.FailureRate = &rate
	}
	dq := d.csv["data_quality"]
	s.Blobs = int64(len(dq.rows))
	for i := range dq.rows {
		s.Rejected += dq.int(i, "rejected")
	}
	for i := range d.warnings.rows {
		s.Warnings += d.warnings.int(i, "warnings")
	}
	comp := d.csv["completeness"]
	for i := range comp.rows {
		s.MissingHours += int64(len(strings.Fields(comp.text(i, "missing_hours"))))
	}
	return s
}

// file is one file of a report folder.
type file struct {
	name string
	data []byte
}

// render encodes every file of the report.
func render(d *day) ([]file, error) {
	var files []file
	for _, c := range contractCSVs() {
		var buf bytes.Buffer
		enc := newCSVEncoder(&buf)
		res := d.csv[c.name]
		if err := enc.Encode(strings.Split(c.header, ",")); err != nil {
			return nil, fmt.Errorf("encode %s.csv: %w", c.name, err)
		}
		for _, row := range res.rows {
			fields := make([]string, len(row))
			for i, v := range row {
				f, err := valueText(v, res.kinds[i])
				if err != nil {
					return nil, fmt.Errorf("encode %s.csv: column %s: %w", c.name, res.cols[i], err)
				}
				fields[i] = f
			}
			if err := enc.Encode(fields); err != nil {
				return nil, fmt.Errorf("encode %s.csv: %w", c.name, err)
			}
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("encode %s.csv: %w", c.name, err)
		}
		files = append(files, file{c.name + ".csv", buf.Bytes()})
	}
	summary, err := json.MarshalIndent(d.summary, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode summary.json: %w", err)
	}
	files = append(files, file{"summary.json", append(summary, '\n')})
	charts := charts(d)
	files = append(files, charts...)
	md := markdown(d, charts)
	files = append(files, file{"report.md", md})
	page, err := reportHTML("amlmon daily report: "+d.date.Format(amlmon.DateLayout), md, charts)
	if err != nil {
		return nil, err
	}
	files = append(files, file{"report.html", page})
	return files, nil
}

// replaceDir writes files into a new folder beside dir and swaps it in. Two renames are not
// one atomic step, but at every instant dir is either the old report or the new one; a crash
// in between leaves the new report under its temporary name and the old one under .old.
func replaceDir(dir string, files []file) error {
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".new-")
	if err != nil {
		return fmt.Errorf("create report folder: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("create report folder: %w", err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(tmp, f.name), f.data, 0o644); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = filepath.Join(parent, "."+filepath.Base(dir)+".old-"+filepath.Base(tmp))
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("replace %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("replace %s: %w", dir, err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("remove previous report %s: %w", old, err)
		}
	}
	return nil
}

// roundTo rounds half away from zero to n decimals, as DuckDB's round does.
func roundTo(f float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(f*p) / p
}
