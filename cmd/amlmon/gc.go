package main

import "runtime/debug"

// A conversion allocates a great deal of short-lived memory (Arrow batches, Parquet pages) while
// what it keeps alive stays small. With Go's default GOGC=100 the collector then runs so often
// that it takes a fifth of the CPU; a higher GOGC under a soft memory limit collects far less
// often and still keeps the peak RSS bounded, whatever the size of the archive.
const (
	conversionGCPercent   = 400
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
