package transform

import (
	"bytes"
	"context"
	"io"
	"sync"
)

// A remote source answers each download after a round trip, and a throttled one after the
// wait its Retry-After asks for. Read one after another, a group's blobs would wait in turn,
// and one throttled blob would hold up the rest: with one call in three throttled for a
// second, a sync took fifteen times its clean time. With Options.Prefetch, the small blobs of
// the groups waiting for a worker are downloaded ahead, that many at once across the lake,
// while the workers convert them in order; the waits overlap instead of adding up.
const (
	prefetchMaxBytes = 1 << 20  // larger blobs stream as they are decoded
	prefetchBudget   = 64 << 20 // bytes downloaded ahead and not yet converted, at most
	prefetchGroups   = 64       // groups waiting for a worker, their downloads started
)

// prefetch is the read-ahead of one group: for each member, nil or its download.
type prefetch struct {
	l      *Lake
	cancel context.CancelFunc
	wg     sync.WaitGroup
	reads  []*readAhead
}

// readAhead is one blob's download into memory. Until it has a slot and room in the budget
// it has not started, and the conversion, when it gets there first, claims it and reads the
// blob itself: so the conversion never waits on a download that waits on later groups.
type readAhead struct {
	start, end int64 // the range it reads, as the conversion will ask for it
	size       int64 // what it holds of the budget
	done       chan struct{}

	mu        sync.Mutex
	started   bool // it has a slot and its budget
	claimed   bool // the conversion read the blob itself, or took the data
	data      []byte
	err       error // what ended the read (nil after a whole read), set before done closes
	budgetOut bool  // its budget is still held
}

// startPrefetch starts downloading the members of g that the conversion will read whole from
// the start: blobs new to the manifest, or whose last read failed, of at most prefetchMaxBytes,
// not compressed (their size in memory is not their listed size). Without Options.Prefetch it
// does nothing.
func (l *Lake) startPrefetch(ctx context.Context, g *group) *prefetch {
	p := &prefetch{l: l, reads: make([]*readAhead, len(g.members))}
	if l.prefetchSlots == nil {
		return p
	}
	ctx, p.cancel = context.WithCancel(ctx)
	for i, m := range g.members {
		b := m.blob
		if b.Size <= 0 || b.Size > prefetchMaxBytes || b.Gzip {
			continue
		}
		prev, known, err := l.manifest.get(b.Container, b.Hour, b.Name)
		if err != nil || (known && prev.Failed == "") {
			continue // known blobs are planned against the manifest, and most are skipped
		}
		ra := &readAhead{start: 0, end: b.Size, size: b.Size, done: make(chan struct{})}
		p.reads[i] = ra
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer close(ra.done)
			if err := l.prefetchBytes.Acquire(ctx, ra.size); err != nil {
				return
			}
			select {
			case l.prefetchSlots <- struct{}{}:
			case <-ctx.Done():
				l.prefetchBytes.Release(ra.size)
				return
			}
			defer func() { <-l.prefetchSlots }()
			ra.mu.Lock()
			if ra.claimed {
				ra.mu.Unlock()
				l.prefetchBytes.Release(ra.size)
				return
			}
			ra.started, ra.budgetOut = true, true
			ra.mu.Unlock()
			rc, err := m.open(ctx, ra.start, ra.end)
			if err != nil {
				ra.err = err
				return
			}
			var buf bytes.Buffer
			buf.Grow(int(ra.size))
			_, ra.err = buf.ReadFrom(rc)
			rc.Close()
			ra.data = buf.Bytes()
		}()
	}
	return p
}

// opener is member i's Opener: the download under way when asked for the range it reads, the
// member's own Opener otherwise. A download that failed yields what it read, then its error,
// as the stream would have; one that failed to open fails the same way here.
func (p *prefetch) opener(i int, open Opener) Opener {
	ra := p.reads[i]
	if ra == nil {
		return open
	}
	return func(ctx context.Context, start, end int64) (io.ReadCloser, error) {
		ra.mu.Lock()
		if ra.claimed || !ra.started || start != ra.start || end != ra.end {
			ra.claimed = true
			ra.mu.Unlock()
			return open(ctx, start, end)
		}
		ra.claimed = true
		ra.mu.Unlock()
		select {
		case <-ra.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		data, err := ra.data, ra.err
		ra.data = nil // the conversion holds it now, outside the budget
		p.releaseBudget(ra)
		if err != nil && data == nil {
			return nil, err
		}
		r := io.Reader(bytes.NewReader(data))
		if err != nil {
			r = io.MultiReader(r, errReader{err})
		}
		return io.NopCloser(r), nil
	}
}

func (p *prefetch) releaseBudget(ra *readAhead) {
	ra.mu.Lock()
	out := ra.budgetOut
	ra.budgetOut = false
	ra.mu.Unlock()
	if out {
		p.l.prefetchBytes.Release(ra.size)
	}
}

// stop ends the downloads still under way, waits for them, and gives back the budget of
// what was downloaded and never converted.
func (p *prefetch) stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.wg.Wait()
	for _, ra := range p.reads {
		if ra != nil {
			ra.data = nil
			p.releaseBudget(ra)
		}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
