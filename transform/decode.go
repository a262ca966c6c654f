package transform

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/amlmon/amlmon"
)

// batchSink receives the decoder's output. write gets a finished batch of rows of one table
// for one UTC date (the date of TimeGenerated; for Rejects, the date of the blob's path hour).
// The decoder releases rec after write returns: a sink that keeps it must Retain it.
type batchSink interface {
	write(table amlmon.Table, date time.Time, rec arrow.RecordBatch) error
}

// decodeResult sums up one decoded byte range.
type decodeResult struct {
	consumed   int64            // absolute offset just past the last complete line (or record) consumed
	records    int64            // rows written to tables other than Rejects
	rejected   int64            // lines rejected (rows written to Rejects)
	warnings   int64            // values that could not be coerced and became NULL
	firstError string           // reason of the first rejected line, "" if none
	perTable   map[string]int64 // rows per table name, Rejects not included (see rejected)
}

// decodeOptions tune a decode. The zero value of each field means its default.
type decodeOptions struct {
	batchRows int  // rows per batch before it is flushed to the sink (default 8192)
	sealed    bool // the blob will not grow: an unterminated, unparseable last line is a reject, not an incomplete append
	maxLine   int  // longest line held in memory; a longer one is rejected (default 64 MiB)
	mem       memory.Allocator
}

const (
	defaultBatchRows = 8192
	defaultMaxLine   = 64 << 20
	initialBuffer    = 256 << 10
	// rejectTextMax caps the text kept of a rejected line (docs/lake.md, "Records").
	rejectTextMax = 64 << 10
	// cancelEvery is how many lines pass between checks of the context.
	cancelEvery = 1024
	// maxCachedCategories bounds the spellings of category names remembered per decode.
	maxCachedCategories = 1024
)

// decode reads r, which yields the bytes of blob b from absolute offset start on, and writes
// every record to sink in batches; every line is accounted for as a record, a reject or (only
// the unterminated last line of an unsealed blob) left for the next run.
//
// The old {"records": [...]} wrapper is recognised at offset 0, and carried on with from a
// later offset that an earlier run left inside its array; its elements are streamed one by
// one. An element the wrapper syntax cannot carry on from makes the rest of the blob read as
// lines, so that nothing is silently skipped.
//
// On a blob that is not sealed, whatever may be the start of something still being written is
// left unconsumed: an unparseable unterminated last line, a blank unterminated tail, the head
// of a wrapper, an unfinished element.
func decode(ctx context.Context, b Blob, start int64, r io.Reader, o decodeOptions, sink batchSink) (decodeResult, error) {
	d := newDecoder(b, start, r, o, sink)
	// The read buffer may have grown, so free the one it is at the end.
	defer func() { d.rd.mem.Free(d.rd.buf) }()
	defer d.release()
	err := d.run(ctx)
	if err == nil {
		err = d.flushAll()
	}
	d.res.consumed = d.consumed
	return d.res, err
}

// decoder holds the state of one decode. Every buffer in it is reused from record to record.
type decoder struct {
	blob       Blob
	opts       decodeOptions
	sink       batchSink
	rd         reader
	sc         scanner
	consumed   int64
	res        decodeResult
	err        error // the first sink error, which stops the decode
	sourceBlob []byte
	container  []byte
	blobHour   int64 // path hour, Unix microseconds
	blobDay    int64

	tables    map[string]*tableInfo // by lower-cased table name
	byName    map[string]*tableInfo // by category as spelled in records
	metrics   *tableInfo
	rejects   *tableInfo
	fallback  *tableInfo // the container's category, made on first use (see containerFallback)
	openCount int

	// The record being decoded.
	rec      []byte
	top      []member
	props    []member
	stdAt    [numStd]int // index in top, or -1
	arena    []byte      // lower-cased keys of top and props
	slots    []member    // the typed value of each column of the record's table
	propText []byte      // the Properties column, nil for NULL
	propStr  []byte      // a properties value given as a JSON string, unescaped
	extra    []byte
	scratch  []byte
	keyBuf   []byte
	catBuf   []byte
	head     []byte // the kept head of a line too long to hold
	lines    int

	// ResourceId of the previous record and of the blob, parsed.
	lastRaw []byte
	rid     resourceID
	blobRID resourceID
}

// newDecoder fills in the defaults of o and prepares the tables every blob may need.
func newDecoder(b Blob, start int64, r io.Reader, o decodeOptions, sink batchSink) *decoder {
	if o.batchRows <= 0 {
		o.batchRows = defaultBatchRows
	}
	if o.maxLine <= 0 {
		o.maxLine = defaultMaxLine
	}
	if o.mem == nil {
		o.mem = memory.DefaultAllocator
	}
	d := &decoder{
		blob:       b,
		opts:       o,
		sink:       sink,
		rd:         reader{r: r, buf: o.mem.Allocate(min(initialBuffer, o.maxLine)), off: start, max: o.maxLine, mem: o.mem},
		consumed:   start,
		res:        decodeResult{perTable: make(map[string]int64)},
		sourceBlob: []byte(b.Container + "/" + b.Name),
		container:  []byte(b.Container),
		blobHour:   b.Hour.UnixMicro(),
		tables:     make(map[string]*tableInfo),
		byName:     make(map[string]*tableInfo),
	}
	d.blobDay = dayOf(d.blobHour)
	d.blobRID.parse([]byte(b.ResourceID))
	if len(d.blobRID.id) == 0 {
		d.blobRID = resourceID{}
	}
	rejects, _ := amlmon.TableNamed(amlmon.Rejects)
	metrics, _ := amlmon.TableNamed(amlmon.AzureMetrics)
	d.rejects = d.table(rejects)
	d.metrics = d.table(metrics)
	return d
}

// release frees the builders of every open batch, written or not.
func (d *decoder) release() {
	for _, ti := range d.tables {
		for day, b := range ti.batches {
			b.rb.Release()
			delete(ti.batches, day)
		}
		ti.last = nil
	}
	d.openCount = 0
}

// run decodes the whole range: the BOM and the wrapper are only possible at its start.
func (d *decoder) run(ctx context.Context) error {
	if d.rd.off == 0 {
		if err := d.need(3); err != nil {
			return err
		}
		// The BOM counts as consumed only with what follows it, so that a run that reads no
		// more than the BOM leaves the next one starting at 0, where a wrapper is recognised.
		if bytes.HasPrefix(d.rd.unread(), []byte("\xEF\xBB\xBF")) {
			d.rd.advance(3)
		}
		wrapped, partial, err := d.detectWrapper()
		if err != nil {
			return err
		}
		if partial && !d.opts.sealed {
			return nil // all there is could be the head of a wrapper being written
		}
		if wrapped {
			stop, err := d.wrapper(ctx, true)
			if err != nil || stop {
				return err
			}
		}
	} else if c, err := d.peekAhead(); err != nil {
		return err
	} else if c == ',' || c == ']' {
		// A wrapper that an earlier run left open stops just after an element, so a range
		// that starts with its separator carries on with the records array; a JSON line
		// never starts so.
		stop, err := d.wrapper(ctx, false)
		if err != nil || stop {
			return err
		}
	}
	return d.readLines(ctx)
}
