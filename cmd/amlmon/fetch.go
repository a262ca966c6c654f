package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive"
)

// fetchCommand is fetch's entry in the help and the dispatch.
func fetchCommand() command {
	return command{
		name:     "fetch",
		synopsis: "fetch --source SRC --to DIR [--date D | --from D --to D] [flags]",
		summary:  "download the raw blobs of a window into a local directory",
		about: `Downloads the blobs of the window into DIR with the archive layout
(<DIR>/<container>/resourceId=/...), for offline work: DIR then serves as --source.
Blobs already downloaded and unchanged are skipped.

--to names the directory when its value is not a date, and ends the range of days
when it is a date (YYYY-MM-DD), so "--to DIR --from D1 --to D2" works. --dir is the
unambiguous name for the directory (use it for a directory named like a date), and
--until the unambiguous name for the range end.`,
		examples: `  # One day of everything
  amlmon fetch --source az://mystorageacct --to ./archive --date 2026-11-24

  # A week of one workspace, range and directory both given
  amlmon fetch --source az://mystorageacct --to ./archive \
      --from 2026-11-17 --to 2026-11-23 --workspace ws-prod

  # The same, without the double meaning of --to
  amlmon fetch --source az://mystorageacct --dir ./archive --from 2026-11-17 --until 2026-11-23`,
		options: func() subcommand { return &FetchOptions{} },
	}
}

// FetchOptions are the flags of `amlmon fetch`.
type FetchOptions struct {
	Common CommonOptions
	Source SourceOptions
	Window WindowOptions
	Dir    string
	// toDir is --to given as a directory; Run checks it against --dir.
	toDir    string
	Parallel int
	Progress string
}

// AddFlags registers the flags of fetch. docs/command.md writes both "--to DIR" and "--to D", so --to
// takes either and tells them apart by whether the value is a date; --dir and --until are the
// unambiguous spellings.
func (o *FetchOptions) AddFlags(fs *pflag.FlagSet) {
	o.Source.AddFlags(fs)
	fs.Var(&fetchTo{o}, "to", "the directory to download into, or, when the value is a date (YYYY-MM-DD), the last day of the range")
	fs.StringVar(&o.Dir, "dir", "", "the directory to download into (same as --to DIR)")
	fs.Var(newDateValue(&o.Window.Date), "date", "one day, YYYY-MM-DD (UTC)")
	fs.Var(newDateValue(&o.Window.From), "from", "first day of a range, YYYY-MM-DD")
	fs.Var(newDateValue(&o.Window.To), "until", "last day of a range, inclusive (same as --to D)")
	fs.IntVar(&o.Parallel, "parallel", 0, "blobs downloaded at once (default 4)")
	fs.Var(newChoice(&o.Progress, "auto", "auto", "always", "never"), "progress", "progress display: auto, always or never")
	o.Common.AddFlags(fs)
}

// fetchTo is fetch's --to: a date ends the range, anything else names the directory.
type fetchTo struct{ o *FetchOptions }

func (f *fetchTo) String() string { return f.o.toDir }

// Set takes a date as the range end and anything else as the directory, except a value shaped
// like a date that is none (2026-11-31): that is a mistyped day, not a folder to create.
func (f *fetchTo) Set(s string) error {
	t, err := parseDate(s)
	if err == nil {
		f.o.Window.To = t
		return nil
	}
	if looksLikeDate(strings.TrimSpace(s)) {
		return fmt.Errorf("%w (for a directory named like a date, type --dir %s)", err, s)
	}
	f.o.toDir = s
	return nil
}

// looksLikeDate reports whether s has the shape NNNN-NN-NN.
func looksLikeDate(s string) bool {
	if len(s) != len(time.DateOnly) {
		return false
	}
	for i, c := range []byte(s) {
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (f *fetchTo) Type() string { return "DIR|date" }

// dir is the directory to download into: --dir or --to DIR, which must agree when both are given.
func (o *FetchOptions) dir() (string, error) {
	switch {
	case o.Dir != "" && o.toDir != "" && o.Dir != o.toDir:
		return "", usagef("--dir %s and --to %s name two directories; type one of them", o.Dir, o.toDir)
	case o.Dir != "":
		return o.Dir, nil
	case o.toDir != "":
		return o.toDir, nil
	}
	return "", usagef("no directory given; type --to DIR (or --dir DIR) for the local copy")
}

// Run downloads the window of the archive into the directory.
func (o *FetchOptions) Run(ctx context.Context, st *streams, _ []string) error {
	dir, err := o.dir()
	if err != nil {
		return err
	}
	o.Dir = dir
	if o.Parallel < 0 {
		return usagef("--parallel %d: type a positive number of blobs, or leave it out for the default", o.Parallel)
	}
	now := o.Common.clock()
	w, err := o.Window.window(now(), "until")
	if err != nil {
		return err
	}
	log := o.Common.logger(st)
	src, name, err := o.Source.open(st, log)
	if err != nil {
		return err
	}
	w = o.Source.window(w)
	started := time.Now()
	log.Info("fetch started", "source", name, "dir", o.Dir, "window", describeWindow(w))
	t := newTracker(started)
	stop := startProgress(progressMode(o.Progress, st.jsonLog != nil), st.stderr, log, t)
	refused := func(b archive.Blob, err error) {
		log.Error("blob not copied", "container", b.Container, "blob", b.Name, "err", err.Error())
	}
	counts, err := archive.Fetch(ctx, src, w, o.Dir, archive.FetchOptions{Parallel: o.Parallel, OnBlob: t.fetched, OnRefused: refused})
	stop()
	// A fetch that stopped still tells what it copied: those files are complete and stay.
	reportFetch(o.Common.summaryOut(st), log, counts, time.Since(started), err == nil)
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("fetch %s into %s: %w", name, o.Dir, err))
	}
	if n := counts.Unsafe + counts.Failed; n > 0 {
		// A name that cannot be a local path fails on every fetch; the error above says why.
		return &blobsFailedError{failed: n, rest: "the others are downloaded, and the next fetch tries them again"}
	}
	return nil
}

// reportFetch ends a fetch with a log line and a summary for people: "fetch finished", or
// "fetch stopped" at WARN when complete is false.
func reportFetch(w io.Writer, log *slog.Logger, c archive.FetchStats, d time.Duration, complete bool) {
	mib, _ := rates(c.Bytes, 0, d)
	msg, level := "fetch finished", slog.LevelInfo
	if !complete {
		msg, level = "fetch stopped", slog.LevelWarn
		fmt.Fprintln(w, "Stopped:  the fetch did not finish; the files downloaded until then are complete, and the next fetch skips them")
	}
	log.Log(context.Background(), level, msg, "complete", complete, "blobs_listed", c.Listed, "blobs_downloaded", c.Downloaded,
		"blobs_skipped", c.Skipped, "blobs_gone", c.Gone, "blobs_unrecognised", c.Unrecognised,
		"blobs_unsafe", c.Unsafe, "blobs_failed", c.Failed, "bytes", c.Bytes,
		"duration", d.Round(time.Millisecond).String(), "mib_per_s", fmt.Sprintf("%.2f", mib))
	fmt.Fprintf(w, "Blobs:    %d listed, %d downloaded, %d skipped (unchanged), %d gone, %d unrecognised, %d with unsafe names (not copied), %d failed\n",
		c.Listed, c.Downloaded, c.Skipped, c.Gone, c.Unrecognised, c.Unsafe, c.Failed)
	fmt.Fprintf(w, "Bytes:    %s downloaded\n", formatBytes(c.Bytes))
	fmt.Fprintf(w, "Time:     %s, %.2f MiB/s\n", d.Round(time.Millisecond), mib)
}
