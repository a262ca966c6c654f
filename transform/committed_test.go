package transform

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/amlmon/amlmon"
)

// committedRows reads what a reader of the lake reads: the rows of the files that the
// committed manifest names, by source blob. A named file that is missing, or not of its
// recorded size, fails the test: a reader would stop there.
func committedRows(t *testing.T, db *sql.DB, dir string) map[string][]string {
	t.Helper()
	mfs, err := amlmon.ManifestFiles(dir, "", "")
	if err != nil {
		t.Fatal(err)
	}
	byTable := map[string][]string{}
	seen := map[string]bool{}
	for _, mf := range mfs {
		data, err := os.ReadFile(mf.Path)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := amlmon.ParseBlobEntries(mf.Path, data)
		if err != nil {
			t.Fatalf("a reader meets a manifest it cannot read: %v", err)
		}
		for _, e := range entries {
			for _, s := range e.Segments {
				for _, rel := range s.Files {
					st, ok := e.Files[rel]
					info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
					if err != nil || !ok || info.Size() != st.Size {
						t.Fatalf("the manifest names %s (recorded %+v, known %v); in the lake: %v, %v", rel, st, ok, info, err)
					}
					if !seen[rel] {
						seen[rel] = true
						table, _, _ := strings.Cut(rel, "/")
						byTable[table] = append(byTable[table], filepath.Join(dir, filepath.FromSlash(rel)))
					}
				}
			}
		}
	}
	out := map[string][]string{}
	for table, files := range byTable {
		lits := make([]string, len(files))
		for i, f := range files {
			lits[i] = "'" + f + "'"
		}
		q := fmt.Sprintf("SELECT _SourceBlob, to_json(t)::VARCHAR FROM read_parquet([%s]) t", strings.Join(lits, ", "))
		for _, r := range rows(t, db, q) {
			blob, row, _ := strings.Cut(r, "|")
			out[blob] = append(out[blob], table+" "+row)
		}
	}
	for _, r := range out {
		sort.Strings(r)
	}
	return out
}

// sameAsEither fails unless every blob's committed rows are its rows before the sync or after
// it, never a part or a double of either.
func sameAsEither(t *testing.T, where string, got, before, after map[string][]string) {
	t.Helper()
	blobs := map[string]bool{}
	for _, m := range []map[string][]string{got, before, after} {
		for b := range m {
			blobs[b] = true
		}
	}
	for b := range blobs {
		if !slices.Equal(got[b], before[b]) && !slices.Equal(got[b], after[b]) {
			t.Errorf("%s: a reader sees rows of %s that no commit left:\n got %q\nbefore %q\n after %q", where, b, got[b], before[b], after[b])
		}
	}
}

// A reader during a sync sees, at every step of it, each blob as the last commit left it:
// rows written but not committed are not read, and a replaced blob's rows are never seen twice
// or half.
func TestReadersSeeCommittedStateDuringSync(t *testing.T) {
	db := openDB(t)
	ref := t.TempDir()
	if err := runPhases(ref, 0, nil); err != nil {
		t.Fatal(err)
	}
	after := committedRows(t, db, ref)

	dir := t.TempDir()
	phases := crashPhases()
	l, err := Open(dir, crashOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Sync(t.Context(), phases[0].list); err != nil {
		t.Fatal(err)
	}
	before := committedRows(t, db, dir)
	l, err = Open(dir, crashOptions())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	l.onStep = func(step string) {
		n++
		sameAsEither(t, fmt.Sprintf("step %d (%s)", n, step), committedRows(t, db, dir), before, after)
	}
	if _, err := l.Sync(t.Context(), phases[1].list); err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d steps in the second sync", n)
	}
	if got := committedRows(t, db, dir); !mapsEqual(got, after) {
		t.Errorf("after the sync a reader sees other rows than a clean lake holds")
	}
}

// A sync killed (SIGKILL) at any step of a commit leaves a lake whose readers see each blob as
// the last finished commit left it, before any recovery has run.
func TestReadersSeeCommittedStateAfterKill(t *testing.T) {
	db := openDB(t)
	ref := t.TempDir()
	var steps []string
	phaseEnd := 0
	for phase, store := range crashPhases() {
		l, err := Open(ref, crashOptions())
		if err != nil {
			t.Fatal(err)
		}
		l.onStep = func(s string) { steps = append(steps, s) }
		if _, err := l.Sync(t.Context(), store.list); err != nil {
			t.Fatal(err)
		}
		if phase == 0 {
			phaseEnd = len(steps)
		}
	}
	after := committedRows(t, db, ref)
	// The lake after the first phase alone.
	beforeDir := t.TempDir()
	l, err := Open(beforeDir, crashOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Sync(t.Context(), crashPhases()[0].list); err != nil {
		t.Fatal(err)
	}
	before := committedRows(t, db, beforeDir)

	// Every kind of step of the second run's commits.
	seen := map[string]bool{}
	for i := phaseEnd; i < len(steps); i++ {
		s := steps[i]
		if seen[s] || s == "parquet-batch" || s == "parquet-closed" {
			continue
		}
		seen[s] = true
		point := i + 1
		t.Run(fmt.Sprintf("step%d-%s", point, s), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"=crash", "AMLMON_TEST_LAKE="+dir, "AMLMON_TEST_CRASH_STEP="+strconv.Itoa(point))
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("helper was not killed at step %d: %v\n%s", point, err, out)
			}
			sameAsEither(t, "after the kill", committedRows(t, db, dir), before, after)
		})
	}
	if len(seen) < 4 {
		t.Errorf("the second run's commits have only the steps %v", seen)
	}
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
