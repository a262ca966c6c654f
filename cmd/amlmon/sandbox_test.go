package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// amlmon query runs one statement that reads the lake, and nothing else, unless --unsafe says
// otherwise; each refusal says what was refused. (DuckDB's settings: enable_external_access,
// allowed_directories, autoinstall_known_extensions, autoload_known_extensions and
// lock_configuration, https://duckdb.org/docs/stable/configuration/overview and
// https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview.)
func TestQuerySandbox(t *testing.T) {
	lake := t.TempDir()
	mustRun(t, exitOK, "sync", "--source", filepath.Join("..", "..", "testdata", "archive"), "--lake", lake, "--progress", "never")
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.csv")
	if err := os.WriteFile(secret, []byte("password\nhunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(lake, "AmlComputeJobEvent", "date=2026-11-24", "copy.parquet")
	written := filepath.Join(outside, "out.parquet")

	refused := []struct{ query, says string }{
		{"SELECT * FROM read_csv(" + quote(secret) + ")", "Permission Error"},
		{"SELECT * FROM read_json_auto('http://127.0.0.1:1/x.json')", "Permission Error"},
		{"COPY (SELECT * FROM AmlComputeJobEvent) TO " + quote(stray), "COPY is not a query that reads"},
		{"COPY (SELECT 1) TO " + quote(written), "Permission Error"},
		{"ATTACH " + quote(filepath.Join(outside, "x.db")), "ATTACH is not a query that reads"},
		{"SELECT 1; SELECT 2", "more than one statement"},
		{"CREATE TABLE t AS SELECT 1", "CREATE is not a query that reads"},
		{"DROP VIEW AmlComputeJobEvent", "DROP is not a query that reads"},
		{"INSTALL httpfs", "INSTALL or LOAD is not a query that reads"},
		{"LOAD httpfs", "INSTALL or LOAD is not a query that reads"},
		{"SET enable_external_access = true", "SET is not a query that reads"},
		{"SELECT * FROM read_parquet(" + quote(filepath.Join(outside, "*.parquet")) + ")", "Permission Error"},
	}
	for _, c := range refused {
		code, stdout, stderr := runCmd(t, "", "query", "--lake", lake, c.query)
		if code != exitFailed || !strings.Contains(stderr, "refused") || !strings.Contains(stderr, c.says) || !strings.Contains(stderr, "--unsafe") {
			t.Errorf("query %q: exit %d, want %d with %q and --unsafe named\nstdout:\n%s\nstderr:\n%s", c.query, code, exitFailed, c.says, stdout, stderr)
		}
		if strings.Contains(stdout+stderr, "hunter2") {
			t.Errorf("query %q printed the secret file", c.query)
		}
	}
	for _, f := range []string{stray, written, filepath.Join(outside, "x.db")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("a refused query wrote %s", f)
		}
	}

	// What a query that reads needs still works.
	for _, q := range []string{"SELECT count(*) AS n FROM AmlComputeJobEvent", "DESCRIBE AmlComputeJobEvent", "SHOW TABLES", "EXPLAIN SELECT 1",
		"SELECT count(*) FROM read_parquet(" + quote(filepath.Join(lake, "AmlComputeJobEvent", "*", "*.parquet")) + ")"} {
		mustRun(t, exitOK, "query", "--lake", lake, q)
	}

	// --unsafe: full DuckDB, several statements (the last one's rows printed), files anywhere.
	stdout, _ := mustRun(t, exitOK, "query", "--unsafe", "--lake", lake, "--format", "csv",
		"COPY (SELECT 7 AS n) TO "+quote(written)+" (FORMAT parquet); SELECT n FROM read_parquet("+quote(written)+")")
	if stdout != "n\n7\n" {
		t.Errorf("--unsafe COPY then SELECT: %q", stdout)
	}
	stdout, _ = mustRun(t, exitOK, "query", "--unsafe", "--lake", lake, "--format", "csv", "SELECT count(*) AS n FROM read_csv("+quote(secret)+")")
	if stdout != "n\n1\n" {
		t.Errorf("--unsafe read of a file outside the lake: %q", stdout)
	}
}

func quote(s string) string { return "'" + strings.ReplaceAll(filepath.ToSlash(s), "'", "''") + "'" }
