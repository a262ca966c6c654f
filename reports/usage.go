package reports

import (
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amlmon/amlmon"
)

// Spend is what the clusters' nodes cost in the day, as summary.json gives it (see
// docs/compute-spend.md). A figure the data cannot give is null, not zero.
type Spend struct {
	// NodeHours is the node-hours of all clusters, 2 decimals; null when no cluster event of
	// D−7 … D has a CurrentNodeCount.
	NodeHours *float64 `json:"node_hours"`
	// IdleNodeHours is the idle node-hours of the clusters that report IdleNodeCount; null
	// when none does.
	IdleNodeHours *float64 `json:"idle_node_hours"`
	// IdleShare is IdleNodeHours over the node-hours of the same clusters, 4 decimals.
	IdleShare *float64 `json:"idle_share"`
	// Cost is the sum of cluster_usage.csv's cost, in the price file's currency; null when no
	// cluster has a price. IdleCost is the part of it that paid for idle nodes.
	Cost     *float64 `json:"cost"`
	IdleCost *float64 `json:"idle_cost"`
	// UnpricedClusters counts the clusters with node-hours but no price.
	UnpricedClusters int64 `json:"unpriced_clusters"`
}

// spend sums the day's node-hours from the trend's row for the day (the same step functions,
// summed before rounding) and its cost from cluster_usage.
func spend(d *day) Spend {
	var s Spend
	for i := range d.trend.rows {
		if day, _ := d.trend.get(i, "day").(time.Time); !day.Equal(d.date) {
			continue
		}
		s.NodeHours = optFloat(d.trend, i, "node_hours")
		s.IdleNodeHours = optFloat(d.trend, i, "idle_node_hours")
		s.IdleShare = optFloat(d.trend, i, "idle_share")
	}
	usage := d.csv["cluster_usage"]
	var cost, idleCost float64
	priced, idlePriced := false, false
	for i := range usage.rows {
		c, ok := usage.float(i, "cost")
		if !ok {
			if h, _ := usage.float(i, "node_hours"); h > 0 {
				s.UnpricedClusters++
			}
			continue
		}
		cost += c
		priced = true
		price, _ := usage.float(i, "hourly_price")
		if idle, ok := usage.float(i, "idle_node_hours"); ok {
			idleCost += idle * price
			idlePriced = true
		}
	}
	if priced {
		s.Cost = ptr(roundTo(cost, 2))
	}
	if idlePriced {
		s.IdleCost = ptr(roundTo(idleCost, 2))
	}
	return s
}

func ptr(f float64) *float64 { return &f }

func optFloat(r result, i int, name string) *float64 {
	if f, ok := r.float(i, name); ok {
		return &f
	}
	return nil
}

// spendHeadline is the headline's line on compute spend.
func spendHeadline(s Spend) string {
	if s.NodeHours == nil {
		return "- **Compute**: no cluster event of the week gives a node count, so node-hours are unknown.\n"
	}
	line := fmt.Sprintf("- **Compute**: %s node-hours", floatText(*s.NodeHours, 64))
	if s.IdleNodeHours != nil && s.IdleShare != nil {
		line += fmt.Sprintf(", %s idle (%s)", floatText(*s.IdleNodeHours, 64), percent(*s.IdleShare))
	} else {
		line += ", idle unknown (no IdleNodeCount in the cluster events)"
	}
	if s.Cost != nil {
		line += ", cost " + money(*s.Cost)
		if s.IdleCost != nil {
			line += " (" + money(*s.IdleCost) + " for idle nodes)"
		}
		if s.UnpricedClusters > 0 {
			line += fmt.Sprintf("; %s without a price", plural(s.UnpricedClusters, "cluster"))
		}
	}
	return line + ".\n"
}

// money writes an amount with two decimals; the currency is the price file's.
func money(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// wasteOrder returns the rows of cluster_usage, the clusters that wasted most first: by the
// cost of their idle nodes when every cluster has a price, else by idle node-hours; then by
// node-hours.
func wasteOrder(usage result) []int {
	allPriced := true
	for i := range usage.rows {
		if _, ok := usage.float(i, "hourly_price"); !ok {
			allPriced = false
		}
	}
	waste := func(i int) float64 {
		idle, ok := usage.float(i, "idle_node_hours")
		if !ok {
			return -1
		}
		if allPriced {
			price, _ := usage.float(i, "hourly_price")
			return idle * price
		}
		return idle
	}
	order := make([]int, len(usage.rows))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		wa, wb := waste(order[a]), waste(order[b])
		if wa != wb {
			return wa > wb
		}
		ha, _ := usage.float(order[a], "node_hours")
		hb, _ := usage.float(order[b], "node_hours")
		return ha > hb
	})
	return order
}

// spendSection writes "Compute spend": the day's node-hours per cluster, wasted most first.
func spendSection(m *mdDoc, d *day, hasChart bool) {
	m.p("## Compute spend")
	usage := d.csv["cluster_usage"]
	s := d.summary.Spend
	if len(usage.rows) == 0 {
		m.p("No cluster event of %s … %s gives a node count (CurrentNodeCount), so the day's node-hours are unknown.",
			d.date.AddDate(0, 0, -7).Format(amlmon.DateLayout), d.date.Format(amlmon.DateLayout))
		return
	}
	m.p("A node counts from the cluster event that reports it until the next one (values are carried up to a week). %s",
		spendSentence(s))
	if s.IdleNodeHours == nil {
		m.p("No cluster event of the week reports IdleNodeCount, so how many of these node-hours were idle is unknown.")
	}
	if hasChart {
		m.p("![Busy and idle node-hours by cluster](node_hours_by_cluster.svg)")
	}
	order := wasteOrder(usage)
	cols := []string{"workspace", "cluster", "vm_size", "vm_priority", "node_hours"}
	if s.IdleNodeHours != nil {
		cols = append(cols, "idle_node_hours", "idle_share")
	}
	priced := s.Cost != nil
	if priced {
		cols = append(cols, "hourly_price", "cost")
		if s.IdleCost != nil {
			cols = append(cols, "idle_cost")
		}
	}
	view := result{cols: cols}
	for _, i := range order {
		row := make([]any, len(cols))
		for j, c := range cols {
			switch c {
			case "idle_share":
				if f, ok := usage.float(i, c); ok {
					row[j] = percent(f)
				}
			case "idle_cost":
				idle, ok1 := usage.float(i, "idle_node_hours")
				price, ok2 := usage.float(i, "hourly_price")
				if ok1 && ok2 {
					row[j] = roundTo(idle*price, 2)
				}
			default:
				row[j] = usage.get(i, c)
			}
		}
		view.rows = append(view.rows, row)
	}
	m.table(view, cols, "cluster_usage.csv")
	if !priced {
		m.p("Costs need the hourly prices of the VM sizes: `amlmon prices --region REGION --out prices.csv` writes them, `--prices prices.csv` uses them.")
	}
}

// spendSentence sums the day up in words.
func spendSentence(s Spend) string {
	if s.NodeHours == nil {
		return ""
	}
	text := fmt.Sprintf("The clusters ran %s node-hours", floatText(*s.NodeHours, 64))
	if s.IdleNodeHours != nil && s.IdleShare != nil {
		text += fmt.Sprintf(", of which %s idle (%s of the node-hours of the clusters that report idle nodes)",
			floatText(*s.IdleNodeHours, 64), percent(*s.IdleShare))
	}
	if s.Cost != nil {
		text += ", at a cost of " + money(*s.Cost)
		if s.IdleCost != nil {
			text += ", " + money(*s.IdleCost) + " of it for idle nodes"
		}
		text += " (in the currency of the price file)"
	}
	if s.IdleNodeHours == nil {
		return text + "."
	}
	return text + ". The clusters that wasted most come first."
}

// waitSection writes "Waiting for nodes": queue and run times per cluster.
func waitSection(m *mdDoc, d *day) {
	m.p("## Waiting for nodes")
	times := d.csv["job_times"]
	if len(times.rows) == 0 {
		m.p("No job started or ended on %s.", d.date.Format(amlmon.DateLayout))
		return
	}
	var started int64
	known := false
	for i := range times.rows {
		started += times.int(i, "jobs_started")
		_, ok := times.float(i, "run_seconds_p50")
		known = known || ok
	}
	if started == 0 && !known {
		m.p("No job event of the week is a JobRunning, so how long jobs waited for a node and how long they ran is unknown; %s ended on %s.",
			plural(sumInt(times, "jobs_ended"), "job"), d.date.Format(amlmon.DateLayout))
		return
	}
	m.p("Queue: from JobSubmitted to JobRunning, for the jobs that started on the day; run: from JobRunning to JobSucceeded or JobFailed, for the jobs that ended on it (submitted up to a week before). The clusters whose jobs waited longest come first.")
	order := make([]int, len(times.rows))
	for i := range order {
		order[i] = i
	}
	wait := func(i int) float64 {
		if f, ok := times.float(i, "queue_seconds_p95"); ok {
			return f
		}
		return -1
	}
	sort.SliceStable(order, func(a, b int) bool { return wait(order[a]) > wait(order[b]) })
	cols := []string{"workspace", "cluster", "jobs_started", "queue p50", "queue p95", "jobs_ended", "run p50", "run p95"}
	from := []string{"workspace", "cluster", "jobs_started", "queue_seconds_p50", "queue_seconds_p95", "jobs_ended", "run_seconds_p50", "run_seconds_p95"}
	view := result{cols: cols}
	for _, i := range order {
		row := make([]any, len(cols))
		for j, c := range from {
			if strings.HasSuffix(c, "_p50") || strings.HasSuffix(c, "_p95") {
				if f, ok := times.float(i, c); ok {
					row[j] = duration(f)
				}
				continue
			}
			row[j] = times.get(i, c)
		}
		view.rows = append(view.rows, row)
	}
	m.table(view, cols, "job_times.csv")
}

func sumInt(r result, name string) int64 {
	var n int64
	for i := range r.rows {
		n += r.int(i, name)
	}
	return n
}

// duration writes seconds for people: "42.5 s", "12 min 5 s", "3 h 20 min".
func duration(sec float64) string {
	switch {
	case sec < 60:
		return floatText(sec, 64) + " s"
	case sec < 3600:
		s := int64(math.Round(sec))
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	default:
		s := int64(math.Round(sec / 60))
		return fmt.Sprintf("%d h %d min", s/60, s%60)
	}
}

// usageChart draws the busy and idle node-hours of the clusters that ran nodes, wasted most
// first, at most 20; nil when no cluster ran a node.
func usageChart(d *day) []file {
	usage := d.csv["cluster_usage"]
	var bars []usageBar
	for _, i := range wasteOrder(usage) {
		total, _ := usage.float(i, "node_hours")
		if total <= 0 {
			continue
		}
		b := usageBar{label: clusterLabel(usage, i, false), tip: clusterLabel(usage, i, true), total: total, idle: -1}
		if idle, ok := usage.float(i, "idle_node_hours"); ok {
			b.idle = math.Min(idle, total)
		}
		bars = append(bars, b)
		if len(bars) == 20 {
			break
		}
	}
	if len(bars) == 0 {
		return nil
	}
	return []file{{"node_hours_by_cluster.svg", usageSVG(bars)}}
}

// usageBar is one cluster of the node-hours chart; idle is −1 when unknown.
type usageBar struct {
	label, tip  string
	total, idle float64
}

// usageSVG draws each cluster's node-hours as a horizontal bar split into busy (blue) and
// idle (orange) node-hours; a cluster that does not report idle nodes is one grey bar.
func usageSVG(bars []usageBar) []byte {
	const rowHeight, gap = 24, 8
	longest := 0
	for _, b := range bars {
		longest = max(longest, utf8.RuneCountInString(b.label))
	}
	labelWidth := min(max(longest*charWidth+2*gap, minLabelWidth), maxLabelWidth)
	fits := (labelWidth - 2*gap) / charWidth
	height := plotTop + len(bars)*rowHeight + 60
	w := newSVG("Busy and idle node-hours by cluster", height)
	var peak float64
	for _, b := range bars {
		peak = math.Max(peak, b.total)
	}
	top, step := niceScale(peak)
	width := float64(chartWidth - labelWidth - plotRight - 60)
	x := func(v float64) float64 { return float64(labelWidth) + v/top*width }
	bottom := float64(plotTop + len(bars)*rowHeight)
	for v := 0.0; v <= top+step/2; v += step {
		w.line(x(v), plotTop, x(v), bottom, `stroke="#e5e5e5"`)
		w.text(x(v), bottom+16, "middle", num(v), "")
	}
	for i, b := range bars {
		y := float64(plotTop + i*rowHeight)
		w.text(float64(labelWidth-gap), y+rowHeight/2+4, "end", shorten(b.label, fits), "")
		if b.idle < 0 {
			w.rect(x(0), y+4, x(b.total)-x(0), rowHeight-8, "#999999", b.tip+": "+num(b.total)+" node-hours, idle unknown")
		} else {
			busy := b.total - b.idle
			w.rect(x(0), y+4, x(busy)-x(0), rowHeight-8, "#0072B2", b.tip+": "+num(roundTo(busy, 2))+" busy node-hours")
			w.rect(x(busy), y+4, x(b.total)-x(busy), rowHeight-8, "#E69F00", b.tip+": "+num(b.idle)+" idle node-hours")
		}
		w.text(x(b.total)+4, y+rowHeight/2+4, "start", num(b.total), "")
	}
	w.text(float64(labelWidth)+width/2, bottom+34, "middle", "node-hours", "")
	ly := bottom + 48
	w.rect(float64(labelWidth), ly-9, 12, 12, "#0072B2", "busy")
	w.text(float64(labelWidth)+16, ly+1, "start", "busy", "")
	w.rect(float64(labelWidth)+70, ly-9, 12, 12, "#E69F00", "idle")
	w.text(float64(labelWidth)+86, ly+1, "start", "idle", "")
	for _, b := range bars {
		if b.idle < 0 {
			w.rect(float64(labelWidth)+140, ly-9, 12, 12, "#999999", "idle unknown")
			w.text(float64(labelWidth)+156, ly+1, "start", "idle unknown (no IdleNodeCount)", "")
			break
		}
	}
	return w.bytes()
}

// stepsFrom is the $from of node_steps: where the step functions its caller integrates begin.
func stepsFrom(from time.Time) sql.NamedArg {
	return sql.Named("from", from.Format(amlmon.DateLayout))
}
