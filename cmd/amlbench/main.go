// Command amlbench measures amlmon's conversion against DuckDB's own JSON reader on the same
// generated archive, in the same run, and prints the figures, their ratios, and a PASS or FAIL
// line for each target of the performance issue.
//
//	amlbench [--size 600MiB] [--runs 3] [--dir .bench] [--amlmon bin/amlmon]
//	         [--report-days 7] [--scale 4]
//
// The archive is synthetic and deterministic (archive/gen: --size within 5 %, 12 workspaces, 24
// hourly blobs each per container, lines about 45 % metric records, 35 % cluster and node
// events, 20 % job events, no quirks; a larger size means a busier account, with more clusters
// and online endpoints) and kept in --dir between runs; the archive: line gives its real size
// and mix. Each run alternates a fresh `amlmon sync` and the DuckDB baseline (one COPY …
// read_json … TO parquet per container, through the same DuckDB driver amlmon uses), each in a
// child process so that its peak RSS comes from the OS; the throughput ratio is the median of
// the runs' ratios. It then times a second sync over the unchanged archive, the report of the
// last day of a --report-days lake (kept in --dir; the median of --runs runs), and the peak
// RSS of a sync --scale times as large. The exit status is 0 whether or not the targets are
// met; the PASS and FAIL lines say.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
