package transform

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/amlmon/amlmon"
)

// An earlier version, which committed blob by blob, may have left a journal behind: recovery
// judges it by its segment, as that version did, and deletes on the side the commit reached.
func TestRecoverJournalOfEarlierVersion(t *testing.T) {
	for _, tc := range []struct {
		name      string
		committed bool
	}{{"before its manifest commit", false}, {"after its manifest commit", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			store := newStore()
			store.put(jobContainer, hour13, sealedAt, jobLine(hour13, "a1", "JobSubmitted"))
			syncLake(t, dir, store, Options{})
			e := entryFor(t, dir, jobContainer, hour13)
			kept := e.Segments[0].Files[0]
			// A file of the interrupted commit, and one it was to make obsolete.
			extra := filepath.ToSlash(filepath.Join(filepath.Dir(filepath.FromSlash(kept)), "interrupted.parquet"))
			data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(kept)))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(extra)), data, 0o644); err != nil {
				t.Fatal(err)
			}
			seg := "not-in-the-manifest"
			newFiles, obsolete := []string{extra}, []string{kept}
			if tc.committed {
				seg = e.Segments[0].ID
				newFiles, obsolete = []string{kept}, []string{extra}
			}
			journal, _ := json.Marshal([]map[string]any{{
				"segment": seg, "container": jobContainer, "blob": e.Blob, "hour": hour13,
				"new": newFiles, "obsolete": obsolete,
			}})
			if err := os.WriteFile(filepath.Join(amlmon.MetaDir(dir), "pending", seg+".json"), journal, 0o644); err != nil {
				t.Fatal(err)
			}

			if _, err := Open(dir, Options{Now: func() time.Time { return testNow }}); err != nil {
				t.Fatalf("open: %v", err)
			}
			files := parquetFiles(snapshot(t, dir))
			if !slices.Contains(files, kept) || slices.Contains(files, extra) {
				t.Errorf("files after recovery = %q: want %s kept and %s gone", files, kept, extra)
			}
			if left, _ := os.ReadDir(filepath.Join(amlmon.MetaDir(dir), "pending")); len(left) != 0 {
				t.Errorf("journal left: %v", left)
			}
		})
	}
}

// A journal entry that says neither what it commits nor which segment is refused, not guessed.
func TestRecoverJournalRefusesAnUnknownEntry(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(amlmon.MetaDir(dir), "pending", journalName)
	if err := os.WriteFile(name, []byte(`[{"container":"insights-logs-x","new":[],"obsolete":["T/date=2026-11-25/f.parquet"]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, Options{}); err == nil {
		t.Error("open recovered with a journal entry it cannot judge")
	}
	if _, err := os.Stat(name); err != nil {
		t.Errorf("the journal is gone: %v", err)
	}
}
