package reports

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// mdInline escapes a string from the archive for running Markdown text: HTML-significant
// characters become entities (so no tag or entity survives), Markdown punctuation is
// backslash-escaped (so no emphasis, code span, link, heading or list starts), and line breaks
// become spaces (so the string stays on its line). A zero-width joiner after "@", after a ":"
// that could start an emoji code or a URL's "//", and inside "www." keeps GitHub from turning
// archive text into mentions, emoji and links. The result renders as the original text on
// GitHub and in Azure DevOps.
func mdInline(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i, r := range rs {
		if unlinked(rs, i) {
			b.WriteString(zwj)
		}
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

// zwj is the zero-width joiner that splits what GitHub would auto-link.
const zwj = "\u200d"

// unlinked reports whether a zero-width joiner goes before rs[i]: after "@" followed by a
// name (@mention, e-mail), after the ":" of "://" and of an emoji code (":rocket:", but not the
// "00" of a time, "03:00:00"), and before the dot of "www.".
func unlinked(rs []rune, i int) bool {
	if i == 0 {
		return false
	}
	name := func(r rune) bool {
		return r == '_' || r == '+' || r == '-' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	switch rs[i-1] {
	case '@':
		return name(rs[i])
	case ':':
		if strings.HasPrefix(string(rs[i:min(i+2, len(rs))]), "//") {
			return true
		}
		end := i
		for end < len(rs) && name(rs[end]) {
			end++
		}
		code := string(rs[i:end])
		time := len(code) == 2 && strings.Trim(code, "0123456789") == ""
		return code != "" && end < len(rs) && rs[end] == ':' && !time
	}
	return rs[i] == '.' && i >= 3 && strings.EqualFold(string(rs[i-3:i]), "www")
}

// maxCell bounds a table cell: error texts can be kilobytes long and the full text is in the CSV.
const maxCell = 160

// mdCell escapes a string from the archive for one cell of report.md: as mdCellFull, shortened
// to maxCell characters.
func mdCell(s string) string {
	if utf8.RuneCountInString(s) > maxCell {
		s = string([]rune(s)[:maxCell-1]) + "…"
	}
	return mdCellFull(s)
}

// mdCellFull escapes a string for one Markdown table cell, whole: as mdInline, and never empty
// so that the row keeps its shape in every renderer. `amlmon query --format markdown` writes
// every cell with it, the report through mdCell.
func mdCellFull(s string) string {
	if s == "" {
		return " "
	}
	return mdInline(s)
}
