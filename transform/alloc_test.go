package transform

import (
	"bytes"
	"testing"
	"unsafe"
)

func TestBufferPool(t *testing.T) {
	p := newBufferPool()
	for _, size := range []int{0, 1, 64, 65, 1000, 4096, 1 << 20} {
		b := p.Allocate(size)
		if len(b) != size {
			t.Fatalf("Allocate(%d): len %d", size, len(b))
		}
		if size > 0 && uintptr(unsafe.Pointer(&b[0]))%align != 0 {
			t.Errorf("Allocate(%d) is not %d-byte aligned", size, align)
		}
		for i := range b {
			b[i] = 0xff
		}
		p.Free(b)
		// A recycled buffer comes back zeroed, as a fresh one would.
		again := p.Allocate(size)
		if !bytes.Equal(again, make([]byte, size)) {
			t.Errorf("Allocate(%d) after Free is not zeroed", size)
		}
		p.Free(again)
	}

	b := p.Allocate(100)
	copy(b, "arrow")
	b = p.Reallocate(5000, b)
	if len(b) != 5000 || string(b[:5]) != "arrow" || !bytes.Equal(b[5:], make([]byte, 4995)) {
		t.Errorf("Reallocate lost the contents or did not zero the rest")
	}
	b = p.Reallocate(10, b)
	if string(b[:5]) != "arrow" {
		t.Errorf("shrinking Reallocate lost the contents")
	}
	b = p.Reallocate(4000, b)
	if !bytes.Equal(b[10:], make([]byte, 3990)) {
		t.Errorf("regrowing within the capacity did not zero the new bytes")
	}

	// Slices the pool did not make, or too large for a class, are left to the collector.
	p.Free(make([]byte, 100))
	huge := p.Allocate(1<<maxClass + 1)
	if len(huge) != 1<<maxClass+1 {
		t.Errorf("huge allocation: len %d", len(huge))
	}
	p.Free(huge)
}
