package reports

import (
	"encoding/csv"
	"io"
)

// TimeLayout is how the report writes a time: RFC 3339, UTC, always six fraction digits, so
// that the CSVs sort and compare as text.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// csvEncoder writes CSV as docs/reports.md describes it, for the report's files and for
// `amlmon query --format csv`: comma-separated, RFC 4180 quoting by encoding/csv's Writer, "\n"
// line ends. The Writer keeps a "\r\n" inside a quoted field as it is (only its Reader folds it
// into "\n"), so error texts are written as the archive held them.
type csvEncoder struct {
	w *csv.Writer
}

// newCSVEncoder returns an encoder writing to w; Close flushes it.
func newCSVEncoder(w io.Writer) *csvEncoder {
	return &csvEncoder{w: csv.NewWriter(w)}
}

// Encode writes one record of fields, each a value as valueText renders it.
func (e *csvEncoder) Encode(fields []string) error {
	return e.w.Write(fields)
}

// Close flushes the buffered records and returns the first error of the underlying writer.
func (e *csvEncoder) Close() error {
	e.w.Flush()
	return e.w.Error()
}
