// Command amlgen writes a synthetic archive of Azure ML diagnostic logs and metrics in the layout
// that Azure Monitor diagnostic settings give a storage account, for the demo, the benchmark and
// offline tests. The same flags and seed always give the same bytes.
//
// Usage:
//
//	amlgen --out DIR [--seed N] [--start 2026-11-18T00:00:00Z] [--hours 192] [--workspaces 3]
//	       [--clusters 2] [--jobs 6] [--cluster-events 4] [--metrics 60] [--size 600MiB] [--clean]
//	       [--extra-categories] [--current-workspaces N] [--idle-workspaces N]
//
// --clean leaves out every quirk of the real archives (clean JSON Lines, as for the benchmark);
// --size scales the volume to about that many bytes in total, overriding --jobs,
// --cluster-events and --metrics. Files already under --out are replaced when the archive has
// a blob of the same name and left alone otherwise, so give a fresh directory.
//
// Examples:
//
//	amlgen --out demo/archive --seed 1 --start 2026-11-18T00:00:00Z --hours 192 --workspaces 3
//	amlgen --out .bench/archive --hours 192 --workspaces 3 --size 600MiB --clean
package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive/gen"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run returns the exit status: 0 done, 1 the archive could not be written, 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("amlgen", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		out   = fs.String("out", "", "write the archive under this `dir` (required)")
		seed  = fs.Int64("seed", 1, "seed; the same seed and flags give the same bytes")
		start = fs.String("start", "2026-11-24T00:00:00Z", "first hour, RFC 3339")
		hours = fs.Int("hours", 24, "hours the archive covers")
		size  = fs.String("size", "", "scale volume to about this `size` in total (600MiB, 2GB, 123456)")
		clean = fs.Bool("clean", false, "no quirks: clean JSON Lines only")
		extra = fs.Bool("extra-categories", false, "also AmlComputeCpuGpuUtilization and AmlRunStatusChangedEvent")
		o     gen.Options
	)
	fs.IntVar(&o.Workspaces, "workspaces", 2, "Azure ML workspaces")
	fs.IntVar(&o.ClustersPerWorkspace, "clusters", 2, "compute clusters per workspace")
	fs.IntVar(&o.JobsPerHour, "jobs", 6, "jobs submitted per workspace in the busiest hour; a third as many at night")
	fs.IntVar(&o.ClusterEventsPerHour, "cluster-events", 4, "status events per cluster and hour")
	fs.IntVar(&o.MetricsPerHour, "metrics", 60, "records per metric and hour (at most 60)")
	fs.IntVar(&o.CurrentWorkspaces, "current-workspaces", 0, "the last N workspaces log no AmlComputeClusterNodeEvent (deprecated in 2022)")
	fs.IntVar(&o.IdleWorkspaces, "idle-workspaces", 0, "the last N workspaces are idle: no logs, metrics every two hours")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: amlgen --out DIR [flags]\n\nWrites a synthetic Azure ML diagnostic-settings archive.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "amlgen: --out is required and no arguments are taken; see --help")
		return 2
	}
	t, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		fmt.Fprintf(stderr, "amlgen: --start %q: want RFC 3339, like 2026-11-18T00:00:00Z\n", *start)
		return 2
	}
	o.Seed, o.Start, o.Hours, o.Quirks, o.ExtraCategories = *seed, t, *hours, !*clean, *extra
	if *size != "" {
		if o.TargetBytes, err = parseSize(*size); err != nil {
			fmt.Fprintf(stderr, "amlgen: --size: %v\n", err)
			return 2
		}
	}
	began := time.Now()
	st, err := gen.WriteDir(o, *out)
	if errors.Is(err, gen.ErrOptions) {
		fmt.Fprintf(stderr, "amlgen: %v\n", err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "amlgen: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %d blobs (%d empty), %d bytes, %d records, %d bad lines to %s in %s\n",
		st.Blobs, st.EmptyBlobs, st.Bytes, st.Records, st.BadLines, *out, time.Since(began).Round(time.Millisecond))
	return 0
}

// parseSize reads a byte count with an optional unit, case-insensitively: B, KB, MB, GB (powers
// of 1000) or KiB, MiB, GiB (powers of 1024).
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := strings.ToUpper(strings.TrimSpace(s)), 1.0
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a size like 600MiB", s)
	}
	return int64(f * mult), nil
}
