package archive_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/archivetest"
)

// gzipped compresses data.
func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

// readAll opens a whole blob and reads it, returning how many bytes came before the error.
func readAll(t *testing.T, src archive.Source, container, name string) (int64, error) {
	t.Helper()
	rc, err := src.Open(context.Background(), container, name, 0, -1)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}

// A compression bomb (here 256 MiB of one repeated line in 256 KiB of gzip, over 1,000 times)
// fails once its output passes the ratio bound, having decompressed about 100 times its input,
// not the whole of it; a file within the bounds reads whole, and each bound can be set.
func TestInflateLimit(t *testing.T) {
	root := t.TempDir()
	w := archive.NewDir(root)
	line := []byte(`{"time":"2026-11-25T01:00:00Z","category":"AmlComputeJobEvent"}` + "\n")
	bomb := gzipped(t, bytes.Repeat(line, (256<<20)/len(line)))
	name := archivetest.BlobName(archivetest.Workspace("RG", "WS"), day) + ".gz"
	archivetest.Put(t, w, archivetest.JobEvents, name, bomb)

	n, err := readAll(t, w, archivetest.JobEvents, name)
	if !errors.Is(err, archive.ErrInflateLimit) {
		t.Fatalf("bomb: read %d bytes, err %v; want ErrInflateLimit", n, err)
	}
	if limit := int64(archive.DefaultInflateRatio)*int64(len(bomb)) + 1<<20; n > limit {
		t.Errorf("bomb: %d bytes decompressed before failing, want at most about %d", n, limit)
	}
	if !strings.Contains(err.Error(), "--max-inflate-ratio") {
		t.Errorf("the error should name the setting: %v", err)
	}

	// The same file with the ratio bound off and a size bound of 8 MiB stops at 8 MiB.
	sized := archive.NewDirWith(root, archive.DirOptions{Inflate: archive.InflateLimit{MaxRatio: -1, MaxBytes: 8 << 20}})
	n, err = readAll(t, sized, archivetest.JobEvents, name)
	if !errors.Is(err, archive.ErrInflateLimit) || n > 8<<20+64<<10 {
		t.Errorf("size bound: read %d bytes, err %v; want ErrInflateLimit near 8 MiB", n, err)
	}

	// A small file that expands far more than 100 times (under the 1 MiB of slack) reads whole,
	// and so does the bomb with both bounds off.
	small := archivetest.BlobName(archivetest.Workspace("RG", "WS"), day.Add(time.Hour)) + ".gz"
	archivetest.Put(t, w, archivetest.JobEvents, small, gzipped(t, bytes.Repeat(line, 5000)))
	if n, err := readAll(t, w, archivetest.JobEvents, small); err != nil || n != int64(5000*len(line)) {
		t.Errorf("small file: %d bytes, %v", n, err)
	}
	off := archive.NewDirWith(root, archive.DirOptions{Inflate: archive.InflateLimit{MaxRatio: -1, MaxBytes: -1}})
	if n, err := readAll(t, off, archivetest.JobEvents, name); err != nil || n != int64(len(line)*((256<<20)/len(line))) {
		t.Errorf("bounds off: %d bytes, %v", n, err)
	}
}

// listByName lists the whole of a Dir and returns its blobs by container/name.
func listByName(t *testing.T, d *archive.Dir) map[string]archive.Blob {
	t.Helper()
	got := map[string]archive.Blob{}
	err := d.List(context.Background(), archive.Window{}, func(b archive.Blob) error {
		got[b.Container+"/"+b.Name] = b
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

// A symbolic link that leads outside a local archive is listed as unrecognised and never
// read, so a downloaded archive cannot bring another file of the machine into the lake; a link
// to a file inside it is read as a copy of the account would be. A named pipe is listed as
// unrecognised too, and opening one by name neither blocks nor reads it.
func TestDirRefusesLinksOutsideAndSpecialFiles(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "archive")
	d := archive.NewDir(root)
	ws := archivetest.Workspace("RG", "WS")
	inside := archivetest.BlobName(ws, day)
	archivetest.Put(t, d, archivetest.JobEvents, inside, []byte(`{"time":"2026-11-25T00:00:00Z"}`+"\n"))

	secret := filepath.Join(base, "shadow")
	if err := os.WriteFile(secret, []byte("root:$6$secret:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	escape := archivetest.BlobName(ws, day.Add(time.Hour))
	relink := archivetest.BlobName(ws, day.Add(2*time.Hour))
	pipe := archivetest.BlobName(ws, day.Add(3*time.Hour))
	path := func(name string) string {
		p := filepath.Join(root, archivetest.JobEvents, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := os.Symlink(secret, path(escape)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path(inside), path(relink)); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path(pipe), 0o644); err != nil {
		t.Fatal(err)
	}

	got := listByName(t, d)
	for name, want := range map[string]string{escape: "leads outside the archive directory", pipe: "named pipe"} {
		b, ok := got[archivetest.JobEvents+"/"+name]
		if !ok || !errors.Is(b.Err, archive.ErrUnrecognised) || !strings.Contains(b.Err.Error(), want) {
			t.Errorf("%s: listed %v with %v, want unrecognised: %s", name, ok, b.Err, want)
		}
		if b.Err != nil && strings.Contains(b.Err.Error(), "secret") {
			t.Errorf("the error shows the file's content: %v", b.Err)
		}
		done := make(chan error, 1)
		go func() { _, err := readAll(t, d, archivetest.JobEvents, name); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, archive.ErrNotFound) || !strings.Contains(err.Error(), want) {
				t.Errorf("open %s: %v, want a refusal: %s", name, err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("open %s blocked", name)
		}
	}
	if b := got[archivetest.JobEvents+"/"+relink]; b.Err != nil || b.Size == 0 {
		t.Errorf("a link inside the archive: %+v, want a readable blob", b)
	}
	if n, err := readAll(t, d, archivetest.JobEvents, relink); err != nil || n == 0 {
		t.Errorf("read the link inside: %d bytes, %v", n, err)
	}
}

// A name with a segment longer than a local file name may be (legal in Azure) is skipped and
// counted as unsafe, with its reason; the fetch goes on to copy the rest and does not stop.
func TestFetchSkipsNamesTooLongForTheFileSystem(t *testing.T) {
	ws := archivetest.Workspace("RG", "WS")
	long := strings.TrimSuffix(archivetest.BlobName(ws, day), "PT1H.json") + strings.Repeat("x", 300) + "/PT1H.json"
	fits := strings.TrimSuffix(archivetest.BlobName(ws, day), "PT1H.json") + strings.Repeat("y", 242) + "/PT1H.json"
	names := []string{archivetest.BlobName(ws, day), long, fits, archivetest.BlobName(ws, day.Add(time.Hour))}
	src := archivetest.FuncSource{
		ListFn: func(ctx context.Context, w archive.Window, fn func(archive.Blob) error) error {
			for _, name := range names {
				if err := fn(archive.NewBlob(archivetest.JobEvents, name, 3, `"0x1"`, day, archive.AppendBlob)); err != nil {
					return err
				}
			}
			return nil
		},
		OpenFn: func(ctx context.Context, container, name string, offset, end int64) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("{}\n"[offset:end])), nil
		},
	}
	var refused []error
	stats, err := archive.Fetch(context.Background(), src, archive.Window{}, t.TempDir(), archive.FetchOptions{
		OnRefused: func(b archive.Blob, err error) { refused = append(refused, err) },
	})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if stats.Unsafe != 1 || stats.Downloaded != 3 {
		t.Errorf("stats %+v, want 1 unsafe and 3 downloaded", stats)
	}
	if len(refused) != 1 || !errors.Is(refused[0], archive.ErrUnsafeName) || !strings.Contains(refused[0].Error(), "300 bytes") {
		t.Errorf("refused: %v, want one error naming the 300-byte segment", refused)
	}
}
