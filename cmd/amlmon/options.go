package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/reports"
)

// CommonOptions are the flags of every subcommand that does work: logging and the clock.
type CommonOptions struct {
	LogFormat string
	LogLevel  string
	// Now pins "now" (for tests and old archives); zero means the wall clock.
	Now time.Time
}

// AddFlags registers --log-format, --log-level and --now.
func (o *CommonOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Var(newChoice(&o.LogFormat, "text", "text", "json"), "log-format", "log format on stderr: text, or json (one object a line; the summaries for people are left out)")
	fs.Var(newChoice(&o.LogLevel, "info", "debug", "info", "warn", "error"), "log-level", "least severe log level shown: debug, info, warn or error")
	fs.Var(timeValue{&o.Now}, "now", `pin "now" to this RFC 3339 time (for tests and old archives)`)
}

// logger builds the slog logger the options ask for, writing to st.stderr. A JSON logger is
// also kept in st, for the error that ends the command.
func (o *CommonOptions) logger(st *streams) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(o.LogLevel))
	ho := &slog.HandlerOptions{Level: level}
	if o.jsonLog() {
		log := slog.New(slog.NewJSONHandler(st.stderr, ho))
		st.jsonLog = log
		return log
	}
	return slog.New(slog.NewTextHandler(st.stderr, ho))
}

// summaryOut is where the summaries for people go: stdout, or nowhere when logs are JSON.
func (o *CommonOptions) summaryOut(st *streams) io.Writer {
	if o.jsonLog() {
		return io.Discard
	}
	return st.stdout
}

// jsonLog reports whether logs are JSON. The summaries for people are then left out, so that
// every line the command writes is a JSON object; their figures are in the log records.
func (o *CommonOptions) jsonLog() bool { return o.LogFormat == "json" }

// clock returns the function that tells the time: the pinned --now, or the wall clock.
func (o *CommonOptions) clock() func() time.Time {
	if !o.Now.IsZero() {
		pinned := o.Now
		return func() time.Time { return pinned }
	}
	return func() time.Time { return time.Now().UTC() }
}

// SourceOptions say where the archive is and which part of it to read.
type SourceOptions struct {
	Source     string
	Workspaces []string
	Categories []string
	Inflate    InflateOptions
	// TryTimeout bounds one try of a call to a storage account (see archive.AzureOptions.Timeout).
	TryTimeout time.Duration
	// Retries is how often a failed call to a storage account is tried again.
	Retries int
}

// AddFlags registers --source, --workspace and --category.
func (o *SourceOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Source, "source", "", "the archive: a local directory, https://<account>.blob.core.windows.net, az://<account>, or a connection string (default $AZURE_STORAGE_CONNECTION_STRING, else az://$AZURE_STORAGE_ACCOUNT)")
	fs.StringSliceVar(&o.Workspaces, "workspace", nil, "only these workspaces: names or resource-ID prefixes (repeatable, or comma-separated)")
	fs.StringSliceVar(&o.Categories, "category", nil, `only these log categories, e.g. AmlComputeJobEvent, or "metrics" (repeatable, or comma-separated)`)
	o.Inflate.AddFlags(fs)
	fs.IntVar(&o.Retries, "retries", archive.DefaultRetries, "how often a throttled or failed call to a storage account is tried again, waiting as its Retry-After asks or longer each time (0: never)")
	fs.DurationVar(&o.TryTimeout, "try-timeout", 0, "a call to a storage account that gets no answer, or a download that receives no byte, for this long is abandoned and tried again (default 1m)")
}

// open opens the archive, reading the Azure credentials from the environment. It also returns
// the source's name with any secret removed, for logs.
func (o *SourceOptions) open(st *streams, log *slog.Logger) (archive.Source, string, error) {
	opts := azureOptions(st, log, 0)
	opts.Inflate = o.Inflate.limit()
	opts.Timeout = o.TryTimeout
	opts.Retry = policy.RetryOptions{MaxRetries: retries(o.Retries)}
	src := archive.ResolveSource(o.Source, opts)
	if src == "" {
		return nil, "", usagef("no archive given; type --source DIR, --source az://<account>, or set AZURE_STORAGE_CONNECTION_STRING")
	}
	name := archive.SourceName(src)
	s, err := archive.OpenSource(src, opts)
	if err != nil {
		if !archive.IsAzureSource(src) {
			return nil, name, fmt.Errorf("open archive %s: %w (--source is a local directory, or az://<account> for a storage account)", name, err)
		}
		return nil, name, fmt.Errorf("open archive %s: %w", name, err)
	}
	return s, name, nil
}

// retries is --retries as the Azure SDK counts: 0 there takes its default, -1 means none.
func retries(n int) int32 {
	if n <= 0 {
		return -1
	}
	return int32(min(n, 1000))
}

// window narrows w to the workspaces and categories asked for.
func (o *SourceOptions) window(w archive.Window) archive.Window {
	w.Resources = o.Workspaces
	w.Containers = o.Categories
	return w
}

// TuningOptions bound the work of a sync.
type TuningOptions struct {
	Parallel  int
	BatchRows int
	Settle    time.Duration
	Progress  string
}

// AddFlags registers --parallel, --batch-rows, --settle and --progress.
func (o *TuningOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&o.Parallel, "parallel", 0, "blobs converted at once (default: the number of CPUs)")
	fs.IntVar(&o.BatchRows, "batch-rows", 0, "rows per Arrow batch (default 8192)")
	fs.DurationVar(&o.Settle, "settle", 0, "a blob unchanged this long, whose hour is over 2 h old, is sealed (default 15m)")
	fs.Var(newChoice(&o.Progress, "auto", "auto", "always", "never"), "progress", "progress display: auto (a redrawn line at a terminal, a log line every 30 s otherwise), always, never")
}

func (o *TuningOptions) check() error {
	switch {
	case o.Parallel < 0:
		return usagef("--parallel %d: type a positive number of blobs, or leave it out for the default", o.Parallel)
	case o.BatchRows < 0:
		return usagef("--batch-rows %d: type a positive number of rows, or leave it out for the default", o.BatchRows)
	case o.Settle < 0:
		return usagef("--settle %s: type a positive duration such as 15m", o.Settle)
	}
	return nil
}

// day is the UTC midnight of t.
func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// reportDay is the day a run or report is about: the one asked for, else yesterday (UTC).
// A day that has not begun yet is a usage error.
func reportDay(asked, now time.Time) (time.Time, error) {
	today := day(now)
	if asked.IsZero() {
		return today.AddDate(0, 0, -1), nil
	}
	if asked.After(today) {
		return time.Time{}, usagef("--date %s is after today (%s); type a past day, or pin --now", asked.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	return day(asked), nil
}

// runWindow is the path-hour window that run syncs for day d: the blobs of every day that the
// report of d reads (reports.ReportSpan: D−7 for completeness and the trend, up to D+2 for
// late node events), through the end of the last, which also takes in the records of d that
// land up to 48 h late in a later hour's blob; but never past the hour being written now.
func runWindow(d, now time.Time) archive.Window {
	from, last := reports.ReportSpan(d)
	to := last.AddDate(0, 0, 1)
	if capped := now.UTC().Add(time.Hour); capped.Before(to) {
		to = capped
	}
	return archive.Window{From: from, To: to}
}

// WindowOptions pick the days a sync or fetch reads: one day, an inclusive range, or all.
type WindowOptions struct {
	Date, From, To time.Time
}

// AddFlags registers --date, --from and --to.
func (o *WindowOptions) AddFlags(fs *pflag.FlagSet) {
	fs.Var(newDateValue(&o.Date), "date", "one day, YYYY-MM-DD (UTC)")
	fs.Var(newDateValue(&o.From), "from", "first day of a range, YYYY-MM-DD")
	fs.Var(newDateValue(&o.To), "to", "last day of a range, inclusive, YYYY-MM-DD")
}

// window turns the days into a path-hour window; none given is the whole archive. A range
// with no end runs to the present hour.
func (o *WindowOptions) window(now time.Time, toFlag string) (archive.Window, error) {
	switch {
	case !o.Date.IsZero() && (!o.From.IsZero() || !o.To.IsZero()):
		return archive.Window{}, usagef("--date and --from/--%s both given; type either --date D or --from D --%s D", toFlag, toFlag)
	case !o.Date.IsZero():
		return archive.Window{From: o.Date, To: o.Date.AddDate(0, 0, 1)}, nil
	case o.From.IsZero() && !o.To.IsZero():
		return archive.Window{}, usagef("--%s without --from; type --from D --%s D", toFlag, toFlag)
	case o.From.IsZero():
		return archive.Window{}, nil
	case o.To.IsZero():
		return archive.Window{From: o.From, To: now.UTC().Add(time.Hour)}, nil
	case o.To.Before(o.From):
		return archive.Window{}, usagef("--%s %s is before --from %s; type the earlier day first", toFlag, o.To.Format(time.DateOnly), o.From.Format(time.DateOnly))
	default:
		return archive.Window{From: o.From, To: o.To.AddDate(0, 0, 1)}, nil
	}
}

// ctxErr prefers the context's error, so that an interrupted run says it was interrupted.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	return err
}
