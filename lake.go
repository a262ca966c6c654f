// Package amlmon holds what the parts of amlmon agree on: the tables of the Parquet lake, their
// columns, and where each file of the lake lives (SPEC §2). The archive, transform and reports
// packages never import each other; transform writes this layout and reports reads it.
//
// The lake:
//
//	<lake>/<Table>/date=YYYY-MM-DD/<id>.parquet        rows, by the UTC date of TimeGenerated
//	<lake>/Rejects/date=YYYY-MM-DD/<id>.parquet        rejected lines, by the blob's path date
//	<lake>/_amlmon/blobs/date=YYYY-MM-DD/<container>.jsonl   one BlobEntry a line, by path date
//	<lake>/_amlmon/unrecognised.jsonl                  one UnrecognisedBlob a line
//	<lake>/_amlmon/...                                 the lock and transform's own bookkeeping
package amlmon

import (
	"path/filepath"
	"time"
)

// ColumnType is the logical type of a lake column.
type ColumnType int

const (
	String    ColumnType = iota // VARCHAR
	Int64                       // BIGINT
	Float64                     // DOUBLE
	Timestamp                   // TIMESTAMP, UTC, microseconds
)

// SQL names the DuckDB type of a column type.
func (t ColumnType) SQL() string {
	switch t {
	case Int64:
		return "BIGINT"
	case Float64:
		return "DOUBLE"
	case Timestamp:
		return "TIMESTAMP"
	default:
		return "VARCHAR"
	}
}

// Column is one column of a lake table.
type Column struct {
	Name string
	Type ColumnType
}

// Table is one table of the lake.
type Table struct {
	Name string
	// Category is the log category whose records land here; empty for AzureMetrics and Rejects.
	Category string
	// Columns in file order: the common columns, then the typed ones, then _SourceBlob and
	// _SourceOffset.
	Columns []Column
}

// Names of the tables that are not a log category.
const (
	AzureMetrics = "AzureMetrics"
	Rejects      = "Rejects"
)

// Common log columns before the typed ones, and the source columns after them.
var (
	commonHead = []Column{
		{"TimeGenerated", Timestamp},
		{"ResourceId", String},
		{"SubscriptionId", String},
		{"ResourceGroup", String},
		{"ResourceProvider", String},
		{"Resource", String},
		{"Category", String},
		{"OperationName", String},
		{"OperationVersion", String},
		{"Level", String},
		{"ResultType", String},
		{"ResultSignature", String},
		{"ResultDescription", String},
		{"CorrelationId", String},
		{"CallerIpAddress", String},
		{"Location", String},
		{"DurationMs", Int64},
		{"Properties", String},
		{"Extra", String},
	}
	sourceTail = []Column{
		{"_SourceBlob", String},
		{"_SourceOffset", Int64},
	}
)

func strs(names ...string) []Column {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{n, String}
	}
	return cols
}

func typed(t ColumnType, names ...string) []Column {
	cols := strs(names...)
	for i := range cols {
		cols[i].Type = t
	}
	return cols
}

func logTable(category string, parts ...[]Column) Table {
	cols := append([]Column(nil), commonHead...)
	for _, p := range parts {
		cols = append(cols, p...)
	}
	cols = append(cols, sourceTail...)
	return Table{Name: category, Category: category, Columns: cols}
}

// LogTable is the table for a log category with no typed columns: the common columns only.
func LogTable(category string) Table { return logTable(category) }

// Tables lists the tables with a fixed schema, in SPEC order.
var Tables = []Table{
	logTable("AmlComputeJobEvent",
		strs("JobId", "JobName", "ExperimentId", "ExperimentName", "ClusterId", "ClusterName",
			"ClusterResourceGroupName", "CustomerSubscriptionId", "WorkspaceName", "ResourceGroupName",
			"EventType", "ExecutionState", "ProvisioningState", "ErrorDetails", "JobErrorMessage",
			"NodeId", "ToolType", "RunInContainer", "CreationApiVersion", "InternalOperationName"),
		typed(Int64, "TFWorkerCount", "TFParameterServerCount")),
	logTable("AmlComputeClusterEvent",
		strs("ClusterName", "ClusterType", "EventType", "AllocationState"),
		typed(Timestamp, "AllocationStateTransitionTime"),
		strs("ClusterErrorCodes", "CreatedBy", "CreationApiVersion", "ProvisioningState",
			"ScalingType", "IsResizeGrow", "NodeDeallocationOption", "VmSize", "VmFamilyName",
			"VmPriority", "Publisher", "Offer", "Sku", "Version", "SubnetId", "InternalOperationName"),
		typed(Int64, "CoreCount", "CurrentNodeCount", "TargetNodeCount", "InitialNodeCount",
			"MinimumNodeCount", "MaximumNodeCount", "IdleNodeCount", "RunningNodeCount",
			"PreparingNodeCount", "LeavingNodeCount", "PreemptedNodeCount", "UnusableNodeCount",
			"NodeIdleTimeSecondsBeforeScaleDown", "QuotaAllocated", "QuotaUtilized")),
	logTable("AmlComputeClusterNodeEvent",
		strs("ClusterName", "NodeId", "VmSize", "VmFamilyName", "VmPriority", "Publisher", "Offer",
			"Sku", "Version", "InternalOperationName"),
		typed(Timestamp, "ClusterCreationTime", "ResizeStartTime", "ResizeEndTime",
			"NodeAllocationTime", "NodeBootTime", "StartTaskStartTime", "StartTaskEndTime"),
		typed(Float64, "TotalE2ETimeInSeconds")),
	logTable("AmlComputeCpuGpuUtilization",
		strs("ClusterName", "NodeId", "DeviceId", "DeviceType", "MetricName", "RunId",
			"WorkspaceId", "WorkspaceName"),
		typed(Float64, "Utilization")),
	logTable("AmlRunStatusChangedEvent",
		strs("RunId", "ParentRunId", "RootRunId", "Status", "Message", "TriggeringUserName",
			"WorkspaceId", "WorkspaceName")),
	{Name: AzureMetrics, Columns: concat(
		[]Column{{"TimeGenerated", Timestamp}},
		strs("ResourceId", "SubscriptionId", "ResourceGroup", "ResourceProvider", "Resource",
			"MetricName", "TimeGrain"),
		typed(Float64, "Total", "Count", "Minimum", "Maximum", "Average"),
		sourceTail)},
	{Name: Rejects, Columns: concat(
		[]Column{{"BlobHour", Timestamp}},
		strs("Container", "Reason", "Text"),
		sourceTail)},
}

func concat(parts ...[]Column) []Column {
	var cols []Column
	for _, p := range parts {
		cols = append(cols, p...)
	}
	return cols
}

// TableNamed returns the fixed table of that name (case-insensitive, as categories are), or
// false for a category without typed columns.
func TableNamed(name string) (Table, bool) {
	for _, t := range Tables {
		if equalFold(t.Name, name) {
			return t, true
		}
	}
	return Table{}, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// DateLayout formats the date of a partition.
const DateLayout = "2006-01-02"

// PartitionDir is the folder of one table's files for one UTC date.
func PartitionDir(lake, table string, date time.Time) string {
	return filepath.Join(lake, table, "date="+date.UTC().Format(DateLayout))
}

// MetaDir is the lake's bookkeeping folder.
func MetaDir(lake string) string { return filepath.Join(lake, "_amlmon") }

// BlobsDir is the folder of the blob entries whose path date is date.
func BlobsDir(lake string, date time.Time) string {
	return filepath.Join(MetaDir(lake), "blobs", "date="+date.UTC().Format(DateLayout))
}

// UnrecognisedFile lists the blobs whose names are not archive paths.
func UnrecognisedFile(lake string) string { return filepath.Join(MetaDir(lake), "unrecognised.jsonl") }

// BlobEntry is what the lake knows of one archive blob: one JSON line in
// BlobsDir(lake, Hour), rewritten whenever the blob is read again.
type BlobEntry struct {
	Container  string    `json:"container"`
	Blob       string    `json:"blob"`        // the name inside the container
	ResourceID string    `json:"resource_id"` // the resource path of the name, upper-case
	Hour       time.Time `json:"hour"`        // the path hour, UTC
	Size       int64     `json:"size"`        // as listed when last read
	ETag       string    `json:"etag"`
	Modified   time.Time `json:"modified"`
	Consumed   int64     `json:"consumed"`    // offset just past the last complete line read
	Records    int64     `json:"records"`     // rows produced, all tables
	Rejected   int64     `json:"rejected"`    // lines rejected
	Warnings   int64     `json:"warnings"`    // values that could not be coerced (kept as NULL)
	FirstError string    `json:"first_error"` // the reason of the first rejected line, or why the blob failed
	// Failed says why the blob could not be read; it is read again, whole, by the next run.
	Failed   string    `json:"failed,omitempty"`
	Segments []Segment `json:"segments"`
	// Files holds the size and row count of every file the segments name, as committed, so
	// that a reader or a check notices a truncated or replaced file without reading it.
	Files map[string]FileStat `json:"files,omitempty"`
	// Tail fingerprints the bytes just before Consumed, so that a grown blob is known to still
	// start with what was read; empty when nothing was consumed.
	Tail string `json:"tail,omitempty"`
}

// Segment is one read of a byte range of a blob and the files that hold its rows. A file holds
// the rows of one or more segments of blobs of one container and path date: small blobs read
// together share their files.
type Segment struct {
	ID    string   `json:"id"`
	Start int64    `json:"start"`
	End   int64    `json:"end"`
	Files []string `json:"files"` // relative to the lake, slash-separated
}

// UnrecognisedBlob is a listed blob whose name is not an archive path.
type UnrecognisedBlob struct {
	Container string `json:"container"`
	Blob      string `json:"blob"`
	Reason    string `json:"reason"`
}
