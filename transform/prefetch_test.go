package transform

import (
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// With Prefetch, the small blobs of a group are downloaded side by side, more than the one
// worker at a time, and the lake holds exactly what a sync without it writes: the same files,
// byte for byte, and the same failure recorded for a blob whose download fails, and for one
// that is cut mid-body.
func TestSyncPrefetch(t *testing.T) {
	store := newStore()
	for h := range 24 {
		at := hour13.Add(time.Duration(h-13) * time.Hour)
		store.put(jobContainer, at, sealedAt, jobLine(at, "job-"+strconv.Itoa(h), "JobSubmitted"))
		store.put(clusterContainer, at, sealedAt, clusterLine(at, h))
	}
	store.get(jobContainer, hour13).fail = errors.New("connection reset")
	cut := store.get(clusterContainer, hour13.Add(-3*time.Hour))
	cutList := func(list func(yield func(Blob, Opener) error) error) func(yield func(Blob, Opener) error) error {
		return func(yield func(Blob, Opener) error) error {
			return list(func(b Blob, open Opener) error {
				if b.Name != cut.blob.Name || b.Container != cut.blob.Container {
					return yield(b, open)
				}
				return yield(b, func(ctx context.Context, offset, end int64) (io.ReadCloser, error) {
					rc, err := open(ctx, offset, end)
					if err != nil {
						return nil, err
					}
					cutBody := io.MultiReader(io.LimitReader(rc, 10), errReader{errors.New("body cut")})
					return struct {
						io.Reader
						io.Closer
					}{cutBody, rc}, nil
				})
			})
		}
	}

	sync := func(prefetch int) (dir string, peak int64, st Stats) {
		dir = t.TempDir()
		var inflight, p atomic.Int64
		l, err := Open(dir, Options{Parallel: 1, Prefetch: prefetch, Now: func() time.Time { return testNow }})
		if err != nil {
			t.Fatal(err)
		}
		st, err = l.Sync(t.Context(), cutList(slowList(store, &inflight, &p)))
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		return dir, p.Load(), st
	}
	plainDir, plainPeak, plain := sync(0)
	aheadDir, aheadPeak, ahead := sync(8)
	if plainPeak != 1 || aheadPeak <= 1 || aheadPeak > 8+1 { // eight ahead, and the worker reading one itself
		t.Errorf("downloads at once: %d without prefetch, %d with; want 1, and 2 to 9", plainPeak, aheadPeak)
	}
	if plain.Read != 46 || plain.Failed != 2 || ahead.Read != plain.Read || ahead.Failed != plain.Failed {
		t.Errorf("stats without prefetch %+v, with %+v; want 46 read and 2 failed each", plain, ahead)
	}
	if a, b := lakeFiles(t, plainDir), lakeFiles(t, aheadDir); !maps.Equal(a, b) {
		t.Errorf("the lakes differ:\n%v\n%v", keys(a), keys(b))
	}
	for _, c := range []string{jobContainer, clusterContainer} {
		h := hour13
		if c == clusterContainer {
			h = hour13.Add(-3 * time.Hour)
		}
		if e := entryFor(t, aheadDir, c, h); e.Failed == "" {
			t.Errorf("%s: the failed blob is not recorded as failed: %+v", c, e)
		}
	}
}

// lakeFiles reads every file of a lake but its lock and logs, by path.
func lakeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "lock") {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
