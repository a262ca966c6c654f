package transform

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/amlmon/amlmon"
)

// A journal entry that does not say what it commits is refused, not guessed.
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
