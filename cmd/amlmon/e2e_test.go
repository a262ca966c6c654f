package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/azuritetest"
	"github.com/amlmon/amlmon/archive/gen"
	"github.com/amlmon/amlmon/transform"
)

func TestMain(m *testing.M) { os.Exit(azuritetest.Main(m)) }

const e2eDay = "2026-11-24"

// e2eArchive writes a generated archive with every quirk around the report day: from the day
// before to the day after, so that late blobs exist.
func e2eArchive(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	st, err := gen.WriteDir(gen.Options{
		Seed:   7,
		Start:  time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Hours:  72,
		Quirks: true,
	}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Blobs == 0 || st.Records == 0 {
		t.Fatalf("empty archive: %+v", st)
	}
	return dir
}

// mustRun runs the command and fails the test unless it exits with want.
func mustRun(t *testing.T, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := runCmd(t, "", args...)
	if code != want {
		t.Fatalf("amlmon %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout, stderr)
	}
	return stdout, stderr
}

// reportFiles reads every CSV of a day's report, by name.
func reportFiles(t *testing.T, out string) map[string][]byte {
	t.Helper()
	dir := filepath.Join(out, e2eDay)
	names, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 8 {
		t.Fatalf("%s holds %d CSV files, want the 8 of the contract", dir, len(names))
	}
	files := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = b
	}
	if _, err := os.Stat(filepath.Join(dir, "report.md")); err != nil {
		t.Errorf("no report.md: %v", err)
	}
	return files
}

// Flags every e2e run shares: a "now" long after the archive, so that every blob is sealed
// whatever its modification time, and a short settle for blobs uploaded a moment ago.
var e2eFlags = []string{"--date", e2eDay, "--now", "2030-01-01T00:00:00Z", "--settle", "1ms", "--progress", "never"}

func runArgs(src, lake, out string, extra ...string) []string {
	args := append([]string{"run", "--source", src, "--lake", lake, "--out", out}, e2eFlags...)
	return append(args, extra...)
}

func TestRunLocalArchive(t *testing.T) {
	arc := e2eArchive(t)
	lake, out := t.TempDir(), t.TempDir()
	stdout, _ := mustRun(t, exitOK, runArgs(arc, lake, out)...)
	for _, w := range []string{"Blobs:", "Records:", "Report:   " + filepath.Join(out, e2eDay, "report.md")} {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
	first := reportFiles(t, out)

	// Again, on the same lake: nothing doubles, the report is the same.
	mustRun(t, exitOK, runArgs(arc, lake, out)...)
	sameFiles(t, "second run", first, reportFiles(t, out))

	// The report alone, from the lake, says the same.
	out2 := t.TempDir()
	_, stderr := mustRun(t, exitOK, "report", "--lake", lake, "--out", out2, "--date", e2eDay, "--now", "2030-01-01T00:00:00Z", "--log-level", "debug")
	sameFiles(t, "report from the lake", first, reportFiles(t, out2))
	// At debug level it tells how long opening the lake and each query took.
	for _, w := range []string{`msg="lake opened for the report" seconds=`, "query=node_days seconds=", "query=job_times seconds=",
		"query=alerts seconds=", "query=table_rows seconds=", `query="render and write" seconds=`} {
		if !strings.Contains(stderr, w) {
			t.Errorf("report --log-level debug: stderr lacks %q:\n%s", w, stderr)
		}
	}

	// --fail-on-alert turns fired alerts into exit 3.
	b, err := os.ReadFile(filepath.Join(out, e2eDay, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		AlertsFired int64 `json:"alerts_fired"`
		Run         struct {
			Started time.Time `json:"started"`
		} `json:"run"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	// The run's start is told by the command's clock, which --now pins.
	if want := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC); !sum.Run.Started.Equal(want) {
		t.Errorf("summary.json run.started = %s, want %s", sum.Run.Started, want)
	}
	want := exitOK
	if sum.AlertsFired > 0 {
		want = exitAlerts
	}
	mustRun(t, want, "report", "--lake", lake, "--out", t.TempDir(), "--date", e2eDay, "--now", "2030-01-01T00:00:00Z", "--fail-on-alert")

	// A query over the same lake.
	stdout, _ = mustRun(t, exitOK, "query", "--lake", lake, "--format", "csv", "SELECT count(*) AS n FROM AmlComputeJobEvent")
	if !strings.HasPrefix(stdout, "n\n") || strings.HasPrefix(stdout, "n\n0\n") {
		t.Errorf("query: %q", stdout)
	}
}

func TestRunRefusesALockedLake(t *testing.T) {
	arc := e2eArchive(t)
	lake := t.TempDir()
	l, err := transform.Open(lake, transform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	release, err := l.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	code, _, stderr := runCmd(t, "", "sync", "--source", arc, "--lake", lake, "--progress", "never")
	if code != exitFailed || !strings.Contains(stderr, "locked by another amlmon") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

// uploadAppendBlobs copies a local archive into the emulator, every blob an append blob as
// diagnostic settings write them.
func uploadAppendBlobs(t *testing.T, connStr, dir string) {
	t.Helper()
	az, err := archive.NewAzure(connStr, archive.AzureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		container, name, _ := strings.Cut(filepath.ToSlash(rel), "/")
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return az.Put(ctx, container, name, archive.AppendBlob, f)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRunAzuriteMatchesLocal(t *testing.T) {
	arc := e2eArchive(t)
	az := azuritetest.Start(t)
	uploadAppendBlobs(t, az.ConnectionString(), arc)

	localOut := t.TempDir()
	mustRun(t, exitOK, runArgs(arc, t.TempDir(), localOut)...)

	// The connection string as --source, then from the environment with no --source.
	azOut := t.TempDir()
	_, stderr := mustRun(t, exitOK, runArgs(az.ConnectionString(), t.TempDir(), azOut, "--log-level", "debug")...)
	sameFiles(t, "Azurite against the local copy", reportFiles(t, localOut), reportFiles(t, azOut))
	if strings.Contains(stderr, azuritetest.Key) {
		t.Error("the account key is in the log")
	}
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", az.ConnectionString())
	envOut := t.TempDir()
	args := append([]string{"run", "--lake", t.TempDir(), "--out", envOut}, e2eFlags...)
	mustRun(t, exitOK, args...)
	sameFiles(t, "Azurite from the environment", reportFiles(t, localOut), reportFiles(t, envOut))
}

func TestFetchThenSyncEqualsDirectSync(t *testing.T) {
	arc := e2eArchive(t)
	az := azuritetest.Start(t)
	uploadAppendBlobs(t, az.ConnectionString(), arc)
	cs := az.ConnectionString()

	copyDir := t.TempDir()
	stdout, _ := mustRun(t, exitOK, "fetch", "--source", cs, "--to", copyDir, "--from", "2026-11-17", "--to", "2026-11-26", "--progress", "never")
	if !strings.Contains(stdout, "downloaded") {
		t.Errorf("fetch summary: %s", stdout)
	}
	// A second fetch finds every file up to date.
	stdout, _ = mustRun(t, exitOK, "fetch", "--source", cs, "--dir", copyDir, "--from", "2026-11-17", "--until", "2026-11-26", "--progress", "never")
	if !strings.Contains(stdout, " 0 downloaded") {
		t.Errorf("second fetch downloaded again: %s", stdout)
	}

	sync := func(src string) map[string][]byte {
		lake, out := t.TempDir(), t.TempDir()
		mustRun(t, exitOK, "sync", "--source", src, "--lake", lake, "--from", "2026-11-17", "--to", "2026-11-26",
			"--now", "2030-01-01T00:00:00Z", "--settle", "1ms", "--progress", "never")
		mustRun(t, exitOK, "report", "--lake", lake, "--out", out, "--date", e2eDay, "--now", "2030-01-01T00:00:00Z")
		return reportFiles(t, out)
	}
	sameFiles(t, "fetched copy against Azurite", sync(cs), sync(copyDir))
}

func TestInterruptedSyncExitsOne(t *testing.T) {
	arc := e2eArchive(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"sync", "--source", arc, "--lake", t.TempDir(), "--progress", "never"}, nil, &out, &errb)
	if code != exitFailed || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("exit %d, stderr:\n%s", code, errb.String())
	}
}
