package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/amlmon/amlmon"
)

// batchSink receives the decoder's output. write gets a finished batch of rows of one table
// for one UTC date (the date of TimeGenerated; for Rejects, the date of the blob's path hour).
// The decoder releases rec after write returns: a sink that keeps it must Retain it.
type batchSink interface {
	write(table amlmon.Table, date time.Time, rec arrow.Record) error
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
	// rejectTextMax caps the text kept of a rejected line (SPEC §1.3).
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

// errBufferFull: a line or element does not fit in maxLine bytes.
var errBufferFull = errors.New("line longer than the buffer")

// reader is a growable window on the stream: buf[pos:end] holds the bytes not yet consumed,
// which start at absolute offset off. It grows only up to max, so memory never depends on the
// size of the blob.
type reader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	off      int64
	eof      bool
	max      int
	mem      memory.Allocator // buf comes from it and goes back to it
}

func (rd *reader) unread() []byte { return rd.buf[rd.pos:rd.end] }

func (rd *reader) advance(n int) {
	rd.pos += n
	rd.off += int64(n)
}

// fill reads more bytes after the unread ones. It returns io.EOF at the end of the stream and
// errBufferFull when the unread bytes already take max bytes.
func (rd *reader) fill() error {
	if rd.eof {
		return io.EOF
	}
	if rd.pos > 0 {
		rd.end = copy(rd.buf, rd.buf[rd.pos:rd.end])
		rd.pos = 0
	}
	if rd.end == len(rd.buf) {
		if len(rd.buf) >= rd.max {
			return errBufferFull
		}
		rd.buf = rd.mem.Reallocate(min(2*len(rd.buf), rd.max), rd.buf)
	}
	for empty := 0; ; empty++ {
		n, err := rd.r.Read(rd.buf[rd.end:])
		rd.end += n
		if errors.Is(err, io.EOF) {
			rd.eof = true
			if n == 0 {
				return io.EOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if empty >= 100 {
			return io.ErrNoProgress
		}
	}
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

// resourceID is an upper-cased resource ID and its parts; a nil part is NULL.
type resourceID struct {
	id, sub, rg, provider, resource []byte
}

// parse sets p from a resource ID as a record spells it, reusing p's buffer.
func (p *resourceID) parse(raw []byte) {
	id := p.id[:0]
	for _, c := range raw {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		id = append(id, c)
	}
	for len(id) > 0 && id[len(id)-1] == '/' {
		id = id[:len(id)-1]
	}
	*p = resourceID{id: id}
	if len(id) == 0 {
		return
	}
	// Walk the segments pairwise: /SUBSCRIPTIONS/<s>/RESOURCEGROUPS/<rg>/PROVIDERS/<p>/<type>/<name>...
	var prev []byte
	afterProvider := -1
	var last []byte
	for rest := id; len(rest) > 0; {
		var seg []byte
		if k := bytes.IndexByte(rest, '/'); k >= 0 {
			seg, rest = rest[:k], rest[k+1:]
		} else {
			seg, rest = rest, nil
		}
		if len(seg) == 0 {
			continue
		}
		switch {
		case afterProvider >= 0:
			afterProvider++
		case string(prev) == "SUBSCRIPTIONS" && p.sub == nil:
			p.sub = seg
		case string(prev) == "RESOURCEGROUPS" && p.rg == nil:
			p.rg = seg
		case string(prev) == "PROVIDERS":
			p.provider = seg
			afterProvider = 0
		}
		prev, last = seg, seg
	}
	if afterProvider >= 2 {
		p.resource = last
	}
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

// containerTable is the table of records that name no usable category: the category of the
// container (insights-logs-<category>), made safe to be a directory name.
func containerTable(container string) amlmon.Table {
	const prefix = "insights-logs-"
	name := container
	if len(name) > len(prefix) && strings.EqualFold(name[:len(prefix)], prefix) {
		name = name[len(prefix):]
	}
	if t, ok := categoryTable(name); ok {
		return t
	}
	name = safeTableName(name)
	if _, taken := amlmon.TableNamed(name); taken {
		name = "Category_" + name // never write log rows into AzureMetrics or Rejects
	}
	return amlmon.LogTable(name)
}

// categoryTable is the fixed table of a log category; AzureMetrics and Rejects are not
// categories, whatever a record says.
func categoryTable(name string) (amlmon.Table, bool) {
	t, ok := amlmon.TableNamed(name)
	return t, ok && t.Category != ""
}

// validTableName reports whether a category may name a table (and so a directory) as it is.
func validTableName(s []byte) bool {
	if len(s) == 0 || !('A' <= s[0] && s[0] <= 'Z' || 'a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for _, c := range s {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// safeTableName makes s a valid table name by replacing what a directory name must not hold.
// isFixedTable reports whether name is one of the lake's fixed tables, whatever its case.
func isFixedTable(name string) bool {
	_, ok := amlmon.TableNamed(name)
	return ok
}

func safeTableName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if !validTableName(b) {
		b = append([]byte("Category_"), b...)
	}
	return string(b)
}

// table returns the decode's tableInfo for t, one per table name regardless of case.
func (d *decoder) table(t amlmon.Table) *tableInfo {
	key := string(appendLower(nil, []byte(t.Name)))
	if ti, ok := d.tables[key]; ok {
		return ti
	}
	ti := newTableInfo(t)
	d.tables[key] = ti
	return ti
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

// peekAhead returns the first byte past whitespace without consuming anything, or 0 when
// there is none in reach.
func (d *decoder) peekAhead() (byte, error) {
	for {
		if i := skipSpace(d.rd.unread(), 0); i < d.rd.end-d.rd.pos {
			return d.rd.unread()[i], nil
		}
		switch err := d.rd.fill(); {
		case err == nil:
		case err == io.EOF || err == errBufferFull:
			return 0, nil
		default:
			return 0, d.readErr(err)
		}
	}
}

// need reads until n bytes are unread or the stream ends.
func (d *decoder) need(n int) error {
	for d.rd.end-d.rd.pos < n {
		if err := d.rd.fill(); err != nil {
			if err == io.EOF || err == errBufferFull {
				return nil
			}
			return d.readErr(err)
		}
	}
	return nil
}

func (d *decoder) readErr(err error) error {
	return fmt.Errorf("read %s/%s at %d: %w", d.blob.Container, d.blob.Name, d.rd.off, err)
}

// tick checks the context and the sink every cancelEvery lines.
func (d *decoder) tick(ctx context.Context) error {
	if d.err != nil {
		return d.err
	}
	d.lines++
	if d.lines%cancelEvery == 0 {
		return ctx.Err()
	}
	return nil
}

// readLines decodes the rest of the stream as JSON Lines.
func (d *decoder) readLines(ctx context.Context) error {
	rd := &d.rd
	searched := 0 // unread bytes already known to hold no newline
	for {
		if i := bytes.IndexByte(rd.buf[rd.pos+searched:rd.end], '\n'); i >= 0 {
			n := searched + i
			off := rd.off
			line := rd.buf[rd.pos : rd.pos+n]
			rd.advance(n + 1)
			searched = 0
			d.line(off, line, false)
			d.consumed = rd.off
			if err := d.tick(ctx); err != nil {
				return err
			}
			continue
		}
		searched = rd.end - rd.pos
		switch err := rd.fill(); {
		case err == nil:
		case err == io.EOF:
			if rd.end > rd.pos {
				off, line := rd.off, rd.unread()
				if d.line(off, line, true) {
					rd.advance(len(line))
					d.consumed = rd.off
				}
			} else if d.opts.sealed {
				// Nothing will follow a byte-order mark that is all a sealed blob holds.
				d.consumed = rd.off
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			return d.err
		case err == errBufferFull:
			if err := d.skipLongLine(ctx); err != nil {
				return err
			}
			searched = 0
		default:
			return d.readErr(err)
		}
	}
}

// skipLongLine rejects the line at the reader, too long to hold, keeping its head and
// discarding the rest up to its newline without buffering it. The unterminated last line of
// an unsealed blob is left for the next run instead.
func (d *decoder) skipLongLine(ctx context.Context) error {
	rd := &d.rd
	off := rd.off
	d.head = append(d.head[:0], rd.unread()[:min(rejectTextMax, rd.end-rd.pos)]...)
	terminated := false
	for {
		if i := bytes.IndexByte(rd.unread(), '\n'); i >= 0 {
			rd.advance(i + 1)
			terminated = true
			break
		}
		rd.advance(rd.end - rd.pos)
		if err := ctx.Err(); err != nil {
			return err
		}
		err := rd.fill()
		if err == io.EOF {
			break
		}
		if err != nil {
			return d.readErr(err)
		}
	}
	if terminated || d.opts.sealed {
		d.reject(off, d.head, "line too long")
		d.consumed = rd.off
	}
	return d.err
}

// line decodes one line (without its newline) and reports whether it was consumed: only the
// unparseable unterminated last line of an unsealed blob is not.
func (d *decoder) line(off int64, line []byte, last bool) bool {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	v := trimSpaceBytes(line)
	if len(v) == 0 {
		// Blank, but unterminated on a growing blob it may be the indent of a record being
		// appended, whose offset is where this line starts.
		return !last || d.opts.sealed
	}
	return d.value(off, v, line, last && !d.opts.sealed)
}

// value decodes one record v found at off; text is what a reject keeps of it. When maybeShort
// is set, invalid JSON is taken for an append still in progress and left unconsumed.
func (d *decoder) value(off int64, v, text []byte, maybeShort bool) bool {
	switch err := d.parseRecord(v); {
	case err == nil:
		d.emit(off, text)
	case err == errNotObject:
		d.reject(off, text, "not a JSON object")
	default:
		if maybeShort {
			return false
		}
		d.reject(off, text, "invalid JSON: "+err.Error())
	}
	return true
}

var errNotObject = &jsonError{msg: "not a JSON object"}

// parseRecord scans the record v (trimmed) into d.top and d.props, validating all of it.
func (d *decoder) parseRecord(v []byte) *jsonError {
	d.rec = v
	d.top, d.props, d.arena = d.top[:0], d.props[:0], d.arena[:0]
	d.propText = nil
	for i := range d.stdAt {
		d.stdAt[i] = -1
	}
	if v[0] != '{' {
		end, _, err := d.sc.skipValue(v, 0)
		if err != nil {
			return err
		}
		if end = skipSpace(v, end); end < len(v) {
			return errAt(v, end, "invalid character after top-level value")
		}
		return errNotObject
	}
	end, err := d.members(v, 0, true, false)
	if err != nil {
		return err
	}
	if end = skipSpace(v, end); end < len(v) {
		return errAt(v, end, "invalid character after top-level value")
	}
	if at := d.stdAt[stdProperties]; at >= 0 {
		d.properties(&d.top[at])
	}
	return nil
}

// properties sets the Properties column and, when the properties are a JSON string holding an
// object, scans that object for the typed fields.
func (d *decoder) properties(m *member) {
	val := d.val(m)
	switch val[0] {
	case 'n':
		return
	case '"':
		if m.valEsc {
			d.propStr = unescape(d.propStr[:0], val)
		} else {
			d.propStr = append(d.propStr[:0], val[1:len(val)-1]...)
		}
		obj := trimSpaceBytes(d.propStr)
		if len(obj) > 0 && obj[0] == '{' {
			n := len(d.props)
			lead := len(d.propStr) - len(bytes.TrimLeft(d.propStr, " \t\r\n"))
			end, err := d.members(d.propStr, lead, false, true)
			if err == nil && skipSpace(d.propStr, end) == len(d.propStr) {
				d.propText = obj
				return
			}
			d.props = d.props[:n]
		}
	}
	d.propText = val
}

// val returns the raw JSON value of m.
func (d *decoder) val(m *member) []byte {
	if m.inString {
		return d.propStr[m.vs:m.ve]
	}
	return d.rec[m.vs:m.ve]
}

// key returns the key of m between its quotes, escapes as written.
func (d *decoder) key(m *member) []byte {
	if m.inString {
		return d.propStr[m.ks:m.ke]
	}
	return d.rec[m.ks:m.ke]
}

// members scans the object at v[i] == '{' into d.top (top) or d.props. At the top level a
// properties object is scanned into d.props on the way, so no byte is read twice. inString
// says that v is the unescaped properties string rather than the record.
func (d *decoder) members(v []byte, i int, top, inString bool) (int, *jsonError) {
	i = skipSpace(v, i+1)
	if i < len(v) && v[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(v) || v[i] != '"' {
			return i, errAt(v, i, "expected object key, found")
		}
		kend, kesc, err := scanString(v, i)
		if err != nil {
			return kend, err
		}
		m := member{ks: int32(i + 1), ke: int32(kend - 1), keyEsc: kesc, std: -1, inString: inString}
		i = skipSpace(v, kend)
		if i >= len(v) || v[i] != ':' {
			return i, errAt(v, i, "expected ':', found")
		}
		i = skipSpace(v, i+1)
		m.lo = int32(len(d.arena))
		if kesc {
			d.keyBuf = unescape(d.keyBuf[:0], v[m.ks-1:kend])
			d.arena = appendLower(d.arena, d.keyBuf)
		} else {
			d.arena = appendLower(d.arena, v[m.ks:m.ke])
		}
		m.hi = int32(len(d.arena))
		if top {
			m.std = int8(stdIndex(d.arena[m.lo:m.hi]))
		}
		m.vs = int32(i)
		if m.std == stdProperties && i < len(v) && v[i] == '{' && d.stdAt[stdProperties] < 0 {
			i, err = d.members(v, i, false, inString)
		} else {
			i, m.valEsc, err = d.sc.skipValue(v, i)
		}
		if err != nil {
			return i, err
		}
		m.ve = int32(i)
		if top {
			d.top = append(d.top, m)
			if m.std >= 0 && d.stdAt[m.std] < 0 {
				d.stdAt[m.std] = len(d.top) - 1
			}
		} else {
			d.props = append(d.props, m)
		}
		i = skipSpace(v, i)
		if i < len(v) && v[i] == ',' {
			i = skipSpace(v, i+1)
			continue
		}
		if i < len(v) && v[i] == '}' {
			return i + 1, nil
		}
		return i, errAt(v, i, "invalid character after object value")
	}
}

// std returns the standard field s of the record, or nil.
func (d *decoder) std(s int) *member {
	if at := d.stdAt[s]; at >= 0 {
		return &d.top[at]
	}
	return nil
}

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
			} else if ti.table.Category != "" {
				cb.str.Append(ti.table.Category)
			} else {
				cb.str.Append(ti.table.Name)
			}
		case roleStd:
			d.appendMember(cb, col.typ, d.std(col.std))
		case roleTyped:
			m := &d.slots[i]
			if i == ti.eventType && (m.ve == 0 || d.val(m)[0] == 'n') {
				if op := d.std(stdOperationName); op != nil {
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
			appendBytes(cb, d.buildExtra())
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

// lookup fills d.slots with the typed fields of the record for table ti: from properties
// first, then from the top level, the first spelling of a name winning.
func (d *decoder) lookup(ti *tableInfo) {
	if cap(d.slots) < len(ti.cols) {
		d.slots = make([]member, len(ti.cols))
	}
	d.slots = d.slots[:len(ti.cols)]
	clear(d.slots)
	for _, ms := range [2][]member{d.props, d.top} {
		for k := range ms {
			m := &ms[k]
			if m.std >= 0 {
				continue
			}
			if i, ok := ti.typed[string(d.arena[m.lo:m.hi])]; ok && d.slots[i].ve == 0 {
				d.slots[i] = *m
			}
		}
	}
}

// buildExtra renders the non-standard top-level fields (and identity, which has no column)
// as one JSON object, or nil when there are none.
func (d *decoder) buildExtra() []byte {
	d.extra = d.extra[:0]
	for k := range d.top {
		m := &d.top[k]
		if m.std >= 0 && m.std != stdIdentity {
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

// resourceID sets d.rid from the record's resourceId, or the blob's when it has none.
func (d *decoder) resourceID() {
	m := d.std(stdResourceID)
	var raw []byte
	if m != nil && d.val(m)[0] == '"' {
		raw, _, _ = scalarText(d.val(m), m.valEsc, &d.scratch)
		raw = trimSpaceBytes(raw)
	}
	if len(bytes.Trim(raw, "/")) == 0 {
		d.lastRaw = d.lastRaw[:0]
		d.rid = d.blobRID
		return
	}
	if len(d.lastRaw) > 0 && bytes.Equal(raw, d.lastRaw) {
		return
	}
	d.lastRaw = append(d.lastRaw[:0], raw...)
	if len(d.rid.id) > 0 && &d.rid.id[0] == &d.blobRID.id[0] {
		d.rid = resourceID{} // never write into the blob's buffer
	}
	d.rid.parse(raw)
}

// containerFallback is the table of records that name no usable category. It is made on
// first use, so that when records do name their category, the table is spelt as they spell
// it rather than as the lower-case container does (tables are keyed case-insensitively).
func (d *decoder) containerFallback() *tableInfo {
	if d.fallback == nil {
		d.fallback = d.table(containerTable(d.blob.Container))
	}
	return d.fallback
}

// route picks the table of the parsed record.
func (d *decoder) route() *tableInfo {
	if d.blob.Metrics {
		return d.metrics
	}
	m := d.std(stdCategory)
	if m == nil || d.val(m)[0] != '"' {
		return d.containerFallback()
	}
	val := d.val(m)
	name := val[1 : len(val)-1]
	if m.valEsc {
		d.catBuf = unescape(d.catBuf[:0], val)
		name = d.catBuf
	}
	name = trimSpaceBytes(name)
	if len(name) == 0 {
		return d.containerFallback()
	}
	if ti, ok := d.byName[string(name)]; ok {
		return ti
	}
	// A category names its table as it is spelt; one that cannot be a folder name as it is
	// ("Foo-Bar") is made into one ("Foo_Bar") rather than mixed into another table.
	var ti *tableInfo
	if t, ok := amlmon.TableNamed(string(name)); ok && t.Category != "" {
		ti = d.table(t)
	} else if !ok && validTableName(name) {
		ti = d.table(amlmon.LogTable(string(name)))
	} else if safe := safeTableName(string(name)); !ok && !isFixedTable(safe) {
		ti = d.table(amlmon.LogTable(safe))
	} else {
		ti = d.containerFallback()
	}
	if len(d.byName) < maxCachedCategories {
		d.byName[string(name)] = ti
	}
	return ti
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

// wrapperPrefix matches `{ "records" : [` at the start of b and returns the length of the
// match; more reports that b ends before the verdict.
func wrapperPrefix(b []byte) (n int, match, more bool) {
	i := 0
	for _, tok := range [...]string{"{", `"records"`, ":", "["} {
		i = skipSpace(b, i)
		for k := 0; k < len(tok); k++ {
			if i+k >= len(b) {
				return 0, false, true
			}
			if b[i+k] != tok[k] {
				return 0, false, false
			}
		}
		i += len(tok)
	}
	return i, true, false
}

// detectWrapper consumes the head of a {"records": [...]} blob and reports whether it found
// one; partial means the stream ended while it could still have been one.
func (d *decoder) detectWrapper() (wrapped, partial bool, err error) {
	for {
		n, match, more := wrapperPrefix(d.rd.unread())
		if match {
			d.rd.advance(n)
			return true, false, nil
		}
		if !more {
			return false, false, nil
		}
		switch err := d.rd.fill(); {
		case err == nil:
		case err == io.EOF:
			return false, true, nil
		case err == errBufferFull:
			return false, false, nil
		default:
			return false, false, d.readErr(err)
		}
	}
}

// peek skips whitespace and returns the next byte.
func (d *decoder) peek() (byte, error) {
	rd := &d.rd
	for {
		rd.advance(skipSpace(rd.unread(), 0))
		if rd.pos < rd.end {
			return rd.buf[rd.pos], nil
		}
		if err := rd.fill(); err != nil {
			return 0, err
		}
	}
}

// wrapper streams the elements of the records array, each one a record at its own offset.
// It returns stop when the decode is over, or false to have the rest read as lines: after the
// wrapper closes, or from the first element whose syntax it cannot carry on from.
//
// consumed moves only past elements (and past the closing bracket and brace), never past a
// bare separator: a run that ends inside the array leaves the next range starting at a ',' or
// ']', which is how the next run knows to carry on with the array (see run).
func (d *decoder) wrapper(ctx context.Context, wantValue bool) (stop bool, err error) {
	rd := &d.rd
	for {
		c, err := d.peek()
		if err == io.EOF {
			return true, d.err
		}
		if err != nil {
			return true, d.readErr(err)
		}
		if c == ']' {
			rd.advance(1)
			switch c, err := d.peek(); {
			case err == nil && c == '}':
				rd.advance(1)
			case err == io.EOF && !d.opts.sealed:
				return true, d.err // the closing brace may be on its way
			case err != nil && err != io.EOF:
				return true, d.readErr(err)
			}
			d.consumed = rd.off
			return false, nil
		}
		if !wantValue {
			if c != ',' {
				return false, nil
			}
			rd.advance(1)
			wantValue = true
			continue
		}
		off := rd.off
		end, _, jerr := d.sc.skipValue(rd.unread(), 0)
		if jerr != nil && jerr.truncated {
			switch err := rd.fill(); {
			case err == nil:
				continue
			case err == io.EOF:
				if !d.opts.sealed {
					return true, d.err // an append in progress: left for the next run
				}
				return false, nil
			case err == errBufferFull:
				return false, nil
			default:
				return true, d.readErr(err)
			}
		}
		if jerr != nil {
			return false, nil
		}
		elem := rd.unread()[:end]
		d.value(off, elem, elem, false)
		rd.advance(end)
		d.consumed = rd.off
		wantValue = false
		if err := d.tick(ctx); err != nil {
			return true, err
		}
	}
}
