package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/reports"
	"github.com/amlmon/amlmon/transform"
)

// syncCommand is sync's entry in the help and the dispatch.
func syncCommand() command {
	return command{
		name:     "sync",
		synopsis: "sync --source SRC --lake DIR [--date D | --from D --to D] [flags]",
		summary:  "list and convert archive blobs into the lake (a day, a range, or everything)",
		about: `Converts the blobs whose path hour lies in the window into the Parquet lake: one day
(--date), an inclusive range of days (--from, --to; --from alone runs to now), or,
with no window, the whole archive (a backfill). Blobs already converted are skipped;
blobs that grew are read from where the last run stopped.`,
		examples: `  # Backfill the whole archive
  amlmon sync --source ./archive --lake ./lake

  # One week of one workspace's job events
  amlmon sync --source az://mystorageacct --lake ./lake \
      --from 2026-11-17 --to 2026-11-23 --workspace ws-prod --category AmlComputeJobEvent`,
		options: func() subcommand { return &SyncOptions{} },
	}
}

// SyncOptions are the flags of `amlmon sync`.
type SyncOptions struct {
	Common  CommonOptions
	Source  SourceOptions
	Tuning  TuningOptions
	Window  WindowOptions
	Profile ProfileOptions
	Lake    string
	// PublishLake mirrors the lake's tables after the sync.
	PublishLake string
}

// AddFlags registers the flags of sync.
func (o *SyncOptions) AddFlags(fs *pflag.FlagSet) {
	o.Source.AddFlags(fs)
	fs.StringVar(&o.Lake, "lake", "", "the lake directory (created if missing)")
	o.Window.AddFlags(fs)
	addPublishLakeFlag(fs, &o.PublishLake)
	o.Tuning.AddFlags(fs)
	o.Common.AddFlags(fs)
	o.Profile.AddFlags(fs)
}

// Run converts the window of the archive into the lake.
func (o *SyncOptions) Run(ctx context.Context, st *streams, _ []string) error {
	if o.Lake == "" {
		return usagef("no lake given; type --lake DIR (the folder the Parquet files go to)")
	}
	if err := o.Tuning.check(); err != nil {
		return err
	}
	if o.PublishLake != "" {
		if err := checkDest(st, "--publish-lake", o.PublishLake); err != nil {
			return err
		}
	}
	now := o.Common.clock()
	w, err := o.Window.window(now(), "to")
	if err != nil {
		return err
	}
	log := o.Common.logger(st)
	stopProfile, err := o.Profile.start()
	if err != nil {
		return err
	}
	defer func() {
		if perr := stopProfile(); perr != nil {
			log.Warn("profile", "err", perr)
		}
	}()
	j := syncJob{lake: o.Lake, source: o.Source, tuning: o.Tuning, window: o.Source.window(w), now: now, log: log, st: st,
		summary: o.Common.summaryOut(st)}
	status, release, err := j.do(ctx)
	if err != nil {
		return err
	}
	// The lake stays locked while it is mirrored, so that no other sync changes it meanwhile.
	defer release()
	if o.PublishLake != "" {
		if err := publishLake(ctx, st, log, o.Common.summaryOut(st), o.PublishLake, o.Lake, o.Tuning.Parallel, 0); err != nil {
			return err
		}
	}
	return failedError(status)
}

// syncJob is one sync of a window of an archive into a lake, shared by run and sync.
type syncJob struct {
	lake   string
	source SourceOptions
	tuning TuningOptions
	window archive.Window
	now    func() time.Time
	log    *slog.Logger
	st     *streams
	// summary receives the summary for people; io.Discard when logs are JSON.
	summary io.Writer
}

// do syncs and prints the summary, also of a sync that stopped half way. Its RunStatus is what
// the report tells of the sync. On success the lake stays locked until release is called, so
// that run keeps other runs off the lake while it writes the report; on error do has released
// it already.
func (j syncJob) do(ctx context.Context) (_ *reports.RunStatus, release func(), err error) {
	src, name, err := j.source.open(j.st, j.log)
	if err != nil {
		return nil, nil, err
	}
	// The report says when the run started by the command's clock (--now pins it); the
	// progress figures measure the wall clock.
	startedAt := j.now().UTC()
	defer tuneGC(j.st.getenv)()
	started := time.Now()
	t := newTracker(started)
	_, statErr := os.Stat(j.lake)
	newLake := errors.Is(statErr, fs.ErrNotExist)
	lake, err := transform.Open(j.lake, transform.Options{
		BatchRows: j.tuning.BatchRows,
		Parallel:  j.tuning.Parallel,
		Settle:    j.tuning.Settle,
		Now:       j.now,
		Logger:    j.log,
		OnBlob:    t.blobDone,
		Prefetch:  prefetchFor(src),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open lake %s: %w", j.lake, err)
	}
	unlock, err := lake.Lock()
	if errors.Is(err, transform.ErrLocked) {
		return nil, nil, lockedError(err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("lock lake %s: %w", j.lake, err)
	}
	free := func() {
		if rerr := unlock(); rerr != nil {
			j.log.Warn("release the lake's lock", "lake", j.lake, "err", rerr)
		}
	}
	var stats transform.Stats
	defer func() {
		if err == nil {
			return
		}
		free()
		if newLake && stats.Blobs == 0 {
			// An account that cannot be listed is found out only by listing it, once the lake
			// exists: a lake this command created and never put a blob into goes again.
			if rerr := os.RemoveAll(j.lake); rerr != nil {
				j.log.Warn("remove the empty lake", "lake", j.lake, "err", rerr)
			}
		}
	}()

	j.log.Info("sync started", "source", name, "lake", j.lake, "window", describeWindow(j.window))
	stop := startProgress(progressMode(j.tuning.Progress, j.st.jsonLog != nil), j.st.stderr, j.log, t)
	stats, err = syncArchive(ctx, src, j.window, lake, t)
	stop()
	if stats.Duration <= 0 {
		stats.Duration = time.Since(started)
	}
	if err != nil {
		// What was done before the stop is committed and stays: say how far it got.
		logSyncSummary(j.log, stats, false)
		writeSyncSummary(j.summary, stats, false)
		return nil, nil, ctxErr(ctx, fmt.Errorf("sync %s into %s: %w", name, j.lake, err))
	}
	logSyncSummary(j.log, stats, true)
	writeSyncSummary(j.summary, stats, true)
	errs := t.errors()
	for _, e := range errs {
		j.log.Error("blob failed", "err", e)
	}
	if stats.Failed > 0 {
		j.log.Error("blobs failed; the others are committed and the lake is consistent; the next run reads them again",
			"blobs_failed", stats.Failed)
	}
	return &reports.RunStatus{
		Started:      startedAt,
		Duration:     stats.Duration,
		Blobs:        stats.Blobs,
		Read:         stats.Read,
		Skipped:      stats.Skipped,
		Unrecognised: stats.Unrecognised,
		Failed:       stats.Failed,
		Bytes:        stats.Bytes,
		Rejected:     stats.Rejected,
		Warnings:     stats.Warnings,
		Errors:       errs,
		FailedBlobs:  t.failures(),
	}, free, nil
}

// syncArchive lists the window of src and hands every blob to the lake, and then, by name,
// the blobs outside the window that an upgrade of the lake's layout still has to read again.
func syncArchive(ctx context.Context, src archive.Source, w archive.Window, lake *transform.Lake, t *tracker) (transform.Stats, error) {
	todo := map[string]transform.BlobRef{}
	for _, r := range lake.Upgrading() {
		todo[r.Container+"/"+r.Name] = r
	}
	var lost []transform.BlobRef
	stats, err := lake.Sync(ctx, func(yield func(transform.Blob, transform.Opener) error) error {
		err := src.List(ctx, w, func(b archive.Blob) error {
			t.listedOne()
			delete(todo, b.Container+"/"+b.Name)
			return yield(lakeBlob(b), opener(src, b))
		})
		if err == nil && len(todo) > 0 {
			lost, err = listOutdated(ctx, src, todo, t, yield)
		}
		t.listingFinished()
		return err
	})
	if err == nil && len(lost) > 0 {
		err = lake.KeepAsRead(lost)
	}
	return stats, err
}

// remotePrefetch is how many small blobs a sync from a storage account downloads ahead at once,
// so that a throttled download (waiting out its Retry-After) holds up none of the others. A
// local directory answers at once and is read as it is converted.
const remotePrefetch = 64

func prefetchFor(src archive.Source) int {
	if _, remote := src.(*archive.Azure); remote {
		return remotePrefetch
	}
	return 0
}

// lakeBlob translates a listed archive blob into what the lake needs to know of it.
func lakeBlob(b archive.Blob) transform.Blob {
	lb := transform.Blob{
		Container: b.Container,
		Name:      b.Name,
		Size:      b.Size,
		ETag:      b.ETag,
		Modified:  b.LastModified,
		Append:    b.Type == archive.AppendBlob,
		Gzip:      b.Gzip,
	}
	if b.Err != nil {
		lb.Unrecognised = b.Err.Error()
		return lb
	}
	lb.Hour = b.Path.Hour
	lb.ResourceID = b.Path.ResourceID
	lb.Metrics = b.Path.Metrics
	if !b.Path.Metrics {
		lb.Category = b.Path.Category
	}
	return lb
}

// opener reads a range of b from src; a blob deleted since it was listed is transform.ErrGone.
func opener(src archive.Source, b archive.Blob) transform.Opener {
	return func(ctx context.Context, offset, end int64) (io.ReadCloser, error) {
		// The source's errors name the blob already.
		rc, err := src.Open(ctx, b.Container, b.Name, offset, end)
		if errors.Is(err, archive.ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", transform.ErrGone, err)
		}
		return rc, err
	}
}

func describeWindow(w archive.Window) string {
	var parts []string
	if w.All() {
		parts = append(parts, "the whole archive")
	} else {
		parts = append(parts, fmt.Sprintf("path hours [%s, %s)", w.From.UTC().Format(time.RFC3339), w.To.UTC().Format(time.RFC3339)))
	}
	if len(w.Resources) > 0 {
		parts = append(parts, "workspaces "+strings.Join(w.Resources, ","))
	}
	if len(w.Containers) > 0 {
		parts = append(parts, "categories "+strings.Join(w.Containers, ","))
	}
	return strings.Join(parts, ", ")
}

func totalRecords(s transform.Stats) int64 {
	var n int64
	for _, v := range s.Records {
		n += v
	}
	return n
}

func rates(bytes, records int64, d time.Duration) (mibPerS, recPerS float64) {
	if d <= 0 {
		return 0, 0
	}
	return float64(bytes) / (1 << 20) / d.Seconds(), float64(records) / d.Seconds()
}

// logSyncSummary is the one log line that ends a sync, for machines: "sync finished", or
// "sync stopped" at WARN when complete is false. The group records holds the rows per table.
func logSyncSummary(log *slog.Logger, s transform.Stats, complete bool) {
	records := totalRecords(s)
	mib, rps := rates(s.Bytes, records, s.Duration)
	var perTable []any
	for _, table := range slices.Sorted(maps.Keys(s.Records)) {
		perTable = append(perTable, slog.Int64(table, s.Records[table]))
	}
	msg, level := "sync finished", slog.LevelInfo
	if !complete {
		msg, level = "sync stopped", slog.LevelWarn
	}
	log.Log(context.Background(), level, msg,
		"complete", complete,
		"blobs_listed", s.Blobs, "blobs_read", s.Read, "blobs_appended", s.Appended,
		"blobs_replaced", s.Replaced, "blobs_skipped", s.Skipped, "blobs_gone", s.Gone,
		"blobs_unrecognised", s.Unrecognised, "blobs_failed", s.Failed,
		"bytes", s.Bytes, "records_total", records, slog.Group("records", perTable...),
		"rejected", s.Rejected, "warnings", s.Warnings,
		"duration", s.Duration.Round(time.Millisecond).String(),
		"mib_per_s", fmt.Sprintf("%.2f", mib), "records_per_s", int64(rps))
}

// writeSyncSummary is the summary of a sync for people. A sync that stopped half way
// (complete false) is marked so: its figures are what was done before the stop.
func writeSyncSummary(w io.Writer, s transform.Stats, complete bool) {
	records := totalRecords(s)
	mib, rps := rates(s.Bytes, records, s.Duration)
	if !complete {
		fmt.Fprintln(w, "Stopped:  the sync did not finish; what it did until then is kept, and the next run goes on from there")
	}
	fmt.Fprintf(w, "Blobs:    %d listed, %d read (%d appended, %d replaced), %d skipped, %d gone, %d unrecognised, %d failed\n",
		s.Blobs, s.Read, s.Appended, s.Replaced, s.Skipped, s.Gone, s.Unrecognised, s.Failed)
	fmt.Fprintf(w, "Bytes:    %s read\n", formatBytes(s.Bytes))
	fmt.Fprintf(w, "Records:  %s", formatCount(records))
	if len(s.Records) > 0 {
		var per []string
		for _, table := range slices.Sorted(maps.Keys(s.Records)) {
			per = append(per, fmt.Sprintf("%s %s", table, formatCount(s.Records[table])))
		}
		fmt.Fprintf(w, " (%s)", strings.Join(per, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Rejects:  %s lines rejected, %s values not coerced\n", formatCount(s.Rejected), formatCount(s.Warnings))
	fmt.Fprintf(w, "Time:     %s, %.2f MiB/s, %s records/s\n", s.Duration.Round(time.Millisecond), mib, formatCount(int64(rps)))
}

// failedError is the error that ends a sync whose blobs did not all convert, or nil.
func failedError(s *reports.RunStatus) error {
	if s == nil || s.Failed == 0 {
		return nil
	}
	return &blobsFailedError{failed: s.Failed, rest: "the others are committed, the lake is consistent, and the next run reads them again"}
}
