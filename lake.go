// Package amlmon holds what the parts of amlmon agree on: the tables of the Parquet lake, their
// columns, and where each file of the lake lives (docs/lake.md). The archive, transform and reports
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
	// Fallback names the standard top-level field whose value the column takes when the
	// record has none of its own: AmlComputeJobEvent's EventType falls back to OperationName.
	Fallback string
}

// Table is one table of the lake.
type Table struct {
	Name string
	// Categories are the log categories whose records land here, as Microsoft spells them;
	// none for AzureMetrics and Rejects.
	Categories []string
	// Columns in file order: the common columns, then Identity on the Azure ML tables, then
	// the typed ones, then _SourceBlob and _SourceOffset.
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
		{Name: "TimeGenerated", Type: Timestamp},
		{Name: "ResourceId", Type: String},
		{Name: "SubscriptionId", Type: String},
		{Name: "ResourceGroup", Type: String},
		{Name: "ResourceProvider", Type: String},
		{Name: "Resource", Type: String},
		{Name: "Category", Type: String},
		{Name: "OperationName", Type: String},
		{Name: "OperationVersion", Type: String},
		{Name: "Level", Type: String},
		{Name: "ResultType", Type: String},
		{Name: "ResultSignature", Type: String},
		{Name: "ResultDescription", Type: String},
		{Name: "CorrelationId", Type: String},
		{Name: "CallerIpAddress", Type: String},
		{Name: "Location", Type: String},
		{Name: "DurationMs", Type: Int64},
		{Name: "Properties", Type: String},
		{Name: "Extra", Type: String},
	}
	// identity is the record's identity as JSON, on the Azure ML tables as in Log Analytics.
	identity   = Column{Name: "Identity", Type: String}
	sourceTail = []Column{
		{Name: "_SourceBlob", Type: String},
		{Name: "_SourceOffset", Type: Int64},
	}
)

func strs(names ...string) []Column {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Type: String}
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

func logTable(name string, categories []string, head []Column, parts ...[]Column) Table {
	cols := append([]Column(nil), head...)
	for _, p := range parts {
		cols = append(cols, p...)
	}
	cols = append(cols, sourceTail...)
	return Table{Name: name, Categories: categories, Columns: cols}
}

// amlTable is an Azure ML table of Log Analytics: the common columns, Identity, then parts.
func amlTable(name string, categories []string, parts ...[]Column) Table {
	head := append(append([]Column(nil), commonHead...), identity)
	return logTable(name, categories, head, parts...)
}

// same is the one category of a table that it names.
func same(name string) []string { return []string{name} }

func cats(names ...string) []string { return names }

// LogTable is the table for a log category with no table of its own: the common columns only.
func LogTable(category string) Table { return logTable(category, same(category), commonHead) }

// tables lists the tables with a fixed schema, in the order of docs/lake.md. The categories
// and their tables are those of Microsoft's supported-logs reference for
// Microsoft.MachineLearningServices (workspaces, onlineEndpoints, registries), and the
// columns those of the Log Analytics table reference.
var tables = []Table{
	amlTable("AmlComputeJobEvent", same("AmlComputeJobEvent"),
		strs("JobId", "JobName", "ExperimentId", "ExperimentName", "ClusterId", "ClusterName",
			"ClusterResourceGroupName", "CustomerSubscriptionId", "WorkspaceName", "ResourceGroupName"),
		[]Column{{Name: "EventType", Type: String, Fallback: "OperationName"}},
		strs("ExecutionState", "ProvisioningState", "ErrorDetails", "JobErrorMessage",
			"NodeId", "ToolType", "RunInContainer", "CreationApiVersion", "InternalOperationName"),
		typed(Int64, "TFWorkerCount", "TFParameterServerCount")),
	amlTable("AmlComputeClusterEvent", same("AmlComputeClusterEvent"),
		strs("ClusterName", "ClusterType", "EventType", "AllocationState"),
		typed(Timestamp, "AllocationStateTransitionTime"),
		strs("ClusterErrorCodes", "CreatedBy", "CreationApiVersion", "ProvisioningState",
			"ScalingType", "IsResizeGrow", "NodeDeallocationOption", "VmSize", "VmFamilyName",
			"VmPriority", "Publisher", "Offer", "Sku", "Version", "SubnetId", "InternalOperationName"),
		typed(Int64, "CoreCount", "CurrentNodeCount", "TargetNodeCount", "InitialNodeCount",
			"MinimumNodeCount", "MaximumNodeCount", "IdleNodeCount", "RunningNodeCount",
			"PreparingNodeCount", "LeavingNodeCount", "PreemptedNodeCount", "UnusableNodeCount",
			"NodeIdleTimeSecondsBeforeScaleDown", "QuotaAllocated", "QuotaUtilized")),
	amlTable("AmlComputeClusterNodeEvent", same("AmlComputeClusterNodeEvent"),
		strs("ClusterName", "NodeId", "VmSize", "VmFamilyName", "VmPriority", "Publisher", "Offer",
			"Sku", "Version", "InternalOperationName"),
		typed(Timestamp, "ClusterCreationTime", "ResizeStartTime", "ResizeEndTime",
			"NodeAllocationTime", "NodeBootTime", "StartTaskStartTime", "StartTaskEndTime"),
		typed(Float64, "TotalE2ETimeInSeconds")),
	amlTable("AmlComputeCpuGpuUtilization", same("AmlComputeCpuGpuUtilization"),
		strs("ClusterName", "NodeId", "DeviceId", "DeviceType", "MetricName", "RunId",
			"WorkspaceId", "WorkspaceName"),
		typed(Float64, "Utilization")),
	amlTable("AmlRunStatusChangedEvent", same("AmlRunStatusChangedEvent"),
		strs("RunId", "ParentRunId", "RootRunId", "Status", "Message", "TriggeringUserName",
			"WorkspaceId", "WorkspaceName")),
	amlTable("AmlComputeInstanceEvent", cats("ComputeInstanceEvent"),
		strs("AmlComputeInstanceName")),
	amlTable("AmlDataLabelEvent", cats("DataLabelChangeEvent", "DataLabelReadEvent"),
		strs("AmlDataStoreName", "AmlLabelNames", "AmlProjectId", "AmlProjectName")),
	amlTable("AmlDataSetEvent", cats("DataSetChangeEvent", "DataSetReadEvent"),
		strs("AmlDatasetId", "AmlDatasetName", "AmlWorkspaceId")),
	amlTable("AmlDataStoreEvent", cats("DataStoreChangeEvent", "DataStoreReadEvent"),
		strs("AmlDatastoreName", "AmlWorkspaceId")),
	amlTable("AmlDeploymentEvent", cats("DeploymentEventACI", "DeploymentEventAKS", "DeploymentReadEvent"),
		strs("AmlServiceName")),
	amlTable("AmlEnvironmentEvent", cats("EnvironmentChangeEvent", "EnvironmentReadEvent"),
		strs("AmlEnvironmentName", "AmlEnvironmentVersion")),
	amlTable("AmlInferencingEvent", cats("InferencingOperationACI", "InferencingOperationAKS"),
		strs("AmlServiceName")),
	amlTable("AmlModelsEvent", cats("ModelsActionEvent", "ModelsChangeEvent", "ModelsReadEvent"),
		strs("AmlModelName")),
	amlTable("AmlPipelineEvent", cats("PipelineChangeEvent", "PipelineReadEvent"),
		strs("AmlModuleId", "AmlModuleName", "AmlParentPipelineId", "AmlPipelineDraftId",
			"AmlPipelineDraftName", "AmlPipelineEndpointId", "AmlPipelineEndpointName", "AmlPipelineId",
			"AmlWorkspaceId", "AmlWorkspaceName")),
	amlTable("AmlRunEvent", cats("RunEvent", "RunReadEvent"),
		strs("AmlWorkspaceId", "RunId")),
	amlTable("AmlOnlineEndpointConsoleLog", same("AmlOnlineEndpointConsoleLog"),
		strs("ContainerImageName", "ContainerName", "DeploymentName", "InstanceId", "Message")),
	amlTable("AmlOnlineEndpointEventLog", same("AmlOnlineEndpointEventLog"),
		strs("DeploymentName", "InstanceId", "Message", "Name")),
	amlTable("AmlOnlineEndpointTrafficLog", same("AmlOnlineEndpointTrafficLog"),
		strs("AuthType", "AzureMLWorkspaceId", "AzureMLWorkspaceName", "DeploymentName",
			"EndpointName", "IdentityData", "Method", "ModelStatusReason", "Path", "Protocol",
			"ResponseCodeReason", "UserAgent", "XMSClientRequestId", "XRequestId"),
		typed(Int64, "ModelStatusCode", "RequestDurationMs", "RequestPayloadSize",
			"RequestThrottlingDelayMs", "ResponseCode", "ResponseDurationMs", "ResponsePayloadSize",
			"ResponseThrottlingDelayMs", "TotalDurationMs")),
	amlTable("AmlRegistryReadEventsLog", same("AmlRegistryReadEventsLog"),
		strs("AssetName", "AssetVersion", "Labels", "RegistryResourceId", "RegistryTenantId",
			"UserName", "UserObjectId")),
	amlTable("AmlRegistryWriteEventsLog", same("AmlRegistryWriteEventsLog"),
		strs("AssetName", "AssetVersion", "Labels", "RegistryResourceId", "RegistryTenantId",
			"UserName", "UserObjectId")),
	{Name: AzureMetrics, Columns: concat(
		[]Column{{Name: "TimeGenerated", Type: Timestamp}},
		strs("ResourceId", "SubscriptionId", "ResourceGroup", "ResourceProvider", "Resource",
			"MetricName", "TimeGrain"),
		typed(Float64, "Total", "Count", "Minimum", "Maximum", "Average"),
		strs("Extra"),
		sourceTail)},
	{Name: Rejects, Columns: concat(
		[]Column{{Name: "BlobHour", Type: Timestamp}},
		strs("Container", "Reason", "Text"),
		sourceTail)},
}

// Tables lists the tables with a fixed schema, in the order of docs/lake.md. The slice is the
// caller's to change.
func Tables() []Table {
	out := make([]Table, len(tables))
	for i, t := range tables {
		out[i] = t.clone()
	}
	return out
}

func (t Table) clone() Table {
	t.Categories = append([]string(nil), t.Categories...)
	t.Columns = append([]Column(nil), t.Columns...)
	return t
}

func concat(parts ...[]Column) []Column {
	var cols []Column
	for _, p := range parts {
		cols = append(cols, p...)
	}
	return cols
}

// TableNamed returns the fixed table of that name (case-insensitive, as categories are), or
// false for a category without a table of its own.
func TableNamed(name string) (Table, bool) {
	for _, t := range tables {
		if equalFold(t.Name, name) {
			return t.clone(), true
		}
	}
	return Table{}, false
}

// TableOf returns the table that the records of a log category land in, matching the
// category case-insensitively, and the category as Microsoft spells it; false for a category
// that has no table of its own (it gets LogTable). AzureMetrics and Rejects are no category's.
func TableOf(category string) (t Table, spelling string, ok bool) {
	for _, t := range tables {
		for _, c := range t.Categories {
			if equalFold(c, category) {
				return t.clone(), c, true
			}
		}
	}
	return Table{}, "", false
}

// HasIdentity reports whether the table has the Identity column (the Azure ML tables).
func (t Table) HasIdentity() bool {
	for _, c := range t.Columns {
		if c.Name == identity.Name {
			return true
		}
	}
	return false
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
	// Format is the lake format its rows were written in; 0 for the first format, which did
	// not record it.
	Format int `json:"format,omitempty"`
}

// BlobColumns are the BlobEntry fields the _Blobs view exposes, typed, by their JSON names;
// segments stay out because nothing reports on them.
func BlobColumns() []Column {
	return []Column{
		{Name: "container", Type: String},
		{Name: "blob", Type: String},
		{Name: "resource_id", Type: String},
		{Name: "hour", Type: Timestamp},
		{Name: "size", Type: Int64},
		{Name: "etag", Type: String},
		{Name: "modified", Type: Timestamp},
		{Name: "consumed", Type: Int64},
		{Name: "records", Type: Int64},
		{Name: "rejected", Type: Int64},
		{Name: "warnings", Type: Int64},
		{Name: "first_error", Type: String},
	}
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

// UnrecognisedColumns are the UnrecognisedBlob fields, by their JSON names.
func UnrecognisedColumns() []Column {
	return []Column{
		{Name: "container", Type: String},
		{Name: "blob", Type: String},
		{Name: "reason", Type: String},
	}
}
