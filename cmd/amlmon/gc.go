package main

import "runtime/debug"

// A conversion allocates a great deal of short-lived memory (Arrow batches, Parquet pages)
// while what it keeps alive stays small. With Go's default GOGC=100 the collector runs so
// often that it takes a fifth of the CPU, and the peak heap follows the size of the blobs.
// Collecting only when the heap reaches a soft limit does both better: few collections, and a
// peak RSS set by the limit rather than by the archive (a little above it, for the runtime's
// own memory), well under the 256 MiB a sync is meant to fit in.
const (
	conversionGCPercent   = -1 // off: the memory limit alone paces the collector
	conversionMemoryLimit = 176 << 20
)

// tuneGC applies the conversion's collector settings, except those the user set through GOGC
// or GOMEMLIMIT, and returns a function that restores the previous ones.
func tuneGC(getenv func(string) (string, bool)) (restore func()) {
	var undo []func()
	if _, set := getenv("GOGC"); !set {
		old := debug.SetGCPercent(conversionGCPercent)
		undo = append(undo, func() { debug.SetGCPercent(old) })
	}
	if _, set := getenv("GOMEMLIMIT"); !set {
		old := debug.SetMemoryLimit(conversionMemoryLimit)
		undo = append(undo, func() { debug.SetMemoryLimit(old) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}
}
