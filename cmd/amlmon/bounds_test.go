package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/azuritetest"
)

// A blob whose name holds a 300-character segment (legal in Azure, too long for a local file
// name) is skipped and named at ERROR; the fetch copies every other blob and exits with the
// failed-blobs status, on every rerun, instead of stopping halfway through the listing.
func TestFetchSkipsALongNameAndExitsWithFailedBlobs(t *testing.T) {
	az := azuritetest.Start(t)
	src, err := archive.NewAzure(az.ConnectionString(), archive.AzureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ws := "resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/"
	hour := "/y=2026/m=11/d=24/h=%02d/m=00/PT1H.json"
	names := []string{ws + "WS-A" + strings.ReplaceAll(hour, "%02d", "01"), ws + strings.Repeat("L", 300) + strings.ReplaceAll(hour, "%02d", "02"),
		ws + "WS-Z" + strings.ReplaceAll(hour, "%02d", "03")}
	for _, n := range names {
		line := `{"time":"2026-11-24T01:00:00Z","category":"AmlComputeJobEvent"}` + "\n"
		if err := src.Put(context.Background(), "insights-logs-amlcomputejobevent", n, archive.AppendBlob, strings.NewReader(line)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for range 2 {
		code, stdout, stderr := runCmd(t, "", "fetch", "--source", az.ConnectionString(), "--dir", dir, "--date", "2026-11-24", "--progress", "never")
		if code != exitBlobsFailed {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBlobsFailed, stderr)
		}
		if !strings.Contains(stdout, "1 with unsafe names") || !strings.Contains(stderr, "blob not copied") || !strings.Contains(stderr, "300 bytes") {
			t.Errorf("the skipped blob is not reported:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
	}
	for _, n := range []string{names[0], names[2]} {
		if _, err := os.Stat(filepath.Join(dir, "insights-logs-amlcomputejobevent", filepath.FromSlash(n))); err != nil {
			t.Errorf("not copied: %v", err)
		}
	}
}

// A compression bomb in a local archive fails with the inflate limit as its reason, and the
// other blobs of the night are converted.
func TestSyncStopsACompressionBomb(t *testing.T) {
	arc := t.TempDir()
	dir := filepath.Join(arc, "insights-logs-amlcomputejobevent", "resourceId=", "SUBSCRIPTIONS", "S", "RESOURCEGROUPS", "RG",
		"PROVIDERS", "MICROSOFT.MACHINELEARNINGSERVICES", "WORKSPACES", "WS", "y=2026", "m=11", "d=24")
	line := []byte(`{"time":"2026-11-24T01:00:00Z","category":"AmlComputeJobEvent","properties":{"JobId":"j1","EventType":"JobSubmitted"}}` + "\n")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	for range (64 << 20) / len(line) {
		zw.Write(line)
	}
	zw.Close()
	write := func(hour, name string, data []byte) {
		p := filepath.Join(dir, "h="+hour, "m=00", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("01", "PT1H.json.gz", z.Bytes())
	write("02", "PT1H.json", line)
	lake := t.TempDir()
	code, _, stderr := runCmd(t, "", "sync", "--source", arc, "--lake", lake, "--date", "2026-11-24",
		"--max-inflate-ratio", "50", "--progress", "never", "--now", "2026-11-26T00:00:00Z")
	if code != exitBlobsFailed || !strings.Contains(stderr, "decompressed size over the limit") || !strings.Contains(stderr, "PT1H.json.gz") {
		t.Fatalf("exit %d; want a failed blob naming the limit, stderr:\n%s", code, stderr)
	}
	if strings.Count(stderr, "over 50 times") == 0 {
		t.Errorf("the reason is not logged:\n%s", stderr)
	}
	code, stdout, stderr := runCmd(t, "", "query", "--lake", lake, "--format", "csv", "select count(*) as n from AmlComputeJobEvent")
	if code != exitOK || !strings.Contains(stdout, "\n1\n") {
		t.Errorf("the other blob was not converted: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
