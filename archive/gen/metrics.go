package gen

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// metricNames are Azure ML workspace platform metrics by their REST names, all of them exported
// by diagnostic settings (reference_test.go quotes Microsoft's list). The first nine are always
// exported; the rest only add volume when a large archive is asked for.
var metricNames = []string{
	"Quota Utilization Percentage",
	"Model Deploy Failed",
	"Unusable Nodes",
	"Active Nodes",
	"Idle Nodes",
	"Completed Runs",
	"Failed Runs",
	"Started Runs",
	"CpuUtilization",
	"Active Cores", "Idle Cores", "Total Nodes", "Total Cores", "Unusable Cores", "Preempted Nodes",
	"Preempted Cores", "Leaving Nodes", "Leaving Cores", "Cancelled Runs", "Cancel Requested Runs",
	"Not Responding Runs", "Queued Runs", "Preparing Runs", "Provisioning Runs", "Starting Runs",
	"Finalizing Runs", "Errors", "Warnings", "Model Register Succeeded", "Model Register Failed",
	"Model Deploy Started", "Model Deploy Succeeded", "GpuUtilization", "CpuMemoryUtilizationPercentage",
	"GpuMemoryUtilization", "DiskUsedMegabytes",
}

// servingMetrics are the platform metrics of an Azure ML online endpoint
// (Microsoft.MachineLearningServices/workspaces/onlineEndpoints) that diagnostic settings
// export, by their REST names: RequestsPerMinute, connections, network bytes and data
// collection are not exported.
var servingMetrics = []string{
	"RequestLatency", "RequestLatency_P50", "RequestLatency_P90", "RequestLatency_P95", "RequestLatency_P99",
}

// counted are the metrics that count events; a minute without events exports no record.
var counted = map[string]bool{
	"Model Deploy Failed": true, "Unusable Nodes": true, "Completed Runs": true,
	"Failed Runs": true, "Started Runs": true,
}

// perNode are the metrics sampled on a cluster's nodes; without a node there is no sample.
var perNode = map[string]bool{
	"CpuUtilization": true, "GpuUtilization": true, "CpuMemoryUtilizationPercentage": true,
	"GpuMemoryUtilization": true, "DiskUsedMegabytes": true,
}

// metricPoint is one record of a metric: the aggregate of its samples in one minute.
type metricPoint struct {
	count, total, minimum, maximum float64
}

func single(v float64) metricPoint { return metricPoint{1, v, v, v} }

func (p *metricPoint) add(v float64) {
	if p.count == 0 || v < p.minimum {
		p.minimum = v
	}
	if p.count == 0 || v > p.maximum {
		p.maximum = v
	}
	p.count++
	p.total += v
}

// metricRecords are the platform metrics of resource res for hour h: g.points records per
// metric, at whole minutes.
func (g *generator) metricRecords(res *resource, h time.Time) []record {
	r := g.rng("metrics", int64(res.idx), hourKey(h))
	switch res.kind {
	case kindEndpoint:
		return g.simpleMetrics(r, h, map[string]func() float64{
			"RequestLatency":     func() float64 { return math.Round(200+r.Float64()*1800) / 10 },
			"RequestLatency_P99": func() float64 { return math.Round(1500+r.Float64()*6000) / 10 },
		}, []string{"RequestLatency", "RequestLatency_P99"})
	case kindForeign:
		return g.simpleMetrics(r, h, map[string]func() float64{
			"Transactions": func() float64 { return float64(1000 + r.IntN(9000)) },
			"Ingress":      func() float64 { return float64(1e6 + r.IntN(9e6)) },
		}, []string{"Transactions", "Ingress"})
	case kindServing:
		return g.servingMetricRecords(r, res, h)
	case kindRegistry:
		return nil
	}
	w := res.ws
	if w.idle {
		return g.idleMetricRecords(r, w, h)
	}
	points := g.points
	step := time.Hour / time.Duration(points)

	// Runs started, completed and failed per point, from the jobs' own events.
	started, completed, failed := make([]float64, points), make([]float64, points), make([]float64, points)
	for back := 2; back >= 0; back-- {
		for _, j := range g.jobs(w, h.Add(-time.Duration(back)*time.Hour)) {
			for _, e := range j.events() {
				if e.t.Before(h) || !e.t.Before(h.Add(time.Hour)) {
					continue
				}
				i := int(e.t.Sub(h) / step)
				switch e.typ {
				case "JobRunning":
					started[i]++
				case "JobSucceeded":
					completed[i]++
				case "JobFailed":
					if e.t.Equal(j.end) {
						failed[i]++
					}
				}
			}
		}
	}
	deployPoint := -1
	if g.deployFailedHour(w, h) {
		deployPoint = r.IntN(points)
	}
	unusable := g.unusableHour(w, h)
	// A workspace with nothing running exports a record every 15 minutes only.
	quiet := deployPoint < 0 && !unusable && g.allNodesDown(w, h) &&
		slices.Max(started) == 0 && slices.Max(completed) == 0 && slices.Max(failed) == 0

	var recs []record
	for i := 0; i < points; i++ {
		t := h.Add(time.Duration(i) * step).Truncate(time.Minute)
		if quiet && t.Minute()%15 != 0 {
			continue
		}
		var quota, active, idle, cores metricPoint
		for _, c := range w.clusters {
			n := g.nodesAt(c, t)
			quota.add(100 * float64(n*c.vm.cores) / float64(c.quota))
			active.add(float64(n))
			idle.add(float64(r.IntN(min(n, 2) + 1)))
			cores.add(float64(n * c.vm.cores))
		}
		values := map[string]metricPoint{
			"Quota Utilization Percentage": quota,
			"Model Deploy Failed":          single(float64(btoi(i == deployPoint))),
			"Unusable Nodes":               single(float64(btoi(unusable) * (1 + r.IntN(2)))),
			"Active Nodes":                 active,
			"Idle Nodes":                   idle,
			"Completed Runs":               single(completed[i]),
			"Failed Runs":                  single(failed[i]),
			"Started Runs":                 single(started[i]),
			"Active Cores":                 cores,
		}
		for _, name := range metricNames[:g.metricNames] {
			p, ok := values[name]
			if !ok {
				p = single(math.Round(r.Float64()*9500) / 100)
			}
			if counted[name] && p.total == 0 {
				continue // a count with nothing to count has no data point, so no record
			}
			if perNode[name] && active.total == 0 {
				continue // no node, no sample
			}
			recs = append(recs, g.metricRecord(r, t, name, p))
		}
	}
	return recs
}

// allNodesDown reports whether every cluster of w has no node throughout hour h.
func (g *generator) allNodesDown(w *workspace, h time.Time) bool {
	for _, c := range w.clusters {
		if g.nodesAt(c, h) > 0 {
			return false
		}
		for k := 0; k < g.slots; k++ {
			if g.nodes(c, h, k) > 0 {
				return false
			}
		}
	}
	return true
}

// idleMetricRecords are the metrics of an idle workspace in hour h: after a week without
// activity Azure Monitor exports a zero value every two hours, so only even hours have a
// record, at their start, of each metric that is not a count or a node sample.
func (g *generator) idleMetricRecords(r *rand.Rand, w *workspace, h time.Time) []record {
	if hourKey(h)%2 != 0 {
		return nil
	}
	var recs []record
	for _, name := range metricNames[:g.metricNames] {
		if counted[name] || perNode[name] {
			continue
		}
		var p metricPoint
		for range w.clusters {
			p.add(0)
		}
		recs = append(recs, g.metricRecord(r, h, name, p))
	}
	return recs
}

// nodesAt is the node count of cluster c at time t: that of its last status event before t.
func (g *generator) nodesAt(c *cluster, t time.Time) int {
	h := t.Truncate(time.Hour)
	for k := g.slots - 1; k >= 0; k-- {
		if !g.slotTime(c, h, k).After(t) {
			return g.nodes(c, h, k)
		}
	}
	return g.nodes(c, h.Add(-time.Hour), g.slots-1)
}

// servingMetricRecords are the metrics of an online endpoint for hour h, one record a minute per
// metric: latency follows the working day's traffic, and the percentiles are ordered as
// percentiles are.
func (g *generator) servingMetricRecords(r *rand.Rand, res *resource, h time.Time) []record {
	recs := make([]record, 0, maxPoints*len(servingMetrics))
	for i := 0; i < maxPoints; i++ {
		t := h.Add(time.Duration(i) * time.Minute)
		day := float64(h.Hour()) + float64(i)/60
		busy := 0.35 + 0.3*(1+math.Sin(2*math.Pi*(day-9)/24))
		// Latency samples of the minute, in milliseconds, from which the percentiles are taken.
		var latency metricPoint
		samples := make([]float64, 0, 16)
		for k := 0; k < 16; k++ {
			v := math.Round((20+r.ExpFloat64()*busy*60)*10) / 10
			samples = append(samples, v)
			latency.add(v)
		}
		slices.Sort(samples)
		values := map[string]metricPoint{
			"RequestLatency":     latency,
			"RequestLatency_P50": single(samples[7]),
			"RequestLatency_P90": single(samples[13]),
			"RequestLatency_P95": single(samples[14]),
			"RequestLatency_P99": single(samples[15]),
		}
		for _, name := range servingMetrics {
			recs = append(recs, g.metricRecord(r, t, name, values[name]))
		}
	}
	return recs
}

func (g *generator) simpleMetrics(r *rand.Rand, h time.Time, value map[string]func() float64, names []string) []record {
	points := g.points
	var recs []record
	for i := 0; i < points; i++ {
		t := h.Add(time.Duration(i) * time.Hour / time.Duration(points)).Truncate(time.Minute)
		for _, name := range names {
			recs = append(recs, g.metricRecord(r, t, name, single(value[name]())))
		}
	}
	return recs
}

func (g *generator) metricRecord(r *rand.Rand, t time.Time, name string, p metricPoint) record {
	rec := record{t: t, metric: true}
	g.style(r, &rec)
	rec.flatten, rec.split, rec.keyCase, rec.extra = false, false, casePascal, false
	avg := 0.0
	if p.count > 0 {
		avg = p.total / p.count
	}
	num := func(f float64) any {
		f = math.Round(f*1e6) / 1e6
		if g.o.Quirks && r.IntN(100) < 3 {
			return formatFloat(f)
		}
		return f
	}
	if g.o.Quirks && r.IntN(100) < 3 {
		name = strings.ToLower(name)
	}
	rec.top = []kv{
		{"count", num(p.count)},
		{"total", num(p.total)},
		{"minimum", num(p.minimum)},
		{"maximum", num(p.maximum)},
		{"average", num(avg)},
	}
	rec.props = []kv{{"metricName", name}, {"timeGrain", "PT1M"}}
	// Diagnostic settings flatten the dimensions, but a record may still carry a key of its own.
	if g.o.Quirks && r.IntN(100) < 5 {
		rec.props = append(rec.props, kv{"dimensions", []kv{{"Scenario", "AmlCompute"}}})
	}
	return rec
}
