package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildBinary builds the command into a temporary directory, with a version set as the
// Makefile sets it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "amlmon")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7-test -X main.commit=abc123", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestBinaryExitCodes(t *testing.T) {
	bin := buildBinary(t)
	missing := filepath.Join(t.TempDir(), "no-lake")
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{[]string{"version"}, 0, "amlmon v9.8.7-test\ncommit  abc123\n"},
		{[]string{"run", "--help"}, 0, "Examples:"},
		{[]string{"--help"}, 0, "Commands:"},
		{nil, 2, "no command given"},
		{[]string{"sync", "--lake", "l", "--froom", "2026-11-20"}, 2, "did you mean --from?"},
		{[]string{"report", "--lake", "l", "--out", "o", "--date", "2026-11-31"}, 2, "type it as YYYY-MM-DD"},
		{[]string{"run", "--source", "testdata/archive", "--out", "o"}, 2, "--lake DIR"},
		{[]string{"query", "--lake", missing, "SELECT 1"}, 1, "no-lake"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			out, err := cmd.CombinedOutput()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			if !strings.Contains(string(out), tc.out) {
				t.Errorf("output lacks %q:\n%s", tc.out, out)
			}
		})
	}
}
