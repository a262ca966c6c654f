package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/transform"
)

// runCmd runs the command in-process and returns its exit status and output.
func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string // all in stderr
	}{
		{"no command", nil, []string{"no command given", "run, sync, report, query, check, fetch, prices, version"}},
		{"unknown command", []string{"rnu"}, []string{`unknown command "rnu"`, `did you mean "run"?`}},
		{"unknown flag", []string{"run", "--lake", "l", "--out", "o", "--dat", "2026-11-24"}, []string{"unknown flag: --dat", "did you mean --date?", "amlmon run --help"}},
		{"bad date", []string{"run", "--lake", "l", "--out", "o", "--date", "24/11/2026"}, []string{`"24/11/2026" is not a date`, "YYYY-MM-DD"}},
		{"impossible date", []string{"sync", "--lake", "l", "--source", "s", "--date", "2026-02-30"}, []string{"is not a date"}},
		{"missing lake", []string{"run", "--source", "s", "--out", "o"}, []string{"no lake given", "--lake DIR"}},
		{"missing out", []string{"run", "--source", "s", "--lake", "l"}, []string{"no reports directory given", "--out DIR"}},
		{"sync missing lake", []string{"sync", "--source", "s"}, []string{"no lake given"}},
		{"report missing lake", []string{"report", "--out", "o"}, []string{"no lake given"}},
		{"query without query", []string{"query", "--lake", "l"}, []string{"no query given"}},
		{"query bad format", []string{"query", "--lake", "l", "--format", "xml", "SELECT 1"}, []string{`--format "xml"`, "table, csv, json, markdown"}},
		{"fetch without dir", []string{"fetch", "--source", "s", "--date", "2026-11-24"}, []string{"--to DIR"}},
		{"date and range", []string{"sync", "--source", "s", "--lake", "l", "--date", "2026-11-24", "--from", "2026-11-20"}, []string{"--date and --from/--to both given"}},
		{"to before from", []string{"sync", "--source", "s", "--lake", "l", "--from", "2026-11-24", "--to", "2026-11-20"}, []string{"before --from"}},
		{"future day", []string{"report", "--lake", "l", "--out", "o", "--date", "2026-12-01", "--now", "2026-11-25T12:00:00Z"}, []string{"after today (2026-11-25)"}},
		{"bad now", []string{"report", "--lake", "l", "--out", "o", "--now", "yesterday"}, []string{"not an RFC 3339 time"}},
		{"bad log format", []string{"sync", "--lake", "l", "--log-format", "xml"}, []string{`"xml" is not one of text, json`}},
		{"stray argument", []string{"sync", "--lake", "l", "2026-11-24"}, []string{`unexpected argument "2026-11-24"`}},
		{"negative parallel", []string{"sync", "--lake", "l", "--source", "s", "--parallel", "-1"}, []string{"--parallel -1"}},
		{"no source", []string{"sync", "--lake", "l"}, []string{"no archive given", "AZURE_STORAGE_CONNECTION_STRING"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AZURE_STORAGE_CONNECTION_STRING", "")
			code, stdout, stderr := runCmd(t, "", tc.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if stdout != "" && tc.args != nil {
				t.Errorf("stdout not empty on a usage error:\n%s", stdout)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				code, stdout, stderr := runCmd(t, "", args...)
				if code != exitOK {
					t.Fatalf("exit %d; stderr:\n%s", code, stderr)
				}
				for _, w := range []string{"Usage:\n  amlmon " + c.name, "Examples:\n  ", "amlmon " + c.name, "Exit status:", "3  finished, but alerts fired"} {
					if !strings.Contains(stdout, w) {
						t.Errorf("help lacks %q:\n%s", w, stdout)
					}
				}
			})
		}
	}
	code, stdout, _ := runCmd(t, "", "--help")
	if code != exitOK || !strings.Contains(stdout, "Commands:") || !strings.Contains(stdout, "fetch") {
		t.Errorf("amlmon --help: exit %d\n%s", code, stdout)
	}
}

func TestHelpShowsEnvironment(t *testing.T) {
	_, stdout, _ := runCmd(t, "", "run", "--help")
	for _, w := range []string{"[$AMLMON_SOURCE]", "[$AMLMON_LOG_FORMAT]", "[$AMLMON_FAIL_ON_ALERT]", "AZURE_STORAGE_SAS_TOKEN"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("run --help lacks %q", w)
		}
	}
	_, stdout, _ = runCmd(t, "", "query", "--help")
	if !strings.Contains(stdout, "[$AMLMON_QUERY_OUT]") {
		t.Errorf("query --help: --out should read AMLMON_QUERY_OUT:\n%s", stdout)
	}
}

// parseWithEnv parses args for a subcommand with env as the environment.
func parseWithEnv(t *testing.T, name string, env map[string]string, args ...string) subcommand {
	t.Helper()
	c, ok := findCommand(name)
	if !ok {
		t.Fatalf("no command %s", name)
	}
	opts := c.options()
	fs := newFlagSet(c, opts)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if err := applyEnv(fs, getenv); err != nil {
		t.Fatalf("apply env: %v", err)
	}
	return opts
}

func TestEnvironmentFeedsFlags(t *testing.T) {
	env := map[string]string{
		"AMLMON_SOURCE":        "./archive",
		"AMLMON_LAKE":          "/env/lake",
		"AMLMON_OUT":           "/env/reports",
		"AMLMON_DATE":          "2026-11-24",
		"AMLMON_WORKSPACE":     "ws-a,ws-b",
		"AMLMON_PARALLEL":      "3",
		"AMLMON_SETTLE":        "20m",
		"AMLMON_FAIL_ON_ALERT": "true",
		"AMLMON_LOG_FORMAT":    "json",
		"AMLMON_NOW":           "2026-11-25T12:00:00Z",
	}
	o := parseWithEnv(t, "run", env, "--lake", "/flag/lake", "--workspace", "ws-c").(*RunOptions)
	if o.Lake != "/flag/lake" {
		t.Errorf("Lake = %q: the flag should win over AMLMON_LAKE", o.Lake)
	}
	if got := strings.Join(o.Source.Workspaces, ","); got != "ws-c" {
		t.Errorf("Workspaces = %q: the flag should win over AMLMON_WORKSPACE", got)
	}
	if o.Source.Source != "./archive" || o.Report.Out != "/env/reports" || !o.Report.FailOnAlert {
		t.Errorf("env not applied: source %q out %q fail-on-alert %v", o.Source.Source, o.Report.Out, o.Report.FailOnAlert)
	}
	if o.Date.Format("2006-01-02") != "2026-11-24" || o.Tuning.Parallel != 3 || o.Tuning.Settle.Minutes() != 20 {
		t.Errorf("env not applied: date %v parallel %d settle %v", o.Date, o.Tuning.Parallel, o.Tuning.Settle)
	}
	if o.Common.LogFormat != "json" || o.Common.Now.Format("15:04") != "12:00" {
		t.Errorf("env not applied: log format %q now %v", o.Common.LogFormat, o.Common.Now)
	}

	s := parseWithEnv(t, "sync", env).(*SyncOptions)
	if got := strings.Join(s.Source.Workspaces, "|"); got != "ws-a|ws-b" {
		t.Errorf("sync Workspaces = %q, want both of AMLMON_WORKSPACE", got)
	}

	q := parseWithEnv(t, "query", env, "SELECT 1").(*QueryOptions)
	if q.Out != "" {
		t.Errorf("query --out took AMLMON_OUT (%q), a directory meant for run and report", q.Out)
	}
	q = parseWithEnv(t, "query", map[string]string{"AMLMON_QUERY_OUT": "rows.csv"}, "SELECT 1").(*QueryOptions)
	if q.Out != "rows.csv" {
		t.Errorf("query --out = %q, want it from AMLMON_QUERY_OUT", q.Out)
	}
}

func TestEnvironmentErrorsAreUsageErrors(t *testing.T) {
	t.Setenv("AMLMON_DATE", "tomorrow")
	code, _, stderr := runCmd(t, "", "report", "--lake", "l", "--out", "o")
	if code != exitUsage || !strings.Contains(stderr, "AMLMON_DATE") || !strings.Contains(stderr, "YYYY-MM-DD") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	// The flag wins, so the bad variable is never read.
	code, _, stderr = runCmd(t, "", "report", "--lake", "l", "--out", "o", "--date", "2026-12-24", "--now", "2026-11-25T00:00:00Z")
	if code != exitUsage || strings.Contains(stderr, "AMLMON_DATE") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestEnvironmentReachesRun(t *testing.T) {
	t.Setenv("AMLMON_LAKE", "")
	t.Setenv("AMLMON_OUT", "o")
	code, _, stderr := runCmd(t, "", "run", "--source", "s")
	if code != exitUsage || !strings.Contains(stderr, "no lake given") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	t.Setenv("AMLMON_LAKE", t.TempDir())
	t.Setenv("AMLMON_LOG_LEVEL", "verbose")
	code, _, stderr = runCmd(t, "", "run", "--source", "s")
	if code != exitUsage || !strings.Contains(stderr, "AMLMON_LOG_LEVEL") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{pflag.ErrHelp, exitOK},
		{usagef("no lake"), exitUsage},
		{fmt.Errorf("run: %w", usagef("no lake")), exitUsage},
		{fmt.Errorf("2 alerts fired: %w", errAlertsFired), exitAlerts},
		{lockedError(fmt.Errorf("lock: %w", transform.ErrLocked)), exitFailed},
		{context.Canceled, exitFailed},
		{errors.New("open archive: no such container"), exitFailed},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// The lake's own refusal names the holder and what to do; lockedError adds only that the run
// changed nothing, without repeating the advice.
func TestLockedErrorSaysWhatToDo(t *testing.T) {
	lake := t.TempDir()
	l, err := transform.Open(lake, transform.Options{Now: func() time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	release, err := l.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	_, err = l.Lock()
	if !errors.Is(err, transform.ErrLocked) {
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}
	msg := lockedError(err).Error()
	if !errors.Is(lockedError(err), transform.ErrLocked) {
		t.Error("lockedError hides transform.ErrLocked")
	}
	for _, w := range []string{lake, "another amlmon", "changed nothing", fmt.Sprintf("pid %d", os.Getpid())} {
		if !strings.Contains(msg, w) {
			t.Errorf("%q lacks %q", msg, w)
		}
	}
	if n := strings.Count(msg, "wait for it"); n != 1 {
		t.Errorf("the advice to wait shows %d times: %q", n, msg)
	}
	// Since is when the lock was taken by the wall clock, not the lake's pinned clock.
	if strings.Contains(msg, "2020-01-01") {
		t.Errorf("the holder's time is the pinned clock's: %q", msg)
	}
	if y := fmt.Sprint(time.Now().UTC().Year()); !strings.Contains(msg, "since "+y) {
		t.Errorf("%q lacks the lock's wall-clock time", msg)
	}
}

func TestQueryExplainReadsStdin(t *testing.T) {
	code, stdout, stderr := runCmd(t, "  SELECT count(*) FROM AzureMetrics\n", "query", "--explain", "-")
	if code != exitOK || stdout != "SELECT count(*) FROM AzureMetrics\n" {
		t.Errorf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	code, stdout, _ = runCmd(t, "", "query", "--explain", "SELECT", "1", "AS", "one")
	if code != exitOK || stdout != "SELECT 1 AS one\n" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

func TestMissingLakeFails(t *testing.T) {
	missing := t.TempDir() + "/none"
	code, _, stderr := runCmd(t, "", "sync", "--source", missing, "--lake", t.TempDir())
	if code != exitFailed || !strings.Contains(stderr, "az://<account>") {
		t.Errorf("sync from a missing directory: exit %d, stderr:\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"query", "--lake", missing, "SELECT 1"},
		{"report", "--lake", missing, "--out", t.TempDir(), "--date", "2026-11-24", "--now", "2026-11-25T00:00:00Z"},
	} {
		code, _, stderr := runCmd(t, "", args...)
		if code != exitFailed || !strings.Contains(stderr, "amlmon sync") {
			t.Errorf("%s: exit %d, stderr:\n%s", args[0], code, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := runCmd(t, "", "version")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, w := range []string{"amlmon ", "commit ", "DuckDB ", "Arrow ", "Go "} {
		if !strings.Contains(stdout, w) {
			t.Errorf("version lacks %q:\n%s", w, stdout)
		}
	}
	for bindings, want := range map[string]string{"v0.10506.0": "v1.5.6", "v0.11002.3": "v1.10.2", "v0.3.5": "bindings v0.3.5"} {
		if got := duckDBRelease(bindings); got != want {
			t.Errorf("duckDBRelease(%s) = %s, want %s", bindings, got, want)
		}
	}
}
