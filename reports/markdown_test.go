package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon"
)

func TestBlobLabel(t *testing.T) {
	for in, want := range map[string]string{
		"resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS1/y=2026/m=11/d=25/h=13/m=00/PT1H.json":                    "WS1 2026-11-25 13:00",
		"resourceId=/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS1/ONLINEENDPOINTS/EP/y=2026/m=01/d=02/h=03/m=00/PT1H.json": "WS1/EP 2026-01-02 03:00",
		"resourceid=/subscriptions/s/resourcegroups/rg/providers/microsoft.machinelearningservices/workspaces/ws2/Y=2026/M=11/D=25/H=00/M=00/PT1H.json":                    "ws2 2026-11-25 00:00",
	} {
		if got, ok := blobLabel(in); !ok || got != want {
			t.Errorf("blobLabel(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"random.txt", "resourceId=/SUBSCRIPTIONS/S/y=2026/PT1H.json", "resourceId=/X/y=2026/m=aa/d=25/h=13/m=00/PT1H.json"} {
		if got, ok := blobLabel(in); ok {
			t.Errorf("blobLabel(%q) = %q, want no label", in, got)
		}
	}
}

// Blob names longer than a table cell keep what tells them apart: their hour, or their end.
func TestLongBlobNamesInReport(t *testing.T) {
	l := newLake(t)
	rid := "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/" + strings.Repeat("RG", 50) +
		"/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/MLW-PROD"
	for _, h := range []int{13, 14} {
		e := blobEntry("insights-logs-amlcomputejobevent", rid, reportDay.Add(time.Duration(h)*time.Hour), 10, 1)
		e.Warnings = int64(h)
		l.blobs(e)
	}
	// A blob in every hour of the week before makes the stream hourly, so its quiet hours of
	// the day are listed under its resource ID.
	for h := 0; h < 7*24; h++ {
		l.blobs(blobEntry("insights-logs-amlcomputejobevent", rid, reportDay.AddDate(0, 0, -7).Add(time.Duration(h)*time.Hour), 10, 1))
	}
	long := "weird/" + strings.Repeat("x", 300) + "/end-of-name.json"
	l.unrecognised(amlmon.UnrecognisedBlob{Container: "insights-logs-x", Blob: long, Reason: "not an archive path"})
	dir, _ := writeReport(t, l.open(), t.TempDir(), nil)
	md := readFile(t, dir, "report.md")
	for _, want := range []string{
		"| insights-logs-amlcomputejobevent | MLW-PROD 2026-11-25 14:00 | 14 |",
		"| insights-logs-amlcomputejobevent | MLW-PROD 2026-11-25 13:00 | 13 |",
		"| insights-logs-x | weird/xxx",
		"xxx…xxx",
		"/end-of-name.json | not an archive path |",
		"/RESOURCEGROUPS/RGRG",
		"RGRG…RGRG",
		"/WORKSPACES/MLW-PROD | hourly | 00 01 02",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
}

func TestMarkdownDoesNotAutoLink(t *testing.T) {
	const j = "\u200d"
	for in, want := range map[string]string{
		"ping @alice and bob@example.com":     "ping @" + j + "alice and bob@" + j + "example.com",
		"see https://evil.example/x":          "see https:" + j + "//evil.example/x",
		"go to www.example.com or WWW.x.org":  "go to www" + j + ".example.com or WWW" + j + ".x.org",
		":rocket: :+1: :100:":                 ":" + j + "rocket: :" + j + "+1: :" + j + "100:",
		"at 2026-11-25T03:00:00.000000Z done": "at 2026-11-25T03:00:00.000000Z done",
		"Error: disk full @ 10:30":            "Error: disk full @ 10:30",
		`pull "acr.io/train:latest": denied`:  `pull "acr.io/train:latest": denied`,
	} {
		got := mdInline(in)
		if got != want {
			t.Errorf("mdInline(%q) = %q, want %q", in, got, want)
		}
		if strings.ReplaceAll(got, j, "") != strings.ReplaceAll(want, j, "") {
			t.Errorf("mdInline(%q) changes more than joiners: %q", in, got)
		}
	}
}
