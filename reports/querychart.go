package reports

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// ChartKinds are the render kinds that QueryChart draws.
var ChartKinds = []string{"timechart", "linechart", "areachart", "scatterchart", "barchart", "columnchart", "piechart"}

// maxChartRows bounds the rows a chart reads: a chart of more points cannot be read, and
// the rows are held in memory to draw it.
const maxChartRows = 100_000

// QueryChart runs a query and writes the chart that a KQL render asks for as SVG, drawn as
// the report's charts are: timechart and linechart put the first datetime (linechart: the
// first) column on the x axis, each other numeric column is a series, split by the text
// columns; barchart and columnchart draw the first numeric column by the first text column;
// piechart draws the first numeric column's share of its total by the first text column.
func QueryChart(ctx context.Context, db *sql.DB, query, kind, title string, w io.Writer) error {
	known := false
	for _, k := range ChartKinds {
		known = known || k == kind
	}
	if !known {
		return fmt.Errorf("render %s is not drawn; amlmon draws %s", kind, strings.Join(ChartKinds, ", "))
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("read columns: %w", err)
	}
	var data [][]any
	for rows.Next() {
		if len(data) == maxChartRows {
			return fmt.Errorf("the query returns more than %d rows, too many to chart; summarize them first", maxChartRows)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read row: %w", err)
		}
		data = append(data, vals)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rows: %w", err)
	}
	if title == "" {
		title = kind
	}
	var svg []byte
	switch kind {
	case "piechart":
		svg, err = pieSVG(title, cols, data)
	case "barchart", "columnchart":
		svg, err = barsSVG(title, cols, data)
	default:
		svg, err = linesSVG(title, kind, cols, data)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(svg)
	return err
}

// number reads a cell as a number; ok is false for text, times and NULL.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case int16:
		return float64(x), true
	case int8:
		return float64(x), true
	case uint64:
		return float64(x), true
	case uint32:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case duckdb.Decimal:
		return x.Float64(), true
	case duckdb.Interval:
		return float64(x.Days)*86400 + float64(x.Micros)/1e6, true
	}
	return 0, false
}

// columnKinds classifies each column by its first non-NULL value: 't' time, 'n' number,
// 's' anything else.
func columnKinds(cols []string, data [][]any) []byte {
	kinds := make([]byte, len(cols))
	for i := range cols {
		kinds[i] = 's'
		for _, r := range data {
			if r[i] == nil {
				continue
			}
			if _, ok := r[i].(time.Time); ok {
				kinds[i] = 't'
			} else if _, ok := number(r[i]); ok {
				kinds[i] = 'n'
			}
			break
		}
	}
	return kinds
}

func chartLabel(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	case []byte:
		return string(x)
	}
	if f, ok := number(v); ok {
		return num(f)
	}
	return fmt.Sprint(v)
}

// labelled picks the label column (the first text column, else the first column) and the
// value column (the first numeric column other than it).
func labelled(cols []string, data [][]any) (label, value int, err error) {
	kinds := columnKinds(cols, data)
	label, value = -1, -1
	for i, k := range kinds {
		if k == 's' && label < 0 {
			label = i
		}
	}
	if label < 0 {
		label = 0
	}
	for i, k := range kinds {
		if k == 'n' && i != label {
			value = i
			break
		}
	}
	if value < 0 {
		return 0, 0, fmt.Errorf("the chart needs a numeric column")
	}
	return label, value, nil
}

// maxBars bounds a bar or pie chart; the rest are left out and the title says so.
const maxBars = 40

func barsSVG(title string, cols []string, data [][]any) ([]byte, error) {
	label, value, err := labelled(cols, data)
	if err != nil {
		return nil, err
	}
	if len(data) > maxBars {
		data = data[:maxBars]
		title += fmt.Sprintf(" (first %d rows)", maxBars)
	}
	var bars []bar
	for _, r := range data {
		v, _ := number(r[value])
		bars = append(bars, bar{label: chartLabel(r[label]), value: v})
	}
	const rowHeight, gap, labelWidth = 24, 8, 200
	height := plotTop + len(bars)*rowHeight + 40
	w := newSVG(title, height)
	var hi float64
	for _, b := range bars {
		hi = math.Max(hi, math.Abs(b.value))
	}
	top, step := niceScale(hi)
	width := float64(chartWidth - labelWidth - plotRight - 40)
	x := func(v float64) float64 { return float64(labelWidth) + math.Max(v, 0)/top*width }
	bottom := float64(plotTop + len(bars)*rowHeight)
	for v := 0.0; v <= top+step/2; v += step {
		w.line(x(v), plotTop, x(v), bottom, `stroke="#e5e5e5"`)
		w.text(x(v), bottom+16, "middle", num(v), "")
	}
	w.text(float64(labelWidth)+width/2, bottom+34, "middle", cols[value], "")
	for i, b := range bars {
		rowTop := float64(plotTop + i*rowHeight)
		w.text(float64(labelWidth-gap), rowTop+rowHeight/2+4, "end", shorten(b.label, (labelWidth-2*gap)/charWidth), "")
		w.rect(float64(labelWidth), rowTop+4, x(b.value)-float64(labelWidth), rowHeight-8, palette(0), b.label+": "+num(b.value))
		w.text(x(b.value)+4, rowTop+rowHeight/2+4, "start", num(b.value), "")
	}
	return w.bytes(), nil
}

func pieSVG(title string, cols []string, data [][]any) ([]byte, error) {
	label, value, err := labelled(cols, data)
	if err != nil {
		return nil, err
	}
	if len(data) > maxBars {
		data = data[:maxBars]
		title += fmt.Sprintf(" (first %d rows)", maxBars)
	}
	var total float64
	var slices []bar
	for _, r := range data {
		v, _ := number(r[value])
		if v < 0 {
			return nil, fmt.Errorf("a pie chart cannot show the negative value %s of %s", num(v), chartLabel(r[label]))
		}
		total += v
		slices = append(slices, bar{label: chartLabel(r[label]), value: v})
	}
	height := max(chartHeight, plotTop+len(slices)*18+20)
	w := newSVG(title, height)
	cx, cy, radius := 180.0, float64(plotTop)+130, 120.0
	angle := -math.Pi / 2
	for i, s := range slices {
		share := 0.0
		if total > 0 {
			share = s.value / total
		}
		tip := fmt.Sprintf("%s: %s (%.1f %%)", s.label, num(s.value), share*100)
		switch {
		case share >= 0.999999:
			fmt.Fprintf(&w.b, `<circle cx="%s" cy="%s" r="%s" fill="%s"><title>%s</title></circle>`+"\n", px(cx), px(cy), px(radius), palette(i), svgText(tip))
		case share > 0:
			end := angle + share*2*math.Pi
			large := 0
			if share > 0.5 {
				large = 1
			}
			fmt.Fprintf(&w.b, `<path d="M%s %s L%s %s A%s %s 0 %d 1 %s %s Z" fill="%s"><title>%s</title></path>`+"\n",
				px(cx), px(cy), px(cx+radius*math.Cos(angle)), px(cy+radius*math.Sin(angle)), px(radius), px(radius), large,
				px(cx+radius*math.Cos(end)), px(cy+radius*math.Sin(end)), palette(i), svgText(tip))
			angle = end
		}
		ly := float64(plotTop + 10 + 18*i)
		w.rect(340, ly-9, 12, 12, palette(i), tip)
		w.text(358, ly+2, "start", shorten(tip, 55), "")
	}
	return w.bytes(), nil
}

// maxLines bounds a line chart's series: more than the palette's colours cannot be told
// apart.
const maxLines = 8

func linesSVG(title, kind string, cols []string, data [][]any) ([]byte, error) {
	kinds := columnKinds(cols, data)
	xcol := -1
	for i, k := range kinds {
		if k == 't' {
			xcol = i
			break
		}
	}
	if kind != "timechart" && (xcol < 0 || kinds[0] == 'n') {
		xcol = 0
	}
	if xcol < 0 {
		return nil, fmt.Errorf("a %s needs a datetime column for its x axis", kind)
	}
	if kinds[xcol] == 's' {
		return nil, fmt.Errorf("a %s needs a datetime or numeric first column for its x axis", kind)
	}
	var ycols, splits []int
	for i, k := range kinds {
		switch {
		case i == xcol:
		case k == 'n':
			ycols = append(ycols, i)
		case k == 's':
			splits = append(splits, i)
		}
	}
	if len(ycols) == 0 {
		return nil, fmt.Errorf("a %s needs a numeric column", kind)
	}
	xval := func(v any) (float64, bool) {
		if t, ok := v.(time.Time); ok {
			return float64(t.UnixMicro()), true
		}
		return number(v)
	}
	type pt struct{ x, y float64 }
	byName := map[string][]pt{}
	var order []string
	for _, r := range data {
		x, ok := xval(r[xcol])
		if !ok {
			continue
		}
		var key []string
		for _, s := range splits {
			key = append(key, chartLabel(r[s]))
		}
		for _, y := range ycols {
			v, ok := number(r[y])
			if !ok {
				continue
			}
			name := strings.Join(key, " / ")
			if len(ycols) > 1 || name == "" {
				name = strings.TrimPrefix(name+" / "+cols[y], " / ")
			}
			if _, seen := byName[name]; !seen {
				order = append(order, name)
			}
			byName[name] = append(byName[name], pt{x, v})
		}
	}
	if len(order) > maxLines {
		title += fmt.Sprintf(" (first %d of %d series)", maxLines, len(order))
		order = order[:maxLines]
	}
	legend := 18 * len(order)
	w := newSVG(title, chartHeight+legend)
	lo, hi := math.Inf(1), math.Inf(-1)
	var ymax float64
	for _, name := range order {
		for _, p := range byName[name] {
			lo, hi = math.Min(lo, p.x), math.Max(hi, p.x)
			ymax = math.Max(ymax, p.y)
		}
	}
	if len(order) == 0 {
		lo, hi = 0, 1
	}
	if hi == lo {
		hi = lo + 1
	}
	y := w.yAxis(ymax, strings.Join(func() []string {
		var n []string
		for _, c := range ycols {
			n = append(n, cols[c])
		}
		return n
	}(), ", "), "")
	width := float64(chartWidth - plotLeft - plotRight)
	bottom := float64(chartHeight - plotBottom)
	x := func(v float64) float64 { return plotLeft + (v-lo)/(hi-lo)*width }
	for i := 0; i <= 4; i++ {
		v := lo + (hi-lo)*float64(i)/4
		label := num(v)
		if kinds[xcol] == 't' {
			t := time.UnixMicro(int64(v)).UTC()
			label = t.Format("01-02 15:04")
			if hi-lo < float64(24*time.Hour/time.Microsecond) {
				label = t.Format("15:04")
			}
		}
		w.line(x(v), bottom, x(v), bottom+4, `stroke="#888888"`)
		w.text(x(v), bottom+18, "middle", label, "")
	}
	xlabel := cols[xcol]
	if kinds[xcol] == 't' {
		xlabel += " (UTC)"
	}
	w.text(plotLeft+width/2, bottom+38, "middle", xlabel, "")
	for i, name := range order {
		pts := byName[name]
		sort.SliceStable(pts, func(a, b int) bool { return pts[a].x < pts[b].x })
		var path strings.Builder
		for j, p := range pts {
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%s %s ", cmd, px(x(p.x)), px(y(math.Max(p.y, 0))))
		}
		if kind != "scatterchart" {
			fmt.Fprintf(&w.b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"><title>%s</title></path>`+"\n",
				strings.TrimSpace(path.String()), palette(i), svgText(name))
		}
		for _, p := range pts {
			fmt.Fprintf(&w.b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"><title>%s: %s</title></circle>`+"\n",
				px(x(p.x)), px(y(math.Max(p.y, 0))), palette(i), svgText(name), num(p.y))
		}
		ly := float64(chartHeight + 18*i + 4)
		w.line(plotLeft, ly, plotLeft+24, ly, fmt.Sprintf(`stroke="%s" stroke-width="3"`, palette(i)))
		w.text(plotLeft+30, ly+4, "start", shorten(name, 90), "")
	}
	return w.bytes(), nil
}
