package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chartQuery needs no rows in the lake: its table is written in the query.
const chartQuery = `datatable(t:datetime, jobs:long) [datetime(2026-11-25 10:00), 1, datetime(2026-11-25 11:00), 3]
| render timechart with (title="Jobs per hour")`

func TestQueryChart(t *testing.T) {
	lake := t.TempDir()
	svg := filepath.Join(t.TempDir(), "jobs.svg")
	code, stdout, stderr := runCmd(t, "", "query", "--lake", lake, "--format", "csv", "--chart", svg, chartQuery)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if stdout != "t,jobs\n2026-11-25T10:00:00.000000Z,1\n2026-11-25T11:00:00.000000Z,3\n" {
		t.Errorf("rows:\n%s", stdout)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "<title>Jobs per hour</title>", `<path d="M`, "<title>jobs: 3</title>", "t (UTC)"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("chart lacks %q:\n%s", want, b)
		}
	}

	// Without --chart the rows print and stderr names the chart left out.
	code, stdout, stderr = runCmd(t, "", "query", "--lake", lake, "--format", "csv", chartQuery)
	if code != exitOK || !strings.Contains(stdout, "2026-11-25T11:00:00.000000Z,3") || !strings.Contains(stderr, "render timechart skipped") {
		t.Errorf("without --chart: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// A chart kind that is not drawn is an error, and no file is left.
	bad := filepath.Join(t.TempDir(), "card.svg")
	code, _, stderr = runCmd(t, "", "query", "--lake", lake, "--chart", bad, "datatable(n:long) [1] | render card")
	if _, err := os.Stat(bad); code != exitFailed || !strings.Contains(stderr, "render card is not drawn") || err == nil {
		t.Errorf("render card: exit %d, stderr %q, file %v", code, stderr, err)
	}
}

func TestQueryLanguageFlags(t *testing.T) {
	lake := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string // in stdout for exit 0, else in stderr
	}{
		{[]string{"--help-kql"}, exitOK, "arg_max"},
		{[]string{"--kql", "--sql", "SELECT 1"}, exitUsage, "exclude each other"},
		{[]string{"--kql", "SELECT 1"}, exitFailed, "translate KQL"},
		{[]string{"--sql", "--format", "csv", "SELECT 1 AS one"}, exitOK, "one\n1\n"},
		{[]string{"--sql", "datatable(n:long) [1]"}, exitFailed, "query:"},
		{[]string{"--format", "csv", "// a comment starts KQL\ndatatable(n:long) [7]"}, exitOK, "n\n7\n"},
		{[]string{"--format", "csv", "let x = 5; datatable(n:long) [1] | extend y = n + x"}, exitOK, "n,y\n1,6\n"},
		{[]string{"--chart", "x.svg", "SELECT 1"}, exitUsage, "has no render"},
	} {
		args := append([]string{"query", "--lake", lake}, c.args...)
		code, stdout, stderr := runCmd(t, "", args...)
		got := stdout
		if c.code != exitOK {
			got = stderr
		}
		if code != c.code || !strings.Contains(got, c.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, stdout, stderr, c.code, c.want)
		}
	}
}
