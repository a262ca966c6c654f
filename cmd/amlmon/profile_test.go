package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSyncProfiles writes both profiles of a real sync, and keeps the flags out of --help.
func TestSyncProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	code, _, stderr := runCmd(t, "", "sync", "--source", filepath.Join("..", "..", "testdata", "archive"),
		"--lake", filepath.Join(dir, "lake"), "--progress", "never", "--now", "2026-11-25T12:00:00Z",
		"--cpuprofile", cpu, "--memprofile", mem)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	for _, name := range []string{cpu, mem} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		// pprof writes a gzipped protocol buffer.
		if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			t.Errorf("%s is not a pprof profile: % x", filepath.Base(name), data[:min(len(data), 8)])
		}
	}

	code, _, stderr = runCmd(t, "", "sync", "--source", filepath.Join("..", "..", "testdata", "archive"),
		"--lake", filepath.Join(dir, "lake2"), "--cpuprofile", filepath.Join(dir, "missing", "cpu.prof"))
	if code != exitFailed || !strings.Contains(stderr, "CPU profile") {
		t.Errorf("unwritable profile: exit %d\n%s", code, stderr)
	}

	_, stdout, _ := runCmd(t, "", "sync", "--help")
	if strings.Contains(stdout, "profile") {
		t.Errorf("sync --help shows the profiling flags:\n%s", stdout)
	}
}
