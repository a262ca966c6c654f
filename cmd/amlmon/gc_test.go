package main

import (
	"runtime/debug"
	"testing"
)

func currentGC() (percent int, limit int64) {
	percent = debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

func TestTuneGC(t *testing.T) {
	wantPercent, wantLimit := currentGC()
	none := func(string) (string, bool) { return "", false }
	restore := tuneGC(none)
	if p, l := currentGC(); p != conversionGCPercent || l != conversionMemoryLimit {
		t.Errorf("during a conversion: GOGC %d, limit %d; want %d, %d", p, l, conversionGCPercent, conversionMemoryLimit)
	}
	restore()
	if p, l := currentGC(); p != wantPercent || l != wantLimit {
		t.Errorf("after: GOGC %d, limit %d; want %d, %d", p, l, wantPercent, wantLimit)
	}

	// What the user set in the environment wins.
	both := func(k string) (string, bool) { return "x", k == "GOGC" || k == "GOMEMLIMIT" }
	restore = tuneGC(both)
	if p, l := currentGC(); p != wantPercent || l != wantLimit {
		t.Errorf("with GOGC and GOMEMLIMIT set: GOGC %d, limit %d; want them untouched", p, l)
	}
	restore()
}
