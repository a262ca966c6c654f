package archive

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
)

// FetchStateDir is the folder under a fetch directory that records what each downloaded file
// is a copy of. Dir does not list it: it is not an archive container.
const FetchStateDir = ".amlmon-fetch"

// What Fetch did with a listed blob, as OnBlob is told.
const (
	FetchDownloaded = "downloaded" // copied from the source
	FetchSkipped    = "skipped"    // the local copy is up to date
	FetchGone       = "gone"       // deleted from the source after it was listed
	FetchUnsafe     = "unsafe"     // a name that cannot become a local path; not copied
	FetchUnreadable = "unreadable" // the source cannot read the blob (ErrUnreadable); not copied
)

// FetchOptions tunes Fetch.
type FetchOptions struct {
	// Parallel is the number of blobs downloaded at once; 0 means 4.
	Parallel int
	// OnBlob, when set, is told what happened to each listed blob (one of the Fetch* actions).
	// Calls come one at a time, from whichever goroutine finished the blob.
	OnBlob func(b Blob, action string)
	// OnRefused, when set, is told why a listed blob was not copied (FetchUnsafe or
	// FetchUnreadable), before OnBlob; the error never holds a credential.
	OnRefused func(b Blob, err error)
}

// FetchStats counts what Fetch did.
type FetchStats struct {
	Listed       int64 // blobs listed in the window
	Downloaded   int64 // blobs copied
	Skipped      int64 // blobs whose local copy was up to date
	Gone         int64 // blobs deleted after they were listed
	Unrecognised int64 // listed names that are not archive paths (copied all the same when safe)
	Unsafe       int64 // names refused by LocalPath, not copied
	Failed       int64 // blobs the source cannot read, and copies that failed (the first stops the fetch)
	Bytes        int64 // bytes written to local files
}

// fetchRecord is what the state folder keeps of one downloaded file, so that a rerun knows
// whether the file is a whole copy of the blob as it is now listed.
type fetchRecord struct {
	ETag      string    `json:"etag"`
	Size      int64     `json:"size"`       // as listed by the source
	LocalSize int64     `json:"local_size"` // of the file written
	Modified  time.Time `json:"modified"`
}

// Fetch copies the blobs of a window from src into dir, in the archive layout that Dir reads,
// for offline work. Blobs are streamed, Parallel at a time; the first error stops the rest.
// Each file keeps its blob's LastModified as its modification time, so that a sync from dir
// later sees sealed hours as sealed.
//
// Fetch resumes: a file is written as "<name>.partial", synced and renamed into place, and only
// then recorded with the blob's ETag and size under dir/.amlmon-fetch/; a blob whose record
// matches the listing and whose file has the recorded size is not downloaded again. A blob
// that is deleted after it is listed is counted as gone. A gzip blob arrives decompressed from
// Source.Open and is stored compressed again under its own name, so its file holds the same
// records but not necessarily the same bytes as the blob.
func Fetch(ctx context.Context, src Source, w Window, dir string, opts FetchOptions) (FetchStats, error) {
	parallel := opts.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return FetchStats{}, fmt.Errorf("fetch: create %s: %w", dir, err)
	}
	f := &fetcher{src: src, dir: dir, state: filepath.Join(dir, FetchStateDir), onBlob: opts.OnBlob, onRefused: opts.OnRefused}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	listErr := src.List(gctx, w, func(b Blob) error {
		if err := gctx.Err(); err != nil {
			return err
		}
		f.mu.Lock()
		f.stats.Listed++
		if b.Err != nil {
			f.stats.Unrecognised++
		}
		f.mu.Unlock()
		if errors.Is(b.Err, ErrUnreadable) {
			// One unreadable blob never stops the others; it is counted as a failure.
			f.refuse(b, FetchUnreadable, b.Err)
			return nil
		}
		local, err := LocalPath(f.dir, b.Container, b.Name)
		if err == nil {
			err = checkLength(b.Container, b.Name)
		}
		if err != nil {
			f.refuse(b, FetchUnsafe, err)
			return nil
		}
		record, err := LocalPath(f.state, b.Container, b.Name+".json")
		if err != nil {
			f.refuse(b, FetchUnsafe, err)
			return nil
		}
		g.Go(func() error {
			err := f.fetch(gctx, b, local, record)
			if err != nil && gctx.Err() == nil {
				// Blobs cut short because another one failed first are not failures of their own.
				f.mu.Lock()
				f.stats.Failed++
				f.mu.Unlock()
			}
			return err
		})
		return nil
	})
	err := g.Wait()
	if err == nil && listErr != nil {
		err = fmt.Errorf("fetch: list: %w", listErr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats, err
}

// fetcher holds one Fetch's state; mu guards stats and serialises OnBlob.
type fetcher struct {
	src       Source
	dir       string
	state     string
	onBlob    func(Blob, string)
	onRefused func(Blob, error)

	mu    sync.Mutex
	stats FetchStats
}

func (f *fetcher) report(b Blob, action string, n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch action {
	case FetchDownloaded:
		f.stats.Downloaded++
	case FetchSkipped:
		f.stats.Skipped++
	case FetchGone:
		f.stats.Gone++
	case FetchUnsafe:
		f.stats.Unsafe++
	case FetchUnreadable:
		f.stats.Failed++
	}
	f.stats.Bytes += n
	if f.onBlob != nil {
		f.onBlob(b, action)
	}
}

// refuse reports a blob that is not copied, and why.
func (f *fetcher) refuse(b Blob, action string, err error) {
	if f.onRefused != nil {
		f.mu.Lock()
		f.onRefused(b, err)
		f.mu.Unlock()
	}
	f.report(b, action, 0)
}

// fetch copies one blob to local unless its record says the copy is current.
func (f *fetcher) fetch(ctx context.Context, b Blob, local, record string) error {
	if upToDate(b, local, record) {
		f.report(b, FetchSkipped, 0)
		return nil
	}
	// The record goes first, so that a crash below never leaves it vouching for another file.
	if err := os.Remove(record); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("fetch %s/%s: remove record: %w", b.Container, b.Name, err)
	}
	end := b.Size // the listed bytes, which the record then describes exactly
	if b.Gzip {
		end = -1 // offsets count decompressed bytes, whose number the listing does not know
	}
	rc, err := f.src.Open(ctx, b.Container, b.Name, 0, end)
	if errors.Is(err, ErrNotFound) {
		f.report(b, FetchGone, 0)
		return nil
	}
	if err != nil {
		return fmt.Errorf("fetch %s/%s: %w", b.Container, b.Name, err)
	}
	defer rc.Close()
	write := func(w io.Writer) error { return copyStream(ctx, w, rc) }
	if b.Gzip {
		write = func(w io.Writer) error {
			zw := gzip.NewWriter(w)
			if err := copyStream(ctx, zw, rc); err != nil {
				return err
			}
			return zw.Close()
		}
	}
	n, err := writeAtomic(local, b.LastModified, true, write)
	if errors.Is(err, syscall.ENAMETOOLONG) {
		// A path the local file system cannot hold, though each segment fits: the blob is
		// refused like any other name that cannot be a local path, and the others go on.
		f.refuse(b, FetchUnsafe, fmt.Errorf("%s/%s: %w: %w", b.Container, b.Name, ErrUnsafeName, err))
		return nil
	}
	if err != nil {
		return fmt.Errorf("fetch %s/%s: %w", b.Container, b.Name, err)
	}
	rec, err := json.Marshal(fetchRecord{ETag: b.ETag, Size: b.Size, LocalSize: n, Modified: b.LastModified})
	if err != nil {
		return fmt.Errorf("fetch %s/%s: encode record: %w", b.Container, b.Name, err)
	}
	writeRec := func(w io.Writer) error { _, err := w.Write(rec); return err }
	if _, err := writeAtomic(record, time.Time{}, true, writeRec); err != nil {
		return fmt.Errorf("fetch %s/%s: record: %w", b.Container, b.Name, err)
	}
	f.report(b, FetchDownloaded, n)
	return nil
}

// upToDate reports whether local is a whole copy of the blob as listed: its record names the
// same ETag and size, and the file still has the size written.
func upToDate(b Blob, local, record string) bool {
	data, err := os.ReadFile(record)
	if err != nil {
		return false
	}
	var rec fetchRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return false
	}
	if b.ETag == "" || rec.ETag != b.ETag || rec.Size != b.Size {
		return false
	}
	info, err := os.Stat(local)
	return err == nil && info.Mode().IsRegular() && info.Size() == rec.LocalSize
}
