package transform

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/amlmon/amlmon"
)

// Blobs are committed in batches: each commit costs a few fsyncs whatever its size, and an
// archive holds thousands of small blobs. A batch is committed when it holds commitBlobs blobs
// or its oldest blob has waited commitWait, so that a slow source still makes steady,
// durable progress.
const (
	commitBlobs = 64
	commitWait  = 2 * time.Second
	// syncFanout bounds the fsyncs of one batch in flight at once: the file system groups
	// concurrent ones into one journal commit.
	syncFanout = 16
)

// converted is a blob whose new files are written, closed and waiting in the temporary folder
// for the commit of its batch. Its files are its own, or shared with the other blobs of its
// group.
type converted struct {
	done  Done
	res   decodeResult
	entry amlmon.BlobEntry // as read; the commit completes it from the manifest of the day
	seg   string
	files []*partFile
	held  heldBatches // rows not yet written: syncGroup adds them to the group's files
}

// addFile records that f holds rows of the blob's new segment.
func (c *converted) addFile(f *partFile) {
	c.files = append(c.files, f)
	for i := range c.entry.Segments {
		if s := &c.entry.Segments[i]; s.ID == c.seg {
			s.Files = append(s.Files, f.rel)
			sort.Strings(s.Files)
		}
	}
}

// commitBatch collects the converted blobs of whole groups until a batch is due.
type commitBatch struct {
	mu      sync.Mutex
	blobs   []*converted
	started time.Time
}

// add appends the blobs of one group and returns the whole batch, emptied, when it is due for
// a commit.
func (b *commitBatch) add(unit []*converted, now time.Time) []*converted {
	if len(unit) == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.blobs) == 0 {
		b.started = now
	}
	b.blobs = append(b.blobs, unit...)
	if len(b.blobs) < commitBlobs && now.Sub(b.started) < commitWait {
		return nil
	}
	full := b.blobs
	b.blobs = nil
	return full
}

// take empties the batch.
func (b *commitBatch) take() []*converted {
	b.mu.Lock()
	defer b.mu.Unlock()
	all := b.blobs
	b.blobs = nil
	return all
}

// committer commits the batches that workers hand it, one at a time, in the order received.
type committer struct {
	batches chan []*converted
	done    chan struct{}
	err     error // the first failure; read only after done is closed
}

// startCommitter starts the committer of one sync. After a failure it commits nothing more,
// removes the temporary files of what it is still handed, and calls stop.
func (l *Lake) startCommitter(t *tally, stop func()) *committer {
	// One batch may wait while another is committed: enough to keep the workers busy, and
	// the temporary files of at most three batches exist at once.
	c := &committer{batches: make(chan []*converted, 1), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for batch := range c.batches {
			if c.err != nil {
				for _, cv := range batch {
					removeTemps(cv.files)
				}
				continue
			}
			if err := l.commit(t, batch); err != nil {
				c.err = err
				stop()
			}
		}
	}()
	return c
}

// send queues a batch; it blocks while the committer is a batch behind.
func (c *committer) send(batch []*converted) {
	if len(batch) > 0 {
		c.batches <- batch
	}
}

// finish waits until every batch sent is committed and returns the first failure.
func (c *committer) finish() error {
	close(c.batches)
	<-c.done
	return c.err
}

// commit makes a batch of converted blobs part of the lake and reports each. The protocol is
// the one recovery completes or undoes (journal.go): the new files reach the disk, the journal
// names them, the files they make obsolete and the manifest entries that commit them, the
// files are renamed into the lake, then every manifest file the batch touches is rewritten
// atomically. A crash at any point leaves, after recovery, the blobs of each manifest file
// either as they were or as read. Commits run one at a time.
func (l *Lake) commit(t *tally, batch []*converted) error {
	if len(batch) == 0 {
		return nil
	}
	l.commitMu.Lock()
	err := l.commitLocked(batch)
	l.commitMu.Unlock()
	if err != nil {
		for _, c := range batch {
			removeTemps(c.files)
		}
		return fatal(err)
	}
	for _, c := range batch {
		if c.done.Action != Skipped {
			l.opts.Logger.Debug("blob synced", "container", c.done.Blob.Container, "blob", c.done.Blob.Name,
				"action", c.done.Action, "bytes", c.done.Bytes, "records", c.done.Records, "rejected", c.done.Rejected)
		}
		l.report(t, c.done, c.res.perTable, c.res.warnings)
	}
	return nil
}

func (l *Lake) commitLocked(batch []*converted) error {
	changes, err := l.prepareCommit(batch)
	if err != nil {
		return err
	}
	var (
		journal []pending
		news    []*partFile
		entries []amlmon.BlobEntry
	)
	for _, ch := range changes {
		journal = append(journal, ch.pending)
		news = append(news, ch.files...)
		entries = append(entries, ch.pending.Entries...)
	}
	tmps := make([]string, len(news))
	for i, f := range news {
		tmps[i] = f.tmp
	}
	// The manifest may only name files whose bytes are on disk.
	if err := syncAll(tmps, syncFile); err != nil {
		return err
	}
	if err := l.writeJournal(journal); err != nil {
		return err
	}
	l.step("journal")
	dirs := map[string]bool{}
	for _, f := range news {
		dst, err := l.lakePath(f.rel)
		if err != nil {
			return err
		}
		dir := filepath.Dir(dst)
		if !dirs[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", dir, err)
			}
			dirs[dir] = true
		}
		if err := os.Rename(f.tmp, dst); err != nil {
			return fmt.Errorf("rename %s: %w", dst, err)
		}
		l.step("rename")
	}
	if err := syncAll(sortedKeys(dirs), syncDir); err != nil {
		return err
	}
	if err := l.manifest.commit(l, entries); err != nil {
		return err
	}
	for _, j := range journal {
		if err := l.removeFiles(j.Obsolete); err != nil {
			return err
		}
	}
	if err := l.removeJournal(); err != nil {
		return err
	}
	l.step("journal-removed")
	return nil
}

// syncAll calls sync on every name, a few at a time, and returns the first error.
func syncAll(names []string, sync func(string) error) error {
	var g errgroup.Group
	g.SetLimit(syncFanout)
	for _, n := range names {
		g.Go(func() error { return sync(n) })
	}
	return g.Wait()
}

// syncFile makes the bytes of a closed file durable.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", name, err)
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
