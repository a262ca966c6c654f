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
	for _, tb := range Tables {
		seen := map[string]bool{}
		for _, c := range tb.Columns {
			if seen[strings.ToLower(c.Name)] {
				t.Errorf("%s: column %s twice", tb.Name, c.Name)
			}
			seen[strings.ToLower(c.Name)] = true
		}
		if tb.Category == "" {
			continue
		}
		for i, c := range commonHead {
			if tb.Columns[i] != c {
				t.Errorf("%s: column %d is %v, want %v", tb.Name, i, tb.Columns[i], c)
			}
		}
		n := len(tb.Columns)
		if tb.Columns[n-2].Name != "_SourceBlob" || tb.Columns[n-1] != (Column{"_SourceOffset", Int64}) {
			t.Errorf("%s: the source columns are not last", tb.Name)
		}
	}
	typed := map[string]map[string]ColumnType{
		"AmlComputeJobEvent":          {"TFWorkerCount": Int64, "EventType": String},
		"AmlComputeClusterEvent":      {"AllocationStateTransitionTime": Timestamp, "QuotaAllocated": Int64, "QuotaUtilized": Int64},
		"AmlComputeClusterNodeEvent":  {"NodeAllocationTime": Timestamp, "NodeBootTime": Timestamp, "TotalE2ETimeInSeconds": Float64},
		"AmlComputeCpuGpuUtilization": {"Utilization": Float64},
		"AzureMetrics":                {"TimeGenerated": Timestamp, "Total": Float64, "Count": Float64, "MetricName": String},
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
		t.Error("a category without typed columns has a fixed table")
	}
	if got := LogTable("ModelsChangeEvent"); got.Name != "ModelsChangeEvent" || len(got.Columns) != len(commonHead)+len(sourceTail) {
		t.Errorf("LogTable = %+v", got)
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
