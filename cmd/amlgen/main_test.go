package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunWritesArchive(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run([]string{"--out", dir, "--seed", "5", "--start", "2026-11-24T20:00:00Z", "--hours", "3", "--workspaces", "1", "--clusters", "1", "--metrics", "2"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "wrote ") {
		t.Fatalf("stdout %q", stdout.String())
	}
	matches, err := filepath.Glob(filepath.Join(dir, "insights-metrics-pt1m", "resourceId=", "SUBSCRIPTIONS", "*", "RESOURCEGROUPS", "*", "PROVIDERS", "MICROSOFT.MACHINELEARNINGSERVICES", "WORKSPACES", "*", "y=2026", "m=11", "d=24", "h=2?", "m=00", "PT1H.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != 3 {
		t.Fatalf("%d metric blobs for 3 hours: %v", len(matches), matches)
	}
	if _, err := os.Stat(filepath.Join(dir, "insights-logs-amlcomputejobevent")); err != nil {
		t.Fatalf("no job events: %v", err)
	}
}

func TestRunUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--help"}, 0},
		{[]string{}, 2},
		{[]string{"--out", t.TempDir(), "extra"}, 2},
		{[]string{"--out", t.TempDir(), "--start", "yesterday"}, 2},
		{[]string{"--out", t.TempDir(), "--size", "lots"}, 2},
		{[]string{"--out", t.TempDir(), "--metrics", "61"}, 2},
		{[]string{"--out", t.TempDir(), "--workspaces", "2", "--current-workspaces", "3"}, 2},
		{[]string{"--out", t.TempDir(), "--idle-workspaces", "-1"}, 2},
		{[]string{"--out", "/dev/null/archive", "--hours", "1"}, 1},
		{[]string{"--bogus"}, 2},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != c.code {
			t.Errorf("run %q: exit %d, want %d (%s)", c.args, code, c.code, stderr.String())
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"600MiB": 600 << 20, "600mib": 600 << 20, "2GB": 2e9, "1.5KiB": 1536, "123456": 123456, "10 MB": 1e7, "7B": 7,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-3MB", "x1"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}
