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
// a group that are read whole are downloaded ahead, that many at once across the lake, while
// the group converts them in order; the waits overlap instead of adding up.
const prefetchMaxBytes = 1 << 20 // larger blobs stream as they are decoded

// prefetch is the read-ahead of one group: for each member, nil or the download under way.
type prefetch struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	reads  []*readAhead
}

// readAhead is one blob's download into memory: the bytes read, and the error that ended the
// read (nil after a whole read), ready once done is closed.
type readAhead struct {
	start, end int64 // the range it reads, as the conversion will ask for it
	done       chan struct{}
	data       []byte
	err        error
}

// startPrefetch starts downloading the members of g that the conversion will read whole from
// the start: blobs new to the manifest, or whose last read failed, of at most prefetchMaxBytes.
// Without Options.Prefetch it does nothing.
func (l *Lake) startPrefetch(ctx context.Context, g *group) *prefetch {
	p := &prefetch{reads: make([]*readAhead, len(g.members))}
	if l.prefetchSlots == nil {
		return p
	}
	ctx, p.cancel = context.WithCancel(ctx)
	for i, m := range g.members {
		b := m.blob
		if b.Size <= 0 || b.Size > prefetchMaxBytes {
			continue
		}
		prev, known, err := l.manifest.get(b.Container, b.Hour, b.Name)
		if err != nil || (known && prev.Failed == "") {
			continue // known blobs are planned against the manifest, and most are skipped
		}
		ra := &readAhead{start: 0, end: b.Size, done: make(chan struct{})}
		if b.Gzip {
			ra.end = -1
		}
		p.reads[i] = ra
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer close(ra.done)
			select {
			case l.prefetchSlots <- struct{}{}:
			case <-ctx.Done():
				ra.err = ctx.Err()
				return
			}
			defer func() { <-l.prefetchSlots }()
			rc, err := m.open(ctx, ra.start, ra.end)
			if err != nil {
				ra.err = err
				return
			}
			var buf bytes.Buffer
			buf.Grow(int(b.Size))
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
	used := false
	return func(ctx context.Context, start, end int64) (io.ReadCloser, error) {
		if used || start != ra.start || end != ra.end {
			return open(ctx, start, end)
		}
		used = true
		select {
		case <-ra.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if ra.err != nil && ra.data == nil {
			return nil, ra.err
		}
		r := io.Reader(bytes.NewReader(ra.data))
		if ra.err != nil {
			r = io.MultiReader(r, errReader{ra.err})
		}
		ra.data = nil // the conversion holds it now
		return io.NopCloser(r), nil
	}
}

// stop ends the downloads still under way and waits for them.
func (p *prefetch) stop() {
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
