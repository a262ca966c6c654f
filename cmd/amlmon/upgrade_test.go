package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/reports"
)

// format1 is a small archive and the lake that amlmon of the first layout (commit a140cea)
// made of it; its README says how.
const format1 = "../../transform/testdata/format1"

// copyFormat1 copies the fixture's archive, with the file times its lake recorded (a local
// source derives ETags from them), and its lake.
func copyFormat1(t *testing.T) (archiveDir, lake string) {
	t.Helper()
	archiveDir, lake = t.TempDir(), t.TempDir()
	if err := os.CopyFS(archiveDir, os.DirFS(filepath.Join(format1, "archive"))); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(lake, os.DirFS(filepath.Join(format1, "lake"))); err != nil {
		t.Fatal(err)
	}
	written := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	err := filepath.WalkDir(archiveDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chtimes(p, written, written)
	})
	if err != nil {
		t.Fatal(err)
	}
	return archiveDir, lake
}

// lakeContent is every view of the lake as reports sees it, rows sorted, and its table list.
func lakeContent(t *testing.T, lake string) map[string][]string {
	t.Helper()
	db, err := reports.Open(context.Background(), lake)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]string{"": db.Tables()}
	for _, table := range append(db.Tables(), reports.BlobsView) {
		query := fmt.Sprintf(`SELECT * FROM "%s"`, table)
		if table == reports.BlobsView {
			// What each blob produced; its times and ETag are those of the last read.
			query = `SELECT container, blob, resource_id, hour, size, consumed, records, rejected, warnings, first_error FROM _Blobs`
		}
		rows, err := db.QueryContext(context.Background(), query)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[table] = append(out[table], fmt.Sprint(vals...))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out[table])
	}
	return out
}

// TestSyncUpgradesALakeOfTheFirstLayout: the next sync after an upgrade of amlmon brings the
// lake to the new layout in place, reading again, by name, the blobs outside its window whose
// rows move or change, and leaves what a fresh sync of the archive leaves.
func TestSyncUpgradesALakeOfTheFirstLayout(t *testing.T) {
	archiveDir, lake := copyFormat1(t)
	before := lakeContent(t, lake)
	if !slices.ContainsFunc(before[""], isModelsChangeEvent) {
		t.Fatalf("the fixture has no ModelsChangeEvent table: %q", before[""])
	}

	// The window holds one day; four of the five blobs to read again are of the day before.
	_, stderr := mustRun(t, 0, "sync", "--source", archiveDir, "--lake", lake, "--date", "2026-11-21")
	for _, want := range []string{"upgrading the lake's layout", "blobs=5", "the lake's layout is upgraded"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the log does not say %q:\n%s", want, stderr)
		}
	}
	fresh := t.TempDir()
	mustRun(t, 0, "sync", "--source", archiveDir, "--lake", fresh)

	got, want := lakeContent(t, lake), lakeContent(t, fresh)
	for k := range want {
		if !slices.Equal(got[k], want[k]) {
			t.Errorf("%q after the upgrade:\n got %q\nwant %q", k, got[k], want[k])
		}
	}
	if !slices.Contains(got[""], "AmlModelsEvent") || slices.ContainsFunc(got[""], isModelsChangeEvent) {
		t.Errorf("tables after the upgrade: %q", got[""])
	}
	if n := len(got["AmlModelsEvent"]); n != 3 {
		t.Errorf("AmlModelsEvent has %d rows, want the 3 of ModelsChangeEvent", n)
	}

	// An amlmon of the first layout would now refuse the lake; this one goes on with it.
	mustRun(t, 0, "sync", "--source", archiveDir, "--lake", lake, "--date", "2026-11-21")
}

func isModelsChangeEvent(table string) bool { return strings.EqualFold(table, "ModelsChangeEvent") }

// A lake of a later layout is refused with an error that says what to do.
func TestSyncRefusesANewerLake(t *testing.T) {
	_, lake := copyFormat1(t)
	pending := filepath.Join(lake, "_amlmon", "pending")
	if err := os.MkdirAll(pending, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pending, "lake-format-9.needs-a-newer-amlmon.json"), []byte(`{"format":9}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr := mustRun(t, 1, "sync", "--source", t.TempDir(), "--lake", lake)
	if !strings.Contains(stderr, "newer amlmon") || !strings.Contains(stderr, "format 9") {
		t.Errorf("stderr does not say the lake is newer:\n%s", stderr)
	}
}

// A blob to read again that the account no longer has keeps the rows the first layout gave it,
// and the upgrade finishes without it.
func TestSyncUpgradeKeepsWhatTheSourceLost(t *testing.T) {
	archiveDir, lake := copyFormat1(t)
	lostBlob, err := filepath.Glob(filepath.Join(archiveDir, "insights-logs-modelschangeevent", "resourceId=", "*", "*", "*", "*", "*", "*", "*", "*", "y=2026", "m=11", "d=20", "h=10", "m=00", "PT1H.json"))
	if err != nil || len(lostBlob) != 1 {
		t.Fatalf("the fixture's ModelsChangeEvent blob of 2026-11-20: %q, %v", lostBlob, err)
	}
	if err := os.Remove(lostBlob[0]); err != nil {
		t.Fatal(err)
	}
	_, stderr := mustRun(t, 0, "sync", "--source", archiveDir, "--lake", lake, "--date", "2026-11-21")
	if !strings.Contains(stderr, "is not in the source") || !strings.Contains(stderr, "the lake's layout is upgraded") {
		t.Errorf("the log does not say that the lost blob's rows stay and the upgrade is done:\n%s", stderr)
	}
	got := lakeContent(t, lake)
	// Its two rows stay in the table of the first layout; the blob of 2026-11-21 moved.
	if n := len(got["ModelsChangeEvent"]); n != 2 {
		t.Errorf("ModelsChangeEvent has %d rows, want the 2 of the lost blob (tables %q)", n, got[""])
	}
	if n := len(got["AmlModelsEvent"]); n != 1 {
		t.Errorf("AmlModelsEvent has %d rows, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(lake, "_amlmon", "upgrade.jsonl")); !os.IsNotExist(err) {
		t.Errorf("the upgrade still waits: %v", err)
	}
}
