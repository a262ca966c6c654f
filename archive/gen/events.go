package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// workspaceEvent describes an Azure ML category that records what people and pipelines do in
// a workspace. Its per-category keys are named as the columns of the category's Log Analytics
// table (docs/lake.md, the table of the other Azure ML categories).
type workspaceEvent struct {
	ops   []string // operationName; the first is the most frequent
	props func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv
}

const opPrefix = "Microsoft.MachineLearningServices/workspaces/"

var users = []string{"alice@contoso.com", "bob@contoso.com", "ml-pipeline-sp"}

var workspaceEvents = map[int]workspaceEvent{
	ciComputeInstance: {
		ops: []string{"computes/start/action", "computes/stop/action", "computes/write"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			return []kv{{"AmlComputeInstanceName", []string{"ci-alice-gpu", "ci-bob-cpu", "ci-shared-dev"}[r.IntN(3)]}}
		},
	},
	ciDataLabel: {
		ops: []string{"labeling/projects/write", "labeling/labels/write"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			p := r.IntN(2)
			return []kv{
				{"AmlProjectId", g.guid("label-project", int64(w.idx), int64(p))},
				{"AmlProjectName", []string{"defect-labels", "invoice-ner"}[p]},
				{"AmlLabelNames", []string{"scratch,dent,ok", "amount,date,vendor"}[p]},
				{"AmlDataStoreName", "workspaceblobstore"},
			}
		},
	},
	ciDataSet: {
		ops: []string{"datasets/registered/read", "datasets/versions/read"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			d := r.IntN(3)
			return []kv{
				{"AmlDatasetId", g.guid("dataset", int64(w.idx), int64(d))},
				{"AmlDatasetName", []string{"transactions-2026", "churn-features", "imagenet-subset"}[d]},
				{"AmlWorkspaceId", w.guid},
			}
		},
	},
	ciDataStore: {
		ops: []string{"datastores/write", "datastores/delete"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			return []kv{
				{"AmlDatastoreName", []string{"workspaceblobstore", "adls_curated", "sql_features"}[r.IntN(3)]},
				{"AmlWorkspaceId", w.guid},
			}
		},
	},
	ciDeployment: {
		ops: []string{"services/aks/write", "services/aks/delete"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			return []kv{{"AmlServiceName", []string{"fraud-aks-svc", "churn-aks-svc"}[r.IntN(2)]}}
		},
	},
	ciEnvironment: {
		ops: []string{"environments/write", "environments/versions/write"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			return []kv{
				{"AmlEnvironmentName", []string{"pytorch-2.3-cuda12", "sklearn-1.5", "tf-2.16-gpu"}[r.IntN(3)]},
				{"AmlEnvironmentVersion", fmt.Sprint(1 + r.IntN(30))},
			}
		},
	},
	ciInferencing: {
		ops: []string{"services/aks/score/action"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			return []kv{{"AmlServiceName", []string{"fraud-aks-svc", "churn-aks-svc"}[r.IntN(2)]}}
		},
	},
	ciPipeline: {
		ops: []string{"pipelines/write", "pipelinedrafts/write", "pipelineendpoints/write"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			p := r.IntN(2)
			name := []string{"nightly-retrain", "feature-refresh"}[p]
			return []kv{
				{"AmlModuleId", g.guid("module", int64(w.idx), int64(p))},
				{"AmlModuleName", []string{"train_step", "featurize_step"}[p]},
				{"AmlParentPipelineId", g.guid("parent-pipeline", int64(w.idx), int64(p))},
				{"AmlPipelineDraftId", g.guid("pipeline-draft", int64(w.idx), int64(p))},
				{"AmlPipelineDraftName", name + "-draft"},
				{"AmlPipelineEndpointId", g.guid("pipeline-endpoint", int64(w.idx), int64(p))},
				{"AmlPipelineEndpointName", name + "-endpoint"},
				{"AmlPipelineId", g.guid("pipeline", int64(w.idx), int64(p), hourKey(h))},
				{"AmlWorkspaceId", w.guid},
				{"AmlWorkspaceName", w.name},
			}
		},
	},
	ciRun: {
		ops: []string{"experiments/runs/write", "experiments/runs/read"},
		props: func(g *generator, r *rand.Rand, w *workspace, h time.Time) []kv {
			id := fmt.Sprintf("%s_%d_%08x", strings.ReplaceAll(experiments[r.IntN(len(experiments))], "-", "_"), h.Unix(), r.Uint32())
			if jobs := g.jobs(w, h); len(jobs) > 0 {
				id = jobs[r.IntN(len(jobs))].id
			}
			return []kv{{"AmlWorkspaceId", w.guid}, {"RunId", id}}
		},
	},
}

// workspaceEventRecords are the records of category container ci in workspace w during hour
// h. Such categories log only when someone acts, so most hours have none: each category logs
// in every other workspace, in one hour of eight, one or two records.
func (g *generator) workspaceEventRecords(ci int, w *workspace, h time.Time) []record {
	e, ok := workspaceEvents[ci]
	if !ok || (w.idx+ci)%2 != 0 || (hourKey(h)+int64(5*ci+3*w.idx))%8 != 0 {
		return nil
	}
	r := g.rng("workspace-event", int64(ci), int64(w.idx), hourKey(h))
	n := 1 + r.IntN(2)
	recs := make([]record, 0, n)
	for i := 0; i < n; i++ {
		rec := record{t: h.Add(time.Duration(r.Int64N(int64(time.Hour))))}
		g.style(r, &rec)
		op := e.ops[0]
		if r.IntN(4) == 0 {
			op = e.ops[r.IntN(len(e.ops))]
		}
		rec.top = append(g.logTop(categoryNames[ci], opPrefix+op, "Informational", "Succeeded",
			g.guid("workspace-event-correlation", int64(ci), int64(w.idx), hourKey(h), int64(i)), w.location),
			kv{"resultSignature", "200"},
			kv{"callerIpAddress", fmt.Sprintf("10.20.%d.%d", 1+w.idx, 10+r.IntN(200))},
			kv{"durationMs", g.numeric(r, int64(20+r.IntN(900)))})
		rec.top = g.withIdentity(r, rec.top, users[r.IntN(len(users))])
		rec.props = e.props(g, r, w, h)
		recs = append(recs, rec)
	}
	return recs
}

// withIdentity adds the caller's identity to two records in three, as an object of claims.
func (g *generator) withIdentity(r *rand.Rand, top []kv, who string) []kv {
	if r.IntN(3) == 0 {
		return top
	}
	claims := []kv{{"oid", g.guid("principal/" + who)}}
	if strings.Contains(who, "@") {
		claims = append(claims, kv{"upn", who})
	} else {
		claims = append(claims, kv{"appid", g.guid("application/" + who)})
	}
	return append(top, kv{"identity", []kv{{"claims", claims}}})
}

// Deployments of the online endpoint: most traffic goes to blue, a tenth to green.
var endpointDeployments = []string{"blue", "green"}

func (g *generator) endpointDeployment(r *rand.Rand) string {
	return endpointDeployments[btoi(r.IntN(10) == 0)]
}

func instanceID(deployment string, n int) string {
	return fmt.Sprintf("%s-7d9f8c6b5-%05x", deployment, 0x1a2b3+n)
}

// trafficResponses are what the endpoint answers, with the model's own status where the
// request reached the model: a model that fails makes the endpoint answer 424.
var trafficResponses = []struct {
	code        int64
	reason      string
	model       int64 // 0: the request did not reach the model
	modelReason string
}{
	{200, "OK", 200, "OK"},
	{429, "Too Many Requests", 0, ""},
	{424, "Failed Dependency", 500, "Internal Server Error"},
	{500, "Internal Server Error", 0, ""},
	{503, "Service Unavailable", 0, ""},
	{400, "Bad Request", 400, "Bad Request"},
}

// trafficRecords are the online endpoint's AmlOnlineEndpointTrafficLog for hour h: one record
// per request, a few an hour, about one in six refused or failed.
func (g *generator) trafficRecords(res *resource, h time.Time) []record {
	w := res.ws
	r := g.rng("traffic", int64(res.idx), hourKey(h))
	n := 2 + r.IntN(4)
	recs := make([]record, 0, n)
	endpoint := strings.ToLower(res.id[strings.LastIndex(res.id, "/")+1:])
	for i := 0; i < n; i++ {
		rec := record{t: h.Add(time.Duration(r.Int64N(int64(time.Hour))))}
		g.style(r, &rec)
		resp := trafficResponses[0]
		if k := r.IntN(30); k < len(trafficResponses) {
			resp = trafficResponses[k]
		}
		if i == 0 && h.Hour()%6 == 3 {
			resp = trafficResponses[3+h.Hour()/6%2] // a 5xx every six hours
		}
		level := "Informational"
		if resp.code >= 500 {
			level = "Error"
		}
		deployment := g.endpointDeployment(r)
		reqMs := int64(1 + r.IntN(5))
		modelMs := int64(0)
		if resp.model != 0 {
			modelMs = int64(15 + r.IntN(300))
		}
		respMs := int64(1 + r.IntN(3))
		requestSize := int64(400 + r.IntN(6000))
		responseSize := int64(60 + r.IntN(200))
		rec.top = g.logTop("AmlOnlineEndpointTrafficLog", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/score/action",
			level, "Succeeded", g.guid("traffic-correlation", int64(res.idx), hourKey(h), int64(i)), w.location)
		rec.props = []kv{
			{"Method", "POST"},
			{"Path", "/score"},
			{"Protocol", "HTTP/1.1"},
			{"ResponseCode", g.numeric(r, resp.code)},
			{"ResponseCodeReason", resp.reason},
		}
		if resp.model != 0 {
			rec.props = append(rec.props, kv{"ModelStatusCode", g.numeric(r, resp.model)}, kv{"ModelStatusReason", resp.modelReason})
		}
		rec.props = append(rec.props,
			kv{"UserAgent", []string{"python-requests/2.32.3", "azure-ai-ml/1.21.0", "Go-http-client/2.0"}[r.IntN(3)]},
			kv{"XRequestId", g.guid("request", int64(res.idx), hourKey(h), int64(i))},
			kv{"XMSClientRequestId", g.guid("client-request", int64(res.idx), hourKey(h), int64(i))},
			kv{"AuthType", []string{"Key", "AMLToken", "AAD"}[r.IntN(3)]},
			kv{"IdentityData", ""},
			kv{"EndpointName", endpoint},
			kv{"DeploymentName", deployment},
			kv{"AzureMLWorkspaceId", w.guid},
			kv{"AzureMLWorkspaceName", w.name},
			kv{"RequestPayloadSize", g.numeric(r, requestSize)},
			kv{"ResponsePayloadSize", g.numeric(r, responseSize)},
			kv{"RequestDurationMs", g.numeric(r, reqMs)},
			kv{"ResponseDurationMs", g.numeric(r, respMs)},
			kv{"RequestThrottlingDelayMs", g.numeric(r, 0)},
			kv{"ResponseThrottlingDelayMs", g.numeric(r, 0)},
			kv{"TotalDurationMs", g.numeric(r, reqMs+modelMs+respMs)},
		)
		recs = append(recs, rec)
	}
	return recs
}

// consoleRecords are the online endpoint's AmlOnlineEndpointConsoleLog for hour h: what its
// inference server prints, a few lines in one hour of three.
func (g *generator) consoleRecords(res *resource, h time.Time) []record {
	if hourKey(h)%3 != 0 {
		return nil
	}
	r := g.rng("console", int64(res.idx), hourKey(h))
	n := 1 + r.IntN(3)
	recs := make([]record, 0, n)
	for i := 0; i < n; i++ {
		rec := record{t: h.Add(time.Duration(r.Int64N(int64(time.Hour))))}
		g.style(r, &rec)
		deployment := g.endpointDeployment(r)
		msg := []string{
			fmt.Sprintf(`INFO:     10.0.0.%d:%d - "POST /score HTTP/1.1" 200 OK`, 4+r.IntN(20), 30000+r.IntN(30000)),
			fmt.Sprintf("Scoring request took %.1f ms", math.Round(150+r.Float64()*3000)/10),
			"ERROR:root:Exception in run(): ValueError: Input contains NaN, infinity or a value too large for dtype('float32').",
		}[r.IntN(3)]
		rec.top = g.logTop("AmlOnlineEndpointConsoleLog", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/logs/read",
			"Informational", "Succeeded", g.guid("console-correlation", int64(res.idx), hourKey(h), int64(i)), res.ws.location)
		rec.props = []kv{
			{"ContainerImageName", "acrml.azurecr.io/azureml/azureml_4f1c0d2e9b7a:1"},
			{"ContainerName", "inference-server"},
			{"DeploymentName", deployment},
			{"InstanceId", instanceID(deployment, r.IntN(2))},
			{"Message", msg},
		}
		recs = append(recs, rec)
	}
	return recs
}

// endpointEvents are the container events of a rolling restart, as AmlOnlineEndpointEventLog
// names them.
var endpointEvents = []struct{ name, message, level string }{
	{"Scheduled", "Successfully assigned the instance to a node", "Informational"},
	{"Pulled", "Container image \"acrml.azurecr.io/azureml/azureml_4f1c0d2e9b7a:1\" already present on machine", "Informational"},
	{"Created", "Created container inference-server", "Informational"},
	{"Started", "Started container inference-server", "Informational"},
	{"Killing", "Stopping container inference-server", "Informational"},
	{"BackOff", "Back-off restarting failed container inference-server", "Warning"},
}

// endpointEventRecords are the online endpoint's AmlOnlineEndpointEventLog for hour h: a
// rolling restart of one instance just after midnight and in one hour of eleven, which backs
// off once before it starts in every other one.
func (g *generator) endpointEventRecords(res *resource, h time.Time) []record {
	if h.Hour() != 0 && hourKey(h)%11 != 0 {
		return nil
	}
	r := g.rng("endpoint-event", int64(res.idx), hourKey(h))
	deployment := g.endpointDeployment(r)
	old, instance := instanceID(deployment, 0), instanceID(deployment, 2+int(hourKey(h)%50))
	steps := []int{4, 0, 1, 2, 3}
	if hourKey(h)%2 == 0 {
		steps = []int{4, 0, 1, 2, 5, 3}
	}
	at := h.Add(time.Duration(r.IntN(40)) * time.Minute)
	recs := make([]record, 0, len(steps))
	for i, s := range steps {
		at = at.Add(time.Duration(1+r.IntN(20))*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
		rec := record{t: at}
		g.style(r, &rec)
		e := endpointEvents[s]
		id := instance
		if s == 4 {
			id = old
		}
		rec.top = g.logTop("AmlOnlineEndpointEventLog", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/events/read",
			e.level, "Succeeded", g.guid("endpoint-event-correlation", int64(res.idx), hourKey(h), int64(i)), res.ws.location)
		rec.props = []kv{
			{"DeploymentName", deployment},
			{"InstanceId", id},
			{"Name", e.name},
			{"Message", e.message},
		}
		recs = append(recs, rec)
	}
	return recs
}

// registryAssets are the models and environments the registry shares among the workspaces.
var registryAssets = []struct{ name, labels string }{
	{"fraud-xgb", "production"},
	{"churn-lgbm", "production,tabular"},
	{"sklearn-1.5", "environment"},
	{"pytorch-2.3-cuda12", "environment,gpu"},
}

// registryRecords are the registry's AmlRegistryReadEventsLog (ci == ciRegistryRead: pipelines
// pull an asset in one hour of four) or AmlRegistryWriteEventsLog (someone publishes a version
// in one hour of twelve) for hour h.
func (g *generator) registryRecords(ci int, res *resource, h time.Time) []record {
	read := ci == ciRegistryRead
	if read && hourKey(h)%4 != 1 || !read && hourKey(h)%12 != 7 {
		return nil
	}
	r := g.rng("registry", int64(ci), int64(res.idx), hourKey(h))
	n := 1 + r.IntN(2)
	recs := make([]record, 0, n)
	op := "Microsoft.MachineLearningServices/registries/assets/read"
	if !read {
		op = "Microsoft.MachineLearningServices/registries/assets/write"
	}
	for i := 0; i < n; i++ {
		rec := record{t: h.Add(time.Duration(r.Int64N(int64(time.Hour))))}
		g.style(r, &rec)
		asset := registryAssets[r.IntN(len(registryAssets))]
		who := users[r.IntN(len(users))]
		rec.top = append(g.logTop(categoryNames[ci], op, "Informational", "Succeeded",
			g.guid("registry-correlation", int64(ci), hourKey(h), int64(i)), res.ws.location),
			kv{"resultSignature", "200"})
		rec.top = g.withIdentity(r, rec.top, who)
		rec.props = []kv{
			{"AssetName", asset.name},
			{"AssetVersion", fmt.Sprint(1 + r.IntN(12))},
			{"Labels", asset.labels},
			{"RegistryResourceId", strings.ToLower(res.id)},
			{"RegistryTenantId", g.guid("tenant")},
			{"UserName", who},
			{"UserObjectId", g.guid("principal/" + who)},
		}
		recs = append(recs, rec)
	}
	return recs
}
