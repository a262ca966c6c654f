package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/reports"
)

// runCommand is run's entry in the help and the dispatch.
func runCommand() command {
	return command{
		name:     "run",
		synopsis: "run --source SRC --lake DIR --out DIR [--date YYYY-MM-DD] [flags]",
		summary:  "the nightly job: sync the archive into the lake, then write the report for a day",
		about: `Syncs every blob that can hold records of day D (default: yesterday, UTC), late
ones included: the path hours [D-7 00:00, min(D+3 00:00, now+1h)). D-7 lets the
completeness and trend sections see the week; D+1 and D+2 catch late records. Then
writes the report for D to <out>/<D>/. Safe to run again and safe to run late; a
second run or sync on the same lake while one is working is refused.`,
		examples: `  # Nightly, from a storage account with the default Azure credential chain
  amlmon run --source az://mystorageacct --lake /data/lake --out /data/reports

  # A given day from a local copy of the archive, with "now" pinned
  amlmon run --source ./archive --lake ./lake --out ./reports \
      --date 2026-11-24 --now 2026-11-25T12:00:00Z

  # From Azurite or any account by connection string, exit 3 if an alert fired
  AZURE_STORAGE_CONNECTION_STRING='DefaultEndpointsProtocol=http;...' \
      amlmon run --lake ./lake --out ./reports --fail-on-alert`,
		options: func() subcommand { return &RunOptions{} },
	}
}

// RunOptions are the flags of `amlmon run`, the nightly job.
type RunOptions struct {
	Common CommonOptions
	Source SourceOptions
	Tuning TuningOptions
	Report ReportFlags
	Lake   string
	Date   time.Time
	// Deliver and PublishLake take the report and the lake to their readers.
	Deliver     DeliverOptions
	PublishLake string
}

// AddFlags registers the flags of run.
func (o *RunOptions) AddFlags(fs *pflag.FlagSet) {
	o.Source.AddFlags(fs)
	fs.StringVar(&o.Lake, "lake", "", "the lake directory (created if missing)")
	o.Report.AddFlags(fs)
	fs.Var(newDateValue(&o.Date), "date", "the report day, YYYY-MM-DD (default: yesterday, UTC)")
	o.Deliver.AddFlags(fs)
	addPublishLakeFlag(fs, &o.PublishLake)
	o.Tuning.AddFlags(fs)
	o.Common.AddFlags(fs)
}

// Run syncs the blobs that can hold records of the day, then writes its report.
func (o *RunOptions) Run(ctx context.Context, st *streams, _ []string) error {
	return o.run(ctx, st, writeReport)
}

// reportFunc writes the report of a day; writeReport is the one run uses.
type reportFunc func(ctx context.Context, lake string, d time.Time, o ReportFlags, rules []reports.Rule, now func() time.Time, status *reports.RunStatus, stdout io.Writer, log *slog.Logger) error

// run is Run with the report writer as a parameter, so that a test can watch the lake while
// its report is written.
func (o *RunOptions) run(ctx context.Context, st *streams, report reportFunc) error {
	if o.Lake == "" {
		return usagef("no lake given; type --lake DIR (the folder the Parquet files go to)")
	}
	if err := o.Report.check(); err != nil {
		return err
	}
	if err := o.Tuning.check(); err != nil {
		return err
	}
	if err := o.Deliver.check(st); err != nil {
		return err
	}
	if o.PublishLake != "" {
		if err := checkDest(st, "--publish-lake", o.PublishLake); err != nil {
			return err
		}
	}
	now := o.Common.clock()
	d, err := reportDay(o.Date, now())
	if err != nil {
		return err
	}
	log := o.Common.logger(st)
	rules, err := o.Report.rules()
	if err != nil {
		return err
	}
	// A bad price file stops the run before the sync rather than after it.
	if _, err := o.Report.prices(); err != nil {
		return err
	}
	w := o.Source.window(runWindow(d, now()))
	log.Info("run", "date", d.Format(time.DateOnly), "lake", o.Lake, "out", o.Report.Out)
	j := syncJob{lake: o.Lake, source: o.Source, tuning: o.Tuning, window: w, now: now, log: log, st: st,
		summary: o.Common.summaryOut(st)}
	status, release, err := j.do(ctx)
	if err != nil {
		return err
	}
	// The lock covers the report too: a second run would otherwise sync under it, or replace
	// the same report directory at the same time (docs/command.md: never twice at once on one lake).
	defer release()
	var lakeErr error
	if o.PublishLake != "" {
		lakeErr = publishLake(ctx, st, log, o.Common.summaryOut(st), o.PublishLake, o.Lake, o.Tuning.Parallel, o.Deliver.RetryDelay)
	}
	err = report(ctx, o.Lake, d, o.Report, rules, now, status, o.Common.summaryOut(st), log)
	err = o.Deliver.deliver(ctx, st, log, o.Common.summaryOut(st), o.Report.Out, d, err)
	if err == nil || errors.Is(err, errAlertsFired) {
		// Failed blobs outrank fired alerts: the report may be short of their rows.
		if ferr := failedError(status); ferr != nil {
			err = ferr
		}
	}
	return errors.Join(lakeErr, err)
}

// ReportFlags are the flags that shape a report: where it goes, the rules, the exit status.
type ReportFlags struct {
	Out         string
	Rules       string
	Prices      string
	FailOnAlert bool
}

// AddFlags registers --out, --rules and --fail-on-alert.
func (o *ReportFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Out, "out", "", "the reports directory; the day's files go to <out>/<YYYY-MM-DD>/")
	fs.StringVar(&o.Rules, "rules", "", "a YAML or JSON file of alert rules (default: the rules Microsoft recommends for Azure ML)")
	fs.StringVar(&o.Prices, "prices", "", "a CSV file of VM prices (vm_size,vm_priority,hourly_price; amlmon prices writes one) for the cost of node-hours")
	fs.BoolVar(&o.FailOnAlert, "fail-on-alert", false, "exit with status 3 when an alert rule fired")
}

func (o *ReportFlags) check() error {
	if o.Out == "" {
		return usagef("no reports directory given; type --out DIR (the day's report goes to DIR/<date>/)")
	}
	return nil
}

// rules loads the --rules file; nil means the default rules.
func (o *ReportFlags) rules() ([]reports.Rule, error) {
	if o.Rules == "" {
		return nil, nil
	}
	rules, err := reports.LoadRules(o.Rules)
	if err != nil {
		return nil, fmt.Errorf("load alert rules: %w", err) // the error names the file
	}
	return rules, nil
}

// prices loads the --prices file; nil means no costs.
func (o *ReportFlags) prices() ([]reports.Price, error) {
	if o.Prices == "" {
		return nil, nil
	}
	prices, err := reports.LoadPrices(o.Prices)
	if err != nil {
		return nil, fmt.Errorf("load prices: %w (amlmon prices --region REGION --out FILE writes a price file)", err)
	}
	return prices, nil
}

// writeReport writes the report of day d from the lake and prints where it is.
func writeReport(ctx context.Context, lake string, d time.Time, o ReportFlags, rules []reports.Rule, now func() time.Time, status *reports.RunStatus, stdout io.Writer, log *slog.Logger) error {
	prices, err := o.prices()
	if err != nil {
		return err
	}
	start := time.Now()
	db, err := reports.Open(ctx, lake, reports.ReportDays(d))
	if err != nil {
		return fmt.Errorf("open lake %s for the report: %w", lake, err)
	}
	// An in-memory DuckDB has nothing to save: closing it only frees its memory, which takes
	// a tenth of a second after the report of a busy week. Nothing waits for that.
	defer func() { go db.Close() }()
	log.Debug("lake opened for the report", "seconds", math.Round(time.Since(start).Seconds()*1000)/1000)
	sum, err := reports.Daily{
		Date:    d,
		Out:     o.Out,
		Rules:   rules,
		Prices:  prices,
		Version: buildVersion().Version,
		Now:     now,
		Run:     status,
		Log:     log,
	}.Write(ctx, db)
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("write the report of %s to %s: %w", d.Format(time.DateOnly), o.Out, err))
	}
	dir := filepath.Join(o.Out, d.Format(time.DateOnly))
	log.Info("report written", "date", sum.Date, "dir", dir, "jobs_submitted", sum.JobsSubmitted,
		"jobs_failed", sum.JobsFailed, "alerts_fired", sum.AlertsFired, "rejected", sum.Rejected,
		"missing_hours", sum.MissingHours)
	fmt.Fprintf(stdout, "Report:   %s\n", filepath.Join(dir, "report.md"))
	fmt.Fprintf(stdout, "Day:      %s: %d jobs submitted, %d failed, %d alerts fired, %d lines rejected, %d hours missing\n",
		d.Format(time.DateOnly), sum.JobsSubmitted, sum.JobsFailed, sum.AlertsFired, sum.Rejected, sum.MissingHours)
	if o.FailOnAlert && sum.AlertsFired > 0 {
		return &alertsFiredError{fired: sum.AlertsFired, day: d.Format(time.DateOnly)}
	}
	return nil
}

// reportCommand is report's entry in the help and the dispatch.
func reportCommand() command {
	return command{
		name:     "report",
		synopsis: "report --lake DIR --out DIR [--date YYYY-MM-DD] [flags]",
		summary:  "write the daily report from the lake alone (offline)",
		about: `Writes report.md, the CSV files and summary.json for day D (default: yesterday,
UTC) into <out>/<D>/, reading only the lake.`,
		examples: `  amlmon report --lake ./lake --out ./reports --date 2026-11-24

  # With your own alert rules, exit 3 if any fired
  amlmon report --lake ./lake --out ./reports --date 2026-11-24 \
      --rules rules.yaml --fail-on-alert`,
		options: func() subcommand { return &ReportOptions{} },
	}
}

// ReportOptions are the flags of `amlmon report`.
type ReportOptions struct {
	Common  CommonOptions
	Report  ReportFlags
	Lake    string
	Date    time.Time
	Deliver DeliverOptions
}

// AddFlags registers the flags of report.
func (o *ReportOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Lake, "lake", "", "the lake directory")
	o.Report.AddFlags(fs)
	fs.Var(newDateValue(&o.Date), "date", "the report day, YYYY-MM-DD (default: yesterday, UTC)")
	o.Deliver.AddFlags(fs)
	o.Common.AddFlags(fs)
}

// Run writes the report of the day from the lake alone.
func (o *ReportOptions) Run(ctx context.Context, st *streams, _ []string) error {
	if o.Lake == "" {
		return usagef("no lake given; type --lake DIR (the folder that sync filled)")
	}
	if err := o.Report.check(); err != nil {
		return err
	}
	if err := o.Deliver.check(st); err != nil {
		return err
	}
	now := o.Common.clock()
	d, err := reportDay(o.Date, now())
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.Lake); err != nil {
		return fmt.Errorf("open lake %s: %w (fill it first with amlmon sync or run)", o.Lake, err)
	}
	log := o.Common.logger(st)
	rules, err := o.Report.rules()
	if err != nil {
		return err
	}
	err = writeReport(ctx, o.Lake, d, o.Report, rules, now, nil, o.Common.summaryOut(st), log)
	return o.Deliver.deliver(ctx, st, log, o.Common.summaryOut(st), o.Report.Out, d, err)
}
