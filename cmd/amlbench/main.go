// Command amlbench measures amlmon's conversion against DuckDB's own JSON reader on the same
// generated archive, in the same run, and prints the figures and their ratios.
//
//	amlbench [--size 600MiB] [--runs 3] [--dir .bench] [--amlmon bin/amlmon]
//
// Each run alternates a fresh `amlmon sync` and the DuckDB baseline (one COPY … read_json … TO
// parquet per container, through the same DuckDB driver amlmon uses), each in a child process so
// that its peak RSS comes from the OS. It then times a second sync over the unchanged archive,
// a report for one day of a 7-day lake, and the peak RSS of a sync four times as large.
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
