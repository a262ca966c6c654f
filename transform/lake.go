package transform

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/amlmon/amlmon"
)

func (l *Lake) tmpDir() string     { return filepath.Join(amlmon.MetaDir(l.dir), "tmp") }
func (l *Lake) pendingDir() string { return filepath.Join(amlmon.MetaDir(l.dir), "pending") }
func (l *Lake) lockPath() string   { return filepath.Join(amlmon.MetaDir(l.dir), "lock") }

// step marks a point where a crash leaves the lake in a distinct state; tests stop the process
// there to prove that recovery copes with every one of them.
func (l *Lake) step(name string) {
	if l.onStep != nil {
		l.stepMu.Lock()
		l.onStep(name)
		l.stepMu.Unlock()
	}
}

func (o Options) withDefaults() Options {
	if o.BatchRows <= 0 {
		o.BatchRows = 8192
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	if o.Settle <= 0 {
		o.Settle = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// openLake is Open with onStep set from the start, so that tests can stop the process at the
// steps of the recovery and of an upgrade's preparation too.
func openLake(dir string, opts Options, onStep func(string)) (*Lake, error) {
	l := &Lake{dir: dir, opts: opts.withDefaults(), mem: newBufferPool(), onStep: onStep}
	l.manifest = newManifest(dir)
	if l.opts.Prefetch > 0 {
		l.prefetchSlots = make(chan struct{}, l.opts.Prefetch)
		l.prefetchBytes = semaphore.NewWeighted(prefetchBudget)
	}
	for _, d := range []string{l.tmpDir(), l.pendingDir()} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("create lake %s: %w", d, err)
		}
	}
	// Recovery must not run under a live sync of another process: it would undo that
	// process's uncommitted files. When the lock is taken, its holder (or whoever takes it
	// next) recovers instead.
	release, err := l.Lock()
	if errors.Is(err, ErrLocked) {
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	if err := release(); err != nil {
		return nil, fmt.Errorf("release lock %s: %w", l.lockPath(), err)
	}
	return l, nil
}

// recoverLake finishes or undoes what an interrupted run left half done. The caller holds the
// lock.
func (l *Lake) recoverLake() error {
	if err := l.recoverJournal(); err != nil {
		return err
	}
	tmps, err := os.ReadDir(l.tmpDir())
	if err != nil {
		return fmt.Errorf("read %s: %w", l.tmpDir(), err)
	}
	for _, e := range tmps {
		p := filepath.Join(l.tmpDir(), e.Name())
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove stale %s: %w", p, err)
		}
	}
	return nil
}

// writeAtomic replaces name with data so that a reader, or a crash, sees the old bytes or the
// new ones, never a mixture.
func (l *Lake) writeAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(name), err)
	}
	f, err := os.CreateTemp(l.tmpDir(), filepath.Base(name)+".*")
	if err != nil {
		return fmt.Errorf("create temp for %s: %w", name, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return syncDir(filepath.Dir(name))
}

// syncDir makes a rename or a removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// checkName refuses a name that would escape its folder of the lake: table names come from
// the records and container names from the source.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, "_") ||
		strings.ContainsAny(name, `/\`+"\x00") {
		return errors.New("not usable as a lake folder name")
	}
	return nil
}

// lakePath turns a slash-separated path relative to the lake into a file path.
func (l *Lake) lakePath(rel string) (string, error) {
	clean := filepath.FromSlash(rel)
	if !filepath.IsLocal(clean) {
		return "", fmt.Errorf("lake path %q: outside the lake", rel)
	}
	return filepath.Join(l.dir, clean), nil
}
