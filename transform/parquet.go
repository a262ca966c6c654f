package transform

import (
	"fmt"
	"os"
	"path"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/amlmon/amlmon"
)

// rowGroupRows bounds a Parquet row group: large enough for DuckDB to scan efficiently, small
// enough that a buffered row group of one writer stays a few MiB once compressed.
const rowGroupRows = 128 << 10

// dataPageSize bounds a Parquet data page before compression. The writer's page buffers are
// pooled and cleared whole each time a page is done, so pages of the default 1 MiB cost a
// megabyte of clearing per column and file, more than encoding a small blob's values.
const dataPageSize = 64 << 10

// zstdLevel is zstd's fastest level: on these columns it compresses within a few percent of the
// default level at about half the CPU time, and conversion speed is what a backfill feels.
const zstdLevel = 1

// dictionaryColumns are the string columns written with dictionary encoding: the resource and
// the names that the report groups, joins and orders by, which take a few distinct values in a
// file. DuckDB reads a dictionary page as a dictionary vector and checks, hashes and compares its
// values once rather than once per row: the report of a day of the 7-day bench lake took
// 3.65 s instead of 4.2 s, and the conversion was no slower (docs/performance.md).
var dictionaryColumns = map[string]bool{
	"ResourceId": true, "Resource": true, "ClusterName": true, "EventType": true, "JobId": true,
	"VmSize": true, "VmPriority": true, "MetricName": true, "_SourceBlob": true,
}

// writerProperties are the Parquet settings of a file of table t.
func writerProperties(t amlmon.Table, mem memory.Allocator) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithAllocator(mem),
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(zstdLevel),
		// Dictionary encoding hashes every string: on every column it cost a tenth of the
		// conversion's CPU and saved nothing, as zstd finds the repeated values of a column
		// just as well in plain pages. Only dictionaryColumns have it.
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(rowGroupRows),
		parquet.WithDataPageSize(dataPageSize),
	}
	for _, c := range t.Columns {
		// Only times are worth min/max statistics: they are what queries filter by within a
		// date partition. Statistics on the other columns cost CPU for every value and every
		// file and were never read.
		if c.Type != amlmon.Timestamp {
			opts = append(opts, parquet.WithStatsFor(c.Name, false))
		}
		if dictionaryColumns[c.Name] {
			opts = append(opts, parquet.WithDictionaryFor(c.Name, true))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

// partFile is one Parquet file of rows of one table for one date: a segment's own, or one a
// group of blobs shares.
type partFile struct {
	dir  string // the partition folder, relative to the lake: <Table>/date=YYYY-MM-DD
	rel  string // final path, relative to the lake, slash-separated; set when the file is finished
	tmp  string // where it is written until it is renamed into place
	f    *fileBuffer
	w    *pqarrow.FileWriter
	rows int64
}

// segmentWriter is a batchSink that writes each (table, date) to its own temporary Parquet
// file, so memory depends on the batch size and the number of open files, never on how much
// is written. Its files are named when it finishes: after the segment whose rows they hold,
// or after the group of segments that share them.
type segmentWriter struct {
	lake  *Lake
	parts map[string]*partFile // by dir
	// err keeps the first failure of the lake itself, which stops the run rather than the blob.
	err error
}

func newSegmentWriter(l *Lake) *segmentWriter {
	return &segmentWriter{lake: l, parts: map[string]*partFile{}}
}

func (s *segmentWriter) write(t amlmon.Table, date time.Time, rec arrow.RecordBatch) error {
	return s.writeDir(t, partition(t, date), rec)
}

// partition is the folder of table t's rows of date, relative to the lake.
func partition(t amlmon.Table, date time.Time) string {
	return path.Join(t.Name, "date="+date.UTC().Format(amlmon.DateLayout))
}

// writeDir writes rec to the file of partition dir.
func (s *segmentWriter) writeDir(t amlmon.Table, dir string, rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	p, err := s.part(t, dir)
	if err != nil {
		return err
	}
	if err := p.w.WriteBuffered(rec); err != nil {
		s.err = fmt.Errorf("write %s: %w", p.tmp, err)
		return s.err
	}
	p.rows += rec.NumRows()
	s.lake.step("parquet-batch")
	return nil
}

// part returns the file of partition dir, created on first use.
func (s *segmentWriter) part(t amlmon.Table, dir string) (*partFile, error) {
	if p := s.parts[dir]; p != nil {
		return p, nil
	}
	if err := checkName(t.Name); err != nil {
		return nil, fmt.Errorf("table %q: %w", t.Name, err)
	}
	p, err := s.create(t, dir)
	if err != nil {
		s.err = err
		return nil, err
	}
	s.parts[dir] = p
	return p, nil
}

func (s *segmentWriter) create(t amlmon.Table, dir string) (*partFile, error) {
	f, err := os.CreateTemp(s.lake.tmpDir(), t.Name+".*.parquet")
	if err != nil {
		return nil, fmt.Errorf("create a temporary file for %s: %w", dir, err)
	}
	tmp := f.Name()
	sink := newFileBuffer(f, s.lake.mem)
	w, err := pqarrow.NewFileWriter(arrowSchema(t), sink, writerProperties(t, s.lake.mem),
		pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(s.lake.mem)))
	if err != nil {
		sink.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("parquet writer %s: %w", tmp, err)
	}
	return &partFile{dir: dir, tmp: tmp, f: sink, w: w}, nil
}

// empty reports whether nothing was written.
func (s *segmentWriter) empty() bool { return len(s.parts) == 0 }

// finish closes every file, names it name.parquet in its partition and returns the files in
// path order; the commit of their batch makes them durable, all at once.
func (s *segmentWriter) finish(name string) ([]*partFile, error) {
	files := make([]*partFile, 0, len(s.parts))
	for _, p := range s.parts {
		p.rel = path.Join(p.dir, name+".parquet")
		files = append(files, p)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	for _, p := range files {
		if p.w == nil {
			continue
		}
		err := p.w.Close()
		p.w = nil
		if err != nil {
			s.abort()
			return nil, fmt.Errorf("close %s: %w", p.tmp, err)
		}
		s.lake.step("parquet-closed")
	}
	return files, nil
}

// abort closes and removes every temporary file.
func (s *segmentWriter) abort() {
	for _, p := range s.parts {
		if p.w != nil {
			p.w.Close()
			p.w = nil
		}
		p.f.Close()
		os.Remove(p.tmp)
	}
}

// fileBufferSize is how much of a Parquet file is gathered before one write: the writer emits
// every page and header separately, dozens of small writes per file.
const fileBufferSize = 256 << 10

// fileBuffer gathers the writes to a file in a buffer from the pool; Close writes what is
// left, gives the buffer back and closes the file.
type fileBuffer struct {
	f   *os.File
	mem memory.Allocator
	buf []byte
	n   int
}

func newFileBuffer(f *os.File, mem memory.Allocator) *fileBuffer {
	return &fileBuffer{f: f, mem: mem, buf: mem.Allocate(fileBufferSize)}
}

func (b *fileBuffer) Write(p []byte) (int, error) {
	if b.buf == nil {
		return 0, os.ErrClosed
	}
	if len(p) > len(b.buf)-b.n {
		if err := b.flush(); err != nil {
			return 0, err
		}
		if len(p) >= len(b.buf) {
			return b.f.Write(p)
		}
	}
	b.n += copy(b.buf[b.n:], p)
	return len(p), nil
}

func (b *fileBuffer) flush() error {
	if b.n == 0 {
		return nil
	}
	_, err := b.f.Write(b.buf[:b.n])
	b.n = 0
	return err
}

// Close may be called more than once; only the first does anything.
func (b *fileBuffer) Close() error {
	if b.buf == nil {
		return nil
	}
	err := b.flush()
	b.mem.Free(b.buf)
	b.buf = nil
	if cerr := b.f.Close(); err == nil {
		err = cerr
	}
	return err
}
