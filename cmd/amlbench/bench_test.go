package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive/gen"
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

func TestMixShares(t *testing.T) {
	m, c, j := mixShares(map[string]int64{
		"insights-metrics-pt1m":                    450,
		"insights-logs-amlcomputeclusterevent":     300,
		"insights-logs-amlcomputeclusternodeevent": 50,
		"insights-logs-amlcomputejobevent":         150,
		"insights-logs-amlrunstatuschangedevent":   40,
		"insights-logs-modelschangeevent":          10,
	})
	if math.Abs(m-0.45) > 1e-9 || math.Abs(c-0.35) > 1e-9 || math.Abs(j-0.19) > 1e-9 {
		t.Errorf("mixShares = %v %v %v, want 0.45 0.35 0.19", m, c, j)
	}
	if m, c, j := mixShares(nil); m != 0 || c != 0 || j != 0 {
		t.Errorf("mixShares(nil) = %v %v %v", m, c, j)
	}
}

// TestGenerateSizeAndMix generates a small archive of the benchmark's shape, then finds it
// again instead of generating it anew.
func TestGenerateSizeAndMix(t *testing.T) {
	const size = 24 << 20
	dir := filepath.Join(t.TempDir(), "archive")
	a, err := generate(dir, 7, size, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.Bytes < size*95/100 || a.Bytes > size*105/100 {
		t.Errorf("archive of %d bytes, want %d ± 5 %%", a.Bytes, size)
	}
	m, c, j := mixShares(a.ContainerLines)
	for _, s := range []struct{ got, want float64 }{{m, 0.45}, {c, 0.35}, {j, 0.20}} {
		if math.Abs(s.got-s.want) > 0.03 {
			t.Errorf("line mix %.3f %.3f %.3f, want 0.45 0.35 0.20 within 3 points", m, c, j)
			break
		}
	}
	line := a.describe(size)
	for _, want := range []string{"12 workspaces x 24 hours", "lines: 4", "% of 24 MiB asked"} {
		if !strings.Contains(line, want) {
			t.Errorf("describe = %q, want it to contain %q", line, want)
		}
	}
	// A second call finds the archive by its marker; a changed one is generated anew.
	marker := filepath.Join(dir, ".complete.json")
	if err := os.WriteFile(filepath.Join(dir, "stray"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := generate(dir, 7, size, 1)
	if err != nil || again.Bytes != a.Bytes || again.Lines != a.Lines {
		t.Fatalf("second generate = %+v, %v; want the kept archive", again, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stray")); err != nil {
		t.Errorf("the kept archive was regenerated: %v", err)
	}
	b, err := os.ReadFile(marker)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(b), fmt.Sprintf(`"Generator":%d`, gen.Version), `"Generator":1`, 1)
	if err := os.WriteFile(marker, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := generate(dir, 7, size, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stray")); !os.IsNotExist(err) {
		t.Errorf("an archive of an older generator was kept (stray file: %v)", err)
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
