package transform

import (
	"fmt"
	"os"

	"github.com/amlmon/amlmon"
)

// setFileStats records in each changed entry the size and row count of every file its
// segments name: the new files of the commit as written, the others as the manifest already
// records them. Readers and `amlmon check` compare the lake's files with these.
func (l *Lake) setFileStats(k manifestKey, ch *keyChange, changed map[string]amlmon.BlobEntry) error {
	known := map[string]amlmon.FileStat{}
	all, err := l.manifest.entries(k)
	if err != nil {
		return err
	}
	for _, e := range all {
		for rel, st := range e.Files {
			known[rel] = st
		}
	}
	for _, f := range ch.files {
		fi, err := os.Stat(f.tmp)
		if err != nil {
			return fmt.Errorf("stat %s: %w", f.tmp, err)
		}
		known[f.rel] = amlmon.FileStat{Size: fi.Size(), Rows: f.rows}
	}
	for b, e := range changed {
		var files map[string]amlmon.FileStat
		for _, s := range e.Segments {
			for _, rel := range s.Files {
				if st, ok := known[rel]; ok {
					if files == nil {
						files = map[string]amlmon.FileStat{}
					}
					files[rel] = st
				}
			}
		}
		e.Files = files
		changed[b] = e
	}
	return nil
}

// missingFile returns a file that e names and that is not in the lake (a stat, not a read),
// or "" when every one is there.
func (l *Lake) missingFile(e amlmon.BlobEntry) (string, error) {
	for _, s := range e.Segments {
		for _, rel := range s.Files {
			present, err := l.exists(rel)
			if err != nil {
				return "", err
			}
			if !present {
				return rel, nil
			}
		}
	}
	return "", nil
}
