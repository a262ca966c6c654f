package transform

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow builders and the Parquet writer allocate their buffers afresh for every batch and
// every file, and grow them by doubling; with thousands of small blobs that garbage, not the
// conversion, is what kept the CPU busy. bufferPool recycles the buffers that Arrow frees,
// in power-of-two size classes, so that memory is reused from blob to blob.
const (
	minClass = 6  // 64 B
	maxClass = 26 // 64 MiB; larger buffers are left to the garbage collector
	align    = 64 // Arrow's buffers start on a 64-byte boundary
)

// bufferPool is a memory.Allocator whose freed buffers serve later allocations.
type bufferPool struct {
	classes [maxClass + 1]sync.Pool // of *[]byte, each with cap 1<<class
}

var _ memory.Allocator = (*bufferPool)(nil)

func newBufferPool() *bufferPool { return &bufferPool{} }

// classOf is the smallest class that holds size bytes, or -1 when none does.
func classOf(size int) int {
	if size <= 1<<minClass {
		return minClass
	}
	c := bits.Len(uint(size - 1))
	if c > maxClass {
		return -1
	}
	return c
}

// Allocate returns size zeroed bytes, 64-byte aligned.
func (p *bufferPool) Allocate(size int) []byte {
	c := classOf(size)
	if c < 0 {
		return alignedMake(size, size)
	}
	if v := p.classes[c].Get(); v != nil {
		buf := (*v.(*[]byte))[:size]
		clear(buf)
		return buf
	}
	return alignedMake(size, 1<<c)
}

// Reallocate resizes b to size bytes, keeping its contents; new bytes are zero.
func (p *bufferPool) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	grown := p.Allocate(size)
	copy(grown, b)
	p.Free(b)
	return grown
}

// Free makes b available to later allocations of its class. Arrow frees a buffer only once
// its last reference is released.
func (p *bufferPool) Free(b []byte) {
	c := cap(b)
	if c < 1<<minClass || c > 1<<maxClass || c&(c-1) != 0 {
		return
	}
	b = b[:c]
	p.classes[bits.Len(uint(c))-1].Put(&b)
}

// alignedMake returns a zeroed slice of length n and capacity c starting on an align boundary.
func alignedMake(n, c int) []byte {
	buf := make([]byte, c+align)
	shift := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % align); r != 0 {
		shift = align - r
	}
	return buf[shift : shift+n : shift+c]
}
