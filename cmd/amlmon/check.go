package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/transform"
)

// checkCommand is check's entry in the help and the dispatch.
func checkCommand() command {
	return command{
		name:     "check",
		synopsis: "check --lake DIR [--read-data] [--repair --source SRC] [flags]",
		summary:  "verify the lake against its manifest, and repair it",
		about: `Verifies that every file the lake's manifest names is there, of its committed size
and row count (read from its footer, or from every page with --read-data), that no
stray or temporary file lies in the lake and that no commit was left unfinished.
Exits 0 when the lake is clean, 1 with the list of problems otherwise.

--repair removes stray and temporary files, completes or undoes an unfinished commit,
removes a manifest file that cannot be read, and reads again from --source, whole,
every blob whose rows were in a missing or damaged file (and the blobs of a removed
manifest file). The lake then holds what a clean sync leaves; a repair that is
stopped is safe, and the next sync or repair finishes it.`,
		examples: `  amlmon check --lake ./lake
  amlmon check --lake ./lake --read-data
  amlmon check --lake ./lake --repair --source az://mystorageacct`,
		options: func() subcommand { return &CheckOptions{} },
	}
}

// CheckOptions are the flags of `amlmon check`.
type CheckOptions struct {
	Common   CommonOptions
	Source   SourceOptions
	Tuning   TuningOptions
	Lake     string
	ReadData bool
	Repair   bool
}

// AddFlags registers the flags of check.
func (o *CheckOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Lake, "lake", "", "the lake directory")
	fs.BoolVar(&o.ReadData, "read-data", false, "read every page of every file, not only its footer")
	fs.BoolVar(&o.Repair, "repair", false, "repair what is wrong: remove stray files and read the blobs of damaged or missing files again from --source")
	o.Source.AddFlags(fs)
	o.Tuning.AddFlags(fs)
	o.Common.AddFlags(fs)
}

// errLakeDamaged ends a check that found problems.
var errLakeDamaged = errors.New("the lake has problems")

// Run checks the lake and, with --repair, repairs it.
func (o *CheckOptions) Run(ctx context.Context, st *streams, _ []string) error {
	if o.Lake == "" {
		return usagef("no lake given; type --lake DIR (the folder that sync filled)")
	}
	if err := o.Tuning.check(); err != nil {
		return err
	}
	if _, err := os.Stat(o.Lake); err != nil {
		return fmt.Errorf("check lake %s: %w", o.Lake, err)
	}
	log := o.Common.logger(st)
	out := o.Common.summaryOut(st)
	copts := transform.CheckOptions{ReadData: o.ReadData}
	if o.Repair {
		if err := o.repair(ctx, st, copts); err != nil {
			return err
		}
	}
	problems, err := transform.Check(ctx, o.Lake, copts)
	if errors.Is(err, transform.ErrLocked) {
		return lockedError(err)
	}
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(out, p)
		log.Error("lake problem", "kind", string(p.Kind), "path", p.Path, "detail", p.Detail, "blobs", len(p.Blobs))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %d found in %s (listed above); amlmon check --repair --source SRC --lake %s repairs them",
			errLakeDamaged, len(problems), o.Lake, o.Lake)
	}
	what := "footers"
	if o.ReadData {
		what = "every page"
	}
	fmt.Fprintf(out, "Lake:     %s is clean (files, sizes and rows as committed, %s read)\n", o.Lake, what)
	log.Info("lake clean", "lake", o.Lake, "read_data", o.ReadData)
	return nil
}

// repair makes the lake ready with transform.Repair, then syncs the blobs it marked.
func (o *CheckOptions) repair(ctx context.Context, st *streams, copts transform.CheckOptions) error {
	log := o.Common.logger(st)
	out := o.Common.summaryOut(st)
	now := o.Common.clock()
	lake, release, rep, err := transform.Repair(ctx, o.Lake, transform.Options{
		BatchRows: o.Tuning.BatchRows,
		Parallel:  o.Tuning.Parallel,
		Settle:    o.Tuning.Settle,
		Now:       now,
		Logger:    log,
	}, copts)
	if errors.Is(err, transform.ErrLocked) {
		return lockedError(err)
	}
	if err != nil {
		return fmt.Errorf("repair lake %s: %w", o.Lake, err)
	}
	defer release()
	for _, p := range rep.Found {
		fmt.Fprintln(out, "found", p)
	}
	for _, rel := range rep.Removed {
		log.Info("removed", "file", rel)
	}
	fmt.Fprintf(out, "Repair:   %d problems found, %d files removed, %d blobs to read again\n", len(rep.Found), len(rep.Removed), rep.Reread)
	if len(rep.Containers) == 0 {
		return nil
	}
	src, name, err := o.Source.open(st, log)
	if err != nil {
		return fmt.Errorf("%w (check --repair reads %d blobs again from the archive; they stay marked, and the next sync reads them)", err, rep.Reread)
	}
	w := archive.Window{From: rep.From, To: rep.To, Containers: rep.Containers, Resources: o.Source.Workspaces}
	log.Info("repair sync started", "source", name, "lake", o.Lake, "window", describeWindow(w))
	stats, err := syncArchive(ctx, src, w, lake, newTracker(time.Now()))
	logSyncSummary(log, stats, err == nil)
	writeSyncSummary(out, stats, err == nil)
	if err != nil {
		return ctxErr(ctx, fmt.Errorf("repair: sync %s into %s: %w", name, o.Lake, err))
	}
	if stats.Failed > 0 {
		return &blobsFailedError{failed: stats.Failed, rest: "they stay marked, and the next sync or check --repair reads them again"}
	}
	return nil
}
