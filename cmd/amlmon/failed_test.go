package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copySample copies the repository's sample archive, so that a test may add blobs to it.
func copySample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "archive")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "testdata", "archive"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

const sampleWorkspace = "/SUBSCRIPTIONS/DF48E3E8-0449-407A-A579-AE0E87D8B687/RESOURCEGROUPS/RG-ML-PROD/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/MLW-PROD-WEU"

// A blob that cannot be read does not stop the run, nor pass unnoticed: the others are
// committed, the failure is logged at ERROR with a count, the report names the blob and why,
// and the exit status is 4. The next run reads the blob again and, once it reads, exits 0.
func TestFailedBlobExitStatus(t *testing.T) {
	arc := copySample(t)
	name := filepath.Join(arc, "insights-logs-amlcomputejobevent", "resourceId="+sampleWorkspace, "y=2026/m=11/d=24/h=05/m=00/PT1H.json.gz")
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte("this is not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	lake, out := t.TempDir(), t.TempDir()
	for _, cmd := range [][]string{
		append([]string{"sync", "--source", arc, "--lake", lake}, "--now", "2030-01-01T00:00:00Z", "--progress", "never"),
		runArgs(arc, lake, out),
	} {
		code, stdout, stderr := runCmd(t, "", cmd...)
		if code != exitBlobsFailed {
			t.Fatalf("amlmon %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", cmd[0], code, exitBlobsFailed, stdout, stderr)
		}
		for _, want := range []string{"level=ERROR", "PT1H.json.gz", "blobs_failed=1", "1 blobs failed (logged above); the others are committed", ", 1 failed"} {
			if !strings.Contains(stdout+stderr, want) {
				t.Errorf("amlmon %s: output lacks %q\nstdout:\n%s\nstderr:\n%s", cmd[0], want, stdout, stderr)
			}
		}
	}
	// Everything else was committed: the day has its jobs.
	stdout, _ := mustRun(t, exitOK, "query", "--lake", lake, "--format", "csv", "SELECT count(*) > 0 AS jobs FROM AmlComputeJobEvent")
	if stdout != "jobs\ntrue\n" {
		t.Errorf("jobs committed beside the failed blob: %q", stdout)
	}
	md, err := os.ReadFile(filepath.Join(out, e2eDay, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Failed blobs**: 1 blob could not be read", "MLW-PROD-WEU 2026-11-24 05:00 (", "### Failed blobs", "gzip"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	var sum struct {
		FailedBlobs []struct{ Container, Blob, Reason string } `json:"failed_blobs"`
	}
	data, err := os.ReadFile(filepath.Join(out, e2eDay, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.FailedBlobs) != 1 || !strings.HasSuffix(sum.FailedBlobs[0].Blob, "h=05/m=00/PT1H.json.gz") || !strings.Contains(sum.FailedBlobs[0].Reason, "gzip") {
		t.Errorf("summary.json failed_blobs = %+v", sum.FailedBlobs)
	}

	// Repaired at the source: the next run reads it, and all is well.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"time":"2026-11-24T05:10:00Z","resourceId":"` + sampleWorkspace + `","category":"AmlComputeJobEvent","operationName":"JobSubmitted","properties":{"JobId":"repaired-1","EventType":"JobSubmitted"}}` + "\n"))
	zw.Close()
	if err := os.WriteFile(name, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, exitOK, runArgs(arc, lake, out)...)
	stdout, _ = mustRun(t, exitOK, "query", "--lake", lake, "--format", "csv", "SELECT count(*) AS n FROM AmlComputeJobEvent WHERE JobId = 'repaired-1'")
	if stdout != "n\n1\n" {
		t.Errorf("the repaired blob's record: %q", stdout)
	}
	if md, _ := os.ReadFile(filepath.Join(out, e2eDay, "report.md")); bytes.Contains(md, []byte("Failed blobs")) {
		t.Errorf("report.md still names failed blobs after they were read")
	}
}
