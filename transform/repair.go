package transform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
)

// Repaired is what Repair found and did.
type Repaired struct {
	Found   []Problem // the problems before the repair, as Check lists them
	Removed []string  // files removed: damaged, stray and unreadable manifest files (relative to the lake)
	// Reread counts the blobs whose entries were marked to be read again; Containers and the
	// path hours [From, To) bound the sync that reads them (and the blobs of removed manifest
	// files). Empty Containers: no sync is needed.
	Reread     int
	Containers []string
	From, To   time.Time
}

// Repair takes the lake's lock and makes the lake ready for a sync that restores it: a
// manifest file that cannot be read is removed (its blobs become unknown, so they are read
// anew), an interrupted commit is completed or undone, temporary and stray files are removed,
// and a file that is missing or damaged is removed and every blob with rows in it is marked to
// be read again, whole. Each step leaves a lake that readers and the next sync handle: a crash
// between them loses nothing that the archive still holds. The caller syncs the returned
// window with the returned Lake, whose lock it releases.
func Repair(ctx context.Context, dir string, opts Options, copts CheckOptions) (*Lake, func() error, Repaired, error) {
	var rep Repaired
	l := &Lake{dir: dir, opts: opts.withDefaults(), mem: newBufferPool(), manifest: newManifest(dir)}
	for _, d := range []string{l.tmpDir(), l.pendingDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, nil, rep, fmt.Errorf("repair lake %s: %w", d, err)
		}
	}
	release, err := l.lock()
	if err != nil {
		return nil, nil, rep, err
	}
	fail := func(err error) (*Lake, func() error, Repaired, error) {
		release()
		return nil, nil, rep, err
	}
	if rep.Found, err = l.check(ctx, copts); err != nil {
		return fail(err)
	}
	reread := map[string]bool{}
	var from, to string
	span := func(container, date string) {
		reread[container] = true
		if from == "" || date < from {
			from = date
		}
		if date > to {
			to = date
		}
	}
	// A manifest file that cannot be read: its blobs are read anew, and the files they had
	// become strays, removed below.
	for _, p := range rep.Found {
		if p.Kind != Manifest {
			continue
		}
		date, container, ok := manifestFileKey(p.Path)
		if !ok {
			return fail(fmt.Errorf("repair: %s is not a manifest file's path", p.Path))
		}
		if err := l.remove(p.Path, &rep); err != nil {
			return fail(err)
		}
		span(container, date)
	}
	l.manifest = newManifest(dir)
	if err := l.recoverLake(); err != nil {
		return fail(err)
	}
	after, err := l.check(ctx, copts)
	if err != nil {
		return fail(err)
	}
	bad := map[string]ProblemKind{}
	for _, p := range after {
		switch p.Kind {
		case Missing, Damaged:
			bad[p.Path] = p.Kind
		case Stray:
			if err := l.remove(p.Path, &rep); err != nil {
				return fail(err)
			}
			l.removeEmptyDirs(p.Path)
		case Manifest, Unfinished, Temporary:
			return fail(fmt.Errorf("repair: %s is still there after recovery", p))
		}
	}
	// Damaged files go first: a crash before the marks below leaves them missing, which the
	// next sync notices blob by blob.
	for _, rel := range sortedKeysOf(bad) {
		if bad[rel] == Damaged {
			if err := l.remove(rel, &rep); err != nil {
				return fail(err)
			}
		}
	}
	if len(bad) > 0 {
		marked, err := l.markForReread(bad)
		if err != nil {
			return fail(err)
		}
		for _, e := range marked {
			span(e.Container, e.Hour.UTC().Format(amlmon.DateLayout))
		}
		rep.Reread = len(marked)
	}
	for c := range reread {
		rep.Containers = append(rep.Containers, c)
	}
	sort.Strings(rep.Containers)
	if from != "" {
		rep.From, _ = time.Parse(amlmon.DateLayout, from)
		last, _ := time.Parse(amlmon.DateLayout, to)
		rep.To = last.AddDate(0, 0, 1)
	}
	return l, release, rep, nil
}

// markForReread marks every entry that names one of files as failed, so that the next sync
// reads its blob again, whole; it returns the entries marked.
func (l *Lake) markForReread(files map[string]ProblemKind) ([]amlmon.BlobEntry, error) {
	mfs, err := amlmon.ManifestFiles(l.dir, "", "")
	if err != nil {
		return nil, err
	}
	var marked []amlmon.BlobEntry
	for _, mf := range mfs {
		date, _ := time.Parse(amlmon.DateLayout, mf.Date)
		entries, err := l.manifest.entries(keyOf(mf.Container, date))
		if err != nil {
			return nil, err
		}
		for _, b := range sortedKeysOf(entries) {
			e := entries[b]
			for _, rel := range entryFiles(e) {
				if kind, ok := files[rel]; ok {
					e.Failed = fmt.Sprintf("lake file %s was %s; read again by check --repair", rel, kind)
					marked = append(marked, e)
					break
				}
			}
		}
	}
	if err := l.manifest.commit(l, marked); err != nil {
		return nil, err
	}
	return marked, nil
}

func entryFiles(e amlmon.BlobEntry) []string {
	var out []string
	for _, s := range e.Segments {
		out = append(out, s.Files...)
	}
	return out
}

// remove deletes a file of the lake, given relative to it, and makes the removal durable.
func (l *Lake) remove(rel string, rep *Repaired) error {
	p, err := l.lakePath(rel)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	rep.Removed = append(rep.Removed, rel)
	return syncDir(filepath.Dir(p))
}

// manifestFileKey parses _amlmon/blobs/date=D/<container>.jsonl.
func manifestFileKey(rel string) (date, container string, ok bool) {
	parts := strings.Split(rel, "/")
	if len(parts) != 4 || parts[0] != filepath.Base(amlmon.MetaDir("")) || parts[1] != "blobs" {
		return "", "", false
	}
	date, ok1 := strings.CutPrefix(parts[2], "date=")
	container, ok2 := strings.CutSuffix(parts[3], ".jsonl")
	return date, container, ok1 && ok2
}

// removeEmptyDirs removes the folders of a removed stray file that it leaves empty, up to the
// lake's top, so that a stray folder does not remain as an empty table.
func (l *Lake) removeEmptyDirs(rel string) {
	for dir := path.Dir(rel); dir != "." && dir != "/"; dir = path.Dir(dir) {
		p, err := l.lakePath(dir)
		if err != nil || os.Remove(p) != nil {
			return // not empty, or not removable: it stays
		}
	}
}
