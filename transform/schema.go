package transform

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/amlmon/amlmon"
)

// arrowSchema is the Arrow schema of a lake table: every column nullable, timestamps in
// microseconds without a zone so that DuckDB reads them as TIMESTAMP.
func arrowSchema(t amlmon.Table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		var typ arrow.DataType
		switch c.Type {
		case amlmon.Int64:
			typ = arrow.PrimitiveTypes.Int64
		case amlmon.Float64:
			typ = arrow.PrimitiveTypes.Float64
		case amlmon.Timestamp:
			typ = &arrow.TimestampType{Unit: arrow.Microsecond}
		default:
			typ = arrow.BinaryTypes.String
		}
		fields[i] = arrow.Field{Name: c.Name, Type: typ, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}
