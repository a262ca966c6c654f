package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

func TestCSVEncoder(t *testing.T) {
	var buf bytes.Buffer
	enc := newCSVEncoder(&buf)
	enc.Encode([]string{"plain", "", "a,b", `say "hi"`, "two\r\nlines", " lead", "trail ", "naïve ✓"})
	enc.Encode([]string{"x"})
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	// RFC 4180 by encoding/csv: a leading space is quoted (readers that trim would lose it), a
	// trailing one is data like any other character.
	want := "plain,,\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",\" lead\",trail ,naïve ✓\nx\n"
	if buf.String() != want {
		t.Errorf("got %q\nwant %q", buf.String(), want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCSVEncoderReportsWriteError(t *testing.T) {
	enc := newCSVEncoder(failingWriter{})
	enc.Encode([]string{"a"})
	if err := enc.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Close() = %v, want the writer's error", err)
	}
}

func TestValueText(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, ""},
		{int64(-12), "-12"},
		{int32(7), "7"},
		{1e21, "1000000000000000000000"},
		{1.5e-7, "0.00000015"},
		{88.3333, "88.3333"},
		{math.Copysign(0, -1), "0"},
		{math.NaN(), ""},
		{math.Inf(-1), ""},
		{float32(0.1), "0.1"},
		{[]byte{0xaa, 0xbb}, `\xaabb`},
		{true, "true"},
		{big.NewInt(12345678901), "12345678901"},
		{time.Date(2026, 11, 20, 1, 17, 10, 182018000, time.UTC), "2026-11-20T01:17:10.182018Z"},
		{time.Date(2026, 11, 20, 2, 0, 0, 0, time.FixedZone("x", 3600)), "2026-11-20T01:00:00.000000Z"},
		{"text", "text"},
		{duckdb.Decimal{Width: 10, Scale: 2, Value: big.NewInt(-1250)}, "-12.50"},
		{duckdb.Decimal{Width: 10, Scale: 3, Value: big.NewInt(5)}, "0.005"},
		{duckdb.Decimal{Width: 18, Scale: 0, Value: big.NewInt(42)}, "42"},
		{duckdb.Interval{Days: 1, Micros: 3_600_000_000}, "1.01:00:00"},
		{uint16(9), "9"},
	} {
		got, err := valueText(tc.in, "")
		if err != nil || got != tc.want {
			t.Errorf("valueText(%#v) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if got, err := valueText(struct{ X int }{1}, ""); err == nil {
		t.Errorf("valueText of an unknown type = %q, want an error", got)
	}
}

// A DECIMAL from DuckDB reaches the report as its digits, not as a blank field.
func TestDecimalFromDuckDB(t *testing.T) {
	db := newLake(t).open()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	res, err := runSQL(context.Background(), conn, "decimal", "SELECT CAST(12.5 AS DECIMAL(10, 2)) AS d, 100.0 * 3 AS p")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.text(0, "d"); got != "12.50" {
		t.Errorf("DECIMAL(10,2) 12.5 = %q, want 12.50", got)
	}
	if f, ok := res.float(0, "p"); !ok || f != 300 {
		t.Errorf("float of a DECIMAL = %v, %v; want 300", f, ok)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for _, tc := range []struct{ in, inline, cell string }{
		{"a|b", "a&#124;b", "a&#124;b"},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"line1\nline2\r\nline3", "line1 line2  line3", "line1 line2  line3"},
		{"# heading", "\\# heading", "\\# heading"},
		{"- item", "&#45; item", "&#45; item"},
		{"*bold* _em_ `code` [link](x) ~s~ $m$ !x \\", "\\*bold\\* \\_em\\_ \\`code\\` \\[link\\](x) \\~s\\~ \\$m\\$ \\!x \\\\", ""},
		{"&amp; &lt;", "&amp;amp; &amp;lt;", "&amp;amp; &amp;lt;"},
		{"", "", " "},
		{"naïve 日本 ✓", "naïve 日本 ✓", "naïve 日本 ✓"},
		{"bell\a", "bell\uFFFD", "bell\uFFFD"},
	} {
		if got := mdInline(tc.in); got != tc.inline {
			t.Errorf("mdInline(%q) = %q, want %q", tc.in, got, tc.inline)
		}
		if tc.cell == "" {
			continue
		}
		if got := mdCell(tc.in); got != tc.cell {
			t.Errorf("mdCell(%q) = %q, want %q", tc.in, got, tc.cell)
		}
	}
	long := strings.Repeat("é", 500)
	if got := []rune(mdCell(long)); len(got) != maxCell || got[len(got)-1] != '…' {
		t.Errorf("mdCell of 500 runes has %d runes, want %d ending in …", len(got), maxCell)
	}
}

// hostile are archive strings that try to break the Markdown table, inject HTML or confuse a
// CSV reader.
var hostile = []string{
	"a|b|c",
	"`rm -rf /`",
	"<script>alert(1)</script>",
	"first line\nsecond | line",
	"# not a heading",
	"comma, \"quoted\", and more",
	"*star* _under_ [x](javascript:alert(1)) &lt;b&gt;",
	" leading and trailing ",
	"Ünïcödé ✓ 日本語 🚀",
}

func TestHostileStrings(t *testing.T) {
	l := newLake(t)
	var jobs []row
	for i, s := range hostile {
		id := string(rune('a'+i)) + s
		at := reportDay.Add(time.Duration(i) * time.Hour).Format(time.RFC3339Nano)
		jobs = append(jobs,
			job(rid1, "WS1", s, id, "JobSubmitted", at, row{"JobName": s, "ExperimentName": s}),
			job(rid1, "WS1", s, id, "JobFailed", at, row{"JobName": s, "ExperimentName": s, "JobErrorMessage": s}))
	}
	l.table("AmlComputeJobEvent", "2026-11-25", jobs)
	dir, _ := writeReport(t, l.open(), t.TempDir(), nil)

	r := csv.NewReader(strings.NewReader(readFile(t, dir, "failed_jobs.csv")))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(hostile)+1 {
		t.Fatalf("failed_jobs.csv has %d records, want %d", len(recs), len(hostile)+1)
	}
	for i, s := range hostile {
		rec := recs[i+1]
		if rec[3] != s || rec[4] != string(rune('a'+i))+s || rec[5] != s || rec[6] != s || rec[8] != s {
			t.Errorf("record %d = %q, want the strings back as %q", i, rec, s)
		}
	}

	reasons, err := csv.NewReader(strings.NewReader(readFile(t, dir, "failure_reasons.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	back := map[string]bool{}
	for _, rec := range reasons[1:] {
		back[rec[0]] = true
	}
	for _, s := range hostile {
		if !back[s] {
			t.Errorf("failure_reasons.csv lost %q: %q", s, reasons)
		}
	}

	md := readFile(t, dir, "report.md")
	if strings.Contains(strings.ToLower(md), "<script") {
		t.Error("report.md contains a raw <script")
	}
	var header int
	for n, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = 0
			continue
		}
		cells := strings.Count(line, "|") - strings.Count(line, `\|`)
		if header == 0 {
			header = cells
		}
		if cells != header {
			t.Errorf("report.md line %d has %d pipes, its table %d: %s", n+1, cells, header, line)
		}
	}
	for _, s := range hostile {
		if strings.Contains(md, s) && strings.ContainsAny(s, "|<`*\n") {
			t.Errorf("report.md contains %q unescaped", s)
		}
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, "| "), "#") && strings.Contains(line, "not a heading") {
			t.Errorf("report.md has an archive string as a heading: %s", line)
		}
	}
	svg := readFile(t, dir, "failures_by_hour.svg")
	if strings.Contains(svg, "<script") {
		t.Error("an SVG contains a raw <script")
	}
}
