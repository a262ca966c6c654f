package transform

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/amlmon/amlmon"
)

// batchSink receives the decoder's finished batches.
type batchSink interface {
	// write gets a finished batch of rows of one table for one UTC date (the date of
	// TimeGenerated; for Rejects, the blob's path date). The decoder releases rec after write
	// returns: a sink that keeps it must Retain it.
	write(table amlmon.Table, date time.Time, rec arrow.Record) error
}

// decodeResult sums up one decode.
type decodeResult struct {
	consumed   int64 // absolute offset just past the last complete line consumed
	records    int64 // rows written to tables other than Rejects
	rejected   int64
	warnings   int64
	firstError string
	perTable   map[string]int64
}

// decodeOptions tune decode.
type decodeOptions struct {
	batchRows int
	sealed    bool // an unterminated unparseable last line is a reject rather than an incomplete append
}

// maxRejectText bounds the text kept of a rejected line.
const maxRejectText = 64 << 10

// decode reads JSON lines from r, which starts at offset start of blob b, and hands typed
// batches to sink.
func decode(ctx context.Context, b Blob, start int64, r io.Reader, o decodeOptions, sink batchSink) (decodeResult, error) {
	if o.batchRows <= 0 {
		o.batchRows = 8192
	}
	d := &decoder{blob: b, opts: o, sink: sink, open: map[string]*openBatch{},
		res: decodeResult{consumed: start, perTable: map[string]int64{}}}
	br := bufio.NewReaderSize(r, 64<<10)
	off := start
	for {
		if err := ctx.Err(); err != nil {
			return d.res, err
		}
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			terminated := line[len(line)-1] == '\n'
			if err := d.line(off, line, terminated); err != nil {
				return d.res, err
			}
			off += int64(len(line))
			if terminated || d.lastTaken {
				d.res.consumed = off
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return d.res, fmt.Errorf("read %s/%s at %d: %w", b.Container, b.Name, off, err)
		}
	}
	for _, k := range d.order {
		if err := d.flush(k); err != nil {
			return d.res, err
		}
	}
	return d.res, nil
}

type openBatch struct {
	table amlmon.Table
	date  time.Time
	b     *array.RecordBuilder
	rows  int
}

type decoder struct {
	blob      Blob
	opts      decodeOptions
	sink      batchSink
	open      map[string]*openBatch
	order     []string
	res       decodeResult
	lastTaken bool
}

func (d *decoder) line(off int64, line []byte, terminated bool) error {
	d.lastTaken = false
	text := bytes.TrimSpace(bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")))
	if len(text) == 0 {
		d.lastTaken = true
		return nil
	}
	var rec map[string]any
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	err := dec.Decode(&rec)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err != nil || rec == nil {
		if !terminated && !d.opts.sealed {
			return nil
		}
		d.lastTaken = true
		return d.reject(off, text, "not a JSON object")
	}
	ts, ok := parseTime(rec["time"])
	if !ok {
		d.lastTaken = true
		return d.reject(off, text, "no parseable time")
	}
	d.lastTaken = true
	var t amlmon.Table
	if d.blob.Metrics {
		t, _ = amlmon.TableNamed(amlmon.AzureMetrics)
	} else {
		cat, _ := rec["category"].(string)
		if cat == "" {
			return d.reject(off, text, "no category")
		}
		if t, ok = amlmon.TableNamed(cat); !ok {
			t = amlmon.LogTable(cat)
		}
	}
	props, _ := rec["properties"].(map[string]any)
	ob := d.batch(t, ts)
	for i, c := range t.Columns {
		fb := ob.b.Field(i)
		var v any
		switch c.Name {
		case "TimeGenerated":
			v = ts
		case "ResourceId":
			s, _ := lookup(rec, nil, "resourceId").(string)
			if s != "" {
				v = strings.TrimSuffix(strings.ToUpper(s), "/")
			}
		case "Properties":
			if props != nil {
				js, _ := json.Marshal(props)
				v = string(js)
			}
		case "_SourceBlob":
			v = d.blob.Container + "/" + d.blob.Name
		case "_SourceOffset":
			v = off
		default:
			v = lookup(rec, props, c.Name)
		}
		if !appendValue(fb, c.Type, v) {
			d.res.warnings++
		}
	}
	ob.rows++
	d.res.records++
	d.res.perTable[t.Name]++
	if ob.rows >= d.opts.batchRows {
		return d.flush(t.Name + "|" + ts.Format(amlmon.DateLayout))
	}
	return nil
}

func (d *decoder) reject(off int64, text []byte, reason string) error {
	t, _ := amlmon.TableNamed(amlmon.Rejects)
	if len(text) > maxRejectText {
		text = text[:maxRejectText]
	}
	hour := d.blob.Hour.UTC()
	ob := d.batch(t, hour)
	vals := []any{hour, d.blob.Container, reason, string(text), d.blob.Container + "/" + d.blob.Name, off}
	for i, c := range t.Columns {
		appendValue(ob.b.Field(i), c.Type, vals[i])
	}
	ob.rows++
	d.res.rejected++
	if d.res.firstError == "" {
		d.res.firstError = reason
	}
	if ob.rows >= d.opts.batchRows {
		return d.flush(t.Name + "|" + hour.Format(amlmon.DateLayout))
	}
	return nil
}

func (d *decoder) batch(t amlmon.Table, ts time.Time) *openBatch {
	date := time.Date(ts.Year(), ts.Month(), ts.Day(), 0, 0, 0, 0, time.UTC)
	k := t.Name + "|" + date.Format(amlmon.DateLayout)
	ob := d.open[k]
	if ob == nil {
		ob = &openBatch{table: t, date: date, b: array.NewRecordBuilder(memory.DefaultAllocator, arrowSchema(t))}
		d.open[k] = ob
		d.order = append(d.order, k)
	}
	return ob
}

func (d *decoder) flush(k string) error {
	ob := d.open[k]
	if ob == nil || ob.rows == 0 {
		return nil
	}
	rec := ob.b.NewRecord()
	defer rec.Release()
	ob.rows = 0
	return d.sink.write(ob.table, ob.date, rec)
}

func lookup(rec, props map[string]any, name string) any {
	for _, m := range []map[string]any{props, rec} {
		for k, v := range m {
			if strings.EqualFold(k, name) {
				return v
			}
		}
	}
	return nil
}

func parseTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// appendValue appends v coerced to typ, or NULL; false when a present value could not be coerced.
func appendValue(b array.Builder, typ amlmon.ColumnType, v any) bool {
	if v == nil {
		b.AppendNull()
		return true
	}
	switch typ {
	case amlmon.Int64:
		var s string
		switch x := v.(type) {
		case int64:
			b.(*array.Int64Builder).Append(x)
			return true
		case json.Number:
			s = x.String()
		case string:
			s = x
		}
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			b.(*array.Int64Builder).Append(n)
			return true
		}
	case amlmon.Float64:
		var s string
		switch x := v.(type) {
		case json.Number:
			s = x.String()
		case string:
			s = x
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			b.(*array.Float64Builder).Append(f)
			return true
		}
	case amlmon.Timestamp:
		t, ok := v.(time.Time)
		if !ok {
			t, ok = parseTime(v)
		}
		if ok {
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMicro()))
			return true
		}
	default:
		switch x := v.(type) {
		case string:
			b.(*array.StringBuilder).Append(x)
		case json.Number:
			b.(*array.StringBuilder).Append(x.String())
		default:
			js, _ := json.Marshal(x)
			b.(*array.StringBuilder).Append(string(js))
		}
		return true
	}
	b.AppendNull()
	return false
}
