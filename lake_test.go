package amlmon

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTablesFollowTheSpec checks the shape docs/lake.md gives every table: the common columns
// first and the source columns last for log tables, each column once, and the typed columns
// with their types.
func TestTablesFollowTheSpec(t *testing.T) {
	for _, tb := range Tables() {
		seen := map[string]bool{}
		for _, c := range tb.Columns {
			if seen[strings.ToLower(c.Name)] {
				t.Errorf("%s: column %s twice", tb.Name, c.Name)
			}
			seen[strings.ToLower(c.Name)] = true
		}
		if len(tb.Categories) == 0 {
			continue
		}
		for i, c := range commonHead {
			if tb.Columns[i] != c {
				t.Errorf("%s: column %d is %v, want %v", tb.Name, i, tb.Columns[i], c)
			}
		}
		n := len(tb.Columns)
		if tb.Columns[n-2].Name != "_SourceBlob" || tb.Columns[n-1] != (Column{Name: "_SourceOffset", Type: Int64}) {
			t.Errorf("%s: the source columns are not last", tb.Name)
		}
	}
	typed := map[string]map[string]ColumnType{
		"AmlComputeJobEvent":          {"TFWorkerCount": Int64, "EventType": String},
		"AmlComputeClusterEvent":      {"AllocationStateTransitionTime": Timestamp, "QuotaAllocated": Int64, "QuotaUtilized": Int64},
		"AmlComputeClusterNodeEvent":  {"NodeAllocationTime": Timestamp, "NodeBootTime": Timestamp, "TotalE2ETimeInSeconds": Float64},
		"AmlComputeCpuGpuUtilization": {"Utilization": Float64},
		"AzureMetrics":                {"TimeGenerated": Timestamp, "Total": Float64, "Count": Float64, "MetricName": String, "Extra": String},
		"AmlModelsEvent":              {"AmlModelName": String, "Identity": String},
		"AmlOnlineEndpointTrafficLog": {"ResponseCode": Int64, "TotalDurationMs": Int64, "XRequestId": String, "Identity": String},
	}
	for table, cols := range typed {
		tb, ok := TableNamed(strings.ToLower(table))
		if !ok || tb.Name != table {
			t.Fatalf("TableNamed(%q) = %q, %v", strings.ToLower(table), tb.Name, ok)
		}
		for name, want := range cols {
			found := false
			for _, c := range tb.Columns {
				if c.Name == name {
					found = true
					if c.Type != want {
						t.Errorf("%s.%s is %s, want %s", table, name, c.Type.SQL(), want.SQL())
					}
				}
			}
			if !found {
				t.Errorf("%s has no column %s", table, name)
			}
		}
	}
	if _, ok := TableNamed("ModelsChangeEvent"); ok {
		t.Error("a category is taken for the name of its table")
	}
	if got := LogTable("SomeNewEvent"); got.Name != "SomeNewEvent" || len(got.Columns) != len(commonHead)+len(sourceTail) {
		t.Errorf("LogTable = %+v", got)
	}
}

// TableOf maps a category, in any case, to its Log Analytics table and Microsoft's spelling
// (supported-logs reference for Microsoft.MachineLearningServices; table reference
// MicrosoftDocs/azure-reference-other, azure-monitor-ref/tables/amlmodelsevent.md).
func TestTableOf(t *testing.T) {
	for _, tc := range []struct{ category, table, spelling string }{
		{"modelschangeevent", "AmlModelsEvent", "ModelsChangeEvent"},
		{"DEPLOYMENTEVENTAKS", "AmlDeploymentEvent", "DeploymentEventAKS"},
		{"AmlComputeJobEvent", "AmlComputeJobEvent", "AmlComputeJobEvent"},
		{"amlregistrywriteeventslog", "AmlRegistryWriteEventsLog", "AmlRegistryWriteEventsLog"},
	} {
		tb, spelling, ok := TableOf(tc.category)
		if !ok || tb.Name != tc.table || spelling != tc.spelling {
			t.Errorf("TableOf(%q) = %s, %q, %v; want %s, %q", tc.category, tb.Name, spelling, ok, tc.table, tc.spelling)
		}
	}
	for _, name := range []string{"AmlModelsEvent", "AzureMetrics", "Rejects", "SomeNewEvent"} {
		if tb, _, ok := TableOf(name); ok {
			t.Errorf("TableOf(%q) = %s, want none: not a category", name, tb.Name)
		}
	}
	// Tables hands out copies.
	Tables()[0].Columns[0].Name = "changed"
	if Tables()[0].Columns[0].Name != "TimeGenerated" {
		t.Error("a change to what Tables returned reached the lake's tables")
	}
}

func TestLayout(t *testing.T) {
	d := time.Date(2026, 11, 24, 23, 59, 59, 0, time.FixedZone("x", -3600))
	if got, want := PartitionDir("lake", "AzureMetrics", d), filepath.Join("lake", "AzureMetrics", "date=2026-11-25"); got != want {
		t.Errorf("PartitionDir = %s, want %s (the UTC date)", got, want)
	}
	if got, want := BlobsDir("lake", d), filepath.Join("lake", "_amlmon", "blobs", "date=2026-11-25"); got != want {
		t.Errorf("BlobsDir = %s, want %s", got, want)
	}
}
