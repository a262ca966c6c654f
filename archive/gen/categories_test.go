package gen

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// numberOf reads a JSON number, or a number written as a string.
func numberOf(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// laColumns are the typed columns of the Log Analytics table of each category the generator
// writes besides the five compute ones (docs/lake.md, the table of the other Azure ML
// categories; Microsoft's supported-logs reference for Microsoft.MachineLearningServices/
// workspaces and .../onlineEndpoints maps each category to its table). A record's
// per-category keys must be among them, and each must occur in the archive.
var laColumns = map[string][]string{
	"ComputeInstanceEvent":    {"AmlComputeInstanceName"},
	"DataLabelChangeEvent":    {"AmlDataStoreName", "AmlLabelNames", "AmlProjectId", "AmlProjectName"},
	"DataSetReadEvent":        {"AmlDatasetId", "AmlDatasetName", "AmlWorkspaceId"},
	"DataStoreChangeEvent":    {"AmlDatastoreName", "AmlWorkspaceId"},
	"DeploymentEventAKS":      {"AmlServiceName"},
	"EnvironmentChangeEvent":  {"AmlEnvironmentName", "AmlEnvironmentVersion"},
	"InferencingOperationAKS": {"AmlServiceName"},
	"ModelsChangeEvent":       {"AmlModelName", "ModelVersion"},
	"PipelineChangeEvent": {"AmlModuleId", "AmlModuleName", "AmlParentPipelineId", "AmlPipelineDraftId",
		"AmlPipelineDraftName", "AmlPipelineEndpointId", "AmlPipelineEndpointName", "AmlPipelineId",
		"AmlWorkspaceId", "AmlWorkspaceName"},
	"RunEvent":                    {"AmlWorkspaceId", "RunId"},
	"AmlOnlineEndpointConsoleLog": {"ContainerImageName", "ContainerName", "DeploymentName", "InstanceId", "Message"},
	"AmlOnlineEndpointEventLog":   {"DeploymentName", "InstanceId", "Message", "Name"},
	"AmlOnlineEndpointTrafficLog": {"AuthType", "AzureMLWorkspaceId", "AzureMLWorkspaceName", "DeploymentName",
		"EndpointName", "IdentityData", "Method", "ModelStatusReason", "Path", "Protocol", "ResponseCodeReason",
		"UserAgent", "XMSClientRequestId", "XRequestId", "ModelStatusCode", "RequestDurationMs",
		"RequestPayloadSize", "RequestThrottlingDelayMs", "ResponseCode", "ResponseDurationMs",
		"ResponsePayloadSize", "ResponseThrottlingDelayMs", "TotalDurationMs"},
	"AmlRegistryReadEventsLog": {"AssetName", "AssetVersion", "Labels", "RegistryResourceId", "RegistryTenantId",
		"UserName", "UserObjectId"},
	"AmlRegistryWriteEventsLog": {"AssetName", "AssetVersion", "Labels", "RegistryResourceId", "RegistryTenantId",
		"UserName", "UserObjectId"},
}

// TestOtherCategories checks the audit, online endpoint and registry categories: container and
// category agree, per-category keys are Log Analytics columns (in any case, inside properties or
// at top level), every column occurs, identity is on some records and not on others, the
// endpoint's and the registry's categories come from their own resources, and some requests
// failed with a 5xx.
func TestOtherCategories(t *testing.T) {
	o := quirkOptions()
	byContainer := map[string]string{}
	for ci, c := range containerNames {
		byContainer[c] = categoryNames[ci]
	}
	seen := map[string]map[string]bool{}
	identity := map[string]int{}
	serverErrors := 0
	for _, b := range collect(t, o) {
		category := byContainer[b.Container]
		columns, ok := laColumns[category]
		if !ok {
			continue
		}
		lines, _ := split(t, b)
		for _, l := range lines {
			rec := l.rec
			if rec == nil || rec["category"] == nil {
				continue // a bad line, or one whose time is bad
			}
			if rec["category"] != category {
				t.Fatalf("%s/%s: category %v", b.Container, b.Name, rec["category"])
			}
			rid := strings.ToUpper(resourceIDOf(rec))
			endpoint, registry := strings.Contains(rid, "/ONLINEENDPOINTS/"), strings.Contains(rid, "/REGISTRIES/")
			if endpoint != strings.HasPrefix(category, "AmlOnlineEndpoint") || registry != strings.HasPrefix(category, "AmlRegistry") {
				t.Errorf("%s: %s record of resource %s", b.Name, category, resourceIDOf(rec))
			}
			keys := map[string]any{}
			props, _ := rec["properties"].(map[string]any)
			for k, v := range props {
				keys[k] = v
			}
			for k, v := range rec {
				if !standardTop[k] {
					keys[k] = v
				}
			}
			if seen[category] == nil {
				seen[category] = map[string]bool{}
			}
			for k := range keys {
				col := ""
				for _, c := range columns {
					if strings.EqualFold(c, k) {
						col = c
					}
				}
				if col == "" {
					t.Errorf("%s: %s key %q is no column of its table", b.Name, category, k)
				}
				seen[category][col] = true
			}
			if _, ok := rec["identity"]; ok {
				identity["with"]++
			} else {
				identity["without"]++
			}
			if v, ok := field(rec, "ResponseCode"); ok {
				code, _ := numberOf(v)
				if code >= 500 {
					serverErrors++
				}
			}
		}
	}
	for category, columns := range laColumns {
		for _, c := range columns {
			if !seen[category][c] {
				t.Errorf("%s: no record has %s", category, c)
			}
		}
	}
	if identity["with"] < 10 || identity["without"] < 10 {
		t.Errorf("records with and without identity: %v, want several of each", identity)
	}
	if serverErrors < 4 {
		t.Errorf("%d requests answered with 5xx in two days, want several", serverErrors)
	}
}

// TestCurrentAndIdleWorkspaces checks that a workspace of a current account logs everything but
// node events, and that an idle one exports only metrics, every two hours, with zero values.
func TestCurrentAndIdleWorkspaces(t *testing.T) {
	o := quirkOptions()
	o.Workspaces, o.CurrentWorkspaces, o.IdleWorkspaces = 5, 2, 1
	const current, idle = "/WORKSPACES/MLW-VISION-EUS", "/WORKSPACES/MLW-NLP-EUS"
	containers := map[string]map[string]int{current: {}, idle: {}}
	idleHours := map[time.Time]bool{}
	for _, b := range collect(t, o) {
		res, h := blobHour(t, b)
		for _, ws := range []string{current, idle} {
			if strings.HasSuffix(res, ws) {
				containers[ws][b.Container]++
			}
		}
		if !strings.HasSuffix(res, idle) || b.Container != containerNames[ciMetrics] {
			continue
		}
		lines, _ := split(t, b)
		for _, l := range lines {
			if l.rec == nil {
				continue
			}
			rt, _, _ := parseTime(l.rec["time"].(string))
			idleHours[rt.UTC()] = true
			total, _ := numberOf(l.rec["total"])
			if !rt.Equal(h) && !rt.Equal(h.Add(-time.Hour)) || rt.Hour()%2 != 0 || total != 0 {
				t.Errorf("%s: idle metric at %v, total %v", b.Name, rt, l.rec["total"])
			}
		}
	}
	if containers[current][containerNames[ciNode]] != 0 || containers[current][containerNames[ciCluster]] < o.Hours/2 ||
		containers[current][containerNames[ciJob]] == 0 {
		t.Errorf("workspace of a current account has blobs %v, want cluster and job events and no node events", containers[current])
	}
	if len(containers[idle]) != 1 || len(idleHours) < o.Hours/2-2 || len(idleHours) > o.Hours/2+2 {
		t.Errorf("idle workspace has blobs %v in %d hours, want metrics in every other hour", containers[idle], len(idleHours))
	}
}

// TestQuietHoursExportEveryQuarter checks that in an hour with nothing running a workspace
// exports a metric every 15 minutes, not every minute.
func TestQuietHoursExportEveryQuarter(t *testing.T) {
	o := cleanOptions()
	o.MetricsPerHour, o.Hours = 60, 24
	quiet, busy := 0, 0
	for _, b := range collect(t, o) {
		res, _ := blobHour(t, b)
		if b.Container != containerNames[ciMetrics] || referenceType(res) != "workspaces" {
			continue
		}
		lines, _ := split(t, b)
		minutes := map[int]bool{}
		active := 0.0
		for _, l := range lines {
			rt, _, _ := parseTime(l.rec["time"].(string))
			minutes[rt.Minute()] = true
			if l.rec["metricName"] == "Active Nodes" {
				v, _ := numberOf(l.rec["total"])
				active += v
			}
		}
		switch {
		case len(minutes) == 4 && minutes[0] && minutes[15] && minutes[30] && minutes[45]:
			quiet++
			if active != 0 {
				t.Errorf("%s: quiet hour with %v active nodes", b.Name, active)
			}
		case len(minutes) == 60:
			busy++
		default:
			t.Errorf("%s: records at %d distinct minutes", b.Name, len(minutes))
		}
	}
	if quiet == 0 || busy == 0 {
		t.Errorf("%d quiet and %d busy workspace-hours, want both", quiet, busy)
	}
}
