package gen

import (
	"strings"
	"testing"
)

// exportedMetrics are the platform metrics that diagnostic settings export ("DS Export: Yes"),
// by their REST names, quoted from Microsoft's metrics reference:
//
//   - Microsoft.MachineLearningServices/workspaces:
//     https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-machinelearningservices-workspaces-metrics
//     (MicrosoftDocs/azure-monitor-docs, articles/azure-monitor/reference/supported-metrics/
//     microsoft-machinelearningservices-workspaces-metrics.md, generated 2025-04-16). The
//     category Agents (Agents, IndexedFiles, Messages, Runs, Threads, Tokens, ToolCalls) is
//     not exported and so is not listed.
//   - Microsoft.MachineLearningServices/workspaces/onlineEndpoints:
//     https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-machinelearningservices-workspaces-onlineendpoints-metrics
//     Only the latencies are exported; ConnectionsActive, DataCollectionErrorsPerMinute,
//     DataCollectionEventsPerMinute, NetworkBytes, NewConnectionsPerSecond and
//     RequestsPerMinute are not.
//   - Microsoft.Storage/storageAccounts, the other provider of the sample:
//     https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-storage-storageaccounts-metrics
var exportedMetrics = map[string][]string{
	"workspaces": {
		// Model
		"Model Deploy Failed", "Model Deploy Started", "Model Deploy Succeeded",
		"Model Register Failed", "Model Register Succeeded",
		// Quota
		"Active Cores", "Active Nodes", "Idle Cores", "Idle Nodes", "Leaving Cores", "Leaving Nodes",
		"Preempted Cores", "Preempted Nodes", "Quota Utilization Percentage", "Total Cores",
		"Total Nodes", "Unusable Cores", "Unusable Nodes",
		// Resource
		"CpuCapacityMillicores", "CpuMemoryCapacityMegabytes", "CpuMemoryUtilizationMegabytes",
		"CpuMemoryUtilizationPercentage", "CpuUtilization", "CpuUtilizationMillicores",
		"CpuUtilizationPercentage", "DiskAvailMegabytes", "DiskReadMegabytes", "DiskUsedMegabytes",
		"DiskWriteMegabytes", "GpuCapacityMilliGPUs", "GpuEnergyJoules", "GpuMemoryCapacityMegabytes",
		"GpuMemoryUtilization", "GpuMemoryUtilizationMegabytes", "GpuMemoryUtilizationPercentage",
		"GpuUtilization", "GpuUtilizationMilliGPUs", "GpuUtilizationPercentage", "IBReceiveMegabytes",
		"IBTransmitMegabytes", "NetworkInputMegabytes", "NetworkOutputMegabytes",
		"StorageAPIFailureCount", "StorageAPISuccessCount",
		// Run
		"Cancel Requested Runs", "Cancelled Runs", "Completed Runs", "Errors", "Failed Runs",
		"Finalizing Runs", "Not Responding Runs", "Not Started Runs", "Preparing Runs",
		"Provisioning Runs", "Queued Runs", "Started Runs", "Starting Runs", "Warnings",
	},
	"onlineEndpoints": {
		"RequestLatency", "RequestLatency_P50", "RequestLatency_P90", "RequestLatency_P95", "RequestLatency_P99",
	},
	"storageAccounts": {"Transactions", "Ingress"},
}

// referenceType is the resource type of a resource ID, as the keys of exportedMetrics name it.
func referenceType(resourceID string) string {
	id := strings.ToUpper(resourceID)
	switch {
	case strings.Contains(id, "/ONLINEENDPOINTS/"):
		return "onlineEndpoints"
	case strings.Contains(id, "/MICROSOFT.STORAGE/STORAGEACCOUNTS/"):
		return "storageAccounts"
	}
	return "workspaces"
}

func exported(resourceType, name string) bool {
	for _, m := range exportedMetrics[resourceType] {
		if m == name {
			return true
		}
	}
	return false
}

// TestMetricNamesAreExported requires every metric name the generator knows, and every one in
// an archive, to be a REST name from the reference that diagnostic settings export, spelled as
// the reference spells it (a record may lower-case it, as a reader matches names
// case-insensitively).
func TestMetricNamesAreExported(t *testing.T) {
	for _, name := range metricNames {
		if !exported("workspaces", name) {
			t.Errorf("workspace metric %q is not an exported REST name", name)
		}
	}
	for _, name := range servingMetrics {
		if !exported("onlineEndpoints", name) {
			t.Errorf("online endpoint metric %q is not an exported REST name", name)
		}
	}
	o := quirkOptions()
	o.Workspaces, o.CurrentWorkspaces, o.IdleWorkspaces = 4, 1, 1
	seen := map[string]bool{}
	for _, b := range collect(t, o) {
		if b.Container != containerNames[ciMetrics] {
			continue
		}
		lines, _ := split(t, b)
		for _, l := range lines {
			if l.rec == nil {
				continue
			}
			name, _ := l.rec["metricName"].(string)
			typ := referenceType(resourceIDOf(l.rec))
			found := false
			for _, m := range exportedMetrics[typ] {
				found = found || name == m || name == strings.ToLower(m)
			}
			if !found {
				t.Errorf("%s: metric %q of %s is not an exported REST name", b.Name, name, typ)
			}
			seen[typ] = true
		}
	}
	if len(seen) != len(exportedMetrics) {
		t.Errorf("metrics of %v only, want every resource type of the reference", seen)
	}
}
