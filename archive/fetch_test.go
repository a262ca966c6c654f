package archive_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/archivetest"
)

// fetchFixture is a source archive with blobs inside and outside one day.
type fetchFixture struct {
	src     *archive.Dir
	root    string
	inDay   []string // container/name of the blobs of the day
	gz      string   // container/name of the gzip blob of the day
	plainGz string   // its decompressed content
	later   string   // container/name of a blob after the day
}

func newFetchFixture(t *testing.T) fetchFixture {
	t.Helper()
	root := t.TempDir()
	f := fetchFixture{src: archive.NewDir(root), root: root}
	prod, dev := archivetest.Workspace("RG", "WS-PROD"), archivetest.Workspace("RG", "WS-DEV")
	put := func(container, name string, data []byte, mtime time.Time) string {
		archivetest.Put(t, f.src, container, name, data)
		p := filepath.Join(root, container, filepath.FromSlash(name))
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return container + "/" + name
	}
	for i, h := range []time.Time{day, day.Add(time.Hour), day.Add(23 * time.Hour)} {
		for _, ws := range []string{prod, dev} {
			data := bytes.Repeat([]byte("{\"time\":\""+h.Format(time.RFC3339)+"\",\"ws\":\""+ws+"\"}\n"), 10+i)
			f.inDay = append(f.inDay, put(archivetest.JobEvents, archivetest.BlobName(ws, h), data, h.Add(75*time.Minute)))
		}
	}
	f.inDay = append(f.inDay, put(archivetest.Metrics, archivetest.BlobName(prod, day), nil, day.Add(time.Hour)))
	f.inDay = append(f.inDay, put(archivetest.JobEvents,
		strings.TrimSuffix(archivetest.BlobName(prod, day), "PT1H.json")+"notes.txt", []byte("kept"), day))
	f.plainGz = strings.Repeat("{\"time\":\"2026-11-25T02:00:00Z\"}\n", 50)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(f.plainGz))
	zw.Close()
	f.gz = put(archivetest.ClusterEvents, archivetest.BlobName(prod, day.Add(2*time.Hour))+".gz", z.Bytes(), day.Add(3*time.Hour))
	f.inDay = append(f.inDay, f.gz)
	f.later = put(archivetest.JobEvents, archivetest.BlobName(prod, day.Add(24*time.Hour)), []byte("{}\n"), day.Add(25*time.Hour))
	return f
}

func (f fetchFixture) window() archive.Window {
	return archive.Window{From: day, To: day.Add(24 * time.Hour)}
}

func fetch(t *testing.T, src archive.Source, w archive.Window, dir string) (archive.FetchStats, map[string]string) {
	t.Helper()
	var mu sync.Mutex
	actions := map[string]string{}
	stats, err := archive.Fetch(context.Background(), src, w, dir, archive.FetchOptions{
		Parallel: 3,
		OnBlob: func(b archive.Blob, action string) {
			mu.Lock()
			defer mu.Unlock()
			if prev, ok := actions[b.Container+"/"+b.Name]; ok {
				t.Errorf("%s/%s reported twice: %s, %s", b.Container, b.Name, prev, action)
			}
			actions[b.Container+"/"+b.Name] = action
		},
	})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return stats, actions
}

func readLocal(t *testing.T, root, key string) ([]byte, fs.FileInfo) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(key))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return data, info
}

func countActions(actions map[string]string, action string) int {
	n := 0
	for _, a := range actions {
		if a == action {
			n++
		}
	}
	return n
}

func TestFetchCopiesAWindow(t *testing.T) {
	f := newFetchFixture(t)
	dir := filepath.Join(t.TempDir(), "copy")
	stats, actions := fetch(t, f.src, f.window(), dir)
	n := int64(len(f.inDay))
	if stats.Listed != n || stats.Downloaded != n || stats.Skipped != 0 || stats.Gone != 0 || stats.Unrecognised != 1 || stats.Unsafe != 0 || stats.Bytes == 0 {
		t.Errorf("stats %+v, want %d listed and downloaded, 1 unrecognised", stats, n)
	}
	if len(actions) != len(f.inDay) || countActions(actions, archive.FetchDownloaded) != len(f.inDay) {
		t.Errorf("OnBlob told %v", actions)
	}

	for _, key := range f.inDay {
		got, info := readLocal(t, dir, key)
		want, srcInfo := readLocal(t, f.root, key)
		if key == f.gz {
			zr, err := gzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			got, _ = io.ReadAll(zr)
			want = []byte(f.plainGz)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: copied %d bytes that differ from the %d of the source", key, len(got), len(want))
		}
		if !info.ModTime().Equal(srcInfo.ModTime()) {
			t.Errorf("%s: modified %v, want the blob's %v", key, info.ModTime(), srcInfo.ModTime())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.later))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a blob outside the window was copied: %v", err)
	}

	// The copy is an archive that lists as the source does.
	want := archivetest.List(t, f.src, f.window())
	got := archivetest.List(t, archive.NewDir(dir), f.window())
	if len(got) != len(want) {
		t.Fatalf("the copy lists %d blobs, the source %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Container != w.Container || g.Name != w.Name || !g.LastModified.Equal(w.LastModified) || (g.Err == nil) != (w.Err == nil) {
			t.Errorf("the copy lists %+v where the source lists %+v", g, w)
		}
		if !w.Gzip && g.Size != w.Size {
			t.Errorf("%s: size %d, want %d", g.Name, g.Size, w.Size)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, archive.FetchStateDir)); err != nil {
		t.Errorf("no fetch records: %v", err)
	}
}

func TestFetchResumes(t *testing.T) {
	f := newFetchFixture(t)
	dir := t.TempDir()
	fetch(t, f.src, f.window(), dir)

	stats, actions := fetch(t, f.src, f.window(), dir)
	if stats.Downloaded != 0 || stats.Skipped != int64(len(f.inDay)) || stats.Bytes != 0 {
		t.Errorf("a second fetch: %+v, want everything skipped", stats)
	}
	if countActions(actions, archive.FetchSkipped) != len(f.inDay) {
		t.Errorf("OnBlob told %v", actions)
	}

	grown, cut, crashed := f.inDay[0], f.inDay[1], f.inDay[2]
	ctx := context.Background()
	container, name, _ := strings.Cut(grown, "/")
	if err := f.src.Append(ctx, container, name, []byte("{\"late\":true}\n")); err != nil {
		t.Fatal(err)
	}
	// A local file that no longer has the size written.
	if err := os.Truncate(filepath.Join(dir, filepath.FromSlash(cut)), 5); err != nil {
		t.Fatal(err)
	}
	// A run that stopped mid-download: a partial file and no record.
	crashedPath := filepath.Join(dir, filepath.FromSlash(crashed))
	if err := os.WriteFile(crashedPath+".partial", []byte("{\"half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, archive.FetchStateDir, filepath.FromSlash(crashed)+".json")); err != nil {
		t.Fatal(err)
	}

	stats, actions = fetch(t, f.src, f.window(), dir)
	if stats.Downloaded != 3 || stats.Skipped != int64(len(f.inDay)-3) {
		t.Errorf("after changes: %+v, want 3 downloaded", stats)
	}
	for _, key := range []string{grown, cut, crashed} {
		if actions[key] != archive.FetchDownloaded {
			t.Errorf("%s: %s, want downloaded", key, actions[key])
		}
		got, _ := readLocal(t, dir, key)
		want, _ := readLocal(t, f.root, key)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the copy differs from the source", key)
		}
	}
	if _, err := os.Stat(crashedPath + ".partial"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the partial file is still there: %v", err)
	}
}

func TestFetchCountsBlobsGoneAfterListing(t *testing.T) {
	f := newFetchFixture(t)
	victim := f.inDay[3]
	src := archivetest.FuncSource{
		ListFn: func(ctx context.Context, w archive.Window, fn func(archive.Blob) error) error {
			return f.src.List(ctx, w, func(b archive.Blob) error {
				if b.Container+"/"+b.Name == victim {
					if err := f.src.Delete(ctx, b.Container, b.Name); err != nil {
						return err
					}
				}
				return fn(b)
			})
		},
		OpenFn: f.src.Open,
	}
	dir := t.TempDir()
	stats, actions := fetch(t, src, f.window(), dir)
	if stats.Gone != 1 || stats.Downloaded != int64(len(f.inDay)-1) || actions[victim] != archive.FetchGone {
		t.Errorf("stats %+v, %s: %s; want it gone", stats, victim, actions[victim])
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(victim))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a gone blob left a file: %v", err)
	}
}

func TestFetchRefusesUnsafeNames(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "copy")
	safe := archivetest.BlobName(archivetest.Workspace("RG", "WS"), day)
	unsafe := []string{"../../outside.json", "a/../../../outside.json", "/abs.json", `..\outside.json`}
	var opened []string
	var mu sync.Mutex
	src := archivetest.FuncSource{
		ListFn: func(ctx context.Context, w archive.Window, fn func(archive.Blob) error) error {
			for _, name := range append(unsafe, safe) {
				if err := fn(archive.NewBlob(archivetest.JobEvents, name, 3, `"0x1"`, day, archive.AppendBlob)); err != nil {
					return err
				}
			}
			return nil
		},
		OpenFn: func(ctx context.Context, container, name string, offset, end int64) (io.ReadCloser, error) {
			mu.Lock()
			opened = append(opened, name)
			mu.Unlock()
			return io.NopCloser(strings.NewReader("{}\n"[offset:end])), nil
		},
	}
	stats, actions := fetch(t, src, archive.Window{}, dir)
	if stats.Unsafe != int64(len(unsafe)) || stats.Unrecognised != int64(len(unsafe)) || stats.Downloaded != 1 {
		t.Errorf("stats %+v, want %d unsafe and 1 downloaded", stats, len(unsafe))
	}
	if len(opened) != 1 || opened[0] != safe {
		t.Errorf("opened %q, want only the safe name", opened)
	}
	for _, name := range unsafe {
		if actions[archivetest.JobEvents+"/"+name] != archive.FetchUnsafe {
			t.Errorf("%s: %s, want unsafe", name, actions[archivetest.JobEvents+"/"+name])
		}
	}
	entries, err := os.ReadDir(base)
	if err != nil || len(entries) != 1 {
		t.Errorf("the fetch wrote beside its directory: %v %v", entries, err)
	}
}

func TestFetchSkipsUnreadableBlobs(t *testing.T) {
	f := newFetchFixture(t)
	// A symbolic link to itself in the local archive: listed as unreadable, never opened.
	loop := archivetest.BlobName(archivetest.Workspace("RG", "WS-LOOP"), day)
	p := filepath.Join(f.root, archivetest.JobEvents, filepath.FromSlash(loop))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(p, p); err != nil {
		t.Fatal(err)
	}
	stats, actions := fetch(t, f.src, f.window(), filepath.Join(t.TempDir(), "copy"))
	if got := actions[archivetest.JobEvents+"/"+loop]; got != archive.FetchUnreadable {
		t.Errorf("the looping link: %q, want %q", got, archive.FetchUnreadable)
	}
	if stats.Failed != 1 || stats.Downloaded != int64(len(f.inDay)) {
		t.Errorf("stats %+v, want 1 failed and the %d blobs of the day downloaded", stats, len(f.inDay))
	}
}

func TestFetchStopsAtTheFirstError(t *testing.T) {
	f := newFetchFixture(t)
	broken := errors.New("connection reset")
	var mu sync.Mutex
	opens := 0
	src := archivetest.FuncSource{
		ListFn: f.src.List,
		OpenFn: func(ctx context.Context, container, name string, offset, end int64) (io.ReadCloser, error) {
			mu.Lock()
			defer mu.Unlock()
			if opens++; opens == 2 {
				return nil, broken
			}
			return f.src.Open(ctx, container, name, offset, end)
		},
	}
	stats, err := archive.Fetch(context.Background(), src, f.window(), t.TempDir(), archive.FetchOptions{Parallel: 1})
	if !errors.Is(err, broken) {
		t.Fatalf("Fetch = %v, want the source's error", err)
	}
	if stats.Downloaded != 1 || stats.Listed >= int64(len(f.inDay)) {
		t.Errorf("stats %+v: want the fetch stopped after the failure", stats)
	}
	if stats.Failed != 1 {
		t.Errorf("stats.Failed = %d, want the one blob that failed", stats.Failed)
	}
}

func TestFetchHonoursCancel(t *testing.T) {
	f := newFetchFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stats, err := archive.Fetch(ctx, f.src, f.window(), t.TempDir(), archive.FetchOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a cancelled context = %v", err)
	}
	if stats.Failed != 0 {
		t.Errorf("stats.Failed = %d: a cancelled fetch is not a failed blob", stats.Failed)
	}
}
