package reports

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// hostileJob is a job name that runs a script wherever a page takes it as markup.
const hostileJob = `<img src=x onerror=alert(1)>`

// parseHTML parses a page and fails the test on markup the page must never hold: a script,
// an element that loads something (img, iframe, object, embed, link), or an event-handler or
// javascript: attribute.
func parseHTML(t *testing.T, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "img", "iframe", "object", "embed", "link", "foreignobject":
			t.Errorf("page holds a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("<%s> has the event handler %s=%q", n.Data, a.Key, a.Val)
			}
			if strings.Contains(strings.ToLower(a.Val), "javascript:") {
				t.Errorf("<%s %s=%q> holds a javascript: URL", n.Data, a.Key, a.Val)
			}
		}
	}
	return doc
}

// textOf is the text content of n.
func textOf(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// elements returns the elements named tag under n.
func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for c := range n.Descendants() {
		if c.Type == html.ElementNode && c.Data == tag {
			out = append(out, c)
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestReportHTML checks report.html against report.md of the fixture: the same sections, the
// charts inline, the CSV files linked, and a page that loads nothing.
func TestReportHTML(t *testing.T) {
	dir, _ := writeReport(t, fixtureLake(t).open(), t.TempDir(), nil)
	page := readFile(t, dir, "report.html")
	doc := parseHTML(t, page)

	if title := textOf(elements(doc, "title")[0]); title != "amlmon daily report: 2026-11-25" {
		t.Errorf("title = %q", title)
	}
	md := readFile(t, dir, "report.md")
	var headings []string
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "#") {
			headings = append(headings, strings.TrimSpace(strings.TrimLeft(line, "#")))
		}
	}
	var got []string
	for _, tag := range []string{"h1", "h2", "h3"} {
		for _, h := range elements(doc, tag) {
			got = append(got, textOf(h))
		}
	}
	if len(got) != len(headings) {
		t.Errorf("report.html has %d headings, report.md %d: %q, %q", len(got), len(headings), got, headings)
	}

	svgFiles, _ := filepath.Glob(filepath.Join(dir, "*.svg"))
	charts := elements(doc, "span")
	inlined := map[string]bool{}
	for _, c := range charts {
		if name := attr(c, "data-chart"); name != "" {
			if len(elements(c, "svg")) != 1 {
				t.Errorf("chart %s holds %d <svg> elements, want 1", name, len(elements(c, "svg")))
			}
			inlined[name] = true
		}
	}
	if len(svgFiles) == 0 || len(inlined) != len(svgFiles) {
		t.Errorf("%d charts inlined, %d SVG files in the folder", len(inlined), len(svgFiles))
	}
	for _, f := range svgFiles {
		if !inlined[filepath.Base(f)] {
			t.Errorf("chart %s is not inlined", filepath.Base(f))
		}
	}

	links := map[string]bool{}
	for _, a := range elements(doc, "a") {
		links[attr(a, "href")] = true
	}
	for _, c := range []string{"failures_by_cluster.csv", "failed_jobs.csv", "quota_usage.csv", "node_churn.csv", "data_quality.csv", "summary.json"} {
		if !links[c] {
			t.Errorf("report.html does not link %s; links: %v", c, links)
		}
	}
	if n := len(elements(doc, "table")); n < 5 {
		t.Errorf("report.html has %d tables, want the report's tables", n)
	}
	for _, want := range []string{"@media print", "Content-Security-Policy", "default-src 'none'"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestReportHTMLEscapesArchiveStrings puts the classic image-with-handler job name, and the
// other hostile strings, in the lake: the page shows each as text in its cell and has no
// element or attribute that could run a script.
func TestReportHTMLEscapesArchiveStrings(t *testing.T) {
	l := newLake(t)
	names := append([]string{hostileJob}, hostile...)
	var jobs []row
	for i, s := range names {
		id := string(rune('a'+i)) + "-job"
		at := reportDay.Add(time.Duration(i) * time.Hour).Format(time.RFC3339Nano)
		jobs = append(jobs,
			job(rid1, "WS1", "cpu", id, "JobSubmitted", at, row{"JobName": s}),
			job(rid1, "WS1", "cpu", id, "JobFailed", at, row{"JobName": s, "JobErrorMessage": "err " + s}))
	}
	l.table("AmlComputeJobEvent", "2026-11-25", jobs)
	dir, _ := writeReport(t, l.open(), t.TempDir(), nil)
	page := readFile(t, dir, "report.html")
	doc := parseHTML(t, page)

	cells := map[string]bool{}
	for _, td := range elements(doc, "td") {
		cells[textOf(td)] = true
	}
	// A cell shows the string with its line breaks as spaces (report.md keeps a value on
	// its line) and its ends trimmed, as Markdown table cells are.
	for _, s := range names {
		want := strings.TrimSpace(strings.NewReplacer("\n", " ").Replace(s))
		if !cells[want] {
			t.Errorf("no cell of report.html reads %q", want)
		}
	}
	if !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("report.html does not hold the hostile job name as escaped text")
	}
}

// TestReportHTMLDropsRawHTML feeds Markdown with raw HTML in it straight to the renderer:
// goldmark without WithUnsafe leaves it out rather than passing it on.
func TestReportHTMLDropsRawHTML(t *testing.T) {
	md := "# Day\n\n<script>alert(1)</script>\n\nA job <img src=x onerror=alert(1)> ran.\n\n" +
		"![a chart](c.svg) ![elsewhere](https://example.com/x.png)\n\n[x](javascript:alert(1))\n"
	svg := []byte(`<?xml version="1.0"?>` + "\n" + `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`)
	page, err := reportHTML("t <b>", []byte(md), []file{{"c.svg", svg}})
	if err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, string(page))
	if strings.Contains(string(page), "<?xml") {
		t.Error("the inlined chart kept its XML declaration")
	}
	if n := len(elements(doc, "svg")); n != 1 {
		t.Errorf("%d <svg> elements, want the one chart", n)
	}
	if title := textOf(elements(doc, "title")[0]); title != "t <b>" {
		t.Errorf("title = %q", title)
	}
	var hrefs []string
	for _, a := range elements(doc, "a") {
		hrefs = append(hrefs, attr(a, "href"))
	}
	if len(hrefs) != 2 || hrefs[0] != "https://example.com/x.png" || hrefs[1] != "" {
		t.Errorf("links = %q, want the outside image as a link and the javascript: link emptied", hrefs)
	}
}
