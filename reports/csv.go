package reports

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// TimeLayout is how the report writes a time: RFC 3339, UTC, always six fraction digits, so
// that the CSVs sort and compare as text.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// reportCSV writes the contract CSVs of SPEC §3: comma-separated, RFC 4180 quoting, "\n"
// line ends. encoding/csv is not used because its reader folds a quoted "\r\n" into "\n", so
// error texts would not come back as they were written.
type reportCSV struct {
	w   *bufio.Writer
	err error
}

// newReportCSV returns an encoder writing to w; Close flushes it.
func newReportCSV(w io.Writer) *reportCSV {
	return &reportCSV{w: bufio.NewWriter(w)}
}

// Encode writes one record.
func (e *reportCSV) Encode(fields []string) error {
	if e.err != nil {
		return e.err
	}
	for i, f := range fields {
		if i > 0 {
			e.w.WriteByte(',')
		}
		if csvNeedsQuotes(f) {
			e.w.WriteByte('"')
			e.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
			e.w.WriteByte('"')
		} else {
			e.w.WriteString(f)
		}
	}
	_, e.err = e.w.WriteString("\n")
	return e.err
}

// Close flushes the buffered records and returns the first error of the underlying writer.
func (e *reportCSV) Close() error {
	if e.err != nil {
		return e.err
	}
	e.err = e.w.Flush()
	return e.err
}

// csvNeedsQuotes also quotes fields with surrounding spaces, which some readers trim.
func csvNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if strings.ContainsAny(f, ",\"\r\n") {
		return true
	}
	return f[0] == ' ' || f[0] == '\t' || f[len(f)-1] == ' ' || f[len(f)-1] == '\t'
}

// cellText renders a value scanned from DuckDB as the CSVs write it: NULL as an empty field,
// times in TimeLayout, numbers in plain decimal notation (never an exponent). A type it does
// not know is an error: a blank field would pass for NULL.
func cellText(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []byte:
		return string(x), nil
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
	case float64:
		return floatText(x), nil
	case float32:
		return floatText(float64(x)), nil
	case *big.Int:
		if x == nil {
			return "", nil
		}
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.UTC().Format(TimeLayout), nil
	case duckdb.Decimal:
		if x.Value == nil {
			return "", nil
		}
		return decimalText(x), nil
	case duckdb.Interval, duckdb.UUID, []any, map[string]any, duckdb.OrderedMap, duckdb.Map, duckdb.Union:
		// As `amlmon query` writes them, so that both read the same.
		s, _ := cell{v: v}.text()
		return s, nil
	}
	return "", fmt.Errorf("no CSV text for a value of type %T", v)
}

// decimalText writes a DECIMAL with all its scale digits ("12.50"), as DuckDB prints it.
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

// floatText writes a float without exponent; NaN and infinities have no CSV meaning and are
// written as NULL.
func floatText(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	if f == 0 {
		f = 0 // -0 would print as "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
