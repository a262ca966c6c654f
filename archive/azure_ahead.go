package archive

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// A listing of a bounded window makes one call per folder it descends and per day or hour it
// lists, each a round trip, and a throttled one waits out its Retry-After. Made one after
// another, the waits add up: with one call in three throttled for a second, listing three days
// of six containers took a minute. So the folders of one level are listed side by side, a
// few ahead of the one being passed on, each into a small buffer, and their blobs are still
// passed on in name order, one at a time, from the caller's goroutine.
const (
	listAhead  = 32 // listings of one level that run ahead of the one being passed on
	listBuffer = 64 // blobs each may hold before it waits
	listCalls  = 64 // listing calls of one account at once
)

// listing lists something into fn, as List does.
type listing func(ctx context.Context, fn func(Blob) error) error

// inOrder runs listings up to listAhead ahead of the one being passed on, and passes their
// blobs to fn in the order of the listings, as if they ran one after another. The first error,
// of fn or of a listing in order, stops the rest; no goroutine outlives the call.
func inOrder(ctx context.Context, listings []listing, fn func(Blob) error) error {
	if len(listings) == 1 {
		return listings[0](ctx, fn)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type run struct {
		blobs chan Blob
		err   error // set before blobs is closed
	}
	runs := make([]*run, len(listings))
	started := 0
	start := func() {
		r := &run{blobs: make(chan Blob, listBuffer)}
		l := listings[started]
		runs[started] = r
		started++
		go func() {
			defer close(r.blobs)
			r.err = l(ctx, func(b Blob) error {
				select {
				case r.blobs <- b:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		}()
	}
	// stop cancels the listings still running and waits until each has closed its buffer.
	stop := func(from int, err error) error {
		cancel()
		for _, r := range runs[from:started] {
			for range r.blobs {
			}
		}
		return err
	}
	for i := range listings {
		for started < len(listings) && started < i+listAhead {
			start()
		}
		r := runs[i]
		for b := range r.blobs {
			if err := fn(b); err != nil {
				return stop(i, err)
			}
		}
		if r.err != nil {
			return stop(i+1, r.err)
		}
		runs[i] = nil
	}
	return nil
}

// nextPage fetches the next page of a listing once one of the account's listing slots is
// free, so that listings side by side make at most listCalls calls at once.
func nextPage[T any](ctx context.Context, a *Azure, p *runtime.Pager[T]) (T, error) {
	select {
	case a.listSlots <- struct{}{}:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	defer func() { <-a.listSlots }()
	return p.NextPage(ctx)
}
