package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive"
)

// FetchOptions are the flags of `amlmon fetch`.
type FetchOptions struct {
	Common   CommonOptions
	Source   SourceOptions
	Window   WindowOptions
	Dir      string
	Parallel int
	Progress string
}

// AddFlags registers the flags of fetch. SPEC §4 writes both "--to DIR" and "--to D", so --to
// takes either and tells them apart by whether the value is a date; --dir and --until are the
// unambiguous spellings.
func (o *FetchOptions) AddFlags(fs *pflag.FlagSet) {
	o.Source.AddFlags(fs)
	fs.Var(&fetchTo{o}, "to", "the directory to download into, or, when the value is a date (YYYY-MM-DD), the last day of the range")
	fs.StringVar(&o.Dir, "dir", "", "the directory to download into (same as --to DIR)")
	fs.Var(newDateValue(&o.Window.Date), "date", "one day, YYYY-MM-DD (UTC)")
	fs.Var(newDateValue(&o.Window.From), "from", "first day of a range, YYYY-MM-DD")
	fs.Var(newDateValue(&o.Window.To), "until", "last day of a range, inclusive (same as --to D)")
	fs.IntVar(&o.Parallel, "parallel", 0, "blobs downloaded at once (default: a few per CPU)")
	fs.Var(newChoice(&o.Progress, "auto", "auto", "always", "never"), "progress", "progress display: auto, always or never")
	o.Common.AddFlags(fs)
}

// fetchTo is fetch's --to: a date ends the range, anything else names the directory.
type fetchTo struct{ o *FetchOptions }

func (f *fetchTo) String() string { return f.o.Dir }

func (f *fetchTo) Set(s string) error {
	if t, err := parseDate(s); err == nil {
		f.o.Window.To = t
		return nil
	}
	f.o.Dir = s
	return nil
}

func (f *fetchTo) Type() string { return "DIR|date" }

// Run downloads the window of the archive into the directory.
func (o *FetchOptions) Run(ctx context.Context, st *streams, _ []string) error {
	if o.Dir == "" {
		return usagef("no directory given; type --to DIR (or --dir DIR) for the local copy")
	}
	if o.Parallel < 0 {
		return usagef("--parallel %d: type a positive number of blobs, or leave it out for the default", o.Parallel)
	}
	now := o.Common.clock()
	w, err := o.Window.window(now(), "until")
	if err != nil {
		return err
	}
	log := o.Common.logger(st.stderr)
	src, name, err := o.Source.open(st, log)
	if err != nil {
		return err
	}
	w = o.Source.window(w)
	started := time.Now()
	log.Info("fetch started", "source", name, "dir", o.Dir, "window", describeWindow(w))
	t := newTracker(started)
	stop := startProgress(o.Progress, st.stderr, log, t)
	counts, err := archive.Fetch(ctx, src, w, o.Dir, archive.FetchOptions{Parallel: o.Parallel, OnBlob: t.fetched})
	stop()
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("fetch %s into %s: %w", name, o.Dir, err))
	}
	reportFetch(st.stdout, log, counts, time.Since(started))
	return nil
}

// reportFetch ends a fetch with a log line and a summary for people.
func reportFetch(w io.Writer, log *slog.Logger, c archive.FetchStats, d time.Duration) {
	mib, _ := rates(c.Bytes, 0, d)
	log.Info("fetch finished", "blobs_listed", c.Listed, "blobs_downloaded", c.Downloaded,
		"blobs_skipped", c.Skipped, "blobs_gone", c.Gone, "blobs_unrecognised", c.Unrecognised,
		"blobs_unsafe", c.Unsafe, "bytes", c.Bytes, "duration", d.Round(time.Millisecond).String(), "mib_per_s", fmt.Sprintf("%.2f", mib))
	fmt.Fprintf(w, "Blobs:    %d listed, %d downloaded, %d skipped (unchanged), %d gone, %d unrecognised, %d with unsafe names (not copied)\n",
		c.Listed, c.Downloaded, c.Skipped, c.Gone, c.Unrecognised, c.Unsafe)
	fmt.Fprintf(w, "Bytes:    %s downloaded\n", formatBytes(c.Bytes))
	fmt.Fprintf(w, "Time:     %s, %.2f MiB/s\n", d.Round(time.Millisecond), mib)
}
