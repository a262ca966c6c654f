package reports

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A blob of the day that could not be read is named, with why, in report.md's headline and
// data-quality section and in summary.json; so is a blob the run that wrote the report failed.
func TestFailedBlobsAreNamed(t *testing.T) {
	l := fixtureLake(t)
	const jobC = "insights-logs-amlcomputejobevent"
	hour := reportDay.Add(21 * time.Hour)
	e := blobEntry(jobC, rid2, hour, 500, 0)
	e.Consumed, e.Failed, e.FirstError = 0, "gzip: invalid header", "blob failed: gzip: invalid header"
	l.blobs(e)
	run := &RunStatus{Failed: 2, FailedBlobs: []FailedBlob{
		{Container: jobC, Blob: e.Blob, Reason: "gzip: invalid header"},
		{Container: "insights-metrics-pt1m", Blob: "resourceId=/X/y=2026/m=11/d=26/h=01/m=00/PT1H.json", Reason: "read | cut"},
	}}
	d := Daily{Date: reportDay, Out: t.TempDir(), Version: "test", Now: func() time.Time { return fixedNow }, Run: run}
	if _, err := d.Write(t.Context(), l.open()); err != nil {
		t.Fatal(err)
	}
	dir := d.Out + "/2026-11-25"
	md := readFile(t, dir, "report.md")
	for _, want := range []string{
		"- **Failed blobs**: 2 blobs could not be read",
		"WS2 2026-11-25 21:00 (gzip: invalid header)",
		"### Failed blobs",
		"| insights-metrics-pt1m |",
		"read &#124; cut",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	var sum struct {
		FailedBlobs []FailedBlob `json:"failed_blobs"`
		Run         struct {
			FailedBlobs []FailedBlob `json:"failed_blobs"`
		} `json:"run"`
	}
	if err := json.Unmarshal([]byte(readFile(t, dir, "summary.json")), &sum); err != nil {
		t.Fatal(err)
	}
	want := FailedBlob{Container: jobC, Blob: e.Blob, Reason: "gzip: invalid header"}
	if len(sum.FailedBlobs) != 1 || sum.FailedBlobs[0] != want {
		t.Errorf("summary.json failed_blobs = %+v, want [%+v]", sum.FailedBlobs, want)
	}
	if len(sum.Run.FailedBlobs) != 2 {
		t.Errorf("summary.json run.failed_blobs = %+v, want both of the run's", sum.Run.FailedBlobs)
	}
}
