package reports

import (
	"bytes"
	"fmt"
	"html"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// report.html is report.md rendered by goldmark, GitHub-flavoured tables included, so the page
// and the Markdown never tell two stories. goldmark runs without html.WithUnsafe: raw HTML in
// the Markdown is dropped, and the values from the archive, which mdInline has already turned
// into entities, come out as text. The page needs nothing beside it: the charts that report.md
// shows as images are inlined as <svg> elements, the style sheet is in the page, and a
// Content-Security-Policy allows no script, no fetch and no frame, so the page reads the same
// offline, from a storage account's static website, or as an attachment.

// pageCSS styles report.html and index.html for the screen and for print.
const pageCSS = `body{font:15px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:1100px;margin:0 auto;padding:16px 24px}
h1{font-size:1.7em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em}
h2{font-size:1.35em;border-bottom:1px solid #d1d9e0;padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1.1em;margin-top:1.3em}
table{border-collapse:collapse;margin:8px 0;display:block;max-width:100%;overflow:auto}
th,td{border:1px solid #d1d9e0;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
tr:nth-child(2n) td{background:#fafbfc}
td{overflow-wrap:break-word;max-width:32em}
a{color:#0969da}
code{background:#eff1f3;padding:.1em .3em;border-radius:4px}
.chart{display:block;margin:8px 0}
.chart svg{max-width:100%;height:auto}
@media print{
body{max-width:none;padding:0;font-size:10pt;color:#000}
a{color:#000}
table{display:table;overflow:visible}
tr,.chart{page-break-inside:avoid}
h2,h3{page-break-after:avoid}
th{background:#eee}
}
`

// pageCSP forbids scripts and every fetch but inline styles and data: images.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

// writePage writes an HTML document around body.
func writePage(b *bytes.Buffer, title string, body func(*bytes.Buffer) error) error {
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"" + pageCSP + "\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<title>" + html.EscapeString(title) + "</title>\n<style>\n" + pageCSS + "</style>\n</head>\n<body>\n")
	if err := body(b); err != nil {
		return err
	}
	b.WriteString("</body>\n</html>\n")
	return nil
}

// reportHTML renders report.md as report.html, with the charts of the day, the SVG files
// report.md names as images, inlined.
func reportHTML(title string, md []byte, charts []file) ([]byte, error) {
	svgs := map[string][]byte{}
	for _, f := range charts {
		if strings.HasSuffix(f.name, ".svg") {
			svgs[f.name] = f.data
		}
	}
	gm := goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough),
		// A lower number wins: this renderer's image function replaces the default one.
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(chartRenderer{svgs}, 100))),
	)
	var b bytes.Buffer
	err := writePage(&b, title, func(b *bytes.Buffer) error {
		return gm.Convert(md, b)
	})
	if err != nil {
		return nil, fmt.Errorf("render report.html: %w", err)
	}
	return b.Bytes(), nil
}

// chartRenderer renders a Markdown image whose destination is one of the day's SVG files as
// that SVG, inline. Any other image becomes a link to it, so that the page never loads
// anything.
type chartRenderer struct{ svgs map[string][]byte }

// RegisterFuncs implements renderer.NodeRenderer.
func (c chartRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindImage, c.image)
}

func (c chartRenderer) image(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.Image)
	alt := html.EscapeString(plainText(n, source))
	dest := string(n.Destination)
	svg, ok := c.svgs[dest]
	if !ok {
		_, _ = w.WriteString(`<a href="` + html.EscapeString(dest) + `">` + alt + `</a>`)
		return ast.WalkSkipChildren, nil
	}
	_, _ = w.WriteString(`<span class="chart" role="img" aria-label="` + alt + `" data-chart="` + html.EscapeString(dest) + `">`)
	_, _ = w.Write(svgElement(svg))
	_, _ = w.WriteString(`</span>`)
	return ast.WalkSkipChildren, nil
}

// svgElement is an SVG file without what may precede its root element (an XML declaration,
// a doctype, comments), as HTML takes it inline.
func svgElement(svg []byte) []byte {
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		svg = svg[i:]
	}
	return bytes.TrimSpace(svg)
}

// plainText is the text of a node's inline children, as an image's alternative text.
func plainText(n ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Value(source))
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
