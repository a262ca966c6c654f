package transform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amlmon/amlmon"
)

// The fixture of testdata/format1: a small archive and the lake that amlmon of the first format
// made of it (see its README).
const format1 = "testdata/format1"

var pathHour = regexp.MustCompile(`resourceId=(.*)/y=(\d{4})/m=(\d{2})/d=(\d{2})/h=(\d{2})/m=00/`)

// format1Listing lists the fixture's archive as a source would: sizes, ETags and times are
// those the first run recorded, since the blobs have not changed since.
func format1Listing(t testing.TB) func(yield func(Blob, Opener) error) error {
	t.Helper()
	recorded := map[string]amlmon.BlobEntry{}
	for _, e := range manifestEntries(t, filepath.Join(format1, "lake")) {
		recorded[e.Container+"/"+e.Blob] = e
	}
	root := filepath.Join(format1, "archive")
	var blobs []Blob
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		container, name, _ := strings.Cut(filepath.ToSlash(rel), "/")
		m := pathHour.FindStringSubmatch(name)
		if m == nil {
			return fmt.Errorf("%s: not an archive path", rel)
		}
		y, _ := strconv.Atoi(m[2])
		mo, _ := strconv.Atoi(m[3])
		day, _ := strconv.Atoi(m[4])
		h, _ := strconv.Atoi(m[5])
		e, ok := recorded[container+"/"+name]
		if !ok {
			return fmt.Errorf("%s: not in the fixture's manifest", rel)
		}
		blobs = append(blobs, Blob{
			Container: container, Name: name, Size: e.Size, ETag: e.ETag, Modified: e.Modified,
			Hour: time.Date(y, time.Month(mo), day, h, 0, 0, 0, time.UTC), ResourceID: strings.ToUpper(m[1]),
			Category: testCategory(container), Metrics: strings.HasPrefix(container, "insights-metrics-"), Append: true,
		})
		return nil
	})
	if err != nil {
		t.Fatalf("list the fixture: %v", err)
	}
	return func(yield func(Blob, Opener) error) error {
		for _, b := range blobs {
			p := filepath.Join(root, b.Container, filepath.FromSlash(b.Name))
			open := func(ctx context.Context, offset, end int64) (io.ReadCloser, error) {
				data, err := os.ReadFile(p)
				if err != nil {
					return nil, err
				}
				if end < 0 || end > int64(len(data)) {
					end = int64(len(data))
				}
				return io.NopCloser(strings.NewReader(string(data[offset:end]))), nil
			}
			if err := yield(b, open); err != nil {
				return err
			}
		}
		return nil
	}
}

// copyFixtureLake copies the lake of the first format to a new folder.
func copyFixtureLake(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(format1, "lake"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// upgradeOptions: the fixture's blobs are long sealed.
func upgradeOptions() Options {
	return Options{BatchRows: 1, Parallel: 1, Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}
}

// syncFixture opens dir (calling onStep from the start), takes the lock and syncs the whole
// fixture archive.
func syncFixture(t testing.TB, dir string, list func(yield func(Blob, Opener) error) error, onStep func(string)) ([]Done, error) {
	var done []Done
	opts := upgradeOptions()
	opts.OnBlob = func(d Done) { done = append(done, d) }
	l, err := openLake(dir, opts, onStep)
	if err != nil {
		return nil, err
	}
	release, err := l.Lock()
	if err != nil {
		return nil, err
	}
	defer release()
	_, err = l.Sync(context.Background(), list)
	return done, err
}

// lakeTables names the table folders of a lake.
func lakeTables(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), "_") {
			out = append(out, e.Name())
		}
	}
	return out
}

// lakeRows reads every table of a lake as a reader does, each row with every column of the
// table (NULL where a file lacks one), and the manifest's account of every blob.
func lakeRows(t testing.TB, dir string) map[string][]string {
	t.Helper()
	db := openDB(t)
	out := map[string][]string{}
	for _, name := range lakeTables(t, dir) {
		table, ok := amlmon.TableNamed(name)
		if !ok {
			table = amlmon.LogTable(name)
		}
		files, _ := filepath.Glob(filepath.Join(dir, name, "*", "*.parquet"))
		if len(files) == 0 {
			out[name] = nil
			continue
		}
		var cols []string
		for _, c := range table.Columns {
			cols = append(cols, fmt.Sprintf(`CAST(NULL AS %s) AS "%s"`, c.Type.SQL(), c.Name))
		}
		// A column missing from a file keeps the NULL of the first, empty, SELECT.
		q := fmt.Sprintf(`SELECT * FROM (SELECT %s WHERE false) UNION ALL BY NAME SELECT * EXCLUDE (date) FROM read_parquet('%s', hive_partitioning = true, union_by_name = true)`,
			strings.Join(cols, ", "), filepath.Join(dir, name, "*", "*.parquet"))
		out[name] = rows(t, db, q)
	}
	var blobs []string
	for _, e := range manifestEntries(t, dir) {
		blobs = append(blobs, fmt.Sprintf("%s/%s consumed=%d records=%d rejected=%d warnings=%d first_error=%q size=%d",
			e.Container, e.Blob, e.Consumed, e.Records, e.Rejected, e.Warnings, e.FirstError, e.Size))
	}
	slices.Sort(blobs)
	out["_blobs"] = blobs
	return out
}

func TestUpgradeFormat1(t *testing.T) {
	list := format1Listing(t)
	fresh := t.TempDir()
	if _, err := syncFixture(t, fresh, list, nil); err != nil {
		t.Fatalf("fresh sync: %v", err)
	}
	want := lakeRows(t, fresh)
	// The fixture holds the rows of the first format: the test would prove nothing otherwise.
	if got := lakeRows(t, copyFixtureLake(t)); maps.EqualFunc(got, want, slices.Equal) {
		t.Fatal("the fixture lake already has the rows of the current format")
	}

	dir := copyFixtureLake(t)
	l, err := openLake(dir, upgradeOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	release, err := l.Lock()
	if err != nil {
		t.Fatal(err)
	}
	// What moves or changes: ModelsChangeEvent rows (in both spellings), the endpoint's typed
	// columns, the job blob with an identity, the metrics (Extra). What stays: jobs without an
	// identity (the blob at 10:00 shares its file with the one at 11:00), the cluster events,
	// and CustomEvent, which keeps its table and its identity in Extra.
	var got []string
	for _, r := range l.Upgrading() {
		got = append(got, r.Hour.Format("02T15")+" "+r.Container)
	}
	wantOutdated := []string{
		"20T10 insights-logs-amlonlineendpointtrafficlog",
		"20T10 insights-logs-modelschangeevent",
		"20T10 insights-metrics-pt1m",
		"20T11 insights-logs-amlcomputejobevent",
		"21T00 insights-logs-modelschangeevent",
	}
	if !slices.Equal(got, wantOutdated) {
		t.Errorf("Upgrading() = %q, want %q", got, wantOutdated)
	}
	release()

	done, err := syncFixture(t, dir, list, nil)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	var reread []string
	for _, d := range done {
		switch d.Action {
		case Replaced:
			reread = append(reread, d.Blob.Hour.Format("02T15")+" "+d.Blob.Container)
		case Skipped:
		default:
			t.Errorf("%s %s: %s, want skipped or replaced", d.Blob.Container, d.Blob.Name, d.Action)
		}
	}
	slices.Sort(reread)
	if !slices.Equal(reread, wantOutdated) {
		t.Errorf("read again: %q, want %q", reread, wantOutdated)
	}
	if tables, wantTables := lakeTables(t, dir), lakeTables(t, fresh); !slices.Equal(tables, wantTables) {
		t.Errorf("tables after the upgrade %q, want %q", tables, wantTables)
	}
	if got := lakeRows(t, dir); !maps.EqualFunc(got, want, slices.Equal) {
		for k := range want {
			if !slices.Equal(got[k], want[k]) {
				t.Errorf("%s after the upgrade:\n got %q\nwant %q", k, got[k], want[k])
			}
		}
	}
	if _, err := os.Stat(filepath.Join(amlmon.MetaDir(dir), "upgrade.jsonl")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the upgrade's list is left: %v", err)
	}

	// Done once: the next sync reads nothing.
	done, err = syncFixture(t, dir, list, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range done {
		if d.Action != Skipped {
			t.Errorf("%s %s: %s after the upgrade, want skipped", d.Blob.Container, d.Blob.Name, d.Action)
		}
	}
}

// A blob the source no longer has keeps its rows; the upgrade stops waiting for it.
func TestUpgradeKeepsWhatTheSourceLost(t *testing.T) {
	dir := copyFixtureLake(t)
	l, err := openLake(dir, upgradeOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	release, err := l.Lock()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	before := lakeRows(t, dir)
	if err := l.KeepAsRead(l.Upgrading()); err != nil {
		t.Fatal(err)
	}
	if got := l.Upgrading(); len(got) != 0 {
		t.Errorf("Upgrading() = %v after KeepAsRead", got)
	}
	if got := lakeRows(t, dir); !maps.EqualFunc(got, before, slices.Equal) {
		t.Errorf("rows changed: %v, want %v", got, before)
	}
}

// A lake of a newer format is refused, and an amlmon of the first format refuses this one: it
// judges every *.json file of the journal's folder, and the record of the format is one it
// cannot judge, named so that its error says what to do.
func TestFormatRecorded(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	pending := filepath.Join(amlmon.MetaDir(dir), "pending")
	names, _ := filepath.Glob(filepath.Join(pending, "*.json"))
	if len(names) != 1 || filepath.Base(names[0]) != "lake-format-2.needs-a-newer-amlmon.json" {
		t.Fatalf("format record %q", names)
	}
	// What the first format's recovery did with it (journal.go at a140cea): an array, or one
	// entry that names a segment or a manifest file; this is neither.
	data, _ := os.ReadFile(names[0])
	if strings.HasPrefix(strings.TrimSpace(string(data)), "[") || strings.Contains(string(data), `"segment"`) ||
		strings.Contains(string(data), `"date"`) {
		t.Errorf("the format record %s could pass for a journal: %s", names[0], data)
	}

	if err := os.WriteFile(filepath.Join(pending, "lake-format-3.needs-a-newer-amlmon.json"), []byte(`{"format":3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrNewerLake) || !strings.Contains(err.Error(), "format 3") {
		t.Errorf("open of a newer lake: %v", err)
	}
}

// upgradeCrashHelper upgrades the lake of AMLMON_TEST_LAKE in a child process and kills itself
// at the step named by AMLMON_TEST_CRASH_STEP.
func upgradeCrashHelper() int {
	stop, _ := strconv.Atoi(os.Getenv("AMLMON_TEST_CRASH_STEP"))
	n := 0
	_, err := syncFixture(&helperTB{}, os.Getenv("AMLMON_TEST_LAKE"), format1Listing(&helperTB{}), func(string) {
		n++
		if n == stop {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// helperTB lets the helper process use the test's fixture functions.
type helperTB struct{ testing.TB }

func (helperTB) Helper() {}
func (helperTB) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}
func (helperTB) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(2)
}

// TestUpgradeCrashAnywhere kills the upgrade at every kind of step and at random ones, and
// proves that a rerun leaves the rows of a fresh sync.
func TestUpgradeCrashAnywhere(t *testing.T) {
	list := format1Listing(t)
	fresh := t.TempDir()
	if _, err := syncFixture(t, fresh, list, nil); err != nil {
		t.Fatal(err)
	}
	want := lakeRows(t, fresh)
	var steps []string
	if _, err := syncFixture(t, copyFixtureLake(t), list, func(s string) { steps = append(steps, s) }); err != nil {
		t.Fatal(err)
	}
	points := map[int]bool{}
	seen := map[string]bool{}
	for i, s := range steps {
		if !seen[s] {
			seen[s] = true
			points[i+1] = true
		}
	}
	for _, k := range []string{"upgrade-planned", "format-written", "rewrite", "rename", "commit", "remove", "upgrade-saved"} {
		if !seen[k] {
			t.Errorf("the upgrade has no %s step to crash at", k)
		}
	}
	rng := rand.New(rand.NewPCG(20261201, 1))
	for len(points) < min(len(steps), len(seen)+8) {
		points[1+rng.IntN(len(steps))] = true
	}
	for _, point := range slices.Sorted(maps.Keys(points)) {
		t.Run(fmt.Sprintf("step%d-%s", point, steps[point-1]), func(t *testing.T) {
			dir := copyFixtureLake(t)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"=upgrade-crash", "AMLMON_TEST_LAKE="+dir, "AMLMON_TEST_CRASH_STEP="+strconv.Itoa(point))
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("helper was not killed at step %d: %v\n%s", point, err, out)
			}
			if _, err := syncFixture(t, dir, list, nil); err != nil {
				t.Fatalf("rerun: %v", err)
			}
			got := lakeRows(t, dir)
			for k := range want {
				if !slices.Equal(got[k], want[k]) {
					t.Errorf("%s after a crash and a rerun:\n got %q\nwant %q", k, got[k], want[k])
				}
			}
			if tables, wantTables := lakeTables(t, dir), lakeTables(t, fresh); !slices.Equal(tables, wantTables) {
				t.Errorf("tables %q, want %q", tables, wantTables)
			}
		})
	}
}
