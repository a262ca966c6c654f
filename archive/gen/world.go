package gen

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Containers. Their numbers key the random streams, so a new one goes last.
const (
	ciCluster = iota
	ciNode
	ciJob
	ciAudit
	ciMetrics
	ciUtilization // only with Options.ExtraCategories
	ciRunStatus   // only with Options.ExtraCategories
	ciComputeInstance
	ciDataLabel
	ciDataSet
	ciDataStore
	ciDeployment
	ciEnvironment
	ciInferencing
	ciPipeline
	ciRun
	ciTraffic // the online endpoint's
	ciConsole // the online endpoint's
	ciEvent   // the online endpoint's
	ciRegistryRead
	ciRegistryWrite
	numContainers
)

// containerOrder is the name order, in which Generate emits the blobs of an hour.
var containerOrder = []int{
	ciCluster, ciNode, ciUtilization, ciJob, ciConsole, ciEvent, ciTraffic, ciRegistryRead, ciRegistryWrite, ciRunStatus,
	ciComputeInstance, ciDataLabel, ciDataSet, ciDataStore, ciDeployment, ciEnvironment,
	ciInferencing, ciAudit, ciPipeline, ciRun, ciMetrics,
}

var containerNames = [numContainers]string{
	"insights-logs-amlcomputeclusterevent",
	"insights-logs-amlcomputeclusternodeevent",
	"insights-logs-amlcomputejobevent",
	"insights-logs-modelschangeevent",
	"insights-metrics-pt1m",
	"insights-logs-amlcomputecpugpuutilization",
	"insights-logs-amlrunstatuschangedevent",
	"insights-logs-computeinstanceevent",
	"insights-logs-datalabelchangeevent",
	"insights-logs-datasetreadevent",
	"insights-logs-datastorechangeevent",
	"insights-logs-deploymenteventaks",
	"insights-logs-environmentchangeevent",
	"insights-logs-inferencingoperationaks",
	"insights-logs-pipelinechangeevent",
	"insights-logs-runevent",
	"insights-logs-amlonlineendpointtrafficlog",
	"insights-logs-amlonlineendpointconsolelog",
	"insights-logs-amlonlineendpointeventlog",
	"insights-logs-amlregistryreadeventslog",
	"insights-logs-amlregistrywriteeventslog",
}

var categoryNames = [numContainers]string{
	"AmlComputeClusterEvent",
	"AmlComputeClusterNodeEvent",
	"AmlComputeJobEvent",
	"ModelsChangeEvent",
	"",
	"AmlComputeCpuGpuUtilization",
	"AmlRunStatusChangedEvent",
	"ComputeInstanceEvent",
	"DataLabelChangeEvent",
	"DataSetReadEvent",
	"DataStoreChangeEvent",
	"DeploymentEventAKS",
	"EnvironmentChangeEvent",
	"InferencingOperationAKS",
	"PipelineChangeEvent",
	"RunEvent",
	"AmlOnlineEndpointTrafficLog",
	"AmlOnlineEndpointConsoleLog",
	"AmlOnlineEndpointEventLog",
	"AmlRegistryReadEventsLog",
	"AmlRegistryWriteEventsLog",
}

// Resource kinds.
const (
	kindWorkspace = iota
	kindEndpoint  // the online endpoint of the first workspace, with logs and metrics
	kindForeign
	kindServing  // an online endpoint that TargetBytes adds to a busy workspace
	kindRegistry // an Azure ML registry that the workspaces share models and environments through
)

// resource is one resource that has blobs in the archive.
type resource struct {
	idx  int    // position in generator.resources; workspaces come first
	id   string // canonical: upper-case, no trailing slash
	kind int
	ws   *workspace // the workspace itself, or the endpoint's workspace
}

type workspace struct {
	idx      int
	name     string
	id       string
	sub      string // lower-case GUID, as it appears in properties
	rg       string
	location string
	guid     string
	clusters []*cluster
	// nodeEvents is false for a workspace of a current account, whose diagnostic settings no
	// longer offer AmlComputeClusterNodeEvent (deprecated in February 2022).
	nodeEvents bool
	// idle is true for a workspace that has run nothing for over a week: it logs nothing and
	// exports metrics only every two hours.
	idle bool
}

type vmSize struct {
	name, family string
	cores        int
	hint         string // a cluster named with it runs this size
}

type cluster struct {
	ws       *workspace
	idx      int
	name     string
	id       string // the ClusterId of job events
	vm       vmSize
	priority string
	maxNodes int
	quota    int64   // cores of the family quota the cluster may use
	phase    float64 // shift of the daily load curve, in days
	failRate float64
	created  time.Time
}

var vmSizes = []vmSize{
	{"STANDARD_D4S_V3", "standardDSv3Family", 4, ""},
	{"STANDARD_NC24ADS_A100_V4", "StandardNCADSA100v4Family", 24, "a100"},
	{"STANDARD_NC6S_V3", "standardNCSv3Family", 6, "v100"},
	{"STANDARD_D16S_V3", "standardDSv3Family", 16, "d16"},
	{"STANDARD_NC4AS_T4_V3", "standardNCASv3_T4Family", 4, "t4"},
}

var workspaceNames = []string{"mlw-prod-weu", "mlw-dev-weu", "mlw-research-neu", "mlw-vision-eus", "mlw-nlp-eus"}
var groupNames = []string{"rg-ml-prod", "rg-ml-dev", "rg-ml-research", "rg-ml-vision", "rg-ml-nlp"}
var locations = []string{"westeurope", "westeurope", "northeurope", "eastus", "eastus"}

// clusterSpec names cluster c of workspace w and picks its VM size. The first cluster of the
// first two workspaces is "cpu-cluster", the name every tutorial suggests, so the same cluster
// name lives in two workspaces.
func clusterSpec(w, c int) (string, vmSize) {
	fixed := [][]string{{"cpu-cluster", "gpu-a100"}, {"cpu-cluster", "gpu-v100-lowpri"}, {"cpu-d16", "gpu-t4"},
		{"cpu-batch", "gpu-v100"}, {"cpu-d16-nlp", "gpu-t4-nlp"}}
	name := fmt.Sprintf("%s-%d", []string{"cpu", "gpu"}[c%2], c)
	if w < len(fixed) && c < len(fixed[w]) {
		name = fixed[w][c]
	}
	for _, v := range vmSizes {
		if v.hint != "" && strings.Contains(name, v.hint) {
			return name, v
		}
	}
	if c%2 == 1 {
		return name, vmSizes[2]
	}
	return name, vmSizes[0]
}

func workspaceName(w int) string {
	if w < len(workspaceNames) {
		return workspaceNames[w]
	}
	return fmt.Sprintf("mlw-team%02d-weu", w)
}

// rng returns a generator seeded from the archive seed and a key, so that every part of the
// archive can be recomputed on its own, in any order, with the same result.
func (g *generator) rng(kind string, ids ...int64) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(kind))
	var b [8]byte
	for _, id := range ids {
		binary.LittleEndian.PutUint64(b[:], uint64(id))
		h.Write(b[:])
	}
	return rand.New(rand.NewPCG(h.Sum64(), uint64(g.o.Seed)))
}

// guid derives a GUID-shaped identifier from the seed and a key.
func (g *generator) guid(kind string, ids ...int64) string {
	r := g.rng(kind, ids...)
	a, b := r.Uint64(), r.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff,
		uint16(b>>48)&0x3fff|0x8000, b&0xffffffffffff)
}

// buildWorld creates the workspaces with g.clusters clusters each, the quirks' extra resources,
// and g.endpoints online endpoints shared round-robin among the workspaces. Every cluster and
// resource draws from streams keyed by its own indices, so growing the world leaves the existing
// parts as they were.
func (g *generator) buildWorld() {
	g.workspaces, g.resources = nil, nil
	subs := []string{g.guid("subscription", 0), g.guid("subscription", 1)}
	for w := 0; w < g.o.Workspaces; w++ {
		ws := &workspace{
			idx:      w,
			name:     workspaceName(w),
			sub:      subs[w%2],
			rg:       groupNames[w%len(groupNames)],
			location: locations[w%len(locations)],
			guid:     g.guid("workspace", int64(w)),

			nodeEvents: w < g.o.Workspaces-g.o.CurrentWorkspaces,
			idle:       w >= g.o.Workspaces-g.o.IdleWorkspaces,
		}
		if w >= len(groupNames) {
			ws.rg = fmt.Sprintf("rg-ml-team%02d", w)
		}
		ws.id = strings.ToUpper(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/workspaces/%s", ws.sub, ws.rg, ws.name))
		r := g.rng("workspace-clusters", int64(w))
		for c := 0; c < g.clusters; c++ {
			name, vm := clusterSpec(w, c)
			cl := &cluster{
				ws:       ws,
				idx:      c,
				name:     name,
				id:       g.guid("cluster", int64(w), int64(c)),
				vm:       vm,
				priority: "Dedicated",
				maxNodes: 4 + r.IntN(9),
				phase:    r.Float64() * 0.08,
				failRate: 0.2 + 0.15*r.Float64(),
				created:  time.Date(2025, time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC),
			}
			if strings.Contains(cl.name, "lowpri") || c == 3 {
				cl.priority = "LowPriority"
			}
			if strings.HasPrefix(vm.name, "STANDARD_NC") {
				cl.failRate += 0.08 // GPU jobs run out of memory
			}
			cl.quota = int64(cl.maxNodes * vm.cores)
			ws.clusters = append(ws.clusters, cl)
		}
		g.workspaces = append(g.workspaces, ws)
		g.resources = append(g.resources, &resource{idx: w, id: ws.id, kind: kindWorkspace, ws: ws})
	}
	if len(g.workspaces) > 0 {
		// An online endpoint's resource ID continues its workspace's:
		// .../workspaces/<ws>/onlineEndpoints/<endpoint> (docs/lake.md, the archive layout).
		ws := g.workspaces[0]
		g.resources = append(g.resources, &resource{idx: len(g.resources), id: ws.id + "/ONLINEENDPOINTS/EP-FRAUD-SCORING", kind: kindEndpoint, ws: ws})
	}
	if g.o.Quirks && len(g.workspaces) > 0 {
		ws := g.workspaces[0]
		g.resources = append(g.resources, &resource{idx: len(g.resources), id: strings.ToUpper(fmt.Sprintf(
			"/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Storage/storageAccounts/stmlartifacts%d", ws.sub, ws.rg, g.o.Seed%1000)),
			kind: kindForeign})
	}
	if len(g.workspaces) > 0 {
		ws := g.workspaces[0]
		g.resources = append(g.resources, &resource{idx: len(g.resources), id: strings.ToUpper(fmt.Sprintf(
			"/subscriptions/%s/resourceGroups/%s/providers/Microsoft.MachineLearningServices/registries/mlr-shared", ws.sub, ws.rg)),
			kind: kindRegistry, ws: ws})
	}
	for e := 0; e < g.endpoints && len(g.workspaces) > 0; e++ {
		ws := g.workspaces[e%len(g.workspaces)]
		name := fmt.Sprintf("EP-%s-%d", strings.ToUpper(modelNames[e/len(g.workspaces)%len(modelNames)]), e/len(g.workspaces))
		g.resources = append(g.resources, &resource{idx: len(g.resources), id: ws.id + "/ONLINEENDPOINTS/" + name, kind: kindServing, ws: ws})
	}
}

// hourKey numbers an hour absolutely, so that the same seed gives the same records for an hour
// whatever Start is.
func hourKey(h time.Time) int64 { return h.Unix() / 3600 }

func dayKey(h time.Time) int64 { return h.Unix() / 86400 }

// slotTime is when status event k of n in hour h is logged. The last slot always falls in the
// last minutes of the hour, so that the node events of a scale-up it starts land in the next
// hour's blob.
func (g *generator) slotTime(c *cluster, h time.Time, k int) time.Time {
	n := g.slots
	spacing := 3600 / n
	jitter := min(240, spacing/2)
	r := g.rng("slot", int64(c.ws.idx), int64(c.idx), hourKey(h), int64(k))
	at := (k+1)*spacing - 1 - r.IntN(jitter+1)
	if k == n-1 {
		at = 3600 - 60 - r.IntN(jitter/2+1)
	}
	return h.Add(time.Duration(at)*time.Second + time.Duration(r.IntN(1_000_000))*time.Microsecond)
}

// nodes is the node count of cluster c after status event k of hour h: a daily load curve
// peaking in the European afternoon, plus noise.
func (g *generator) nodes(c *cluster, h time.Time, k int) int {
	n := g.slots
	day := float64(h.Hour()) + float64(k+1)/float64(n)
	level := 0.42 + 0.68*math.Sin(2*math.Pi*(day/24-0.375-c.phase))
	r := g.rng("nodes", int64(c.ws.idx), int64(c.idx), hourKey(h), int64(k))
	v := int(math.Round(level*float64(c.maxNodes))) + r.IntN(3) - 1
	if g.lateScaleUp(c, h, k) {
		ph, pk := g.prevSlot(h, k)
		v = g.nodes(c, ph, pk) + 2
	}
	return max(0, min(c.maxNodes, v))
}

// lateScaleUp marks the last status event of 23:00 on each day, for one cluster a day, as a
// scale-up: its nodes are allocated before midnight and logged after it.
func (g *generator) lateScaleUp(c *cluster, h time.Time, k int) bool {
	return h.Hour() == 23 && k == g.slots-1 && c.idx == 0 && int64(c.ws.idx) == dayKey(h)%int64(g.withNodes())
}

// active is the number of workspaces that are not idle, which come first; withNodes the number
// of those that log node events, which come first too. Each is at least one, as rotations
// divide by it.
func (g *generator) active() int { return max(1, g.o.Workspaces-g.o.IdleWorkspaces) }

func (g *generator) withNodes() int {
	return max(1, g.o.Workspaces-max(g.o.IdleWorkspaces, g.o.CurrentWorkspaces))
}

func (g *generator) prevSlot(h time.Time, k int) (time.Time, int) {
	if k == 0 {
		return h.Add(-time.Hour), g.slots - 1
	}
	return h, k - 1
}

// unusableHour and deployFailedHour pick the hours in which the default alert rules fire.
func (g *generator) unusableHour(w *workspace, h time.Time) bool {
	return (hourKey(h)+int64(w.idx)*5)%13 == 0
}

func (g *generator) deployFailedHour(w *workspace, h time.Time) bool {
	return (hourKey(h)*7+int64(w.idx)*3)%9 == 0
}

// job is one job submitted to a cluster.
type job struct {
	key        int64
	c          *cluster
	id, name   string
	experiment string
	expID      string
	tool       string
	api        string
	submit     time.Time
	run        time.Time
	end        time.Time
	failed     bool
	twice      bool // its JobFailed event is logged twice
	errMsg     string
	errDetails string
	node       string
	tfWorkers  int
}

var experiments = []string{"fraud-detection", "churn-model", "resnet50-finetune", "bert-ner", "demand-forecast", "llm-eval", "sweep-xgboost"}
var toolTypes = []string{"Python", "Python", "Python", "PyTorch", "TensorFlow", "Mpi"}

// errorTexts are the failure messages jobs report; several carry characters that break naive
// CSV or Markdown.
var errorTexts = []string{
	"UserError: Execution failed. User process 'python' exited with status code 1. Please check log file 'user_logs/std_log.txt' for error details.",
	"CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 39.59 GiB total capacity; 37.12 GiB already allocated)",
	"ModuleNotFoundError: No module named 'transformers' | pip install failed with \"exit code 1\"",
	"DiskFullError: no space left on device\nwhile writing outputs/checkpoint-4000/model.safetensors",
	"ServiceError: the low-priority node `tvmps_preempted_p` was reclaimed, job will not be retried",
	"ValueError: invalid label \"<script>alert('x')</script>\" in column target, expected 0|1",
	"JobConfigurationMaxSizeExceeded: snapshot of 3,142 files, 412 MB, exceeds the 300 MB limit",
	"ImagePullError: failed to pull image \"acrml.azurecr.io/train:latest\": unauthorized",
}

// jobs lists the jobs submitted to workspace w in hour h.
func (g *generator) jobs(w *workspace, h time.Time) []job {
	r := g.rng("jobs", int64(w.idx), hourKey(h))
	n := g.jobCount(r, h)
	jobs := make([]job, 0, n)
	for i := 0; i < n; i++ {
		jobs = append(jobs, g.newJob(r, w, h, hourKey(h)*1000+int64(i)))
	}
	return jobs
}

// jobCount draws the number of jobs submitted in hour h from r, the hour's stream of jobs.
func (g *generator) jobCount(r *rand.Rand, h time.Time) int {
	// People submit in the working day: the rate falls to 30 % at night.
	busy := 0.3 + 0.35*(1+math.Sin(2*math.Pi*(float64(h.Hour())-9)/24))
	return int(g.jobRate*busy*(0.5+r.Float64()) + r.Float64())
}

// newJob draws a job submitted to workspace w during hour h.
func (g *generator) newJob(r *rand.Rand, w *workspace, h time.Time, key int64) job {
	j := job{key: key, c: w.clusters[r.IntN(len(w.clusters))]}
	exp := experiments[r.IntN(len(experiments))]
	j.experiment = exp
	j.expID = g.guid("experiment/"+exp, int64(w.idx))
	j.submit = h.Add(time.Duration(r.Int64N(int64(time.Hour))))
	j.id = fmt.Sprintf("%s_%d_%08x", strings.ReplaceAll(exp, "-", "_"), j.submit.Unix(), r.Uint32())
	j.name = fmt.Sprintf("%s-%s", exp, []string{"train", "eval", "prep", "score"}[r.IntN(4)])
	j.tool = toolTypes[r.IntN(len(toolTypes))]
	if j.tool == "TensorFlow" {
		j.tfWorkers = 1 + r.IntN(4)
	}
	j.api = []string{"2023-04-01", "2024-04-01", "2024-10-01"}[r.IntN(3)]
	j.run = j.submit.Add(time.Duration(20+r.IntN(580))*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
	j.end = j.run.Add(time.Duration(60+r.IntN(5940))*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
	j.node = g.nodeID(j.c, key, 99)
	if r.Float64() < j.c.failRate {
		j.failed = true
		// The first few errors are the common ones, so that they recur across workspaces.
		i := r.IntN(len(errorTexts) + 4)
		if i >= len(errorTexts) {
			i -= len(errorTexts)
		}
		text := errorTexts[i]
		switch p := r.Float64(); {
		case p < 0.6:
			j.errMsg = text
		case p < 0.85:
			j.errDetails = text
		}
		j.twice = r.IntN(4) == 0
	}
	return j
}

// nodeID is shaped like an AmlCompute node: tvmps_<hex>_d for dedicated, _p for low priority.
func (g *generator) nodeID(c *cluster, ids ...int64) string {
	r := g.rng("node", append([]int64{int64(c.ws.idx), int64(c.idx)}, ids...)...)
	suffix := "d"
	if c.priority == "LowPriority" {
		suffix = "p"
	}
	return fmt.Sprintf("tvmps_%016x%016x_%s", r.Uint64(), r.Uint64(), suffix)
}
