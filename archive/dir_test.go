package archive_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/archivetest"
)

func TestDirConformance(t *testing.T) {
	archivetest.Run(t, func(t *testing.T) archivetest.Store { return archive.NewDir(t.TempDir()) })
}

// fixture builds files under root from "container/name" paths.
func fixture(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, data := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func listKeys(t *testing.T, s archive.Source, w archive.Window) []string {
	t.Helper()
	var out []string
	for _, b := range archivetest.List(t, s, w) {
		k := b.Container + "/" + b.Name
		if b.Err != nil {
			k += " (unrecognised)"
		}
		out = append(out, k)
	}
	return out
}

var day = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func TestDirWindowVisitsOnlyItsHours(t *testing.T) {
	root := t.TempDir()
	const c = "insights-logs-amlcomputejobevent"
	ws := archivetest.Workspace("RG", "WS")
	in := archivetest.BlobName(ws, day.Add(5*time.Hour))
	inHour := strings.TrimSuffix(in, "PT1H.json")
	out := archivetest.BlobName(ws, day.Add(-24*time.Hour))
	outHour := strings.TrimSuffix(out, "PT1H.json")
	fixture(t, root, map[string]string{
		c + "/" + in:                           "{}\n",
		c + "/" + inHour + "stray.txt":         "x",
		c + "/" + inHour + "PT1H.json.partial": "half a download",
		c + "/" + out:                          "{}\n",
		c + "/" + outHour + "stray.txt":        "x",
		c + "/" + strings.Replace(outHour, "/d=24/", "/d=xx/", 1) + "PT1H.json": "{}\n",
		c + "/manifest.json":           "{}",
		c + "/other/PT1H.json":         "{}",
		"backups/" + in:                "{}\n",
		"insights-activity-logs/" + in: "{}\n",
		"README.md":                    "a copy of the account",
	})
	d := archive.NewDir(root)

	// The window meets the stray file in its own hour, the container's own file, and nothing in
	// the folders of other hours: they are never read.
	got := listKeys(t, d, archive.Window{From: day, To: day.Add(24 * time.Hour)})
	want := []string{
		c + "/manifest.json (unrecognised)",
		c + "/" + in,
		c + "/" + inHour + "stray.txt (unrecognised)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("window lists\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	got = listKeys(t, d, archive.Window{})
	want = []string{
		c + "/manifest.json (unrecognised)",
		c + "/other/PT1H.json (unrecognised)",
		c + "/" + out,
		c + "/" + outHour + "stray.txt (unrecognised)",
		c + "/" + in,
		c + "/" + inHour + "stray.txt (unrecognised)",
		c + "/" + strings.Replace(outHour, "/d=24/", "/d=xx/", 1) + "PT1H.json (unrecognised)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("everything lists\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	// A resource filter places an unrecognised name by the resource part of its path.
	got = listKeys(t, d, archive.Window{Resources: []string{"ws"}})
	if len(got) != 5 {
		t.Errorf("resource ws lists %q, want the 5 names under its folder", got)
	}
	if got := listKeys(t, d, archive.Window{Resources: []string{"other-ws"}}); len(got) != 0 {
		t.Errorf("resource other-ws lists %q", got)
	}
}

func TestDirOpenWindowFrom(t *testing.T) {
	d := archive.NewDir(t.TempDir())
	const c = "insights-logs-amlcomputejobevent"
	ws := archivetest.Workspace("RG", "WS")
	for _, h := range []time.Time{day.AddDate(-1, 0, 0), day, day.AddDate(0, 2, 0)} {
		archivetest.Put(t, d, c, archivetest.BlobName(ws, h), []byte("{}\n"))
	}
	if got := listKeys(t, d, archive.Window{From: day}); len(got) != 2 {
		t.Errorf("From only lists %q, want the last two", got)
	}
	if got := listKeys(t, d, archive.Window{To: day.Add(time.Hour)}); len(got) != 2 {
		t.Errorf("To only lists %q, want the first two", got)
	}
}

func TestDirMissingRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "nowhere")
	err := archive.NewDir(root).List(context.Background(), archive.Window{}, func(archive.Blob) error { return nil })
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), root) {
		t.Errorf("List of a missing directory: %v", err)
	}
}

func TestDirGzip(t *testing.T) {
	d := archive.NewDir(t.TempDir())
	const c = "insights-logs-x"
	name := archivetest.BlobName(archivetest.Workspace("RG", "WS"), day) + ".gz"
	plain := strings.Repeat("{\"time\":\"2026-11-25T00:00:00Z\"}\n", 100)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(plain))
	zw.Close()
	archivetest.Put(t, d, c, name, z.Bytes())

	got := archivetest.List(t, d, archive.Window{From: day, To: day.Add(time.Hour)})
	if len(got) != 1 || !got[0].Gzip || got[0].Size != int64(z.Len()) || got[0].Err != nil {
		t.Fatalf("listed %+v, want one gzip blob of %d stored bytes", got, z.Len())
	}
	for _, r := range [][2]int64{{0, -1}, {0, 33}, {33, 66}, {3000, -1}, {int64(len(plain)), -1}} {
		end := r[1]
		if end < 0 {
			end = int64(len(plain))
		}
		if got := string(archivetest.Read(t, d, c, name, r[0], r[1])); got != plain[r[0]:end] {
			t.Errorf("range [%d,%d): %q", r[0], r[1], got)
		}
	}

	empty := archivetest.BlobName(archivetest.Workspace("RG", "WS"), day.Add(time.Hour)) + ".gz"
	archivetest.Put(t, d, c, empty, nil)
	if got := archivetest.Read(t, d, c, empty, 0, -1); len(got) != 0 {
		t.Errorf("empty gzip blob reads %q", got)
	}
}

func TestDirRefusesUnsafeNames(t *testing.T) {
	root := filepath.Join(t.TempDir(), "archive")
	d := archive.NewDir(root)
	ctx := context.Background()
	const evil = "../../escaped.json"
	if err := d.Put(ctx, "insights-logs-x", evil, archive.AppendBlob, strings.NewReader("x")); !errors.Is(err, archive.ErrUnsafeName) {
		t.Errorf("Put: %v", err)
	}
	if err := d.Append(ctx, "insights-logs-x", evil, []byte("x")); !errors.Is(err, archive.ErrUnsafeName) {
		t.Errorf("Append: %v", err)
	}
	if err := d.Delete(ctx, "..", "archive/x"); !errors.Is(err, archive.ErrUnsafeName) {
		t.Errorf("Delete: %v", err)
	}
	if _, err := d.Open(ctx, "insights-logs-x", evil, 0, -1); !errors.Is(err, archive.ErrUnsafeName) {
		t.Errorf("Open: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "..", "escaped.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file escaped the archive: %v", err)
	}
}

func TestDirETag(t *testing.T) {
	root := t.TempDir()
	d := archive.NewDir(root)
	const c = "insights-logs-x"
	name := archivetest.BlobName(archivetest.Workspace("RG", "WS"), day)
	archivetest.Put(t, d, c, name, []byte("abc"))
	p := filepath.Join(root, c, filepath.FromSlash(name))
	mtime := time.Date(2026, 11, 25, 1, 2, 3, 4000, time.UTC)
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	first := archivetest.List(t, d, archive.Window{})[0]
	if !first.LastModified.Equal(mtime) || !strings.HasPrefix(first.ETag, `"`) || !strings.HasSuffix(first.ETag, `"`) {
		t.Errorf("listed modified %v etag %s, want %v and a quoted ETag", first.LastModified, first.ETag, mtime)
	}
	// Same size, new time: a replaced blob gets a new ETag.
	later := mtime.Add(time.Second)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	if second := archivetest.List(t, d, archive.Window{})[0]; second.ETag == first.ETag {
		t.Errorf("ETag %s did not change with the modification time", second.ETag)
	}
}

// BenchmarkDirList lists one day of a history of 60 days: a window should cost the same
// whatever the length of the history, unlike the listing of everything.
func BenchmarkDirList(b *testing.B) {
	root := b.TempDir()
	const c = "insights-logs-amlcomputejobevent"
	for _, ws := range []string{archivetest.Workspace("RG", "WS-A"), archivetest.Workspace("RG", "WS-B")} {
		for h := range 60 * 24 {
			p := filepath.Join(root, c, filepath.FromSlash(archivetest.BlobName(ws, day.Add(-time.Duration(h)*time.Hour))))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	d := archive.NewDir(root)
	for _, bc := range []struct {
		name string
		w    archive.Window
		want int
	}{
		{"day", archive.Window{From: day.Add(-24 * time.Hour), To: day}, 48},
		{"everything", archive.Window{}, 2 * 60 * 24},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				n := 0
				if err := d.List(context.Background(), bc.w, func(archive.Blob) error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
				if n != bc.want {
					b.Fatalf("listed %d blobs, want %d", n, bc.want)
				}
			}
		})
	}
}

// TestDirUnreadableFiles checks that a file the listing cannot stat is listed with
// ErrUnreadable and that the files after it are still listed.
func TestDirUnreadableFiles(t *testing.T) {
	root := t.TempDir()
	const c = "insights-logs-amlcomputejobevent"
	ws := archivetest.Workspace("RG", "WS")
	name := func(h int) string { return archivetest.BlobName(ws, day.Add(time.Duration(h)*time.Hour)) }
	fixture(t, root, map[string]string{c + "/" + name(6): "{}\n", c + "/" + name(8): "{}\n"})
	link := func(h int, target string) {
		p := filepath.Join(root, c, filepath.FromSlash(name(h)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	link(7, "PT1H.json")    // a link to itself: a loop
	link(9, "missing.json") // a link to nothing
	d := archive.NewDir(root)

	for _, w := range []archive.Window{{}, {From: day, To: day.Add(24 * time.Hour)}} {
		got := archivetest.List(t, d, w)
		want := []string{c + "/" + name(6), c + "/" + name(7), c + "/" + name(8), c + "/" + name(9)}
		if !slices.Equal(keysOf(got), want) {
			t.Fatalf("window %v..%v lists\n  %s\nwant\n  %s", w.From, w.To, strings.Join(keysOf(got), "\n  "), strings.Join(want, "\n  "))
		}
		for i, b := range got {
			switch i {
			case 1, 3:
				why := map[int]string{1: "too many levels of symbolic links", 3: "no such file"}[i]
				if !errors.Is(b.Err, archive.ErrUnreadable) || !strings.Contains(b.Err.Error(), why) ||
					!strings.HasPrefix(b.Err.Error(), b.Container+"/"+b.Name+": ") {
					t.Errorf("%s: Err = %v, want ErrUnreadable naming the blob and saying %q", b.Name, b.Err, why)
				}
				if errors.Is(b.Err, archive.ErrUnrecognised) || b.Path != (archive.Path{}) {
					t.Errorf("%s: Err = %v, Path = %+v, want an unreadable blob without a path", b.Name, b.Err, b.Path)
				}
			default:
				if b.Err != nil || b.Path.ResourceID != ws {
					t.Errorf("%s: Err = %v, Path = %+v", b.Name, b.Err, b.Path)
				}
			}
		}
	}

	// An unreadable file of an hour outside the window, or of another resource, is not listed.
	if got := listKeys(t, d, archive.Window{From: day.Add(6 * time.Hour), To: day.Add(7 * time.Hour)}); !slices.Equal(got, []string{c + "/" + name(6)}) {
		t.Errorf("hour 06 lists %q", got)
	}
	if got := listKeys(t, d, archive.Window{Resources: []string{"other-ws"}}); len(got) != 0 {
		t.Errorf("resource other-ws lists %q", got)
	}
}

func keysOf(blobs []archive.Blob) []string {
	out := make([]string, len(blobs))
	for i, b := range blobs {
		out[i] = b.Container + "/" + b.Name
	}
	return out
}
