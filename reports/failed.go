package reports

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
)

// failedBlobs lists the blobs dated d whose last read failed, as the manifest records them, in
// container and blob order. A blob that failed is read again, whole, by the next run.
func failedBlobs(lake string, d time.Time) ([]FailedBlob, error) {
	date := d.UTC().Format(amlmon.DateLayout)
	files, err := amlmon.ManifestFiles(lake, date, date)
	if err != nil {
		return nil, err
	}
	var out []FailedBlob
	for _, mf := range files {
		data, err := os.ReadFile(mf.Path)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		entries, err := amlmon.ParseBlobEntries(mf.Path, data)
		if err != nil {
			return nil, err
		}
		// A blob appears once in a file that a sync wrote; in one written otherwise, its last
		// line counts.
		last := map[string]amlmon.BlobEntry{}
		for _, e := range entries {
			last[e.Blob] = e
		}
		for _, b := range sortedSet(last) {
			if e := last[b]; e.Failed != "" {
				out = append(out, FailedBlob{Container: e.Container, Blob: e.Blob, Reason: e.Failed})
			}
		}
	}
	return out, nil
}

// failedResult is the failed blobs as a table of report.md.
func failedResult(blobs []FailedBlob) result {
	r := result{cols: []string{"container", "blob", "reason"}}
	for _, b := range blobs {
		r.rows = append(r.rows, []any{b.Container, b.Blob, b.Reason})
	}
	return r
}

// allFailed is the failed blobs of the day and of the run that wrote the report, once each.
func allFailed(s Summary) []FailedBlob {
	out := append([]FailedBlob(nil), s.FailedBlobs...)
	seen := map[FailedBlob]bool{}
	for _, b := range out {
		seen[FailedBlob{Container: b.Container, Blob: b.Blob}] = true
	}
	if s.Run != nil {
		for _, b := range s.Run.FailedBlobs {
			if !seen[FailedBlob{Container: b.Container, Blob: b.Blob}] {
				out = append(out, b)
			}
		}
	}
	return out
}

// failedHeadline is the headline's line on failed blobs, empty when none failed.
func failedHeadline(s Summary) string {
	all := allFailed(s)
	n := int64(len(all))
	if s.Run != nil && s.Run.Failed > n {
		n = s.Run.Failed
	}
	if n == 0 {
		return ""
	}
	names := make([]string, 0, 3)
	for i, b := range all {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, blobCell(b.Blob)+" ("+mdInline(b.Reason)+")")
	}
	return fmt.Sprintf("- **Failed blobs**: %s could not be read, the report lacks their rows until the next run reads them again: %s.\n",
		plural(n, "blob"), strings.Join(names, ", "))
}
