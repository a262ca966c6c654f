package transform

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/amlmon/amlmon"
)

// Standard top-level fields of a resource-log record (docs/lake.md, "Records"), by index.
const (
	stdTime = iota
	stdResourceID
	stdCategory
	stdOperationName
	stdOperationVersion
	stdLevel
	stdResultType
	stdResultSignature
	stdResultDescription
	stdDurationMs
	stdCallerIPAddress
	stdCorrelationID
	stdIdentity
	stdLocation
	stdProperties
	numStd
)

// stdIndex returns the standard field a lower-cased key names, or -1.
func stdIndex(lower []byte) int {
	switch string(lower) {
	case "time":
		return stdTime
	case "resourceid":
		return stdResourceID
	case "category":
		return stdCategory
	case "operationname":
		return stdOperationName
	case "operationversion":
		return stdOperationVersion
	case "level":
		return stdLevel
	case "resulttype":
		return stdResultType
	case "resultsignature":
		return stdResultSignature
	case "resultdescription":
		return stdResultDescription
	case "durationms":
		return stdDurationMs
	case "calleripaddress":
		return stdCallerIPAddress
	case "correlationid":
		return stdCorrelationID
	case "identity":
		return stdIdentity
	case "location":
		return stdLocation
	case "properties":
		return stdProperties
	}
	return -1
}

// role is where the value of a column comes from.
type role uint8

const (
	roleTyped role = iota // a per-table field: properties first, then top level
	roleStd               // a standard top-level field (column.std)
	roleTime
	roleResourceID
	roleSubscriptionID
	roleResourceGroup
	roleResourceProvider
	roleResource
	roleCategory
	roleProperties
	roleExtra
	roleIdentity
	roleSourceBlob
	roleSourceOffset
	roleBlobHour // Rejects only
	roleContainer
	roleReason
	roleText
)

// column is one lake column as the decoder fills it.
type column struct {
	role     role
	typ      amlmon.ColumnType
	std      int
	fallback int // the standard field read when a typed column has no value, or -1
}

// columnOf says where the values of a column come from, by its name.
func columnOf(c amlmon.Column, rejects bool) column {
	col := column{typ: c.Type, std: -1, fallback: -1}
	if c.Fallback != "" {
		col.fallback = stdIndex(appendLower(nil, []byte(c.Fallback)))
	}
	switch c.Name {
	case "TimeGenerated":
		col.role = roleTime
	case "ResourceId":
		col.role = roleResourceID
	case "SubscriptionId":
		col.role = roleSubscriptionID
	case "ResourceGroup":
		col.role = roleResourceGroup
	case "ResourceProvider":
		col.role = roleResourceProvider
	case "Resource":
		col.role = roleResource
	case "Category":
		col.role = roleCategory
	case "Properties":
		col.role = roleProperties
	case "Extra":
		col.role = roleExtra
	case "Identity":
		col.role = roleIdentity
	case "_SourceBlob":
		col.role = roleSourceBlob
	case "_SourceOffset":
		col.role = roleSourceOffset
	case "OperationName", "OperationVersion", "Level", "ResultType", "ResultSignature",
		"ResultDescription", "DurationMs", "CallerIpAddress", "CorrelationId", "Location":
		col.role = roleStd
		col.std = stdIndex(appendLower(nil, []byte(c.Name)))
	default:
		col.role = roleTyped
	}
	if rejects {
		switch c.Name {
		case "BlobHour":
			col.role = roleBlobHour
		case "Container":
			col.role = roleContainer
		case "Reason":
			col.role = roleReason
		case "Text":
			col.role = roleText
		}
	}
	return col
}

// maxOpenBatches bounds the batches a decode holds at once: records of a blob normally fall
// on one or two dates, but a blob whose records span many dates must not hold a builder per
// date.
const maxOpenBatches = 64

// tableInfo is what a decode knows of one table: its schema, where each column comes from,
// and its open batches by date.
type tableInfo struct {
	table  amlmon.Table
	schema *arrow.Schema
	cols   []column
	typed  map[string]int // lower-cased field name → column index, for roleTyped columns
	// category is the Category of a record that names none: the category of the blob's
	// container when it lands here, else the table's first.
	category string
	// identity: the table has an Identity column, so identity is not part of Extra.
	identity bool
	// metrics: Extra holds what is not a column of the metric (AzureMetrics).
	metrics bool
	batches map[int64]*batch
	last    *batch // the batch of the previous record, which the next one usually shares
}

func newTableInfo(t amlmon.Table, containerCategory string) *tableInfo {
	ti := &tableInfo{
		table:    t,
		schema:   arrowSchema(t),
		cols:     make([]column, len(t.Columns)),
		typed:    make(map[string]int),
		category: t.Name,
		identity: t.HasIdentity(),
		metrics:  t.Name == amlmon.AzureMetrics,
		batches:  make(map[int64]*batch),
	}
	rejects := t.Name == amlmon.Rejects
	for i, c := range t.Columns {
		ti.cols[i] = columnOf(c, rejects)
		if ti.cols[i].role == roleTyped {
			ti.typed[string(appendLower(nil, []byte(c.Name)))] = i
		}
	}
	if len(t.Categories) > 0 {
		ti.category = t.Categories[0]
	}
	if c, spelling, ok := amlmon.TableOf(containerCategory); ok && c.Name == t.Name {
		ti.category = spelling
	}
	return ti
}

// batch is the rows of one table for one UTC date that have not been written yet.
type batch struct {
	day     int64
	rb      *array.RecordBuilder
	cols    []colBuilder
	rows    int
	dataLen []int // bytes of each string column in the last full batch
}

// colBuilder is one column's builder, already asserted to its type.
type colBuilder struct {
	str *array.StringBuilder
	i64 *array.Int64Builder
	f64 *array.Float64Builder
	ts  *array.TimestampBuilder
}

func newBatch(mem memory.Allocator, ti *tableInfo, day int64) *batch {
	b := &batch{day: day, rb: array.NewRecordBuilder(mem, ti.schema), cols: make([]colBuilder, len(ti.cols))}
	for i := range ti.cols {
		switch fb := b.rb.Field(i).(type) {
		case *array.StringBuilder:
			b.cols[i].str = fb
		case *array.Int64Builder:
			b.cols[i].i64 = fb
		case *array.Float64Builder:
			b.cols[i].f64 = fb
		case *array.TimestampBuilder:
			b.cols[i].ts = fb
		}
	}
	return b
}

// measure notes the size of the string data of a full batch about to be written.
func (b *batch) measure() {
	if b.dataLen == nil {
		b.dataLen = make([]int, len(b.cols))
	}
	for i, c := range b.cols {
		if c.str != nil {
			b.dataLen[i] = c.str.DataLen()
		}
	}
}

// reserve sizes the emptied builders for a batch like the last one, which the next batch of
// a long blob will most likely be, instead of letting them grow by doubling.
func (b *batch) reserve(rows int) {
	b.rb.Reserve(rows)
	for i, c := range b.cols {
		if c.str != nil && b.dataLen != nil {
			c.str.ReserveData(b.dataLen[i])
		}
	}
}

// appendNull appends NULL to column i.
func (b *batch) appendNull(i int) {
	b.rb.Field(i).AppendNull()
}
