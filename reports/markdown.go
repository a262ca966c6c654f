package reports

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// mdInline escapes a string from the archive for running Markdown text: HTML-significant
// characters become entities (so no tag or entity survives), Markdown punctuation is
// backslash-escaped (so no emphasis, code span, link, heading or list starts), and line breaks
// become spaces (so the string stays on its line). The result renders as the original text on
// GitHub and in Azure DevOps.
func mdInline(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		// A line-start marker only matters first; the report never begins a line with a value,
		// but a value must not become a list item or heading if it ever does.
		if i == 0 && strings.ContainsRune("+-=", r) {
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
			continue
		}
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '|':
			b.WriteString("&#124;")
		case '\r', '\n', '\t', '\v', '\f', 0x85, 0x2028, 0x2029:
			b.WriteByte(' ')
		case '\\', '`', '*', '_', '[', ']', '#', '!', '~', '$':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			if r < 0x20 || r == 0x7f || r == utf8.RuneError {
				b.WriteRune('\uFFFD')
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxCell bounds a table cell: error texts can be kilobytes long and the full text is in the CSV.
const maxCell = 160

// mdCell escapes a string from the archive for one Markdown table cell: as mdInline, shortened
// to maxCell characters, and never empty so that the row keeps its shape in every renderer.
func mdCell(s string) string {
	if utf8.RuneCountInString(s) > maxCell {
		s = string([]rune(s)[:maxCell-1]) + "…"
	}
	if s == "" {
		return " "
	}
	return mdInline(s)
}
