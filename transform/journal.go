package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// pending is the journal entry of one segment between the first rename of its files into the
// lake and the removal of the files it makes obsolete; a journal file holds the entries of one
// commit batch. Recovery reads it: if the manifest
// refers to the segment, the commit happened and only the obsolete files remain to be
// deleted; otherwise the new files are undone.
type pending struct {
	Segment   string    `json:"segment"`
	Container string    `json:"container"`
	Blob      string    `json:"blob"`
	Hour      time.Time `json:"hour"`
	New       []string  `json:"new"`      // relative to the lake, slash-separated
	Obsolete  []string  `json:"obsolete"` // relative to the lake, slash-separated
}

func (l *Lake) journalPath(seg string) string {
	return filepath.Join(l.pendingDir(), seg+".json")
}

// writeJournal records the segments of one batch, in a file named after the first.
func (l *Lake) writeJournal(batch []pending) error {
	data, err := json.Marshal(batch)
	if err != nil {
		return fmt.Errorf("journal %s: %w", batch[0].Segment, err)
	}
	return l.writeAtomic(l.journalPath(batch[0].Segment), data)
}

// readJournal reads a journal file: the segments of a batch, or the single segment that
// earlier versions wrote.
func readJournal(data []byte) ([]pending, error) {
	var batch []pending
	if err := json.Unmarshal(data, &batch); err == nil {
		return batch, nil
	}
	var p pending
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	return []pending{p}, nil
}

func (l *Lake) removeJournal(seg string) error {
	if err := os.Remove(l.journalPath(seg)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove journal %s: %w", seg, err)
	}
	return nil
}

// removeFiles deletes lake files that may already be gone.
func (l *Lake) removeFiles(rels []string) error {
	for _, rel := range rels {
		p, err := l.lakePath(rel)
		if err != nil {
			return err
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", p, err)
		}
		l.step("remove")
	}
	return nil
}

func (l *Lake) recoverJournal() error {
	entries, err := os.ReadDir(l.pendingDir())
	if err != nil {
		return fmt.Errorf("read %s: %w", l.pendingDir(), err)
	}
	for _, e := range entries {
		name := filepath.Join(l.pendingDir(), e.Name())
		if !strings.HasSuffix(e.Name(), ".json") {
			// Not a journal entry (those are written elsewhere and renamed in whole): nothing
			// in the lake depends on it.
			if err := os.Remove(name); err != nil {
				return fmt.Errorf("remove %s: %w", name, err)
			}
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read journal %s: %w", name, err)
		}
		batch, err := readJournal(data)
		if err != nil {
			return fmt.Errorf("read journal %s: %w", name, err)
		}
		for _, p := range batch {
			committed, err := l.manifest.refers(p.Container, p.Hour, p.Blob, p.Segment)
			if err != nil {
				return err
			}
			undo := p.New
			if committed {
				undo = p.Obsolete
			}
			if err := l.removeFiles(undo); err != nil {
				return fmt.Errorf("recover segment %s: %w", p.Segment, err)
			}
		}
		if err := os.Remove(name); err != nil {
			return fmt.Errorf("remove journal %s: %w", name, err)
		}
	}
	return nil
}
