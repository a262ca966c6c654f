package reports

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// hostileLake has a day whose names carry characters XML forbids and labels longer than any
// chart column, with a failure, quota figures and node counts so that every chart is drawn.
func hostileLake(t *testing.T) *lakeBuilder {
	l := newLake(t)
	names := []string{"bad\u0001name\u000b<x>", "tab\there & \"q\" \uFFFF\uFFFE", strings.Repeat("very-long-cluster-name-", 6)}
	var jobs, events []row
	for i, n := range names {
		at := reportDay.Add(time.Duration(i+1) * time.Hour).Format(time.RFC3339Nano)
		ws := "WS\u0002" + strings.Repeat("W", 30*i)
		jobs = append(jobs, job(rid1, ws, n, "j"+strconv.Itoa(i), "JobFailed", at, row{"JobErrorMessage": n}))
		events = append(events,
			clusterEvent(rid1, ws, n, at, row{"CurrentNodeCount": i + 1, "QuotaAllocated": 100, "QuotaUtilized": 40 + 25*i, "VmSize": "STANDARD_ND96AMSR_A100_V4\u001f"}))
	}
	l.table("AmlComputeJobEvent", "2026-11-25", jobs)
	l.table("AmlComputeClusterEvent", "2026-11-25", events)
	return l
}

// textBox is where a <text> element of a chart lies horizontally, by the width estimate.
type textBox struct {
	text        string
	left, right float64
}

// parseSVG decodes a chart as XML 1.0 and returns its canvas width and the horizontal extent
// of every unrotated text.
func parseSVG(t *testing.T, name string, data []byte) (float64, []textBox) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(data)))
	var width float64
	var boxes []textBox
	var open *textBox
	var anchor string
	var size float64
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not XML: %v\n%s", name, err, data)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range e.Attr {
				attr[a.Name.Local] = a.Value
			}
			switch e.Name.Local {
			case "svg":
				width, _ = strconv.ParseFloat(attr["width"], 64)
			case "text":
				if attr["transform"] != "" {
					continue
				}
				x, _ := strconv.ParseFloat(attr["x"], 64)
				open = &textBox{left: x}
				anchor = attr["text-anchor"]
				size = 12
				if s, err := strconv.ParseFloat(attr["font-size"], 64); err == nil {
					size = s
				}
			}
		case xml.CharData:
			if open != nil {
				open.text += string(e)
			}
		case xml.EndElement:
			if e.Name.Local == "text" && open != nil {
				w := float64(utf8.RuneCountInString(open.text)) * charWidth * size / 12
				x := open.left
				switch anchor {
				case "end":
					open.left, open.right = x-w, x
				case "middle":
					open.left, open.right = x-w/2, x+w/2
				default:
					open.left, open.right = x, x+w
				}
				boxes = append(boxes, *open)
				open = nil
			}
		}
	}
	return width, boxes
}

func TestChartsAreXMLWithHostileNames(t *testing.T) {
	dir, _ := writeReport(t, hostileLake(t).open(), t.TempDir(), nil)
	charts := 0
	for _, name := range []string{"failures_by_hour.svg", "quota_by_cluster.svg", "nodes_over_day.svg"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		charts++
		width, boxes := parseSVG(t, name, data)
		for _, b := range boxes {
			if b.left < 0 || b.right > width {
				t.Errorf("%s: text %q spans %.0f…%.0f, outside the canvas 0…%.0f", name, b.text, b.left, b.right, width)
			}
		}
		if name == "quota_by_cluster.svg" && !strings.Contains(string(data), "\uFFFD") {
			t.Errorf("%s: forbidden characters not replaced by U+FFFD", name)
		}
	}
	if charts != 3 {
		t.Errorf("%d charts, want 3", charts)
	}
}

func TestQuotaLabelsFitTheirColumn(t *testing.T) {
	for _, label := range []string{"ws/c", "workspace-with-a-long-name/gpu-cluster STANDARD_NC24ADS_A100_V4 Dedicated", strings.Repeat("ü", 200)} {
		data := quotaSVG([]bar{{label: label, value: 50}, {label: "w/c", value: 95}})
		width, boxes := parseSVG(t, "quota", data)
		var bars float64
		for _, b := range boxes {
			if b.text == "0 %" {
				bars = (b.left + b.right) / 2 // the 0 % tick sits where the bars start
			}
		}
		if bars == 0 {
			t.Fatalf("no 0 %% tick in\n%s", data)
		}
		for _, b := range boxes {
			if b.right <= bars && (b.left < 0 || b.right > bars) {
				t.Errorf("label %q spans %.0f…%.0f, outside its column 0…%.0f", b.text, b.left, b.right, bars)
			}
			if b.left < 0 || b.right > width {
				t.Errorf("text %q spans %.0f…%.0f, outside the canvas", b.text, b.left, b.right)
			}
		}
		if !strings.Contains(string(data), "<title>"+svgText(label)+": 50 %</title>") {
			t.Errorf("the whole label %q is not in the tooltip", label)
		}
	}
}

func TestSVGText(t *testing.T) {
	for in, want := range map[string]string{
		"a\x00b\x1fc":             "a\uFFFDb\uFFFDc",
		"tab\tlf\ncr\r":           "tab\tlf\ncr\r",
		"\uFFFE\uFFFF":            "\uFFFD\uFFFD",
		"bad\xffutf8\xed\xa0\x80": "bad\uFFFDutf8\uFFFD\uFFFD\uFFFD",
		"<&>\"'":                  "&lt;&amp;&gt;&#34;&#39;",
		"日本 🚀":                    "日本 🚀",
	} {
		if got := svgText(in); got != want {
			t.Errorf("svgText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQuotaLabelNamesTheVMOnlyWhenNeeded(t *testing.T) {
	quota := result{cols: []string{"workspace", "cluster", "vm_size", "vm_priority", "utilization_pct_max"}, rows: [][]any{
		{"WS1", "gpu", "STANDARD_NC6", "Dedicated", 95.0},
		{"WS1", "gpu", "STANDARD_NC12", "Dedicated", 60.0},
		{"WS2", "cpu", "STANDARD_D4", "LowPriority", 10.0},
	}}
	files := charts(&day{csv: map[string]result{"quota_usage": quota}})
	if len(files) != 1 {
		t.Fatalf("charts = %d files, want the quota chart", len(files))
	}
	_, boxes := parseSVG(t, files[0].name, files[0].data)
	var labels []string
	for _, b := range boxes {
		if strings.HasPrefix(b.text, "WS") {
			labels = append(labels, b.text)
		}
	}
	want := "WS1/gpu STANDARD_NC6 Dedicated|WS1/gpu STANDARD_NC12 Dedicated|WS2/cpu"
	if strings.Join(labels, "|") != want {
		t.Errorf("labels = %q, want %q", labels, want)
	}
	if !strings.Contains(string(files[0].data), "<title>WS2/cpu STANDARD_D4 LowPriority: 10 %</title>") {
		t.Errorf("the VM family is not in the tooltip:\n%s", files[0].data)
	}
}

// TestNodeChartKeepsTheBusiestClusters: with more clusters than colours, the chart draws the
// maxSeries clusters of the highest node count of the day, ties in resource and cluster order,
// each as one line of its events in time order.
func TestNodeChartKeepsTheBusiestClusters(t *testing.T) {
	l := newLake(t)
	var events []row
	// c00 … c11: the peak of c<i> is i % 6, so that each peak is shared by two clusters; each
	// cluster's other event, an hour or two earlier and written after the peak, is lower.
	peaks := map[string]int{}
	for i := range 12 {
		name := "c" + strconv.Itoa(100 + i)[1:]
		peak := i % 6
		peaks[name] = peak
		at := reportDay.Add(time.Duration(i+1) * time.Minute)
		events = append(events,
			clusterEvent(rid1, "ws", name, at.Add(2*time.Hour).Format(time.RFC3339Nano), row{"CurrentNodeCount": peak}),
			clusterEvent(rid1, "ws", name, at.Format(time.RFC3339Nano), row{"CurrentNodeCount": min(peak, 1) - 1}))
	}
	// c12's events spell its resource ID in two ways: one cluster, whose peak (9) is the
	// highest, drawn as one line of both events.
	events = append(events,
		clusterEvent(strings.ToLower(rid1), "ws", "c12", reportDay.Add(5*time.Hour).Format(time.RFC3339Nano), row{"CurrentNodeCount": 9}),
		clusterEvent(rid1, "ws", "c12", reportDay.Add(3*time.Hour).Format(time.RFC3339Nano), row{"CurrentNodeCount": 1}))
	// c05 logs its count of 5 again: the line has no step there.
	events = append(events, clusterEvent(rid1, "ws", "c05", reportDay.Add(6*time.Hour).Format(time.RFC3339Nano), row{"CurrentNodeCount": 5}))
	l.table("AmlComputeClusterEvent", "2026-11-25", events)
	dir, _ := writeReport(t, l.open(), t.TempDir(), nil)
	data, err := os.ReadFile(filepath.Join(dir, "nodes_over_day.svg"))
	if err != nil {
		t.Fatal(err)
	}
	var drawn []string
	for _, part := range strings.Split(string(data), "<path ")[1:] { // a line and its title
		part = part[strings.Index(part, "<title>")+len("<title>"):]
		drawn = append(drawn, part[:strings.Index(part, "</title>")])
	}
	// Highest first: 9 (c12), 5 (c05, c11), 4 (c04, c10), 3 (c03, c09), 2 (c02 before c08);
	// the lines are drawn in cluster order.
	want := []string{"ws/c02", "ws/c03", "ws/c04", "ws/c05", "ws/c09", "ws/c10", "ws/c11", "ws/c12"}
	if strings.Join(drawn, " ") != strings.Join(want, " ") {
		t.Errorf("lines %q, want %q", drawn, want)
	}
	if got := strings.Count(string(data), " V"); got != 8 {
		t.Errorf("%d steps, want one per kept cluster (its second event; c05's third repeats its count)", got)
	}
}
