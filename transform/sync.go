package transform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/amlmon/amlmon"
)

// fingerprintLen is how many bytes before the consumed offset identify the prefix that was
// read: enough that a rewritten blob is noticed, small enough for one cheap ranged read.
const fingerprintLen = 256

// fatalError marks a failure of the lake itself, which stops the run, as opposed to a failure
// of one blob's source.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }
func (e fatalError) Unwrap() error { return e.err }

func fatal(err error) error {
	if err == nil {
		return nil
	}
	return fatalError{err}
}

// plan is what to do with one listed blob.
type plan struct {
	action     Action
	start, end int64 // the range to read; end < 0: to the end
	sealed     bool
	prev       amlmon.BlobEntry // the entry an append extends
}

// tally sums up the run; workers add to it concurrently.
type tally struct {
	mu    sync.Mutex
	stats Stats
	unrec []amlmon.UnrecognisedBlob
}

func (t *tally) add(d Done, perTable map[string]int64, warnings int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &t.stats
	switch d.Action {
	case Skipped:
		s.Skipped++
	case Read:
		s.Read++
	case Appended:
		s.Read++
		s.Appended++
	case Replaced:
		s.Read++
		s.Replaced++
	case Gone:
		s.Gone++
	case Unrecognised:
		s.Unrecognised++
	case Failed:
		s.Failed++
	}
	s.Bytes += d.Bytes
	s.Rejected += d.Rejected
	s.Warnings += warnings
	for t, n := range perTable {
		// Rejected lines are counted apart: they are not records of any table.
		if t != amlmon.Rejects {
			s.Records[t] += n
		}
	}
}

func (l *Lake) sync(ctx context.Context, list func(yield func(Blob, Opener) error) error) (Stats, error) {
	began := time.Now()
	t := &tally{stats: Stats{Records: map[string]int64{}}}
	cb := &commitBatch{}
	// Workers hand full batches to one committer, so that no worker waits for a commit's
	// fsyncs; a committer that fails stops the workers through cancel.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cm := l.startCommitter(t, cancel)
	g, gctx := errgroup.WithContext(wctx)
	// Parallel workers convert the groups of the queue. Without read-ahead the queue holds
	// none, so dispatch blocks while every worker is busy, which is what keeps the listing
	// from running ahead of the conversion; with it, a few groups wait there with their
	// downloads started (prefetch.go).
	queued := 0
	if l.prefetchSlots != nil {
		queued = prefetchGroups
	}
	queue := make(chan *group, queued)
	for range l.opts.Parallel {
		g.Go(func() error {
			for todo := range queue {
				if gctx.Err() != nil {
					todo.ahead.stop() // a worker failed: the rest is left to the next run
					continue
				}
				if err := l.syncGroup(gctx, todo, t, cb, cm); err != nil {
					return err
				}
			}
			return nil
		})
	}
	var grp *group
	dispatch := func() {
		if grp != nil {
			todo := grp
			grp = nil
			todo.ahead = l.startPrefetch(gctx, todo)
			select {
			case queue <- todo:
			case <-gctx.Done():
				todo.ahead.stop()
			}
		}
	}
	lerr := list(func(b Blob, open Opener) error {
		if err := gctx.Err(); err != nil {
			return err
		}
		t.mu.Lock()
		t.stats.Blobs++
		t.mu.Unlock()
		if b.Unrecognised != "" {
			t.mu.Lock()
			t.unrec = append(t.unrec, amlmon.UnrecognisedBlob{Container: b.Container, Blob: b.Name, Reason: b.Unrecognised})
			t.mu.Unlock()
			l.opts.Logger.Warn("unrecognised blob", "container", b.Container, "blob", b.Name, "reason", b.Unrecognised)
			l.report(t, Done{Blob: b, Action: Unrecognised}, nil, 0)
			return nil
		}
		if grp != nil && !grp.accepts(b) {
			dispatch()
		}
		if grp == nil {
			grp = &group{key: keyOf(b.Container, b.Hour)}
		}
		grp.add(b, open)
		return gctx.Err()
	})
	dispatch()
	close(queue)
	werr := g.Wait()
	for todo := range queue { // left by workers that stopped at an error
		todo.ahead.stop()
	}
	// What was converted before a cancellation or a failed listing is worth keeping; after a
	// failure of the lake itself, nothing more is written and the next run's recovery cleans up.
	var fe fatalError
	if !errors.As(werr, &fe) {
		cm.send(cb.take())
	}
	if cerr := cm.finish(); cerr != nil {
		werr = cerr
	}
	err := werr
	if err == nil && lerr != nil {
		err = fmt.Errorf("list: %w", lerr)
	}
	if err == nil {
		err = ctx.Err()
	}
	if uerr := l.recordUnrecognised(t.unrec); uerr != nil && err == nil {
		err = uerr
	}
	if uerr := l.finishUpgrade(); uerr != nil && err == nil {
		err = uerr
	}
	t.stats.Duration = time.Since(began)
	return t.stats, err
}

func (l *Lake) report(t *tally, d Done, perTable map[string]int64, warnings int64) {
	t.add(d, perTable, warnings)
	if l.opts.OnBlob != nil {
		l.opts.OnBlob(d)
	}
}

// syncBlob plans and converts one blob. It returns what there is to commit of it, or nil
// when there is nothing (the blob is then reported), and only errors that stop the run.
func (l *Lake) syncBlob(ctx context.Context, b Blob, open Opener, t *tally) (*converted, error) {
	var (
		bytesRead int64
		counted   = func(ctx context.Context, offset, end int64) (io.ReadCloser, error) {
			rc, err := open(ctx, offset, end)
			if err != nil {
				return nil, err
			}
			return &countingReader{ReadCloser: rc, n: &bytesRead}, nil
		}
	)
	d := Done{Blob: b}
	c, err := l.convertBlob(ctx, b, counted, &d)
	d.Bytes = bytesRead
	if err != nil {
		var fe fatalError
		switch {
		case errors.As(err, &fe):
			return nil, err
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, ErrGone):
			d.Action = Gone
			l.opts.Logger.Warn("blob gone since listed, skipped", "container", b.Container, "blob", b.Name, "err", err)
		default:
			d.Action = Failed
			d.Err = err
			l.opts.Logger.Error("blob failed; the next run retries it", "container", b.Container, "blob", b.Name, "err", err)
			if c := l.failedEntry(b, err); c != nil {
				// Recorded, so that the day's data quality lists it; committed like any blob.
				c.done = d
				return c, nil
			}
		}
		l.report(t, d, nil, 0)
		return nil, nil
	}
	if c == nil {
		l.report(t, d, nil, 0)
		return nil, nil
	}
	d.Records, d.Rejected = c.res.records, c.res.rejected
	c.done = d
	return c, nil
}

// failedEntry is the manifest entry of a blob that failed on its first read: no rows, the
// failure as its first error. A blob the lake already holds keeps its entry and its rows
// instead (nil), until a read of it succeeds.
func (l *Lake) failedEntry(b Blob, err error) *converted {
	if prev, known, merr := l.manifest.get(b.Container, b.Hour, b.Name); merr != nil || (known && prev.Failed == "") {
		return nil
	}
	msg := err.Error()
	return &converted{entry: amlmon.BlobEntry{
		Container: b.Container, Blob: b.Name, ResourceID: b.ResourceID, Hour: b.Hour.UTC(),
		Size: b.Size, Modified: b.Modified.UTC(), Segments: []amlmon.Segment{},
		FirstError: "blob failed: " + msg, Failed: msg,
	}}
}

// convertBlob does the work of syncBlob and sets d.Action. It returns nil for a skipped blob.
func (l *Lake) convertBlob(ctx context.Context, b Blob, open Opener, d *Done) (*converted, error) {
	prev, known, err := l.manifest.get(b.Container, b.Hour, b.Name)
	if err != nil {
		return nil, fatal(err)
	}
	p, err := l.plan(ctx, b, open, prev, known)
	if err != nil {
		return nil, err
	}
	d.Action = p.action
	if p.action == Skipped {
		return nil, nil
	}
	seg := segmentID(b, p.start)
	res := decodeResult{consumed: p.start}
	var (
		files []*partFile
		fp    string
		sink  blobSink
	)
	if p.end < 0 || p.end > p.start {
		rc, err := open(ctx, p.start, p.end)
		if err != nil {
			return nil, fmt.Errorf("open at %d: %w", p.start, err)
		}
		tr := newTailReader(rc, p.start)
		if p.end < 0 || p.end-p.start > ownFileBytes {
			sink.own = newSegmentWriter(l)
		}
		res, err = decode(ctx, b, p.start, tr, decodeOptions{batchRows: l.opts.BatchRows, sealed: p.sealed, mem: l.mem}, &sink)
		rc.Close()
		if err != nil {
			sink.held.release()
			if sink.own != nil {
				sink.own.abort()
				if sink.own.err != nil {
					return nil, fatal(fmt.Errorf("convert %s/%s: %w", b.Container, b.Name, sink.own.err))
				}
			}
			return nil, fmt.Errorf("decode: %w", err)
		}
		if sink.own != nil {
			if files, err = sink.own.finish(seg); err != nil {
				return nil, fatal(err)
			}
		}
		if fp, err = l.fingerprintAfter(ctx, tr, open, res.consumed); err != nil {
			sink.held.release()
			removeTemps(files)
			return nil, fmt.Errorf("fingerprint: %w", err)
		}
	} else if p.action == Appended {
		fp = p.prev.Tail
	}
	entry := l.nextEntry(b, p, seg, res, files, len(sink.held) > 0, fp)
	return &converted{res: res, entry: entry, seg: seg, files: files, held: sink.held}, nil
}

// plan decides, from the listing and the manifest, what to read of a blob (docs/lake.md, "Guarantees").
func (l *Lake) plan(ctx context.Context, b Blob, open Opener, prev amlmon.BlobEntry, known bool) (plan, error) {
	now := l.opts.Now()
	sealed := now.Sub(b.Hour) > 2*time.Hour && now.Sub(b.Modified) >= l.opts.Settle
	whole := plan{action: Read, start: 0, end: b.Size, sealed: sealed}
	if b.Gzip {
		// Offsets of a gzip blob count decompressed bytes: only a whole read makes sense.
		whole.end = -1
	}
	if !known || prev.Failed != "" {
		return whole, nil
	}
	if l.outdated(b, prev) {
		// Rows of an earlier layout: read again whole, and the old ones go.
		whole.action = Replaced
		return whole, nil
	}
	tailPending := !b.Gzip && prev.Consumed < prev.Size
	sameETag := b.ETag != "" && b.ETag == prev.ETag
	// A changed ETag at the same size is a rewrite: nothing was appended, and the fingerprint
	// of the tail cannot tell an edit further up. It is read again whole.
	if sameETag && !(tailPending && sealed) {
		missing, err := l.missingFile(prev)
		if err != nil {
			return plan{}, fatal(err)
		}
		if missing == "" {
			return plan{action: Skipped}, nil
		}
		// Its rows are gone with the file: read it again, whole, as a replaced blob.
		l.opts.Logger.Warn("a lake file of an unchanged blob is missing; reading the blob again",
			"container", b.Container, "blob", b.Name, "file", missing)
		whole.action = Replaced
		return whole, nil
	}
	whole.action = Replaced
	if b.Gzip || b.Size < prev.Size || (b.Size == prev.Size && !sameETag) {
		return whole, nil
	}
	ok, err := l.prefixMatches(ctx, open, prev)
	if err != nil {
		return plan{}, err
	}
	if !ok {
		return whole, nil
	}
	return plan{action: Appended, start: prev.Consumed, end: b.Size, sealed: sealed, prev: prev}, nil
}

// prefixMatches reports whether the bytes before prev.Consumed are still the ones read.
func (l *Lake) prefixMatches(ctx context.Context, open Opener, prev amlmon.BlobEntry) (bool, error) {
	if prev.Consumed == 0 {
		return true, nil
	}
	if prev.Tail == "" {
		return false, nil
	}
	from := max(prev.Consumed-fingerprintLen, 0)
	rc, err := open(ctx, from, prev.Consumed)
	if err != nil {
		return false, fmt.Errorf("open %s/%s at %d: %w", prev.Container, prev.Blob, from, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, fingerprintLen+1))
	if err != nil {
		return false, fmt.Errorf("read %s/%s at %d: %w", prev.Container, prev.Blob, from, err)
	}
	return fingerprint(data) == prev.Tail, nil
}

// fingerprintAfter identifies the bytes just before consumed, from what the decoder read when
// it can, else with a small ranged read.
func (l *Lake) fingerprintAfter(ctx context.Context, tr *tailReader, open Opener, consumed int64) (string, error) {
	if consumed == 0 {
		return "", nil
	}
	from := max(consumed-fingerprintLen, 0)
	if data, ok := tr.bytes(from, consumed); ok {
		return fingerprint(data), nil
	}
	rc, err := open(ctx, from, consumed)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, fingerprintLen+1))
	if err != nil {
		return "", err
	}
	return fingerprint(data), nil
}

func fingerprint(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// segmentID names a read of a blob from start deterministically, so that a rerun after a
// crash writes the same files and leaves the same lake as an uninterrupted run.
func segmentID(b Blob, start int64) string {
	// A blob rewritten in place keeps neither its size nor, always, its ETag (a local copy has
	// none): with the time of the change, a new read never takes the name of an old one.
	version := b.ETag
	if version == "" {
		version = "size:" + strconv.FormatInt(b.Size, 10)
	}
	h := sha256.New()
	for _, s := range []string{b.Container, b.Name, version, b.Modified.UTC().Format(time.RFC3339Nano), strconv.FormatInt(start, 10)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:10])
}

// nextEntry is the manifest entry after reading the plan's range.
func (l *Lake) nextEntry(b Blob, p plan, seg string, res decodeResult, files []*partFile, held bool, fp string) amlmon.BlobEntry {
	e := amlmon.BlobEntry{Container: b.Container, Blob: b.Name, ResourceID: b.ResourceID, Hour: b.Hour.UTC()}
	if p.action == Appended {
		e = p.prev
		e.Segments = append([]amlmon.Segment(nil), p.prev.Segments...)
	}
	e.Size, e.ETag, e.Modified = b.Size, b.ETag, b.Modified.UTC()
	e.Format = lakeFormat
	e.Consumed = res.consumed
	e.Tail = fp
	e.Records += res.records
	e.Rejected += res.rejected
	e.Warnings += res.warnings
	if e.FirstError == "" {
		e.FirstError = res.firstError
	}
	if len(files) > 0 || held || res.consumed > p.start {
		s := amlmon.Segment{ID: seg, Start: p.start, End: res.consumed, Files: []string{}}
		for _, f := range files {
			s.Files = append(s.Files, f.rel)
		}
		e.Segments = append(e.Segments, s)
	}
	if e.Segments == nil {
		e.Segments = []amlmon.Segment{}
	}
	return e
}

func removeTemps(files []*partFile) {
	for _, f := range files {
		os.Remove(f.tmp)
	}
}

// countingReader adds the bytes read to n.
type countingReader struct {
	io.ReadCloser
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	*c.n += int64(n)
	return n, err
}

// tailReader keeps the last bytes it read, so that the fingerprint before the consumed offset
// usually needs no second request.
type tailReader struct {
	r     io.Reader
	start int64 // absolute offset of the first byte
	pos   int64 // absolute offset of the next byte
	buf   []byte
}

const tailKeep = 64 << 10

func newTailReader(r io.Reader, start int64) *tailReader {
	return &tailReader{r: r, start: start, pos: start, buf: make([]byte, tailKeep)}
}

func (t *tailReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	data := p[:n]
	if len(data) > tailKeep {
		t.pos += int64(len(data) - tailKeep)
		data = data[len(data)-tailKeep:]
	}
	for len(data) > 0 {
		i := int(t.pos % tailKeep)
		c := copy(t.buf[i:], data)
		data = data[c:]
		t.pos += int64(c)
	}
	return n, err
}

// bytes returns the bytes [from, to) if they are still kept.
func (t *tailReader) bytes(from, to int64) ([]byte, bool) {
	if from < t.start || to > t.pos || t.pos-from > tailKeep {
		return nil, false
	}
	var out bytes.Buffer
	for x := from; x < to; {
		i := int(x % tailKeep)
		c := min(int64(tailKeep-i), to-x)
		out.Write(t.buf[i : i+int(c)])
		x += c
	}
	return out.Bytes(), true
}
