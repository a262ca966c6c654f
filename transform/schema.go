package transform

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/amlmon/amlmon"
)

// arrowSchema is the Arrow schema of a lake table. Timestamps carry no time zone so that DuckDB
// reads them as TIMESTAMP rather than TIMESTAMPTZ; every value is UTC by construction. A decode
// computes it once per table it meets (see tableInfo), never per batch.
func arrowSchema(t amlmon.Table) *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Type), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

func arrowType(t amlmon.ColumnType) arrow.DataType {
	switch t {
	case amlmon.Int64:
		return arrow.PrimitiveTypes.Int64
	case amlmon.Float64:
		return arrow.PrimitiveTypes.Float64
	case amlmon.Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	default:
		return arrow.BinaryTypes.String
	}
}
