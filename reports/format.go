package reports

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// Formats lists the names WriteRows accepts. It is read-only.
var Formats = []string{"table", "csv", "json", "markdown"}

// maxTableCell is where a table cell is cut, so that one long error message does not push
// every other column off the terminal.
const maxTableCell = 60

// WriteRows writes every row of rows to w in the format (one of Formats) and returns how many
// rows it wrote. It does not close rows.
func WriteRows(w io.Writer, format string, rows *sql.Rows) (int, error) {
	cols, err := rows.ColumnTypes()
	if err != nil {
		return 0, fmt.Errorf("read columns: %w", err)
	}
	var enc rowEncoder
	switch format {
	case "table":
		enc = newTableEncoder(w)
	case "csv":
		enc = &csvEncoder{w: csv.NewWriter(w)}
	case "json":
		enc = &jsonEncoder{w: w}
	case "markdown":
		enc = &markdownEncoder{w: w}
	default:
		return 0, fmt.Errorf("unknown format %q (use one of %s)", format, strings.Join(Formats, ", "))
	}
	names := make([]string, len(cols))
	kinds := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name()
		kinds[i] = strings.ToUpper(c.DatabaseTypeName())
	}
	if err := enc.header(names); err != nil {
		return 0, fmt.Errorf("write %s header: %w", format, err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("scan row %d: %w", n+1, err)
		}
		cells := make([]cell, len(vals))
		for i, v := range vals {
			cells[i] = cell{v: v, kind: kinds[i]}
		}
		if err := enc.row(cells); err != nil {
			return n, fmt.Errorf("write %s row %d: %w", format, n+1, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read row %d: %w", n+1, err)
	}
	if err := enc.close(); err != nil {
		return n, fmt.Errorf("write %s: %w", format, err)
	}
	return n, nil
}

// cell is a scanned value with the DuckDB type of its column, which tells a UUID from a BLOB
// and a DATE from a TIMESTAMP (both scan to the same Go type).
type cell struct {
	v    any
	kind string
}

type rowEncoder interface {
	header(names []string) error
	row(cells []cell) error
	close() error
}

// text renders a cell as one string; ok is false for NULL.
func (c cell) text() (s string, ok bool) {
	switch v := c.v.(type) {
	case nil:
		return "", false
	case string:
		if c.kind == "UUID" && len(v) == 16 {
			return formatUUID([]byte(v)), true
		}
		return v, true
	case []byte:
		if c.kind == "UUID" && len(v) == 16 {
			return formatUUID(v), true
		}
		return `\x` + hex.EncodeToString(v), true
	case time.Time:
		switch c.kind {
		case "DATE":
			return v.Format("2006-01-02"), true
		case "TIME", "TIMETZ", "TIME WITH TIME ZONE":
			return v.Format("15:04:05.000000"), true
		}
		return v.UTC().Format(TimeLayout), true
	case float64:
		return formatFloat(v, 64), true
	case float32:
		return formatFloat(float64(v), 32), true
	case bool:
		return strconv.FormatBool(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case *big.Int:
		return v.String(), true
	case duckdb.Decimal:
		return v.String(), true
	case duckdb.Interval:
		return formatInterval(v), true
	case duckdb.UUID:
		return v.String(), true
	case []any, map[string]any, duckdb.OrderedMap, duckdb.Map, duckdb.Union:
		b, err := json.Marshal(jsonValue(c.v, ""))
		if err != nil {
			return fmt.Sprint(c.v), true
		}
		return string(b), true
	}
	return fmt.Sprint(c.v), true
}

// formatFloat writes plain decimals, never an exponent, as SPEC §3 asks of CSV.
func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// formatInterval writes an interval as a Kusto timespan, [-][d.]hh:mm:ss[.ffffff], which is
// what people who know Log Analytics read; months, which have no fixed length, come first.
func formatInterval(iv duckdb.Interval) string {
	var b strings.Builder
	if iv.Months != 0 {
		fmt.Fprintf(&b, "%dmo ", iv.Months)
	}
	micros := iv.Micros
	days := int64(iv.Days)
	neg := false
	total := new(big.Int).Add(new(big.Int).Mul(big.NewInt(days), big.NewInt(86_400_000_000)), big.NewInt(micros))
	if total.Sign() < 0 {
		neg = true
		total.Neg(total)
	}
	if !total.IsInt64() {
		return fmt.Sprintf("%dmo %dd %dus", iv.Months, iv.Days, iv.Micros)
	}
	t := total.Int64()
	if neg {
		b.WriteByte('-')
	}
	d, rest := t/86_400_000_000, t%86_400_000_000
	if d != 0 {
		fmt.Fprintf(&b, "%d.", d)
	}
	h, rest := rest/3_600_000_000, rest%3_600_000_000
	m, rest := rest/60_000_000, rest%60_000_000
	s, us := rest/1_000_000, rest%1_000_000
	fmt.Fprintf(&b, "%02d:%02d:%02d", h, m, s)
	if us != 0 {
		fmt.Fprintf(&b, ".%06d", us)
	}
	return b.String()
}

// jsonValue converts a scanned value into what encoding/json writes as SPEC §3 wants it:
// times as RFC 3339 µs strings, exact numbers as numbers, nested values recursively.
func jsonValue(v any, kind string) any {
	switch x := v.(type) {
	case nil, bool, string, int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, uint:
		if s, ok := x.(string); ok && kind == "UUID" && len(s) == 16 {
			return formatUUID([]byte(s))
		}
		return x
	case float32, float64:
		f := toFloat(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			// JSON has no NaN or infinity; a string keeps the value visible.
			return formatFloat(f, 64)
		}
		return json.Number(formatFloat(f, bitsOf(x)))
	case *big.Int:
		return json.Number(x.String())
	case duckdb.Decimal:
		return json.Number(x.String())
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e, "")
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e, "")
		}
		return out
	case duckdb.OrderedMap:
		return orderedJSON(&x)
	case duckdb.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(jsonValue(k, ""))] = jsonValue(e, "")
		}
		return out
	case duckdb.Union:
		return map[string]any{x.Tag: jsonValue(x.Value, "")}
	}
	s, _ := cell{v: v, kind: kind}.text()
	return s
}

func toFloat(v any) float64 {
	if f, ok := v.(float32); ok {
		return float64(f)
	}
	return v.(float64)
}

func bitsOf(v any) int {
	if _, ok := v.(float32); ok {
		return 32
	}
	return 64
}

// orderedMap keeps a DuckDB map's key order in JSON.
type orderedMap struct {
	keys []string
	vals []any
}

func orderedJSON(m *duckdb.OrderedMap) orderedMap {
	var om orderedMap
	vals := m.Values()
	for i, k := range m.Keys() {
		key, ok := k.(string)
		if !ok {
			key, _ = cell{v: k}.text()
		}
		om.keys = append(om.keys, key)
		om.vals = append(om.vals, jsonValue(vals[i], ""))
	}
	return om
}

func (m orderedMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(m.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// csvEncoder writes RFC 4180 with SPEC §3's conventions; NULL is an empty field.
type csvEncoder struct {
	w *csv.Writer
}

func (e *csvEncoder) header(names []string) error { return e.w.Write(names) }

func (e *csvEncoder) row(cells []cell) error {
	rec := make([]string, len(cells))
	for i, c := range cells {
		rec[i], _ = c.text()
	}
	return e.w.Write(rec)
}

func (e *csvEncoder) close() error {
	e.w.Flush()
	return e.w.Error()
}

// jsonEncoder streams an array of objects, one row at a time, keys in column order.
type jsonEncoder struct {
	w     io.Writer
	keys  [][]byte
	rows  int
	ended bool
}

func (e *jsonEncoder) header(names []string) error {
	e.keys = make([][]byte, len(names))
	for i, n := range names {
		k, err := json.Marshal(n)
		if err != nil {
			return err
		}
		e.keys[i] = k
	}
	_, err := io.WriteString(e.w, "[")
	return err
}

func (e *jsonEncoder) row(cells []cell) error {
	var b bytes.Buffer
	if e.rows > 0 {
		b.WriteByte(',')
	}
	b.WriteString("\n  {")
	for i, c := range cells {
		if i > 0 {
			b.WriteString(", ")
		}
		v, err := json.Marshal(jsonValue(c.v, c.kind))
		if err != nil {
			return fmt.Errorf("encode column %s: %w", e.keys[i], err)
		}
		b.Write(e.keys[i])
		b.WriteString(": ")
		b.Write(v)
	}
	b.WriteByte('}')
	e.rows++
	_, err := e.w.Write(b.Bytes())
	return err
}

func (e *jsonEncoder) close() error {
	end := "\n]\n"
	if e.rows == 0 {
		end = "]\n"
	}
	_, err := io.WriteString(e.w, end)
	return err
}

// markdownEncoder writes a GitHub table whose cells cannot end the cell, the row or the
// table, start Markdown formatting, or carry HTML.
type markdownEncoder struct {
	w io.Writer
}

func (e *markdownEncoder) header(names []string) error {
	var b strings.Builder
	b.WriteString("|")
	for _, n := range names {
		b.WriteString(" " + markdownCell(n) + " |")
	}
	b.WriteString("\n|")
	for range names {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	_, err := io.WriteString(e.w, b.String())
	return err
}

func (e *markdownEncoder) row(cells []cell) error {
	var b strings.Builder
	b.WriteString("|")
	for _, c := range cells {
		s, _ := c.text()
		b.WriteString(" " + markdownCell(s) + " |")
	}
	b.WriteString("\n")
	_, err := io.WriteString(e.w, b.String())
	return err
}

func (e *markdownEncoder) close() error { return nil }

// markdownCell escapes text for one cell of a GitHub table: HTML is written as entities,
// Markdown punctuation is backslash-escaped, and line breaks become <br>.
func markdownCell(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for i, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '`':
			b.WriteString("&#96;")
		case '\n', '\r':
			b.WriteString("<br>")
		case '|', '\\', '*', '_', '~', '[', ']':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '#', '+', '-', '=', '!':
			// Only a leading one could start a heading, list or rule.
			if i == 0 {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		default:
			if unicode.IsControl(r) {
				b.WriteString(" ")
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// tableEncoder aligns columns for a terminal. It has to see every row before it can align,
// so it is meant for the row counts a person reads.
type tableEncoder struct {
	w   io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTableEncoder(w io.Writer) *tableEncoder {
	e := &tableEncoder{w: w}
	e.tw = tabwriter.NewWriter(&e.buf, 0, 0, 2, ' ', 0)
	return e
}

func (e *tableEncoder) header(names []string) error {
	cells := make([]string, len(names))
	rule := make([]string, len(names))
	for i, n := range names {
		cells[i] = terminalCell(n)
		rule[i] = strings.Repeat("-", max(utf8.RuneCountInString(cells[i]), 1))
	}
	if _, err := io.WriteString(e.tw, strings.Join(cells, "\t")+"\n"); err != nil {
		return err
	}
	_, err := io.WriteString(e.tw, strings.Join(rule, "\t")+"\n")
	return err
}

func (e *tableEncoder) row(cells []cell) error {
	out := make([]string, len(cells))
	for i, c := range cells {
		s, _ := c.text()
		out[i] = terminalCell(s)
	}
	_, err := io.WriteString(e.tw, strings.Join(out, "\t")+"\n")
	return err
}

// close aligns and writes the table without the padding tabwriter leaves at line ends.
func (e *tableEncoder) close() error {
	if err := e.tw.Flush(); err != nil {
		return err
	}
	var out bytes.Buffer
	for line := range strings.Lines(e.buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n"))
		out.WriteByte('\n')
	}
	_, err := e.w.Write(out.Bytes())
	return err
}

// terminalCell keeps a cell on one line and free of terminal control sequences, and cuts it
// at maxTableCell characters.
func terminalCell(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxTableCell {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r) || r == utf8.RuneError:
			b.WriteString("\uFFFD")
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}
