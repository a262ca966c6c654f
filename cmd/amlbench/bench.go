package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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
	Baseline   bool // internal: run the DuckDB baseline in this process
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
	_ = fs.MarkHidden("duckdb-baseline")
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
	if o.Baseline {
		err = baseline(ctx, o.Archive, o.Out)
	} else {
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
	Dir   string
	Bytes int64
	Lines int64
}

// generate writes (once) a clean synthetic archive of about size bytes over days days.
func generate(dir string, seed, size int64, days int) (archiveInfo, error) {
	info := archiveInfo{Dir: dir}
	marker := filepath.Join(dir, ".complete.json")
	if b, err := os.ReadFile(marker); err == nil && json.Unmarshal(b, &info) == nil {
		return info, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return info, err
	}
	o := gen.Options{
		Seed:                 seed,
		Start:                time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Hours:                24 * days,
		Workspaces:           12,
		ClustersPerWorkspace: 3,
		TargetBytes:          size,
	}
	st, err := gen.WriteDir(o, dir)
	if err != nil {
		return info, fmt.Errorf("generate %s: %w", dir, err)
	}
	info.Bytes, info.Lines = st.Bytes, st.Records+st.BadLines
	b, _ := json.Marshal(info)
	return info, os.WriteFile(marker, b, 0o644)
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

func bench(ctx context.Context, o options, w io.Writer) error {
	size, err := parseSize(o.Size)
	if err != nil {
		return err
	}
	if _, err := os.Stat(o.Amlmon); err != nil {
		return fmt.Errorf("the amlmon binary %s: %w (run make build first)", o.Amlmon, err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "amlbench: %s archive, %d runs, %s\n", o.Size, o.Runs, o.Dir)
	ar, err := generate(filepath.Join(o.Dir, "archive-"+o.Size), o.Seed, size, 1)
	if err != nil {
		return err
	}
	mib := float64(ar.Bytes) / (1 << 20)
	fmt.Fprintf(w, "archive: %.1f MiB, %d lines\n\n", mib, ar.Lines)

	var ours, theirs []measurement
	lake := filepath.Join(o.Dir, "lake")
	for i := 0; i < o.Runs; i++ {
		if err := os.RemoveAll(lake); err != nil {
			return err
		}
		m, _, err := amlmonSync(ctx, o, ar.Dir, lake)
		if err != nil {
			return err
		}
		ours = append(ours, m)
		report(w, fmt.Sprintf("run %d amlmon sync", i+1), m, ar)

		out := filepath.Join(o.Dir, "duckdb")
		if err := os.RemoveAll(out); err != nil {
			return err
		}
		m, err = measure(ctx, self, "--duckdb-baseline", "--archive", ar.Dir, "--out", out)
		if err != nil {
			return err
		}
		theirs = append(theirs, m)
		report(w, fmt.Sprintf("run %d duckdb", i+1), m, ar)
	}
	ow, tw := medianWall(ours), medianWall(theirs)
	orss, trss := medianRSS(ours), medianRSS(theirs)
	fmt.Fprintf(w, "\nmedian amlmon: %s, %.1f MiB/s, peak RSS %s\n", ow.Round(time.Millisecond), mib/ow.Seconds(), human(orss))
	fmt.Fprintf(w, "median duckdb: %s, %.1f MiB/s, peak RSS %s\n", tw.Round(time.Millisecond), mib/tw.Seconds(), human(trss))
	fmt.Fprintf(w, "throughput amlmon/duckdb: %.2fx (target >= 2.0x)\n", tw.Seconds()/ow.Seconds())
	fmt.Fprintf(w, "peak RSS amlmon/duckdb:   %.2fx (target: amlmon <= 256 MiB)\n", float64(orss)/float64(trss))

	// The archive is unchanged since the last sync into lake: nothing may be downloaded.
	m, sum, err := amlmonSync(ctx, o, ar.Dir, lake)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nno-change resync: %s = %.1f%% of the first sync (target < 5%%), %d bytes read (target 0)\n",
		m.Wall.Round(time.Millisecond), 100*m.Wall.Seconds()/ow.Seconds(), sum.Bytes)

	if o.ReportDays > 0 {
		if err := reportTiming(ctx, o, w, size); err != nil {
			return err
		}
	}
	if o.Scale > 1 {
		big, err := generate(filepath.Join(o.Dir, fmt.Sprintf("archive-%dx%s", o.Scale, o.Size)), o.Seed, size*int64(o.Scale), 1)
		if err != nil {
			return err
		}
		lake := filepath.Join(o.Dir, "lake-big")
		if err := os.RemoveAll(lake); err != nil {
			return err
		}
		m, _, err := amlmonSync(ctx, o, big.Dir, lake)
		if err != nil {
			return err
		}
		report(w, fmt.Sprintf("\n%dx archive amlmon sync", o.Scale), m, big)
		fmt.Fprintf(w, "peak RSS %dx / 1x: %.2f (target within 10%%)\n", o.Scale, float64(m.MaxRSS)/float64(orss))
	}
	return nil
}

// reportTiming builds a lake of ReportDays days of size bytes each and times one day's report.
func reportTiming(ctx context.Context, o options, w io.Writer, size int64) error {
	ar, err := generate(filepath.Join(o.Dir, fmt.Sprintf("archive-%dd-%s", o.ReportDays, o.Size)), o.Seed, size*int64(o.ReportDays), o.ReportDays)
	if err != nil {
		return err
	}
	lake := filepath.Join(o.Dir, fmt.Sprintf("lake-%dd", o.ReportDays))
	if _, err := os.Stat(filepath.Join(lake, "_amlmon")); err != nil {
		if _, _, err := amlmonSync(ctx, o, ar.Dir, lake); err != nil {
			return err
		}
	}
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, o.ReportDays-1).Format("2006-01-02")
	m, err := measure(ctx, o.Amlmon, "report", "--lake", lake, "--out", filepath.Join(o.Dir, "reports"), "--date", day)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "report for %s on a %d x %s lake: %s (target < 3 s), peak RSS %s\n",
		day, o.ReportDays, o.Size, m.Wall.Round(time.Millisecond), human(m.MaxRSS))
	return nil
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

func medianRSS(ms []measurement) int64 {
	rs := make([]int64, len(ms))
	for i, m := range ms {
		rs[i] = m.MaxRSS
	}
	slices.Sort(rs)
	return rs[len(rs)/2]
}

func human(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
