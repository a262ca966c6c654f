package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"600MiB": 600 << 20, "1.5GiB": 3 << 29, "64KiB": 64 << 10, "10B": 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "600", "MiB", "-1MiB", "0GiB", "1TB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}

func TestMedianRatioPairsRuns(t *testing.T) {
	ms := func(ds ...time.Duration) []measurement {
		var out []measurement
		for _, d := range ds {
			out = append(out, measurement{Wall: d})
		}
		return out
	}
	// Each run is compared with its own baseline: the slow second pair, where the machine was
	// busy for both, does not skew the result.
	ours := ms(1*time.Second, 4*time.Second, 2*time.Second)
	theirs := ms(2*time.Second, 6*time.Second, 5*time.Second)
	if got := medianRatio(ours, theirs); got != 2.0 {
		t.Errorf("medianRatio = %v, want 2 (of 2, 1.5, 2.5)", got)
	}
	if got := medianWall(ours); got != 2*time.Second {
		t.Errorf("medianWall = %v", got)
	}
}

func TestMix(t *testing.T) {
	a := archiveInfo{Bytes: 100, Containers: map[string]int64{
		"insights-metrics-pt1m":                    45,
		"insights-logs-amlcomputeclusterevent":     30,
		"insights-logs-amlcomputeclusternodeevent": 5,
		"insights-logs-amlcomputejobevent":         19,
		"insights-logs-modelschangeevent":          1,
	}}
	m, c, j := a.mix()
	if m != 0.45 || c != 0.35 || j != 0.19 {
		t.Errorf("mix = %v %v %v", m, c, j)
	}
}

func TestVerdicts(t *testing.T) {
	var v verdicts
	v.check(true, "fast %dx", 3)
	v.check(false, "small %s", "no")
	if v.fails != 1 || len(v.lines) != 2 || !strings.HasPrefix(v.lines[0], "PASS  fast 3x") || !strings.HasPrefix(v.lines[1], "FAIL  small no") {
		t.Errorf("verdicts = %+v", v)
	}
}
