package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive/gen"
)

// options are amlbench's flags.
type options struct {
	Size       string
	Runs       int
	Dir        string
	Amlmon     string
	Seed       int64
	ReportDays int
	Scale      int
	Baseline   bool   // internal: run the DuckDB baseline in this process
	Generate   string // internal: generate the archive of --gen-size and --gen-days into this folder
	GenSize    int64
	GenDays    int
	Archive    string
	Out        string
}

func (o *options) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Size, "size", "600MiB", "archive size to generate (KiB, MiB, GiB)")
	fs.IntVar(&o.Runs, "runs", 3, "alternating runs of amlmon and DuckDB")
	fs.StringVar(&o.Dir, "dir", ".bench", "working folder for archives and lakes")
	fs.StringVar(&o.Amlmon, "amlmon", "bin/amlmon", "the amlmon binary to measure")
	fs.Int64Var(&o.Seed, "seed", 7, "generator seed")
	fs.IntVar(&o.ReportDays, "report-days", 7, "days in the lake for the report timing (0: skip)")
	fs.IntVar(&o.Scale, "scale", 4, "size multiple for the flat-memory check (0 or 1: skip)")
	fs.BoolVar(&o.Baseline, "duckdb-baseline", false, "internal: convert --archive to --out with DuckDB and exit")
	fs.StringVar(&o.Archive, "archive", "", "internal: the archive for --duckdb-baseline")
	fs.StringVar(&o.Out, "out", "", "internal: the output folder for --duckdb-baseline")
	fs.StringVar(&o.Generate, "generate", "", "internal: generate an archive into this folder and exit")
	fs.Int64Var(&o.GenSize, "gen-size", 0, "internal: bytes for --generate")
	fs.IntVar(&o.GenDays, "gen-days", 1, "internal: days for --generate")
	_ = fs.MarkHidden("duckdb-baseline")
	_ = fs.MarkHidden("generate")
	_ = fs.MarkHidden("gen-size")
	_ = fs.MarkHidden("gen-days")
	_ = fs.MarkHidden("archive")
	_ = fs.MarkHidden("out")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := pflag.NewFlagSet("amlbench", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	o.addFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	var err error
	switch {
	case o.Baseline:
		err = baseline(ctx, o.Archive, o.Out)
	case o.Generate != "":
		_, err = generate(o.Generate, o.Seed, o.GenSize, o.GenDays)
	default:
		err = bench(ctx, o, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "amlbench:", err)
		return 1
	}
	return 0
}

// measurement is one child process run.
type measurement struct {
	Wall   time.Duration
	MaxRSS int64 // bytes
	Stdout []byte
	Stderr []byte
}

// measure runs a child process and reads its peak RSS from the kernel.
func measure(ctx context.Context, name string, args ...string) (measurement, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	m := measurement{Wall: time.Since(start), Stdout: []byte(out.String()), Stderr: []byte(errb.String())}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		m.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(errb.String(), 2000))
	}
	return m, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || v <= 0 {
				return 0, fmt.Errorf("size %q: want a positive number with KiB, MiB or GiB", s)
			}
			return int64(v * float64(u.mult)), nil
		}
	}
	return 0, fmt.Errorf("size %q: want a positive number with KiB, MiB or GiB", s)
}

// archiveInfo is what the benchmark knows of a generated archive.
type archiveInfo struct {
	Dir            string
	Generator      int // gen.Version that wrote it
	Options        gen.Options
	Bytes          int64
	Lines          int64
	Containers     map[string]int64 // bytes per container
	ContainerLines map[string]int64 // records per container
}

// generate writes (once) a clean synthetic archive of size bytes (within 5 %) over days days:
// 12 workspaces, 24 hourly blobs each per container and day, at least 3 clusters each, and
// more clusters and online endpoints when the size asks for a busier account.
func generate(dir string, seed, size int64, days int) (archiveInfo, error) {
	info, ok := keptArchive(dir, seed, size, days)
	if ok {
		return info, nil
	}
	o := info.Options
	if err := os.RemoveAll(dir); err != nil {
		return info, err
	}
	st, err := gen.WriteDir(o, dir)
	if err != nil {
		return info, fmt.Errorf("generate %s: %w", dir, err)
	}
	info.Bytes, info.Lines, info.Containers, info.ContainerLines = st.Bytes, st.Records+st.BadLines, st.Containers, st.ContainerRecords
	b, _ := json.Marshal(info)
	return info, os.WriteFile(filepath.Join(dir, ".complete.json"), b, 0o644)
}

// generateApart is generate in a child process. Linux hands a process's peak RSS on to the
// program it executes, so a child started after the benchmark itself generated gigabytes
// would report the generator's peak as its own; the benchmark stays small instead.
func generateApart(ctx context.Context, self, dir string, seed, size int64, days int) (archiveInfo, error) {
	if info, ok := keptArchive(dir, seed, size, days); ok {
		return info, nil
	}
	cmd := exec.CommandContext(ctx, self, "--generate", dir, "--seed", strconv.FormatInt(seed, 10),
		"--gen-size", strconv.FormatInt(size, 10), "--gen-days", strconv.Itoa(days))
	if out, err := cmd.CombinedOutput(); err != nil {
		return archiveInfo{}, fmt.Errorf("generate %s: %w\n%s", dir, err, tail(string(out), 2000))
	}
	info, ok := keptArchive(dir, seed, size, days)
	if !ok {
		return info, fmt.Errorf("generate %s: no complete archive afterwards", dir)
	}
	return info, nil
}

// keptArchive returns the archive in dir when the same generator wrote it from the same
// options, and otherwise the description of the archive to write.
func keptArchive(dir string, seed, size int64, days int) (archiveInfo, bool) {
	o := gen.Options{
		Seed:                 seed,
		Start:                time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Hours:                24 * days,
		Workspaces:           12,
		ClustersPerWorkspace: 3,
		TargetBytes:          size,
	}
	info := archiveInfo{Dir: dir, Generator: gen.Version, Options: o}
	marker := filepath.Join(dir, ".complete.json")
	// An archive is reused only if the same generator wrote it from the same options.
	var kept archiveInfo
	if b, err := os.ReadFile(marker); err == nil && json.Unmarshal(b, &kept) == nil &&
		kept.Generator == info.Generator && kept.Options.Start.Equal(o.Start) &&
		kept.Options.Seed == o.Seed && kept.Options.Hours == o.Hours && kept.Options.TargetBytes == o.TargetBytes &&
		kept.Options.Workspaces == o.Workspaces && kept.Options.ClustersPerWorkspace == o.ClustersPerWorkspace {
		kept.Dir = dir
		return kept, true
	}
	return info, false
}

// mixShares are the shares of metric records, cluster and node events, and job events in
// counts per container (of lines or bytes), as the performance issue words the mix.
func mixShares(counts map[string]int64) (metrics, cluster, jobs float64) {
	var total int64
	for _, n := range counts {
		total += n
	}
	if total == 0 {
		return 0, 0, 0
	}
	for c, n := range counts {
		share := float64(n) / float64(total)
		switch {
		case strings.HasPrefix(c, "insights-metrics-"):
			metrics += share
		case strings.HasPrefix(c, "insights-logs-amlcomputecluster"):
			cluster += share
		case c == "insights-logs-amlcomputejobevent", c == "insights-logs-amlrunstatuschangedevent":
			jobs += share
		}
	}
	return metrics, cluster, jobs
}

// describe sums up the archive against the size asked for: its real size, lines, and the mix
// in lines (as the issue counts it) and in bytes.
func (a archiveInfo) describe(asked int64) string {
	lm, lc, lj := mixShares(a.ContainerLines)
	bm, bc, bj := mixShares(a.Containers)
	return fmt.Sprintf("%.1f MiB (%+.1f%% of %.0f MiB asked), %d lines, %d workspaces x %d hours; "+
		"lines: %.1f%% metrics, %.1f%% cluster and node events, %.1f%% job events; bytes: %.0f%% / %.0f%% / %.0f%%",
		float64(a.Bytes)/(1<<20), 100*(float64(a.Bytes)/float64(asked)-1), float64(asked)/(1<<20), a.Lines,
		a.Options.Workspaces, a.Options.Hours, 100*lm, 100*lc, 100*lj, 100*bm, 100*bc, 100*bj)
}

// syncSummary is the part of amlmon's JSON summary line the benchmark reads.
type syncSummary struct {
	Msg   string `json:"msg"`
	Bytes int64  `json:"bytes"`
}

func amlmonSync(ctx context.Context, o options, archive, lake string) (measurement, syncSummary, error) {
	m, err := measure(ctx, o.Amlmon, "sync", "--source", archive, "--lake", lake,
		"--progress", "never", "--log-format", "json", "--now", "2026-12-31T00:00:00Z")
	var sum syncSummary
	if err != nil {
		return m, sum, err
	}
	for _, line := range strings.Split(string(m.Stderr), "\n") {
		var s syncSummary
		if json.Unmarshal([]byte(line), &s) == nil && strings.HasPrefix(s.Msg, "sync finished") {
			sum = s
		}
	}
	return m, sum, nil
}

// Targets of the performance issue.
const (
	targetRatio     = 2.0             // amlmon's throughput over DuckDB's
	targetRSS       = 256 << 20       // amlmon's peak RSS
	targetResync    = 0.05            // no-change resync over the first sync
	targetReport    = 3 * time.Second // one day's report on a 7-day lake
	targetRSSGrowth = 0.10            // peak RSS of a 4x archive over the 1x one, minus 1
)

// verdicts collects the targets and whether each is met.
type verdicts struct {
	lines []string
	fails int
}

func (v *verdicts) check(ok bool, format string, args ...any) {
	word := "PASS"
	if !ok {
		word = "FAIL"
		v.fails++
	}
	v.lines = append(v.lines, word+"  "+fmt.Sprintf(format, args...))
}

func bench(ctx context.Context, o options, w io.Writer) error {
	size, err := parseSize(o.Size)
	if err != nil {
		return err
	}
	if o.Runs < 1 {
		return fmt.Errorf("--runs %d: at least one run", o.Runs)
	}
	if _, err := os.Stat(o.Amlmon); err != nil {
		return fmt.Errorf("the amlmon binary %s: %w (run make build first)", o.Amlmon, err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "amlbench: %s archive, %d runs, %s, %d CPUs\n", o.Size, o.Runs, o.Dir, runtime.NumCPU())
	ar, err := generateApart(ctx, self, filepath.Join(o.Dir, "archive-"+o.Size), o.Seed, size, 1)
	if err != nil {
		return err
	}
	mib := float64(ar.Bytes) / (1 << 20)
	fmt.Fprintf(w, "archive: %s\n\n", ar.describe(size))

	var v verdicts
	var ours, theirs []measurement
	// Every run writes into folders of its own, and nothing is deleted before the last
	// measurement: deleting thousands of files shortly before a run makes the file system's
	// inode allocator step over them one by one (ext4 without a journal skips inodes freed in
	// the last minutes), which would time the harness, not amlmon. The folders of the previous
	// bench are set aside now and deleted at the end.
	runs := filepath.Join(o.Dir, "runs")
	trash := filepath.Join(o.Dir, "runs.old")
	if _, err := os.Stat(runs); err == nil {
		if err := os.RemoveAll(trash); err != nil {
			return err
		}
		if err := os.Rename(runs, trash); err != nil {
			return err
		}
	}
	defer os.RemoveAll(trash)
	var lake string
	for i := 0; i < o.Runs; i++ {
		lake = filepath.Join(runs, fmt.Sprint(i+1), "lake")
		m, _, err := amlmonSync(ctx, o, ar.Dir, lake)
		if err != nil {
			return err
		}
		ours = append(ours, m)
		report(w, fmt.Sprintf("run %d amlmon sync", i+1), m, ar)

		out := filepath.Join(runs, fmt.Sprint(i+1), "duckdb")
		m, err = measure(ctx, self, "--duckdb-baseline", "--archive", ar.Dir, "--out", out)
		if err != nil {
			return err
		}
		theirs = append(theirs, m)
		report(w, fmt.Sprintf("run %d duckdb", i+1), m, ar)
	}
	ow, tw := medianWall(ours), medianWall(theirs)
	orss, trss := medianRSS(ours), medianRSS(theirs)
	fmt.Fprintf(w, "\nmedian amlmon: %s, %.1f MiB/s, %.0f records/s, peak RSS %s\n", ow.Round(time.Millisecond), mib/ow.Seconds(), float64(ar.Lines)/ow.Seconds(), human(orss))
	fmt.Fprintf(w, "median duckdb: %s, %.1f MiB/s, %.0f records/s, peak RSS %s\n", tw.Round(time.Millisecond), mib/tw.Seconds(), float64(ar.Lines)/tw.Seconds(), human(trss))
	ratio := medianRatio(ours, theirs)
	fmt.Fprintf(w, "throughput amlmon/duckdb: %.2fx (median of the runs' ratios)\n", ratio)
	v.check(ratio >= targetRatio, "throughput amlmon/duckdb %.2fx (target >= %.1fx)", ratio, targetRatio)
	v.check(orss <= targetRSS, "amlmon peak RSS %s (target <= %s; duckdb %s)", human(orss), human(targetRSS), human(trss))

	// The archive is unchanged since the last sync into lake: nothing may be downloaded.
	m, sum, err := amlmonSync(ctx, o, ar.Dir, lake)
	if err != nil {
		return err
	}
	share := m.Wall.Seconds() / ow.Seconds()
	fmt.Fprintf(w, "\nno-change resync: %s = %.1f%% of the first sync, %d bytes read\n",
		m.Wall.Round(time.Millisecond), 100*share, sum.Bytes)
	v.check(share < targetResync, "no-change resync %.1f%% of the first sync (target < %.0f%%)", 100*share, 100*targetResync)
	v.check(sum.Bytes == 0 && sum.Msg != "", "no-change resync read %d bytes of blobs (target 0)", sum.Bytes)

	if o.ReportDays > 0 {
		d, err := reportTiming(ctx, o, w, size)
		if err != nil {
			return err
		}
		v.check(d < targetReport, "report for one day of a %d-day lake in %s (target < %s)", o.ReportDays, d.Round(time.Millisecond), targetReport)
	}
	if o.Scale > 1 {
		big, err := generateApart(ctx, self, filepath.Join(o.Dir, fmt.Sprintf("archive-%dx%s", o.Scale, o.Size)), o.Seed, size*int64(o.Scale), 1)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%dx archive: %s\n", o.Scale, big.describe(size*int64(o.Scale)))
		m, _, err := amlmonSync(ctx, o, big.Dir, filepath.Join(runs, "big", "lake"))
		if err != nil {
			return err
		}
		report(w, fmt.Sprintf("%dx archive amlmon sync", o.Scale), m, big)
		growth := float64(m.MaxRSS)/float64(orss) - 1
		v.check(math.Abs(growth) <= targetRSSGrowth && m.MaxRSS <= targetRSS,
			"peak RSS of a %dx archive (%.0f MiB) %s, %+.1f%% of the 1x one (target within %.0f%%)",
			o.Scale, float64(big.Bytes)/(1<<20), human(m.MaxRSS), 100*growth, 100*targetRSSGrowth)
	}

	fmt.Fprintln(w, "\ntargets:")
	for _, l := range v.lines {
		fmt.Fprintln(w, "  "+l)
	}
	fmt.Fprintf(w, "%d of %d targets met\n", len(v.lines)-v.fails, len(v.lines))
	return nil
}

// reportTiming builds (or completes) a lake of ReportDays days of size bytes each and times
// the report of its last day, the median of Runs runs.
func reportTiming(ctx context.Context, o options, w io.Writer, size int64) (time.Duration, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	ar, err := generateApart(ctx, self, filepath.Join(o.Dir, fmt.Sprintf("archive-%dd-%s", o.ReportDays, o.Size)), o.Seed, size*int64(o.ReportDays), o.ReportDays)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(w, "\n%d-day archive: %s\n", o.ReportDays, ar.describe(size*int64(o.ReportDays)))
	// The lake is kept between runs; a sync of an unchanged archive into it only lists.
	lake := filepath.Join(o.Dir, fmt.Sprintf("lake-%dd-%s", o.ReportDays, o.Size))
	if _, _, err := amlmonSync(ctx, o, ar.Dir, lake); err != nil {
		return 0, err
	}
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, o.ReportDays-1).Format("2006-01-02")
	// The report is timed --runs times, as the sync is, and its median counts: one run of a
	// few seconds is at the mercy of whatever else the machine does in them.
	var ms []measurement
	var walls []string
	for range max(o.Runs, 1) {
		m, err := measure(ctx, o.Amlmon, "report", "--lake", lake, "--out", filepath.Join(o.Dir, "reports"), "--date", day)
		if err != nil {
			return 0, err
		}
		ms = append(ms, m)
		walls = append(walls, m.Wall.Round(time.Millisecond).String())
	}
	med := medianWall(ms)
	fmt.Fprintf(w, "report for %s on a %d x %s lake (%.0f MiB archive): median %s (runs %s), peak RSS %s\n",
		day, o.ReportDays, o.Size, float64(ar.Bytes)/(1<<20), med.Round(time.Millisecond), strings.Join(walls, ", "), human(medianRSS(ms)))
	return med, nil
}

func report(w io.Writer, label string, m measurement, ar archiveInfo) {
	s := m.Wall.Seconds()
	fmt.Fprintf(w, "%-22s %8s  %7.1f MiB/s  %10.0f records/s  peak RSS %s\n", label,
		m.Wall.Round(time.Millisecond), float64(ar.Bytes)/(1<<20)/s, float64(ar.Lines)/s, human(m.MaxRSS))
}

func medianWall(ms []measurement) time.Duration {
	ds := make([]time.Duration, len(ms))
	for i, m := range ms {
		ds[i] = m.Wall
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// medianRatio is the median over the runs of DuckDB's wall time over amlmon's, each pair
// measured back to back so that both saw the same load on the machine.
func medianRatio(ours, theirs []measurement) float64 {
	rs := make([]float64, len(ours))
	for i := range ours {
		rs[i] = theirs[i].Wall.Seconds() / ours[i].Wall.Seconds()
	}
	slices.Sort(rs)
	return rs[len(rs)/2]
}

func medianRSS(ms []measurement) int64 {
	rs := make([]int64, len(ms))
	for i, m := range ms {
		rs[i] = m.MaxRSS
	}
	slices.Sort(rs)
	return rs[len(rs)/2]
}

func human(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
