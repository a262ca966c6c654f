package reports

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The charts are hand-written SVG files beside report.md, referenced as images: GitHub and
// Azure DevOps both render an SVG image without scripts, whereas Mermaid's chart types (xychart)
// do not render in Azure DevOps. Everything is computed from the report's rows, with fixed
// sizes and number formats, so the same day gives the same bytes.

const (
	chartWidth  = 760
	chartHeight = 320
	plotLeft    = 60
	plotRight   = 20
	plotTop     = 40
	plotBottom  = 50
)

// palette is colour-blind friendly (Okabe–Ito).
func palette(i int) string {
	colours := []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}
	return colours[i%len(colours)]
}

// svgText escapes text for SVG character data and attribute values. Characters that XML 1.0
// forbids anywhere, even as references (most C0 controls, U+FFFE, U+FFFF, bytes that are not
// UTF-8), become U+FFFD: one of them in a cluster name would make the whole chart unreadable.
func svgText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // an invalid byte ranges as U+FFFD
		if !xmlChar(r) {
			r = '\uFFFD'
		}
		b.WriteRune(r)
	}
	return html.EscapeString(b.String())
}

// xmlChar reports whether r is a Char of XML 1.0 (§2.2).
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// px formats a coordinate with one decimal, enough for a screen and stable as text.
func px(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// niceScale returns an axis maximum at or above max and a tick step, both 1, 2 or 5 times a
// power of ten, giving at most six ticks.
func niceScale(max float64) (top, step float64) {
	if max <= 0 {
		return 1, 1
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		step = m * mag
		if step >= raw {
			break
		}
	}
	if step < 1 && max >= 1 {
		step = 1
	}
	top = math.Ceil(max/step) * step
	return top, step
}

type svgWriter struct{ b strings.Builder }

func newSVG(title string, height int) *svgWriter {
	w := &svgWriter{}
	fmt.Fprintf(&w.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&w.b, `<title>%s</title>`+"\n", svgText(title))
	fmt.Fprintf(&w.b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", chartWidth, height)
	fmt.Fprintf(&w.b, `<text x="%d" y="22" font-size="15" font-weight="bold" fill="#222222">%s</text>`+"\n", plotLeft, svgText(title))
	return w
}

func (w *svgWriter) line(x1, y1, x2, y2 float64, style string) {
	fmt.Fprintf(&w.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" %s/>`+"\n", px(x1), px(y1), px(x2), px(y2), style)
}

func (w *svgWriter) text(x, y float64, anchor, s string, extra string) {
	fmt.Fprintf(&w.b, `<text x="%s" y="%s" text-anchor="%s" fill="#333333"%s>%s</text>`+"\n", px(x), px(y), anchor, extra, svgText(s))
}

func (w *svgWriter) rect(x, y, width, height float64, fill, tip string) {
	fmt.Fprintf(&w.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s</title></rect>`+"\n",
		px(x), px(y), px(width), px(height), fill, svgText(tip))
}

func (w *svgWriter) bytes() []byte {
	w.b.WriteString("</svg>\n")
	return []byte(w.b.String())
}

// yAxis draws the value axis with grid lines and returns the function placing a value.
func (w *svgWriter) yAxis(max float64, label string, suffix string) func(float64) float64 {
	top, step := niceScale(max)
	bottom := float64(chartHeight - plotBottom)
	height := bottom - plotTop
	y := func(v float64) float64 { return bottom - v/top*height }
	for v := 0.0; v <= top+step/2; v += step {
		w.line(plotLeft, y(v), chartWidth-plotRight, y(v), `stroke="#e5e5e5"`)
		w.text(plotLeft-6, y(v)+4, "end", num(v)+suffix, "")
	}
	w.line(plotLeft, plotTop, plotLeft, bottom, `stroke="#888888"`)
	w.line(plotLeft, bottom, chartWidth-plotRight, bottom, `stroke="#888888"`)
	w.text(14, (plotTop+bottom)/2, "middle", label, fmt.Sprintf(` transform="rotate(-90 14 %s)"`, px((plotTop+bottom)/2)))
	return y
}

// hourAxis labels the 24 hours of the day under the plot and returns the function placing an
// hour (0..24).
func (w *svgWriter) hourAxis() func(float64) float64 {
	width := float64(chartWidth - plotLeft - plotRight)
	x := func(h float64) float64 { return plotLeft + h/24*width }
	bottom := float64(chartHeight - plotBottom)
	for h := 0; h <= 24; h += 3 {
		w.line(x(float64(h)), bottom, x(float64(h)), bottom+4, `stroke="#888888"`)
		w.text(x(float64(h)), bottom+18, "middle", fmt.Sprintf("%02d:00", h), "")
	}
	w.text(plotLeft+width/2, bottom+38, "middle", "hour of the day (UTC)", "")
	return x
}

// failuresByHourSVG is a bar per hour of the day: the jobs whose first failure fell in it.
func failuresByHourSVG(perHour [24]int64) []byte {
	w := newSVG("Failed jobs per hour (UTC)", chartHeight)
	var max int64
	for _, n := range perHour {
		max = int64(math.Max(float64(max), float64(n)))
	}
	y := w.yAxis(float64(max), "failed jobs", "")
	x := w.hourAxis()
	for h, n := range perHour {
		if n == 0 {
			continue
		}
		left, right := x(float64(h))+2, x(float64(h+1))-2
		w.rect(left, y(float64(n)), right-left, y(0)-y(float64(n)), "#D55E00",
			fmt.Sprintf("%02d:00 %d failed", h, n))
	}
	return w.bytes()
}

// bar is one labelled value of a horizontal bar chart.
type bar struct {
	label string // shown left of the bar
	tip   string // the bar's tooltip, before its value; the label when empty
	value float64
}

// charWidth estimates the advance of one character at the charts' 12 px font: wide enough
// for capitals and digits in Helvetica/Arial, so that an estimated width is not exceeded.
const charWidth = 7

// Bounds of the quota chart's label column: room for a short workspace/cluster, and no more
// than half the chart for long names, which are shortened to fit.
const (
	minLabelWidth = 120
	maxLabelWidth = 360
)

// quotaSVG draws the peak quota utilisation of each cluster as horizontal bars on a 0–100 %
// scale, with the 90 % line the quota_utilization rule watches. The label column is as wide
// as the longest label needs, within bounds; a label that is still too long is shortened and
// shown whole in the bar's tooltip.
func quotaSVG(bars []bar) []byte {
	const rowHeight, gap = 24, 8
	longest := 0
	for _, b := range bars {
		longest = max(longest, utf8.RuneCountInString(b.label))
	}
	labelWidth := min(max(longest*charWidth+2*gap, minLabelWidth), maxLabelWidth)
	fits := (labelWidth - 2*gap) / charWidth // a margin of gap on either side
	height := plotTop + len(bars)*rowHeight + 40
	w := newSVG("Peak quota utilisation by cluster", height)
	width := float64(chartWidth - labelWidth - plotRight - 40)
	x := func(v float64) float64 { return float64(labelWidth) + math.Min(v, 100)/100*width }
	bottom := float64(plotTop + len(bars)*rowHeight)
	for v := 0.0; v <= 100; v += 25 {
		w.line(x(v), plotTop, x(v), bottom, `stroke="#e5e5e5"`)
		w.text(x(v), bottom+16, "middle", num(v)+" %", "")
	}
	for i, b := range bars {
		top := float64(plotTop + i*rowHeight)
		colour := "#0072B2"
		if b.value > 90 {
			colour = "#D55E00"
		}
		w.text(float64(labelWidth-gap), top+rowHeight/2+4, "end", shorten(b.label, fits), "")
		tip := b.tip
		if tip == "" {
			tip = b.label
		}
		w.rect(float64(labelWidth), top+4, x(b.value)-float64(labelWidth), rowHeight-8, colour, tip+": "+num(b.value)+" %")
		w.text(x(b.value)+4, top+rowHeight/2+4, "start", num(b.value)+" %", "")
	}
	w.line(x(90), plotTop-4, x(90), bottom, `stroke="#D55E00" stroke-dasharray="4 3"`)
	w.text(x(90), plotTop-8, "middle", "90 %", "")
	return w.bytes()
}

// series is one line of the node count chart: (hour of the day, nodes) points in time order.
type series struct {
	label  string
	points [][2]float64
}

// nodesSVG draws each cluster's node count as a step line over the day: the count holds from
// one event to the next, and the last one to the end of the day.
func nodesSVG(lines []series) []byte {
	legend := 18 * len(lines)
	w := newSVG("Nodes per cluster over the day (UTC)", chartHeight+legend)
	var max float64
	for _, s := range lines {
		for _, p := range s.points {
			max = math.Max(max, p[1])
		}
	}
	y := w.yAxis(max, "nodes", "")
	x := w.hourAxis()
	for i, s := range lines {
		var path strings.Builder
		for j, p := range s.points {
			if j == 0 {
				fmt.Fprintf(&path, "M%s %s", px(x(p[0])), px(y(p[1])))
				continue
			}
			fmt.Fprintf(&path, " H%s V%s", px(x(p[0])), px(y(p[1])))
		}
		fmt.Fprintf(&path, " H%s", px(x(24)))
		fmt.Fprintf(&w.b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"><title>%s</title></path>`+"\n",
			path.String(), palette(i), svgText(s.label))
		ly := float64(chartHeight + 18*i + 4)
		w.line(plotLeft, ly, plotLeft+24, ly, fmt.Sprintf(`stroke="%s" stroke-width="3"`, palette(i)))
		w.text(plotLeft+30, ly+4, "start", shorten(s.label, 90), "")
	}
	return w.bytes()
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// maxSeries bounds the node chart (node_counts.sql keeps the clusters of the highest node
// counts): more lines than colours cannot be told apart.
const maxSeries = 8

// charts draws the charts for which the day has data.
func charts(d *day) []file {
	var files []file
	failed := d.csv["failed_jobs"]
	if len(failed.rows) > 0 {
		var perHour [24]int64
		for i := range failed.rows {
			if t, ok := failed.get(i, "time").(time.Time); ok {
				perHour[t.Hour()]++
			}
		}
		files = append(files, file{"failures_by_hour.svg", failuresByHourSVG(perHour)})
	}
	quota := d.csv["quota_usage"]
	if len(quota.rows) > 0 {
		// A cluster has one VM family as a rule, so workspace/cluster names a bar; the VM
		// size and priority are added only where a cluster has more than one row, and are
		// always in the tooltip.
		rows := min(len(quota.rows), 20)
		seen := map[string]int{}
		for i := range rows {
			seen[clusterLabel(quota, i, false)]++
		}
		var bars []bar
		for i := range rows {
			v, _ := quota.float(i, "utilization_pct_max")
			b := bar{label: clusterLabel(quota, i, false), tip: clusterLabel(quota, i, true), value: v}
			if seen[b.label] > 1 {
				b.label = b.tip
			}
			bars = append(bars, b)
		}
		files = append(files, file{"quota_by_cluster.svg", quotaSVG(bars)})
	}
	counts := d.nodeCounts
	if len(counts.rows) > 0 {
		// node_counts returns the maxSeries clusters of the highest node count, in order, with
		// the events where their count changes.
		var lines []series
		key := ""
		for i := range counts.rows {
			k := counts.text(i, "resource_id") + "\x00" + counts.text(i, "cluster")
			if k != key || len(lines) == 0 {
				key = k
				lines = append(lines, series{label: clusterLabel(counts, i, false)})
			}
			t, _ := counts.get(i, "time").(time.Time)
			n, _ := counts.float(i, "nodes")
			h := float64(t.Hour()) + float64(t.Minute())/60 + float64(t.Second())/3600
			last := len(lines) - 1
			lines[last].points = append(lines[last].points, [2]float64{h, n})
		}
		files = append(files, file{"nodes_over_day.svg", nodesSVG(lines)})
	}
	files = append(files, usageChart(d)...)
	return files
}

// clusterLabel names a cluster for a chart: workspace/cluster, with VM size and priority when
// the rows are per VM family.
func clusterLabel(r result, i int, vm bool) string {
	parts := []string{r.text(i, "workspace") + "/" + r.text(i, "cluster")}
	if vm {
		for _, c := range []string{"vm_size", "vm_priority"} {
			if v := r.text(i, c); v != "" {
				parts = append(parts, v)
			}
		}
	}
	return strings.Join(parts, " ")
}
