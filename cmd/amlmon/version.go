package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=..." (see the Makefile);
// when empty, the module's build information fills them in.
var (
	version string
	commit  string
)

// versionInfo is what `amlmon version` prints.
type versionInfo struct {
	Version, Commit, Go, DuckDB, Arrow string
}

// buildVersion gathers the version from the linker flags, else from the build information.
func buildVersion() versionInfo {
	v := versionInfo{Version: version, Commit: commit, Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v.withDefaults()
	}
	if v.Version == "" {
		v.Version = bi.Main.Version
	}
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if v.Commit == "" {
				v.Commit = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && commit == "" && v.Commit != "" {
		v.Commit += "-dirty"
	}
	for _, d := range bi.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		switch d.Path {
		case "github.com/duckdb/duckdb-go-bindings":
			v.DuckDB = duckDBRelease(d.Version)
		case "github.com/apache/arrow-go/v18":
			v.Arrow = d.Version
		}
	}
	return v.withDefaults()
}

func (v versionInfo) withDefaults() versionInfo {
	if v.Version == "" || v.Version == "(devel)" {
		v.Version = "devel"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	if v.DuckDB == "" {
		v.DuckDB = "unknown"
	}
	if v.Arrow == "" {
		v.Arrow = "unknown"
	}
	return v
}

// duckDBRelease reads the DuckDB release out of a duckdb-go-bindings version: since DuckDB
// 1.5.0 the bindings are tagged v0.MMmmpp.N for DuckDB vM.m.p ("v0.10506.0" is DuckDB v1.5.6).
func duckDBRelease(bindings string) string {
	parts := strings.Split(strings.TrimPrefix(bindings, "v"), ".")
	if len(parts) < 2 || parts[0] != "0" {
		return "bindings " + bindings
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 10500 {
		return "bindings " + bindings
	}
	return fmt.Sprintf("v%d.%d.%d", n/10000, n/100%100, n%100)
}

// versionCommand is version's entry in the help and the dispatch.
func versionCommand() command {
	return command{
		name:     "version",
		synopsis: "version",
		summary:  "print the version of amlmon, DuckDB and Apache Arrow",
		about:    `Prints amlmon's version and commit and the versions of the libraries it is built with.`,
		examples: `  amlmon version`,
		options:  func() subcommand { return &VersionOptions{} },
	}
}

// VersionOptions are the flags of `amlmon version`: none but --help.
type VersionOptions struct{}

// AddFlags registers nothing: version has no flags.
func (o *VersionOptions) AddFlags(*pflag.FlagSet) {}

// Run prints the versions.
func (o *VersionOptions) Run(_ context.Context, st *streams, _ []string) error {
	v := buildVersion()
	_, err := fmt.Fprintf(st.stdout, "amlmon %s\ncommit  %s\nDuckDB  %s\nArrow   %s (arrow-go)\nGo      %s\n",
		v.Version, v.Commit, v.DuckDB, v.Arrow, v.Go)
	return err
}
