package archive

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
)

// Listings that finish in any order are passed on in their own order, one blob at a time;
// the first error in that order, of a listing or of the callback, stops the rest and leaves no
// goroutine behind.
func TestInOrder(t *testing.T) {
	mk := func(id int, n int, delay time.Duration, fail error) listing {
		return func(ctx context.Context, fn func(Blob) error) error {
			for j := range n {
				time.Sleep(delay)
				if err := fn(Blob{Name: fmt.Sprintf("%02d/%03d", id, j)}); err != nil {
					return err
				}
			}
			return fail
		}
	}
	var listings []listing
	var want []string
	for i := range 20 {
		n := (i * 37) % 150 // some longer than the buffer, some empty
		listings = append(listings, mk(i, n, time.Duration((20-i)%5)*time.Microsecond, nil))
		for j := range n {
			want = append(want, fmt.Sprintf("%02d/%03d", i, j))
		}
	}
	before := runtime.NumGoroutine()
	var got []string
	inCallback := false
	err := inOrder(context.Background(), listings, func(b Blob) error {
		if inCallback {
			t.Fatal("the callback ran twice at once")
		}
		inCallback = true
		got = append(got, b.Name)
		inCallback = false
		return nil
	})
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("err %v; got %d names in order %v, want %d", err, len(got), slices.IsSorted(got), len(want))
	}

	boom := errors.New("boom")
	listings[3] = mk(3, 5, 0, boom)
	got = nil
	if err := inOrder(context.Background(), listings, func(b Blob) error { got = append(got, b.Name); return nil }); !errors.Is(err, boom) {
		t.Errorf("a failing listing: %v", err)
	}
	if len(got) == 0 || got[len(got)-1] != "03/004" {
		t.Errorf("passed on up to %v, want up to the failing listing's last blob", got[len(got)-1:])
	}
	stop := errors.New("stop")
	n := 0
	if err := inOrder(context.Background(), listings, func(Blob) error {
		n++
		if n == 100 {
			return stop
		}
		return nil
	}); !errors.Is(err, stop) || n != 100 {
		t.Errorf("a failing callback: %v after %d", err, n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines left behind", g-before)
	}
}
