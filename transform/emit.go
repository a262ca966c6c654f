package transform

import (
	"bytes"
	"fmt"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/amlmon/amlmon"
)

// emit appends the parsed record at off to its table, or rejects it for want of a time.
func (d *decoder) emit(off int64, text []byte) {
	tf := d.std(stdTime)
	if tf == nil || d.val(tf)[0] == 'n' {
		d.reject(off, text, "no time field")
		return
	}
	var us int64
	ok := false
	if tv := d.val(tf); tv[0] == '"' {
		t, _, _ := scalarText(tv, tf.valEsc, &d.scratch)
		us, ok = parseTime(t)
	}
	if !ok {
		shown := d.val(tf)
		if len(shown) > 100 {
			shown = shown[:100]
			for !utf8.Valid(shown) {
				shown = shown[:len(shown)-1] // never cut a rune in two
			}
		}
		d.reject(off, text, fmt.Sprintf("unparseable time %s", shown))
		return
	}
	ti := d.route()
	b := d.batchFor(ti, dayOf(us))
	d.lookup(ti)
	d.resourceID()
	for i, col := range ti.cols {
		cb := &b.cols[i]
		switch col.role {
		case roleTime:
			cb.ts.Append(arrow.Timestamp(us))
		case roleResourceID:
			appendBytes(cb, d.rid.id)
		case roleSubscriptionID:
			appendBytes(cb, d.rid.sub)
		case roleResourceGroup:
			appendBytes(cb, d.rid.rg)
		case roleResourceProvider:
			appendBytes(cb, d.rid.provider)
		case roleResource:
			appendBytes(cb, d.rid.resource)
		case roleCategory:
			if m := d.std(stdCategory); m != nil && d.val(m)[0] != 'n' {
				appendStringValue(cb.str, d.val(m), m.valEsc, &d.scratch)
			} else {
				cb.str.Append(ti.category)
			}
		case roleStd:
			d.appendMember(cb, col.typ, d.std(col.std))
		case roleTyped:
			m := &d.slots[i]
			if col.fallback >= 0 && (m.ve == 0 || d.val(m)[0] == 'n') {
				if op := d.std(col.fallback); op != nil {
					m = op
				}
			}
			if m.ve == 0 {
				m = nil
			}
			d.appendMember(cb, col.typ, m)
		case roleProperties:
			appendBytes(cb, d.propText)
		case roleExtra:
			appendBytes(cb, d.buildExtra(ti))
		case roleIdentity:
			if m := d.std(stdIdentity); m != nil && d.val(m)[0] != 'n' {
				cb.str.BinaryBuilder.Append(d.val(m))
			} else {
				cb.str.AppendNull()
			}
		case roleSourceBlob:
			cb.str.BinaryBuilder.Append(d.sourceBlob)
		case roleSourceOffset:
			cb.i64.Append(off)
		default:
			b.appendNull(i)
		}
	}
	d.res.records++
	d.added(ti, b)
}

// appendBytes appends v to a VARCHAR column, nil as NULL.
func appendBytes(cb *colBuilder, v []byte) {
	if v == nil {
		cb.str.AppendNull()
		return
	}
	cb.str.BinaryBuilder.Append(v)
}

// appendMember appends the value of m (nil for absent) to a column of type typ, counting a
// warning when it cannot be coerced.
func (d *decoder) appendMember(cb *colBuilder, typ amlmon.ColumnType, m *member) {
	if m == nil {
		switch typ {
		case amlmon.Int64:
			cb.i64.AppendNull()
		case amlmon.Float64:
			cb.f64.AppendNull()
		case amlmon.Timestamp:
			cb.ts.AppendNull()
		default:
			cb.str.AppendNull()
		}
		return
	}
	var warn bool
	val := d.val(m)
	switch typ {
	case amlmon.Int64:
		warn = appendInt64Value(cb.i64, val, m.valEsc, &d.scratch)
	case amlmon.Float64:
		warn = appendFloat64Value(cb.f64, val, m.valEsc, &d.scratch)
	case amlmon.Timestamp:
		warn = appendTimestampValue(cb.ts, val, m.valEsc, &d.scratch)
	default:
		appendStringValue(cb.str, val, m.valEsc, &d.scratch)
	}
	if warn {
		d.res.warnings++
	}
}

// buildExtra renders the top-level fields that have no column of table ti as one JSON
// object, or nil when there are none: on a log table the non-standard fields, and identity
// where the table has no Identity column; on AzureMetrics whatever is not a metric's field.
func (d *decoder) buildExtra(ti *tableInfo) []byte {
	d.extra = d.extra[:0]
	for k := range d.top {
		m := &d.top[k]
		switch {
		case ti.metrics:
			if m.std == stdTime || m.std == stdResourceID {
				continue
			}
			if _, ok := ti.typed[string(d.arena[m.lo:m.hi])]; ok {
				continue
			}
		case m.std >= 0 && (m.std != stdIdentity || ti.identity):
			continue
		}
		if len(d.extra) == 0 {
			d.extra = append(d.extra, '{')
		} else {
			d.extra = append(d.extra, ',')
		}
		d.extra = append(d.extra, '"')
		d.extra = append(d.extra, d.key(m)...)
		d.extra = append(d.extra, '"', ':')
		d.extra = append(d.extra, d.val(m)...)
	}
	if len(d.extra) == 0 {
		return nil
	}
	return append(d.extra, '}')
}

// reject appends a rejected line to Rejects, dated by the blob's path hour.
func (d *decoder) reject(off int64, text []byte, reason string) {
	ti := d.rejects
	b := d.batchFor(ti, d.blobDay)
	if len(text) > rejectTextMax {
		cut := rejectTextMax
		for cut > rejectTextMax-utf8.UTFMax && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	if !utf8.Valid(text) {
		d.scratch = append(d.scratch[:0], bytes.ToValidUTF8(text, []byte("\uFFFD"))...)
		text = d.scratch
	}
	for i, col := range ti.cols {
		cb := &b.cols[i]
		switch col.role {
		case roleBlobHour:
			cb.ts.Append(arrow.Timestamp(d.blobHour))
		case roleContainer:
			cb.str.BinaryBuilder.Append(d.container)
		case roleReason:
			cb.str.Append(reason)
		case roleText:
			cb.str.BinaryBuilder.Append(text)
		case roleSourceBlob:
			cb.str.BinaryBuilder.Append(d.sourceBlob)
		case roleSourceOffset:
			cb.i64.Append(off)
		default:
			b.appendNull(i)
		}
	}
	d.res.rejected++
	if d.res.firstError == "" {
		d.res.firstError = reason
	}
	d.added(ti, b)
}

// added counts the row just appended to b and writes b when it is full.
func (d *decoder) added(ti *tableInfo, b *batch) {
	b.rows++
	if ti != d.rejects {
		d.res.perTable[ti.table.Name]++
	}
	if b.rows >= d.opts.batchRows {
		b.measure()
		if err := d.flush(ti, b); err != nil && d.err == nil {
			d.err = err
		}
		b.reserve(d.opts.batchRows)
	}
}

// batchFor returns the open batch of table ti for a day, opening one if needed.
func (d *decoder) batchFor(ti *tableInfo, day int64) *batch {
	if ti.last != nil && ti.last.day == day {
		return ti.last
	}
	b := ti.batches[day]
	if b == nil {
		if d.openCount >= maxOpenBatches {
			if err := d.flushAll(); err != nil && d.err == nil {
				d.err = err
			}
			d.release()
		}
		b = newBatch(d.opts.mem, ti, day)
		ti.batches[day] = b
		d.openCount++
	}
	ti.last = b
	return b
}

// flush writes the rows of b to the sink; b's builders start over empty.
func (d *decoder) flush(ti *tableInfo, b *batch) error {
	if b.rows == 0 {
		return nil
	}
	rec := b.rb.NewRecordBatch()
	b.rows = 0
	date := time.UnixMicro(b.day * microsPerDay).UTC()
	err := d.sink.write(ti.table, date, rec)
	rec.Release()
	if err != nil {
		return fmt.Errorf("write %s %s rows of %s/%s: %w", ti.table.Name, date.Format(amlmon.DateLayout), d.blob.Container, d.blob.Name, err)
	}
	return nil
}

// flushAll writes every open batch, by table name and then date so that output is stable.
func (d *decoder) flushAll() error {
	if d.err != nil {
		return d.err
	}
	names := make([]string, 0, len(d.tables))
	for k := range d.tables {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		ti := d.tables[k]
		days := make([]int64, 0, len(ti.batches))
		for day := range ti.batches {
			days = append(days, day)
		}
		sort.Slice(days, func(i, j int) bool { return days[i] < days[j] })
		for _, day := range days {
			if err := d.flush(ti, ti.batches[day]); err != nil {
				d.err = err
				return err
			}
		}
	}
	return nil
}
