package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/archivetest"
	"github.com/amlmon/amlmon/transform"
)

const wsPath = "/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS"

func TestLakeBlob(t *testing.T) {
	hour := time.Date(2026, 11, 24, 13, 0, 0, 0, time.UTC)
	mod := hour.Add(70 * time.Minute)
	b := archive.Blob{
		Container: "insights-metrics-pt1m", Name: "resourceId=" + wsPath + "/y=2026/m=11/d=24/h=13/m=00/PT1H.json",
		Size: 4096, ETag: "0x8DD", LastModified: mod, Type: archive.AppendBlob,
		Path: archive.Path{Container: "insights-metrics-pt1m", Category: "metrics", Metrics: true, ResourceID: wsPath, Hour: hour},
	}
	got := lakeBlob(b)
	want := transform.Blob{
		Container: b.Container, Name: b.Name, Size: 4096, ETag: "0x8DD", Modified: mod,
		Hour: hour, ResourceID: wsPath, Metrics: true, Append: true,
	}
	if got != want {
		t.Errorf("lakeBlob\n got %+v\nwant %+v", got, want)
	}

	b = archive.Blob{Container: "insights-logs-amlcomputejobevent", Name: "resourceId=" + wsPath + "/y=2026/m=11/d=24/h=13/m=00/PT1H.json.gz",
		Type: archive.BlockBlob, Gzip: true, Path: archive.Path{Category: "amlcomputejobevent", ResourceID: wsPath, Hour: hour}}
	got = lakeBlob(b)
	if got.Append || !got.Gzip || got.Metrics || got.Unrecognised != "" || got.Category != "amlcomputejobevent" {
		t.Errorf("block gzip blob: %+v", got)
	}

	b = archive.Blob{Container: "insights-logs-x", Name: "notes.txt", Type: archive.BlockBlob,
		Err: fmt.Errorf("notes.txt: %w", archive.ErrUnrecognised)}
	got = lakeBlob(b)
	if got.Unrecognised != "notes.txt: "+archive.ErrUnrecognised.Error() || !got.Hour.IsZero() || got.ResourceID != "" {
		t.Errorf("unrecognised blob: %+v", got)
	}
}

func TestOpener(t *testing.T) {
	var asked []string
	src := archivetest.FuncSource{OpenFn: func(_ context.Context, container, name string, offset, end int64) (io.ReadCloser, error) {
		asked = append(asked, fmt.Sprintf("%s/%s[%d:%d]", container, name, offset, end))
		switch name {
		case "gone":
			return nil, fmt.Errorf("open %s: %w", name, archive.ErrNotFound)
		case "broken":
			return nil, fmt.Errorf("open %s/%s: connection reset", container, name)
		}
		return io.NopCloser(strings.NewReader("{}\n")), nil
	}}
	ctx := context.Background()

	rc, err := opener(src, archive.Blob{Container: "c", Name: "ok"})(ctx, 10, -1)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	_, err = opener(src, archive.Blob{Container: "c", Name: "gone"})(ctx, 0, 5)
	if !errors.Is(err, transform.ErrGone) || !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("deleted blob: %v, want transform.ErrGone wrapping archive.ErrNotFound", err)
	}
	_, err = opener(src, archive.Blob{Container: "c", Name: "broken"})(ctx, 0, -1)
	if err == nil || errors.Is(err, transform.ErrGone) || err.Error() != "open c/broken: connection reset" {
		t.Errorf("failed open: %v, want the source's error as it is, not ErrGone", err)
	}
	if want := "c/ok[10:-1] c/gone[0:5] c/broken[0:-1]"; strings.Join(asked, " ") != want {
		t.Errorf("opened %v, want %s", asked, want)
	}
}

func TestDescribeWindow(t *testing.T) {
	if got := describeWindow(archive.Window{}); got != "the whole archive" {
		t.Errorf("got %q", got)
	}
	w := archive.Window{From: utc("2026-11-17T00:00:00Z"), To: utc("2026-11-27T00:00:00Z"), Resources: []string{"ws"}, Containers: []string{"metrics"}}
	if got, want := describeWindow(w), "path hours [2026-11-17T00:00:00Z, 2026-11-27T00:00:00Z), workspaces ws, categories metrics"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
