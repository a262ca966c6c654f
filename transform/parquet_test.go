package transform

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// genBlob is a large archive blob that exists only as a function: every line has the same
// length, so any byte range can be produced without holding the blob.
type genBlob struct {
	lines    int64
	lineLen  int64
	template func(i int64) string
}

func newGenBlob(size int64) *genBlob {
	g := &genBlob{template: func(i int64) string {
		at := hour13.Add(time.Duration(i%3_600_000) * time.Millisecond)
		return jobLine(at, fmt.Sprintf("job-%012d", i), "JobSubmitted")
	}}
	g.lineLen = int64(len(g.template(0)))
	g.lines = size / g.lineLen
	return g
}

func (g *genBlob) size() int64 { return g.lines * g.lineLen }

type genReader struct {
	g        *genBlob
	pos, end int64
	line     []byte
	lineNo   int64
}

func (r *genReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.pos < r.end {
		i := r.pos / r.g.lineLen
		if r.line == nil || r.lineNo != i {
			r.line, r.lineNo = []byte(r.g.template(i)), i
		}
		off := r.pos % r.g.lineLen
		c := copy(p[n:], r.line[off:min(int64(len(r.line)), off+r.end-r.pos)])
		n += c
		r.pos += int64(c)
	}
	if n == 0 && r.pos >= r.end {
		return 0, io.EOF
	}
	return n, nil
}

func (g *genBlob) list(yield func(Blob, Opener) error) error {
	b := Blob{Container: jobContainer, Name: blobName(hour13), Size: g.size(), ETag: "0xBIG",
		Modified: sealedAt, Hour: hour13, ResourceID: testResource, Category: testCategory(jobContainer), Append: true}
	return yield(b, func(ctx context.Context, offset, end int64) (io.ReadCloser, error) {
		if end < 0 || end > g.size() {
			end = g.size()
		}
		return io.NopCloser(&genReader{g: g, pos: offset, end: end}), nil
	})
}

// heapPeaks are the highest samples of the heap while something ran.
type heapPeaks struct {
	inuse uint64 // heap spans in use, garbage included: close to what the process holds
	live  uint64 // live heap as of the last collection: what the code keeps
}

// peakHeap samples the heap until stop is called, which returns the highest samples.
func peakHeap() (stop func() heapPeaks) {
	var (
		peak heapPeaks
		wg   sync.WaitGroup
		quit = make(chan struct{})
	)
	runtime.GC()
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			metrics.Read(live)
			peak.inuse = max(peak.inuse, ms.HeapInuse)
			peak.live = max(peak.live, live[0].Value.Uint64())
			select {
			case <-quit:
				return
			case <-tick.C:
			}
		}
	}()
	return func() heapPeaks {
		close(quit)
		wg.Wait()
		return peak
	}
}

// TestSyncLargeBlobBoundedMemory streams a 256 MiB blob through Sync: the heap stays a
// fraction of that, since nothing holds the blob or a whole file's rows.
func TestSyncLargeBlobBoundedMemory(t *testing.T) {
	g := newGenBlob(256 << 20)
	dir := t.TempDir()
	l, err := Open(dir, Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	stop := peakHeap()
	st, err := l.Sync(t.Context(), g.list)
	peak := stop()
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	t.Logf("%d MiB, %d rows in %s, peak heap in use %d MiB, live %d MiB", g.size()>>20, g.lines, st.Duration, peak.inuse>>20, peak.live>>20)
	if st.Records["AmlComputeJobEvent"] != g.lines || st.Bytes != g.size() {
		t.Errorf("stats = %+v, want %d rows of %d bytes", st, g.lines, g.size())
	}
	if limit := uint64(96 << 20); peak.live > limit {
		t.Errorf("peak live heap %d MiB, want under %d MiB", peak.live>>20, limit>>20)
	}
	if limit := uint64(192 << 20); peak.inuse > limit {
		t.Errorf("peak heap in use %d MiB, want under %d MiB", peak.inuse>>20, limit>>20)
	}
	got := rows(t, openDB(t), "SELECT count(*), count(DISTINCT JobId), max(_SourceOffset) FROM "+tableSQL(dir, "AmlComputeJobEvent"))
	want := fmt.Sprintf("%d|%d|%d", g.lines, g.lines, g.size()-g.lineLen)
	if len(got) != 1 || got[0] != want {
		t.Errorf("lake holds %q, want %s", got, want)
	}
}

// BenchmarkSyncLargeBlob converts a 1 GiB blob and reports the peak heap in use.
func BenchmarkSyncLargeBlob(b *testing.B) {
	g := newGenBlob(1 << 30)
	b.SetBytes(g.size())
	var peak heapPeaks
	for i := 0; b.Loop(); i++ {
		l, err := Open(b.TempDir()+"/"+strconv.Itoa(i), Options{Now: func() time.Time { return testNow }})
		if err != nil {
			b.Fatal(err)
		}
		stop := peakHeap()
		_, err = l.Sync(context.Background(), g.list)
		p := stop()
		peak.inuse, peak.live = max(peak.inuse, p.inuse), max(peak.live, p.live)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak.inuse)/(1<<20), "peak-heap-inuse-MiB")
	b.ReportMetric(float64(peak.live)/(1<<20), "peak-heap-live-MiB")
	if rss, ok := peakRSS(); ok {
		b.ReportMetric(float64(rss)/(1<<20), "peak-rss-MiB")
	}
}

// peakRSS is the process's peak resident set size (Linux), meaningful when the benchmark runs
// alone (-run '^$').
func peakRSS() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// TestDictionaryColumns: the columns the report groups by are dictionary-encoded, the others
// plain, and both read back as written.
func TestDictionaryColumns(t *testing.T) {
	dir := t.TempDir()
	store := newStore()
	hour := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var data strings.Builder
	for i := range 100 {
		data.WriteString(jobLine(hour.Add(time.Duration(i)*time.Second), fmt.Sprintf("job-%d", i%10), "JobRunning"))
	}
	store.put(jobContainer, hour, hour.Add(2*time.Hour), data.String())
	syncLake(t, dir, store, Options{})
	files, err := filepath.Glob(filepath.Join(dir, "AmlComputeJobEvent", "*", "*.parquet"))
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v, %v", files, err)
	}
	db := openDB(t)
	got := rows(t, db, fmt.Sprintf(`SELECT path_in_schema, contains(encodings, 'DICTIONARY')
		FROM parquet_metadata('%s') WHERE path_in_schema IN ('ResourceId', 'JobId', 'EventType', '_SourceBlob', 'OperationName', 'Properties')`, files[0]))
	want := []string{"EventType|true", "JobId|true", "OperationName|false", "Properties|false", "ResourceId|true", "_SourceBlob|true"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("dictionary-encoded: %q, want %q", got, want)
	}
	got = rows(t, db, "SELECT count(DISTINCT JobId), min(JobId), max(EventType), count(DISTINCT ResourceId) FROM "+tableSQL(dir, "AmlComputeJobEvent"))
	if want := "10|job-0|JobRunning|1"; len(got) != 1 || got[0] != want {
		t.Errorf("read back %q, want %s", got, want)
	}
}
