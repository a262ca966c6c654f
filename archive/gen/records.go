package gen

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// kv is one JSON member; records keep their members in order, as the service writes them.
type kv struct {
	k string
	v any
}

// Timestamp layouts the service is known to write (docs/lake.md, "Records").
const (
	layout7     = "2006-01-02T15:04:05.0000000Z"
	layoutMilli = "2006-01-02T15:04:05.000Z"
	layoutSpace = "2006-01-02 15:04:05.000"
	layoutUS    = "1/2/2006 3:04:05 PM -07:00"
)

// Key spellings of per-category fields.
const (
	casePascal = iota // JobId
	caseCamel         // jobId
	caseLower         // jobid
)

// record is one record before rendering, with the quirks chosen for it.
type record struct {
	t      time.Time
	late   bool // logged in the next hour's blob
	metric bool
	top    []kv // top-level members after time and resourceId (metric: count … average)
	props  []kv // per-category members (metric: metricName, timeGrain)

	layout     string // of time
	propLayout string // of timestamps inside properties
	keyCase    int
	flatten    bool // per-category fields at top level, no properties object
	split      bool // the later half of the per-category fields at top level
	ridKey     string
	ridForm    int // 0 canonical, 1 lower case, 2 trailing slash
	extra      bool
}

// style draws the quirks of one record. Without Quirks every record is canonical.
func (g *generator) style(r *rand.Rand, rec *record) {
	rec.layout, rec.propLayout, rec.ridKey = layout7, layout7, "resourceId"
	if !g.o.Quirks {
		return
	}
	switch p := r.IntN(100); {
	case p < 8:
		rec.layout = layoutMilli
	case p < 15:
		rec.layout = layoutSpace
	case p < 21:
		rec.layout = layoutUS
	}
	switch p := r.IntN(100); {
	case p < 5:
		rec.propLayout = layoutUS
	case p < 10:
		rec.propLayout = layoutMilli
	}
	switch p := r.IntN(100); {
	case p < 7:
		rec.keyCase = caseCamel
	case p < 13:
		rec.keyCase = caseLower
	}
	switch p := r.IntN(100); {
	case p < 5:
		rec.flatten = true
	case p < 9:
		rec.split = true
	}
	if r.IntN(100) < 6 {
		rec.ridKey = "resourceid"
	}
	switch p := r.IntN(100); {
	case p < 4:
		rec.ridForm = 1
	case p < 8:
		rec.ridForm = 2
	}
	rec.extra = r.IntN(100) < 5
	rec.late = r.IntN(100) < 4
}

// numeric renders n as a number, or with Quirks sometimes as a string, as the service often does.
func (g *generator) numeric(r *rand.Rand, n int64) any {
	if g.o.Quirks && r.IntN(100) < 30 {
		return strconv.FormatInt(n, 10)
	}
	return n
}

// boolean renders b as a JSON boolean, or with Quirks sometimes as a string in either casing.
func (g *generator) boolean(r *rand.Rand, b bool) any {
	if g.o.Quirks && r.IntN(100) < 30 {
		s := strconv.FormatBool(b)
		if r.IntN(2) == 0 {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return s
	}
	return b
}

func (g *generator) logTop(category, operation, level, result, correlation, location string) []kv {
	return []kv{
		{"category", category},
		{"operationName", operation},
		{"operationVersion", "1.0"},
		{"level", level},
		{"resultType", result},
		{"correlationId", correlation},
		{"location", location},
	}
}

// jobEvent is one event in the life of a job.
type jobEvent struct {
	t   time.Time
	typ string
}

// events lists what a job logs, in order.
func (j job) events() []jobEvent {
	events := []jobEvent{{j.submit, "JobSubmitted"}, {j.run, "JobRunning"}}
	if !j.failed {
		return append(events, jobEvent{j.end, "JobSucceeded"})
	}
	events = append(events, jobEvent{j.end, "JobFailed"})
	if j.twice {
		events = append(events, jobEvent{j.end.Add(2*time.Second + 417*time.Millisecond), "JobFailed"})
	}
	return events
}

// jobRecords are the job events of workspace w whose time is in hour h.
func (g *generator) jobRecords(w *workspace, h time.Time) []record {
	var recs []record
	end := h.Add(time.Hour)
	for back := 2; back >= 0; back-- {
		for _, j := range g.jobs(w, h.Add(-time.Duration(back)*time.Hour)) {
			for i, e := range j.events() {
				if e.t.Before(h) || !e.t.Before(end) {
					continue
				}
				recs = append(recs, g.jobRecord(j, e.typ, e.t, g.rng("job-event", int64(w.idx), j.key, int64(i))))
			}
		}
	}
	return recs
}

func (g *generator) jobRecord(j job, typ string, t time.Time, r *rand.Rand) record {
	c, w := j.c, j.c.ws
	rec := record{t: t}
	g.style(r, &rec)
	state, level, result := map[string]string{
		"JobSubmitted": "Queued", "JobRunning": "Running", "JobSucceeded": "Succeeded", "JobFailed": "Failed",
	}[typ], "Informational", "Succeeded"
	if typ == "JobFailed" {
		level, result = "Error", "Failed"
	}
	rec.top = g.logTop("AmlComputeJobEvent", typ, level, result, g.guid("job-correlation", int64(w.idx), j.key), w.location)
	eventType := any(typ)
	if g.o.Quirks {
		switch p := r.IntN(100); {
		case p < 5:
			eventType = nil // the table falls back to operationName
		case p < 10:
			eventType = strings.ToLower(typ)
		}
	}
	rec.props = []kv{
		{"JobId", j.id},
		{"JobName", j.name},
		{"ExperimentId", j.expID},
		{"ExperimentName", j.experiment},
		{"ClusterId", c.id},
		{"ClusterName", c.name},
		{"ClusterResourceGroupName", w.rg},
		{"CustomerSubscriptionId", w.sub},
		{"WorkspaceName", w.name},
		{"ResourceGroupName", w.rg},
	}
	if eventType != nil {
		rec.props = append(rec.props, kv{"EventType", eventType})
	}
	rec.props = append(rec.props,
		kv{"ExecutionState", state},
		kv{"ProvisioningState", "Succeeded"},
		kv{"ToolType", j.tool},
		kv{"RunInContainer", g.boolean(r, true)},
		kv{"CreationApiVersion", j.api},
	)
	if j.tool == "TensorFlow" {
		rec.props = append(rec.props,
			kv{"TFWorkerCount", g.numeric(r, int64(j.tfWorkers))},
			kv{"TFParameterServerCount", g.numeric(r, 1)})
	}
	if typ != "JobSubmitted" {
		rec.props = append(rec.props, kv{"NodeId", j.node})
	}
	if typ == "JobFailed" {
		if j.errMsg != "" {
			rec.props = append(rec.props, kv{"JobErrorMessage", j.errMsg})
		}
		if j.errDetails != "" {
			rec.props = append(rec.props, kv{"ErrorDetails", j.errDetails})
		}
	}
	return rec
}

// clusterRecords are the status events of the clusters of workspace w logged in hour h.
func (g *generator) clusterRecords(w *workspace, h time.Time) []record {
	var recs []record
	for _, c := range w.clusters {
		for k := 0; k < g.slots; k++ {
			recs = append(recs, g.clusterRecord(c, h, k))
		}
	}
	return recs
}

func (g *generator) clusterRecord(c *cluster, h time.Time, k int) record {
	w := c.ws
	r := g.rng("cluster-event", int64(w.idx), int64(c.idx), hourKey(h), int64(k))
	t := g.slotTime(c, h, k)
	rec := record{t: t}
	g.style(r, &rec)
	ph, pk := g.prevSlot(h, k)
	cur, prev := g.nodes(c, h, k), g.nodes(c, ph, pk)
	target := cur
	if k < g.slots-1 {
		target = g.nodes(c, h, k+1)
	}
	state, transition := "Steady", t.Add(-time.Duration(r.IntN(600))*time.Second)
	if target != cur {
		state = "Resizing"
	}
	running := cur
	if cur > 0 {
		running = cur - r.IntN(min(cur, 2)+1)
	}
	preparing := 0
	if cur > prev {
		preparing = cur - prev
		running = max(0, running-preparing)
	}
	leaving := 0
	if cur < prev {
		leaving = prev - cur
	}
	preempted, unusable := 0, 0
	if c.priority == "LowPriority" && r.IntN(4) == 0 {
		preempted = 1 + r.IntN(2)
	}
	errorCodes := ""
	if c.idx == 0 && g.unusableHour(w, h) {
		unusable = 1 + r.IntN(2)
		errorCodes = "DiskFull"
	}
	quota := c.quota
	var utilized any = g.numeric(r, int64(cur*c.vm.cores))
	if g.o.Quirks {
		switch p := r.IntN(100); {
		case p < 3:
			utilized = "n/a"
		case p < 6:
			quota = 0
		}
	}
	rec.top = g.logTop("AmlComputeClusterEvent", "ClusterStateChanged", "Informational", "Succeeded",
		g.guid("cluster-correlation", int64(w.idx), int64(c.idx), hourKey(h), int64(k)), w.location)
	rec.props = make([]kv, 0, 40)
	rec.props = append(rec.props, []kv{
		{"ClusterName", c.name},
		{"ClusterType", "AmlCompute"},
		{"EventType", []string{"ClusterStatusUpdated", "ResizeStarted"}[btoi(target != cur)]},
		{"AllocationState", state},
		{"AllocationStateTransitionTime", transition},
	}...)
	if errorCodes != "" {
		rec.props = append(rec.props, kv{"ClusterErrorCodes", errorCodes})
	}
	// The cluster's configuration comes with the first status event of the day only.
	if h.Hour() == 0 && k == 0 {
		rec.props = append(rec.props,
			kv{"CreatedBy", "ml-platform@contoso.com"},
			kv{"CreationApiVersion", "2024-04-01"},
			kv{"ProvisioningState", "Succeeded"},
			kv{"ScalingType", "Auto"},
			kv{"NodeDeallocationOption", "Requeue"},
			kv{"Publisher", "microsoft-dsvm"},
			kv{"Offer", "ubuntu-hpc"},
			kv{"Sku", "2204"},
			kv{"Version", "latest"},
			kv{"SubnetId", strings.ToLower(w.id[:strings.Index(w.id, "/PROVIDERS/")]) + "/providers/microsoft.network/virtualnetworks/vnet-ml/subnets/compute"},
			kv{"InitialNodeCount", g.numeric(r, 0)},
			kv{"NodeIdleTimeSecondsBeforeScaleDown", g.numeric(r, 120)},
		)
	}
	rec.props = append(rec.props,
		kv{"IsResizeGrow", g.boolean(r, target > cur)},
		kv{"VmSize", c.vm.name},
		kv{"VmFamilyName", c.vm.family},
		kv{"VmPriority", c.priority},
		kv{"CoreCount", g.numeric(r, int64(cur*c.vm.cores))},
	)
	if !(g.o.Quirks && r.IntN(100) < 4) {
		rec.props = append(rec.props, kv{"CurrentNodeCount", g.numeric(r, int64(cur))})
	}
	rec.props = append(rec.props,
		kv{"TargetNodeCount", g.numeric(r, int64(target))},
		kv{"MinimumNodeCount", g.numeric(r, 0)},
		kv{"MaximumNodeCount", g.numeric(r, int64(c.maxNodes))},
		kv{"IdleNodeCount", g.numeric(r, int64(cur-running-preparing))},
		kv{"RunningNodeCount", g.numeric(r, int64(running))},
		kv{"PreparingNodeCount", g.numeric(r, int64(preparing))},
		kv{"LeavingNodeCount", g.numeric(r, int64(leaving))},
		kv{"PreemptedNodeCount", g.numeric(r, int64(preempted))},
		kv{"UnusableNodeCount", g.numeric(r, int64(unusable))},
		kv{"QuotaAllocated", g.numeric(r, quota)},
		kv{"QuotaUtilized", utilized},
		kv{"InternalOperationName", "ClusterStateChanged"},
	)
	return rec
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nodeRecords are the node events of workspace w logged in hour h: one per node allocated by a
// scale-up, logged once its start task has finished, which may be in the next hour.
func (g *generator) nodeRecords(w *workspace, h time.Time) []record {
	var recs []record
	end := h.Add(time.Hour)
	for _, sh := range []time.Time{h.Add(-time.Hour), h} {
		for _, c := range w.clusters {
			for k := 0; k < g.slots; k++ {
				ph, pk := g.prevSlot(sh, k)
				added := g.nodes(c, sh, k) - g.nodes(c, ph, pk)
				if added <= 0 {
					continue
				}
				resize := g.slotTime(c, sh, k)
				for i := 0; i < added; i++ {
					r := g.rng("node-event", int64(w.idx), int64(c.idx), hourKey(sh), int64(k), int64(i))
					alloc := resize.Add(time.Duration(5+7*i)*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
					boot := alloc.Add(time.Duration(70+r.IntN(230))*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
					taskStart := boot.Add(time.Duration(3+r.IntN(12)) * time.Second)
					taskEnd := taskStart.Add(time.Duration(20+r.IntN(100)) * time.Second)
					t := taskEnd.Add(time.Duration(1+r.IntN(20)) * time.Second)
					if t.Before(h) || !t.Before(end) {
						continue
					}
					rec := record{t: t}
					g.style(r, &rec)
					rec.top = g.logTop("AmlComputeClusterNodeEvent", "ClusterNodeAllocated", "Informational", "Succeeded",
						g.guid("node-correlation", int64(w.idx), int64(c.idx), hourKey(sh), int64(k)), w.location)
					rec.props = []kv{
						{"ClusterName", c.name},
						{"NodeId", g.nodeID(c, hourKey(sh), int64(k), int64(i))},
						{"VmSize", c.vm.name},
						{"VmFamilyName", c.vm.family},
						{"VmPriority", c.priority},
						{"Publisher", "microsoft-dsvm"},
						{"Offer", "ubuntu-hpc"},
						{"Sku", "2204"},
						{"Version", "latest"},
						{"ClusterCreationTime", c.created},
						{"ResizeStartTime", resize},
						{"ResizeEndTime", taskEnd},
						{"NodeAllocationTime", alloc},
						{"NodeBootTime", boot},
						{"StartTaskStartTime", taskStart},
						{"StartTaskEndTime", taskEnd},
						{"TotalE2ETimeInSeconds", g.numericFloat(r, taskEnd.Sub(alloc).Seconds())},
						{"InternalOperationName", "NodeAllocated"},
					}
					recs = append(recs, rec)
				}
			}
		}
	}
	return recs
}

func (g *generator) numericFloat(r *rand.Rand, f float64) any {
	if g.o.Quirks && r.IntN(100) < 30 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return f
}

var modelNames = []string{"fraud-xgb", "churn-lgbm", "resnet50", "bert-ner-de", "forecast-prophet"}

// auditRecords are model registry changes in workspace w during hour h: the first workspace
// hosts the model registry, where pipelines register a model or two every hour.
func (g *generator) auditRecords(w *workspace, h time.Time) []record {
	if w.idx != 0 {
		return nil
	}
	r := g.rng("audit", int64(w.idx), hourKey(h))
	n := 1 + r.IntN(4)/3
	recs := make([]record, 0, n)
	for i := 0; i < n; i++ {
		rec := record{t: h.Add(time.Duration(r.Int64N(int64(time.Hour))))}
		g.style(r, &rec)
		op := []string{"Microsoft.MachineLearningServices/workspaces/models/versions/write", "Microsoft.MachineLearningServices/workspaces/models/versions/delete"}[btoi(r.IntN(8) == 0)]
		rec.top = append(g.logTop("ModelsChangeEvent", op, "Informational", "Succeeded",
			g.guid("audit-correlation", int64(w.idx), hourKey(h), int64(i)), w.location),
			kv{"resultSignature", "200"},
			kv{"callerIpAddress", "10.20.1.17"},
			kv{"durationMs", g.numeric(r, int64(40+r.IntN(400)))})
		rec.top = g.withIdentity(r, rec.top, "pipeline-sp")
		rec.props = []kv{
			{"AmlModelName", modelNames[r.IntN(len(modelNames))]},
			{"ModelVersion", strconv.Itoa(1 + r.IntN(40))},
		}
		recs = append(recs, rec)
	}
	return recs
}

// runStatus maps a job event to the run status Azure ML reports for it.
var runStatus = map[string]string{
	"JobSubmitted": "Queued", "JobRunning": "Running", "JobSucceeded": "Completed", "JobFailed": "Failed",
}

// runStatusRecords are the run status changes of workspace w logged in hour h: one per job
// event, the duplicate JobFailed excepted.
func (g *generator) runStatusRecords(w *workspace, h time.Time) []record {
	var recs []record
	end := h.Add(time.Hour)
	for back := 2; back >= 0; back-- {
		for _, j := range g.jobs(w, h.Add(-time.Duration(back)*time.Hour)) {
			for i, e := range j.events() {
				if e.t.Before(h) || !e.t.Before(end) || (e.typ == "JobFailed" && !e.t.Equal(j.end)) {
					continue
				}
				r := g.rng("run-status", int64(w.idx), j.key, int64(i))
				rec := record{t: e.t.Add(time.Duration(1+r.IntN(900)) * time.Millisecond)}
				g.style(r, &rec)
				level := "Informational"
				message := ""
				if e.typ == "JobFailed" {
					level, message = "Error", j.errMsg+j.errDetails
				}
				rec.top = g.logTop("AmlRunStatusChangedEvent", "Microsoft.MachineLearningServices/workspaces/runs/statuschange", level, "Succeeded",
					g.guid("job-correlation", int64(w.idx), j.key), w.location)
				rec.props = []kv{
					{"RunId", j.id},
					{"ParentRunId", ""},
					{"RootRunId", j.id},
					{"Status", runStatus[e.typ]},
					{"Message", message},
					{"TriggeringUserName", []string{"alice@contoso.com", "ml-pipeline-sp", "bob@contoso.com"}[j.key%3]},
					{"WorkspaceId", w.guid},
					{"WorkspaceName", w.name},
				}
				recs = append(recs, rec)
			}
		}
	}
	return recs
}

// utilizationRecords are the CPU and GPU utilisation of the nodes of workspace w during hour h:
// one sample per node and device, half-way through the hour.
func (g *generator) utilizationRecords(w *workspace, h time.Time) []record {
	var recs []record
	for _, c := range w.clusters {
		at := h.Add(30 * time.Minute)
		gpu := strings.HasPrefix(c.vm.name, "STANDARD_NC")
		for i := 0; i < g.nodesAt(c, at); i++ {
			r := g.rng("utilization", int64(w.idx), int64(c.idx), hourKey(h), int64(i))
			node := g.nodeID(c, -1, int64(i))
			devices := []struct{ id, typ, metric string }{{"", "CPU", "CpuUtilization"}}
			if gpu {
				devices = append(devices, struct{ id, typ, metric string }{"0", "GPU", "GpuUtilization"},
					struct{ id, typ, metric string }{"0", "GPU", "GpuMemoryUtilization"})
			}
			for _, d := range devices {
				rec := record{t: at.Add(time.Duration(r.IntN(60_000)) * time.Millisecond)}
				g.style(r, &rec)
				rec.top = g.logTop("AmlComputeCpuGpuUtilization", "Microsoft.MachineLearningServices/workspaces/computes/utilization", "Informational", "Succeeded",
					g.guid("utilization-correlation", int64(w.idx), int64(c.idx), hourKey(h)), w.location)
				rec.props = []kv{
					{"ClusterName", c.name},
					{"NodeId", node},
					{"DeviceId", d.id},
					{"DeviceType", d.typ},
					{"MetricName", d.metric},
					{"RunId", ""},
					{"WorkspaceId", w.guid},
					{"WorkspaceName", w.name},
					{"Utilization", g.numericFloat(r, math.Round(5+r.Float64()*9400)/100)},
				}
				recs = append(recs, rec)
			}
		}
	}
	return recs
}
