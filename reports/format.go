package reports

import (
	"bytes"
	"database/sql"
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
		enc = &queryCSV{enc: newCSVEncoder(w)}
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

// text renders a cell with valueText.
func (c cell) text() (string, error) { return valueText(c.v, c.kind) }

// valueText is the one renderer of a value scanned from DuckDB into text, used by every file
// of the report and by every format of `amlmon query` (docs/reports.md, "CSV files"): NULL is
// empty, times are RFC 3339 UTC with six fraction digits, numbers are plain decimals (never an
// exponent), a DECIMAL keeps the digits of its scale ("12.50"), and a float with no decimal
// form (NaN, infinity) is empty. kind is the column's DuckDB type name, "" when not known. A
// type it does not know is an error: a blank would pass for NULL.
func valueText(v any, kind string) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		if kind == "UUID" && len(x) == 16 {
			return formatUUID([]byte(x)), nil
		}
		return x, nil
	case []byte:
		if kind == "UUID" && len(x) == 16 {
			return formatUUID(x), nil
		}
		return `\x` + hex.EncodeToString(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int32:
		return strconv.FormatInt(int64(x), 10), nil
	case int16:
		return strconv.FormatInt(int64(x), 10), nil
	case int8:
		return strconv.FormatInt(int64(x), 10), nil
	case int:
		return strconv.Itoa(x), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case uint32:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), nil
	case uint:
		return strconv.FormatUint(uint64(x), 10), nil
	case float64:
		return floatText(x, 64), nil
	case float32:
		return floatText(float64(x), 32), nil
	case *big.Int:
		if x == nil {
			return "", nil
		}
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		switch kind {
		case "DATE":
			return x.Format("2006-01-02"), nil
		case "TIME", "TIMETZ", "TIME WITH TIME ZONE":
			return x.Format("15:04:05.000000"), nil
		}
		return x.UTC().Format(TimeLayout), nil
	case duckdb.Decimal:
		if x.Value == nil {
			return "", nil
		}
		return decimalText(x), nil
	case duckdb.Interval:
		return formatInterval(x), nil
	case duckdb.UUID:
		return x.String(), nil
	case []any, map[string]any, duckdb.OrderedMap, duckdb.Map, duckdb.Union:
		j, err := jsonValue(v, "")
		if err != nil {
			return "", err
		}
		b, err := json.Marshal(j)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	return "", fmt.Errorf("no text for a value of type %T", v)
}

// decimalText writes a DECIMAL with all the digits of its scale ("12.50"), as DuckDB prints it.
func decimalText(d duckdb.Decimal) string {
	digits := new(big.Int).Abs(d.Value).String()
	sign := ""
	if d.Value.Sign() < 0 {
		sign = "-"
	}
	scale := int(d.Scale)
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

// floatText writes a float of the given bits without an exponent. NaN and the infinities have
// no decimal form and are written empty, as NULL is; -0 is written 0.
func floatText(f float64, bits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	if f == 0 {
		f = 0
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

// jsonValue converts a scanned value into what encoding/json writes (docs/reports.md): exact
// numbers as numbers, nested values recursively, everything else as valueText writes it. NaN
// and the infinities, which JSON cannot hold, are null, as their text is empty.
func jsonValue(v any, kind string) (any, error) {
	switch x := v.(type) {
	case nil, bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, uint:
		return x, nil
	case float32, float64:
		s, err := valueText(x, kind)
		if err != nil || s == "" {
			return nil, err
		}
		return json.Number(s), nil
	case *big.Int, duckdb.Decimal:
		s, err := valueText(x, kind)
		if err != nil || s == "" {
			return nil, err
		}
		return json.Number(s), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			j, err := jsonValue(e, "")
			if err != nil {
				return nil, err
			}
			out[i] = j
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			j, err := jsonValue(e, "")
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return out, nil
	case duckdb.OrderedMap:
		return orderedJSON(&x)
	case duckdb.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			key, err := valueText(k, "")
			if err != nil {
				return nil, err
			}
			j, err := jsonValue(e, "")
			if err != nil {
				return nil, err
			}
			out[key] = j
		}
		return out, nil
	case duckdb.Union:
		j, err := jsonValue(x.Value, "")
		if err != nil {
			return nil, err
		}
		return map[string]any{x.Tag: j}, nil
	}
	return valueText(v, kind)
}

// orderedMap keeps a DuckDB map's key order in JSON.
type orderedMap struct {
	keys []string
	vals []any
}

func orderedJSON(m *duckdb.OrderedMap) (orderedMap, error) {
	var om orderedMap
	vals := m.Values()
	for i, k := range m.Keys() {
		key, err := valueText(k, "")
		if err != nil {
			return om, err
		}
		v, err := jsonValue(vals[i], "")
		if err != nil {
			return om, err
		}
		om.keys = append(om.keys, key)
		om.vals = append(om.vals, v)
	}
	return om, nil
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

// queryCSV writes the rows of a query with the report's CSV encoder.
type queryCSV struct {
	enc *csvEncoder
}

func (e *queryCSV) header(names []string) error { return e.enc.Encode(names) }

func (e *queryCSV) row(cells []cell) error {
	rec := make([]string, len(cells))
	for i, c := range cells {
		s, err := c.text()
		if err != nil {
			return err
		}
		rec[i] = s
	}
	return e.enc.Encode(rec)
}

func (e *queryCSV) close() error { return e.enc.Close() }

// jsonEncoder streams an array of objects, one row at a time, keys in column order.
type jsonEncoder struct {
	w    io.Writer
	keys [][]byte
	rows int
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
		j, err := jsonValue(c.v, c.kind)
		if err != nil {
			return fmt.Errorf("encode column %s: %w", e.keys[i], err)
		}
		v, err := json.Marshal(j)
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

// markdownEncoder writes a GitHub table with the report's escaper (mdCellFull), so that no
// value can end its cell, row or table, start Markdown formatting, carry HTML, or become a
// mention, an emoji or a link.
type markdownEncoder struct {
	w io.Writer
}

func (e *markdownEncoder) header(names []string) error {
	var b strings.Builder
	b.WriteString("|")
	for _, n := range names {
		b.WriteString(" " + mdCellFull(n) + " |")
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
		s, err := c.text()
		if err != nil {
			return err
		}
		b.WriteString(" " + mdCellFull(s) + " |")
	}
	b.WriteString("\n")
	_, err := io.WriteString(e.w, b.String())
	return err
}

func (e *markdownEncoder) close() error { return nil }

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
		s, err := c.text()
		if err != nil {
			return err
		}
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
