package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amlmon/amlmon"
	"github.com/amlmon/amlmon/reports"
)

// lakeDump is every row of every table of a lake, and of its blob manifest, in order: two
// lakes with the same dump hold the same data, whatever their files.
func lakeDump(t *testing.T, lake string) string {
	t.Helper()
	db, err := reports.Open(context.Background(), lake)
	if err != nil {
		t.Fatalf("open %s: %v", lake, err)
	}
	defer db.Close()
	var b strings.Builder
	for _, table := range append(db.Tables(), reports.BlobsView) {
		rows, err := db.Query(fmt.Sprintf(`SELECT * FROM %q ORDER BY ALL`, table))
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\n", table, vals)
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		fmt.Fprintf(&b, "%s: %d rows\n", table, n)
	}
	return b.String()
}

// namedFiles lists the files the lake's manifest names, relative to it.
func namedFiles(t *testing.T, lake string) []string {
	t.Helper()
	mfs, err := amlmon.ManifestFiles(lake, "", "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, mf := range mfs {
		data, err := os.ReadFile(mf.Path)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := amlmon.ParseBlobEntries(mf.Path, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			for _, s := range e.Segments {
				for _, f := range s.Files {
					if !seen[f] {
						seen[f] = true
						out = append(out, f)
					}
				}
			}
		}
	}
	return out
}

// fileOf returns a named file of the table, relative to the lake.
func fileOf(t *testing.T, lake, table string) string {
	t.Helper()
	for _, f := range namedFiles(t, lake) {
		if strings.HasPrefix(f, table+"/") {
			return f
		}
	}
	t.Fatalf("no file of %s in %s", table, lake)
	return ""
}

// Every kind of damage that check finds, and that check --repair undoes: each case ends with a
// lake whose rows and blob entries equal those of a clean sync, and that check finds clean.
func TestCheckAndRepair(t *testing.T) {
	arc := filepath.Join("..", "..", "testdata", "archive")
	syncArgs := func(lake string) []string {
		return []string{"sync", "--source", arc, "--lake", lake, "--now", "2030-01-01T00:00:00Z", "--progress", "never"}
	}
	clean := t.TempDir()
	mustRun(t, exitOK, syncArgs(clean)...)
	want := lakeDump(t, clean)
	stdout, _ := mustRun(t, exitOK, "check", "--lake", clean, "--read-data")
	if !strings.Contains(stdout, "is clean") {
		t.Errorf("check of a clean lake: %q", stdout)
	}

	cases := []struct {
		name   string
		damage func(t *testing.T, lake string)
		finds  string
	}{
		{"deleted file", func(t *testing.T, lake string) {
			must(t, os.Remove(filepath.Join(lake, fileOf(t, lake, "AmlComputeJobEvent"))))
		}, "missing: AmlComputeJobEvent/"},
		{"truncated file", func(t *testing.T, lake string) {
			p := filepath.Join(lake, fileOf(t, lake, "AmlComputeClusterEvent"))
			info, err := os.Stat(p)
			must(t, err)
			must(t, os.Truncate(p, info.Size()/2))
		}, "damaged: AmlComputeClusterEvent/"},
		{"zero-length file", func(t *testing.T, lake string) {
			must(t, os.Truncate(filepath.Join(lake, fileOf(t, lake, amlmon.AzureMetrics)), 0))
		}, "damaged: AzureMetrics/"},
		{"stray files", func(t *testing.T, lake string) {
			f := fileOf(t, lake, "AmlComputeJobEvent")
			data, err := os.ReadFile(filepath.Join(lake, f))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(lake, filepath.Dir(f), "copy.parquet"), data, 0o644))
			must(t, os.MkdirAll(filepath.Join(lake, "Scratch", "date=2026-11-24"), 0o755))
			must(t, os.WriteFile(filepath.Join(lake, "Scratch", "date=2026-11-24", "x.parquet"), data, 0o644))
		}, "stray: AmlComputeJobEvent/"},
		{"garbage manifest", func(t *testing.T, lake string) {
			mfs, err := amlmon.ManifestFiles(lake, "", "")
			must(t, err)
			for _, mf := range mfs {
				if mf.Container == "insights-logs-amlcomputejobevent" {
					must(t, os.WriteFile(mf.Path, []byte("{\"container\": garbage\n"), 0o644))
					return
				}
			}
			t.Fatal("no job event manifest file")
		}, "manifest: _amlmon/blobs/"},
		{"unfinished journal", func(t *testing.T, lake string) {
			// What a sync killed between renaming its files into the lake and rewriting the
			// manifest leaves: a journal, the files it names, and a temporary file.
			f := fileOf(t, lake, "AmlComputeJobEvent")
			data, err := os.ReadFile(filepath.Join(lake, f))
			must(t, err)
			fresh := filepath.ToSlash(filepath.Join(filepath.Dir(f), "00000000000000000000.parquet"))
			must(t, os.WriteFile(filepath.Join(lake, fresh), data, 0o644))
			mfs, err := amlmon.ManifestFiles(lake, "", "")
			must(t, err)
			entries, err := amlmon.ParseBlobEntries(mfs[0].Path, mustRead(t, mfs[0].Path))
			must(t, err)
			e := entries[0]
			e.Records++
			journal := fmt.Sprintf(`[{"container":%q,"date":%q,"entries":[%s],"new":[%q],"obsolete":[]}]`, mfs[0].Container, mfs[0].Date, mustJSON(t, e), fresh)
			must(t, os.WriteFile(filepath.Join(amlmon.MetaDir(lake), "pending", "commit.json"), []byte(journal), 0o644))
			must(t, os.WriteFile(filepath.Join(amlmon.MetaDir(lake), "tmp", "AmlComputeJobEvent.123.parquet"), data[:len(data)/3], 0o644))
		}, "unfinished: _amlmon/pending/commit.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lake := filepath.Join(t.TempDir(), "lake")
			must(t, os.CopyFS(lake, os.DirFS(clean)))
			c.damage(t, lake)
			code, stdout, stderr := runCmd(t, "", "check", "--lake", lake, "--read-data")
			if code != exitFailed || !strings.Contains(stdout, c.finds) || !strings.Contains(stderr, "check --repair") {
				t.Fatalf("check: exit %d, want %d listing %q\nstdout:\n%s\nstderr:\n%s", code, exitFailed, c.finds, stdout, stderr)
			}
			stdout, _ = mustRun(t, exitOK, "check", "--lake", lake, "--read-data", "--repair", "--source", arc,
				"--now", "2030-01-01T00:00:00Z", "--progress", "never")
			if !strings.Contains(stdout, "is clean") {
				t.Errorf("check --repair:\n%s", stdout)
			}
			if got := lakeDump(t, lake); got != want {
				t.Errorf("the repaired lake differs from a clean sync:\n%s", firstDiff(got, want))
			}
			// A sync after the repair has nothing to do.
			stdout, _ = mustRun(t, exitOK, syncArgs(lake)...)
			if !strings.Contains(stdout, " 0 read") {
				t.Errorf("sync after the repair read blobs:\n%s", stdout)
			}
		})
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) && i < len(w); i++ {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	must(t, err)
	return b
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return string(b)
}

// A repair that cannot read the archive has removed the damaged file and marked its blobs: the
// next sync reads them, and the lake is then what a clean sync leaves.
func TestRepairFinishedByTheNextSync(t *testing.T) {
	arc := filepath.Join("..", "..", "testdata", "archive")
	syncArgs := func(lake string) []string {
		return []string{"sync", "--source", arc, "--lake", lake, "--now", "2030-01-01T00:00:00Z", "--progress", "never"}
	}
	clean := t.TempDir()
	mustRun(t, exitOK, syncArgs(clean)...)
	want := lakeDump(t, clean)

	lake := filepath.Join(t.TempDir(), "lake")
	must(t, os.CopyFS(lake, os.DirFS(clean)))
	p := filepath.Join(lake, fileOf(t, lake, "AmlComputeJobEvent"))
	must(t, os.Truncate(p, 100))
	code, stdout, stderr := runCmd(t, "", "check", "--lake", lake, "--repair", "--source", filepath.Join(t.TempDir(), "gone"), "--progress", "never")
	if code != exitFailed || !strings.Contains(stderr, "the next sync reads them") {
		t.Fatalf("repair without an archive: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(p); err == nil {
		t.Errorf("the damaged file is still there")
	}
	// Readers refuse the lake meanwhile: its rows are not all there.
	if code, _, stderr := runCmd(t, "", "query", "--lake", lake, "SELECT count(*) FROM AmlComputeJobEvent"); code != exitFailed || !strings.Contains(stderr, "is missing") {
		t.Errorf("query on a lake under repair: exit %d\n%s", code, stderr)
	}
	mustRun(t, exitOK, syncArgs(lake)...)
	mustRun(t, exitOK, "check", "--lake", lake, "--read-data")
	if got := lakeDump(t, lake); got != want {
		t.Errorf("the lake after the sync differs from a clean sync:\n%s", firstDiff(got, want))
	}
}
