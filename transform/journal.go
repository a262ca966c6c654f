package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/amlmon/amlmon"
)

// pending is the journal entry of one manifest file between the first rename of a commit's
// files into the lake and the removal of the files it makes obsolete; the journal holds the
// entries of one commit. Recovery reads it: if the manifest file holds the entries, the commit
// happened and only the obsolete files remain to be deleted; otherwise the new files are
// undone.
type pending struct {
	Container string             `json:"container"`
	Date      string             `json:"date"`     // the path date of the manifest file
	Entries   []amlmon.BlobEntry `json:"entries"`  // as the committed manifest file holds them
	New       []string           `json:"new"`      // relative to the lake, slash-separated
	Obsolete  []string           `json:"obsolete"` // relative to the lake, slash-separated
}

// committed reports whether the manifest holds what p commits.
func (p pending) committed(m *manifest) (bool, error) {
	if p.Date == "" || len(p.Entries) == 0 {
		// Guessing either way could delete rows the manifest names.
		return false, errors.New("an entry names no manifest file and entries it commits")
	}
	return m.holds(manifestKey{container: p.Container, date: p.Date}, p.Entries)
}

// readJournal reads a journal file: the entries of one commit.
func readJournal(data []byte) ([]pending, error) {
	var changes []pending
	if err := json.Unmarshal(data, &changes); err != nil {
		return nil, err
	}
	return changes, nil
}

// journalName is the journal's file in the pending folder: commits run one at a time.
const journalName = "commit.json"

// writeJournal records the changes of one commit.
func (l *Lake) writeJournal(changes []pending) error {
	data, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return l.writeAtomic(filepath.Join(l.pendingDir(), journalName), data)
}

func (l *Lake) removeJournal() error {
	name := filepath.Join(l.pendingDir(), journalName)
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove journal %s: %w", name, err)
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
		if formatFile.MatchString(e.Name()) {
			continue // the record of the lake's format (format.go)
		}
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
		changes, err := readJournal(data)
		if err != nil {
			return fmt.Errorf("read journal %s: %w", name, err)
		}
		for _, p := range changes {
			committed, err := p.committed(l.manifest)
			if err != nil {
				return fmt.Errorf("recover with journal %s: %w", name, err)
			}
			undo := p.New
			if committed {
				undo = p.Obsolete
			}
			if err := l.removeFiles(undo); err != nil {
				return fmt.Errorf("recover the commit of %s %s: %w", p.Container, p.Date, err)
			}
		}
		if err := os.Remove(name); err != nil {
			return fmt.Errorf("remove journal %s: %w", name, err)
		}
	}
	return nil
}
