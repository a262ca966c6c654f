package archive

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDirUnreadableFolder checks that a folder the listing cannot read is listed as one blob
// with ErrUnreadable, named by its path, and that the listing goes on past it. Tests run as
// root, for whom no permission bit makes a folder unreadable, so the read fails by a fake.
func TestDirUnreadableFolder(t *testing.T) {
	root := t.TempDir()
	const c = "insights-logs-amlcomputejobevent"
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	ws := "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS"
	name := func(h int) string {
		return fmt.Sprintf("resourceId=%s/y=2026/m=11/d=25/h=%02d/m=00/PT1H.json", ws, h)
	}
	for h := 6; h <= 9; h++ {
		p := filepath.Join(root, c, filepath.FromSlash(name(h)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	folder := func(h int) string { return strings.TrimSuffix(name(h), "/m=00/PT1H.json") }
	broken := filepath.Join(root, c, filepath.FromSlash(folder(7)))
	gone := filepath.Join(root, c, filepath.FromSlash(folder(9)))
	d := NewDir(root)
	d.readDirFn = func(p string) ([]os.DirEntry, error) {
		switch p {
		case broken:
			return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.EIO}
		case gone: // removed while listing: nothing to report
			return nil, &fs.PathError{Op: "open", Path: p, Err: syscall.ENOENT}
		}
		return os.ReadDir(p)
	}

	for _, w := range []Window{{}, {From: day, To: day.Add(24 * time.Hour)}} {
		var got []Blob
		err := d.List(context.Background(), w, func(b Blob) error {
			got = append(got, b)
			return nil
		})
		if err != nil {
			t.Fatalf("list %v..%v: %v", w.From, w.To, err)
		}
		var keys []string
		for _, b := range got {
			keys = append(keys, b.Container+"/"+b.Name)
		}
		want := []string{c + "/" + name(6), c + "/" + folder(7), c + "/" + name(8)}
		if !slices.Equal(keys, want) {
			t.Fatalf("window %v..%v lists\n  %s\nwant\n  %s", w.From, w.To, strings.Join(keys, "\n  "), strings.Join(want, "\n  "))
		}
		if b := got[1]; !errors.Is(b.Err, ErrUnreadable) || !errors.Is(b.Err, syscall.EIO) {
			t.Errorf("%s: Err = %v, want ErrUnreadable and the read's error", b.Name, b.Err)
		}
		if got[0].Err != nil || got[2].Err != nil {
			t.Errorf("readable blobs listed with errors: %v, %v", got[0].Err, got[2].Err)
		}
	}

	// A cancelled listing still stops instead of being reported as unreadable folders.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.List(ctx, Window{}, func(Blob) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("List on a cancelled context = %v", err)
	}
}
