package reports

import (
	"bufio"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
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
// times in TimeLayout, numbers in plain decimal notation (never an exponent).
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case int:
		return strconv.Itoa(x)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case float64:
		return floatText(x)
	case float32:
		return floatText(float64(x))
	case *big.Int:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(TimeLayout)
	default:
		return ""
	}
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
