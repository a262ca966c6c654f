package transform

import (
	"context"
	"strings"
	"testing"

	"github.com/amlmon/amlmon"
)

// TestCategoryTables decodes one blob per Azure ML table of Log Analytics, with a record of each
// of its categories: the first spelled in another case and with an identity, the others as
// Microsoft spells them and without one; property keys in other cases, numbers as strings.
//
// The categories and their tables are those of the supported-logs reference for
// Microsoft.MachineLearningServices/workspaces, /onlineEndpoints and /registries; the columns
// those of the Log Analytics table reference, e.g. MicrosoftDocs/azure-reference-other,
// azure-monitor-ref/tables/amlmodelsevent.md (AmlModelName, Identity dynamic),
// amldatalabelevent.md, amldatastoreevent.md, amlpipelineevent.md,
// amlregistryreadeventslog.md, amlonlineendpointconsolelog.md and
// amlonlineendpointtrafficlog.md (ResponseCode, RequestDurationMs ... int).
func TestCategoryTables(t *testing.T) {
	const identity = `{"claims":{"upn":"ana@contoso.com"}}`
	for _, tc := range []struct {
		table      string
		categories []string // as recorded: the first in another case
		props      string   // the properties object of every record
		top        string   // more top-level members, "" for none
		want       row      // typed columns of every row
	}{
		{"AmlComputeInstanceEvent", []string{"computeinstanceevent"},
			`{"amlcomputeinstancename":"ci-1"}`, "",
			row{"AmlComputeInstanceName": "ci-1"}},
		{"AmlDataLabelEvent", []string{"DATALABELCHANGEEVENT", "DataLabelReadEvent"},
			`{"AMLDATASTORENAME":"images","amlLabelNames":"cat,dog","AmlProjectId":"p-1"}`, `"amlprojectname":"pets"`,
			row{"AmlDataStoreName": "images", "AmlLabelNames": "cat,dog", "AmlProjectId": "p-1", "AmlProjectName": "pets"}},
		{"AmlDataSetEvent", []string{"datasetchangeevent", "DataSetReadEvent"},
			`{"amldatasetid":"d-1","AMLDATASETNAME":"sales","AmlWorkspaceId":"w-1"}`, "",
			row{"AmlDatasetId": "d-1", "AmlDatasetName": "sales", "AmlWorkspaceId": "w-1"}},
		{"AmlDataStoreEvent", []string{"DataStoreChangeevent", "DataStoreReadEvent"},
			`{"amldatastorename":"blobs","amlworkspaceid":"w-1"}`, "",
			row{"AmlDatastoreName": "blobs", "AmlWorkspaceId": "w-1"}},
		{"AmlDeploymentEvent", []string{"deploymenteventaci", "DeploymentEventAKS", "DeploymentReadEvent"},
			`{"AMLSERVICENAME":"scorer"}`, "",
			row{"AmlServiceName": "scorer"}},
		{"AmlEnvironmentEvent", []string{"ENVIRONMENTCHANGEEVENT", "EnvironmentReadEvent"},
			`{"amlEnvironmentName":"sklearn","AmlEnvironmentVersion":3}`, "",
			row{"AmlEnvironmentName": "sklearn", "AmlEnvironmentVersion": "3"}},
		{"AmlInferencingEvent", []string{"inferencingoperationaci", "InferencingOperationAKS"},
			`{"amlservicename":"scorer"}`, "",
			row{"AmlServiceName": "scorer"}},
		{"AmlModelsEvent", []string{"modelsactionevent", "ModelsChangeEvent", "ModelsReadEvent"},
			`{"AMLMODELNAME":"churn"}`, "",
			row{"AmlModelName": "churn"}},
		{"AmlPipelineEvent", []string{"pipelinechangeevent", "PipelineReadEvent"},
			`{"amlmoduleid":"m-1","AMLMODULENAME":"train","AmlParentPipelineId":"pp-1","amlpipelinedraftid":"pd-1",` +
				`"AmlPipelineDraftName":"draft","amlpipelineendpointid":"pe-1","AmlPipelineEndpointName":"nightly",` +
				`"AMLPIPELINEID":"p-1","amlworkspaceid":"w-1","AmlWorkspaceName":"ws"}`, "",
			row{"AmlModuleId": "m-1", "AmlModuleName": "train", "AmlParentPipelineId": "pp-1", "AmlPipelineDraftId": "pd-1",
				"AmlPipelineDraftName": "draft", "AmlPipelineEndpointId": "pe-1", "AmlPipelineEndpointName": "nightly",
				"AmlPipelineId": "p-1", "AmlWorkspaceId": "w-1", "AmlWorkspaceName": "ws"}},
		{"AmlRunEvent", []string{"RUNEVENT", "RunReadEvent"},
			`{"amlworkspaceid":"w-1","runid":"r-1"}`, "",
			row{"AmlWorkspaceId": "w-1", "RunId": "r-1"}},
		{"AmlOnlineEndpointConsoleLog", []string{"amlonlineendpointconsolelog"},
			`{"containerimagename":"img:1","ContainerName":"inference-server","DEPLOYMENTNAME":"blue","instanceid":"i-1","Message":"ready"}`, "",
			row{"ContainerImageName": "img:1", "ContainerName": "inference-server", "DeploymentName": "blue", "InstanceId": "i-1", "Message": "ready"}},
		{"AmlOnlineEndpointEventLog", []string{"AMLONLINEENDPOINTEVENTLOG"},
			`{"deploymentname":"blue","InstanceId":"i-1","message":"pulled","NAME":"Pulled"}`, "",
			row{"DeploymentName": "blue", "InstanceId": "i-1", "Message": "pulled", "Name": "Pulled"}},
		{"AmlOnlineEndpointTrafficLog", []string{"amlOnlineEndpointTrafficLog"},
			`{"authtype":"key","AzureMLWorkspaceId":"w-1","azuremlworkspacename":"ws","DeploymentName":"blue","endpointname":"ep",` +
				`"IdentityData":"x","METHOD":"POST","ModelStatusReason":"OK","path":"/score","Protocol":"HTTP/1.1",` +
				`"responsecodereason":"Service Unavailable","UserAgent":"curl","xmsclientrequestid":"c-1","XRequestId":"x-1",` +
				`"modelstatuscode":"200","RequestDurationMs":"12","requestpayloadsize":"1024","RequestThrottlingDelayMs":0,` +
				`"RESPONSECODE":"503","ResponseDurationMs":"30","responsepayloadsize":"2048","ResponseThrottlingDelayMs":"0","TotalDurationMs":45}`, "",
			row{"AuthType": "key", "AzureMLWorkspaceId": "w-1", "AzureMLWorkspaceName": "ws", "DeploymentName": "blue",
				"EndpointName": "ep", "IdentityData": "x", "Method": "POST", "ModelStatusReason": "OK", "Path": "/score",
				"Protocol": "HTTP/1.1", "ResponseCodeReason": "Service Unavailable", "UserAgent": "curl",
				"XMSClientRequestId": "c-1", "XRequestId": "x-1", "ModelStatusCode": int64(200), "RequestDurationMs": int64(12),
				"RequestPayloadSize": int64(1024), "RequestThrottlingDelayMs": int64(0), "ResponseCode": int64(503),
				"ResponseDurationMs": int64(30), "ResponsePayloadSize": int64(2048), "ResponseThrottlingDelayMs": int64(0),
				"TotalDurationMs": int64(45)}},
		{"AmlRegistryReadEventsLog", []string{"amlregistryreadeventslog"},
			`{"assetname":"model-a","AssetVersion":"2","LABELS":"prod","registryresourceid":"/R","RegistryTenantId":"t-1","username":"ana","UserObjectId":"o-1"}`, "",
			row{"AssetName": "model-a", "AssetVersion": "2", "Labels": "prod", "RegistryResourceId": "/R", "RegistryTenantId": "t-1", "UserName": "ana", "UserObjectId": "o-1"}},
		{"AmlRegistryWriteEventsLog", []string{"AMLREGISTRYWRITEEVENTSLOG"},
			`{"AssetName":"model-a","assetversion":"2","Labels":"prod","RegistryResourceId":"/R","registrytenantid":"t-1","UserName":"ana","userobjectid":"o-1"}`, "",
			row{"AssetName": "model-a", "AssetVersion": "2", "Labels": "prod", "RegistryResourceId": "/R", "RegistryTenantId": "t-1", "UserName": "ana", "UserObjectId": "o-1"}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			table, ok := amlmon.TableNamed(tc.table)
			if !ok {
				t.Fatalf("no table %s", tc.table)
			}
			if len(table.Categories) != len(tc.categories) {
				t.Fatalf("%s has categories %q, the test %q", tc.table, table.Categories, tc.categories)
			}
			var in strings.Builder
			for i, c := range tc.categories {
				if !strings.EqualFold(c, table.Categories[i]) || (i == 0) == (c == table.Categories[i]) {
					t.Fatalf("category %q: the first is %s's %q in another case, the others as spelled", c, tc.table, table.Categories[i])
				}
				in.WriteString(`{"time":"2026-11-25T13:00:0` + string(rune('0'+i)) + `Z","category":"` + c + `",`)
				if i == 0 {
					in.WriteString(`"identity":` + identity + `,`)
				}
				if tc.top != "" {
					in.WriteString(tc.top + `,`)
				}
				in.WriteString(`"properties":` + tc.props + "}\n")
			}
			container := "insights-logs-" + strings.ToLower(table.Categories[0])
			sink := &memSink{t: t}
			res, err := runDecode(t, context.Background(), testBlob(container), 0, strings.NewReader(in.String()), decodeOptions{sealed: true}, sink)
			if err != nil {
				t.Fatal(err)
			}
			if res.rejected != 0 || res.warnings != 0 || len(sink.rows) != len(tc.categories) {
				t.Fatalf("%d rows, %d rejected, %d warnings, want %d rows", len(sink.rows), res.rejected, res.warnings, len(tc.categories))
			}
			for i, r := range sink.rows {
				want := row{"_table": tc.table, "Category": tc.categories[i], "Identity": nil, "Extra": nil}
				if i == 0 {
					want["Identity"] = identity
				}
				if tc.top != "" {
					want["Extra"] = "{" + tc.top + "}"
				}
				for k, v := range tc.want {
					want[k] = v
				}
				for k, v := range want {
					if r[k] != v {
						t.Errorf("row %d (%s): %s = %#v, want %#v", i, tc.categories[i], k, r[k], v)
					}
				}
				// Every column of the table, and no other.
				if len(r) != len(table.Columns)+2 {
					t.Errorf("row %d has %d columns, the table %d", i, len(r)-2, len(table.Columns))
				}
			}
		})
	}

	// Every table of Azure ML categories has Identity, the five of the first layout too.
	for _, table := range amlmon.Tables() {
		if len(table.Categories) > 0 && !table.HasIdentity() {
			t.Errorf("%s has no Identity column", table.Name)
		}
	}
}
