package amlmon

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// FileStat is what a lake file held when the commit that named it was made.
type FileStat struct {
	Size int64 `json:"size"` // bytes
	Rows int64 `json:"rows"` // rows in its footer
}

// ParseBlobEntries reads the JSON lines of one manifest file; blank lines are skipped. name
// only labels errors.
func ParseBlobEntries(name string, data []byte) ([]BlobEntry, error) {
	return ParseManifestLines[BlobEntry](name, data)
}

// ParseManifestLines reads the JSON lines of one manifest file as values of T, which names
// the fields of BlobEntry its caller needs: the others are skipped, not decoded. Blank lines
// are skipped; name only labels errors.
func ParseManifestLines[T any](name string, data []byte) ([]T, error) {
	var entries []T
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e T
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("read manifest %s line %d: %w", name, n, err)
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", name, err)
	}
	return entries, nil
}

// ManifestFile is one file of the manifest: the entries of one container's blobs of one path
// date.
type ManifestFile struct {
	Path      string
	Container string
	Date      string // DateLayout
}

// ManifestFiles lists the manifest files whose path date lies in from..to (inclusive,
// DateLayout; an empty bound is open), in date and container order. Other names in the
// manifest's folders are not manifest files and are left out.
func ManifestFiles(lake, from, to string) ([]ManifestFile, error) {
	root := filepath.Join(MetaDir(lake), "blobs")
	days, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", root, err)
	}
	var out []ManifestFile
	for _, d := range days {
		date, ok := strings.CutPrefix(d.Name(), "date=")
		if !d.IsDir() || !ok {
			continue
		}
		if _, err := time.Parse(DateLayout, date); err != nil {
			continue
		}
		if (from != "" && date < from) || (to != "" && date > to) {
			continue
		}
		dir := filepath.Join(root, d.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", dir, err)
		}
		for _, f := range files {
			container, ok := strings.CutSuffix(f.Name(), ".jsonl")
			if !f.Type().IsRegular() || !ok {
				continue
			}
			out = append(out, ManifestFile{Path: filepath.Join(dir, f.Name()), Container: container, Date: date})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Date != out[j].Date {
			return out[i].Date < out[j].Date
		}
		return out[i].Container < out[j].Container
	})
	return out, nil
}
