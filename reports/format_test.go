package reports

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2"
)

// everyType is one row of every column type the lake and ad-hoc queries produce, a row of
// NULLs, and rows of strings chosen to break each format.
const everyType = `
SELECT * FROM (
  SELECT 1 AS ord, 42::BIGINT AS n, 7::INTEGER AS i, 1.5::DOUBLE AS f, 'plain' AS s,
    TIMESTAMP '2026-11-20 01:17:10.182018' AS ts, TIMESTAMP '2026-11-20 01:17:10' AS ts_whole,
    DATE '2026-11-20' AS d, true AS b, 12.50::DECIMAL(10, 2) AS dec, INTERVAL 90 MINUTE AS iv,
    '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS u, [1, 2] AS l, {'k': 'v'} AS st,
    MAP {'a': 1} AS m, '\xAA\xBB'::BLOB AS bl, 170141183460469231731687303715884105727::HUGEINT AS h,
    0.000001::DOUBLE AS tiny, 1e21::DOUBLE AS big
  UNION ALL
  SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  UNION ALL
  SELECT 3, -1, 0, -0.25, ?, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  UNION ALL
  SELECT 4, 0, 0, 0, ?, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
)
ORDER BY ord`

const (
	hostileCell = "a|b\\|c\n# heading\r\n<script>alert(1)</script> `code` *bold* _u_ [x](http://e) &amp; \"q\", 'x'\t\x1b[31mred"
	longCell    = "0123456789012345678901234567890123456789012345678901234567890123456789"
)

func queryEveryType(t *testing.T) *sql.Rows {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rows, err := db.Query(everyType, hostileCell, longCell)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rows.Close() })
	return rows
}

func write(t *testing.T, format string) string {
	t.Helper()
	var out bytes.Buffer
	n, err := WriteRows(&out, format, queryEveryType(t))
	if err != nil {
		t.Fatalf("WriteRows(%s): %v", format, err)
	}
	if n != 4 {
		t.Errorf("WriteRows(%s) wrote %d rows, want 4", format, n)
	}
	return out.String()
}

func TestCSV(t *testing.T) {
	out := write(t, "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, out)
	}
	if len(recs) != 5 {
		t.Fatalf("got %d records, want header + 4:\n%s", len(recs), out)
	}
	wantHeader := "ord,n,i,f,s,ts,ts_whole,d,b,dec,iv,u,l,st,m,bl,h,tiny,big"
	if got := strings.Join(recs[0], ","); got != wantHeader {
		t.Errorf("header = %s, want %s", got, wantHeader)
	}
	want := []string{"1", "42", "7", "1.5", "plain", "2026-11-20T01:17:10.182018Z", "2026-11-20T01:17:10.000000Z",
		"2026-11-20", "true", "12.50", "01:30:00", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "[1,2]", `{"k":"v"}`,
		`{"a":1}`, `\xaabb`, "170141183460469231731687303715884105727", "0.000001", "1000000000000000000000"}
	for i, w := range want {
		if recs[1][i] != w {
			t.Errorf("row 1 column %s = %q, want %q", recs[0][i], recs[1][i], w)
		}
	}
	for i, v := range recs[2][1:] {
		if v != "" {
			t.Errorf("NULL in column %s written as %q, want empty", recs[0][i+1], v)
		}
	}
	// encoding/csv reads a quoted CRLF back as LF.
	if recs[3][4] != strings.ReplaceAll(hostileCell, "\r\n", "\n") {
		t.Errorf("hostile string did not round-trip:\n got %q\nwant %q", recs[3][4], hostileCell)
	}
	if recs[3][3] != "-0.25" || recs[3][8] != "false" {
		t.Errorf("row 3 = %q", recs[3])
	}
}

func TestJSON(t *testing.T) {
	out := write(t, "json")
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	if len(rows) != 4 {
		t.Fatalf("got %d objects, want 4", len(rows))
	}
	first := rows[0]
	checks := map[string]any{
		"n": json.Number("42"), "f": json.Number("1.5"), "s": "plain", "ts": "2026-11-20T01:17:10.182018Z",
		"b": true, "dec": json.Number("12.50"), "iv": "01:30:00", "u": "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
		"h": json.Number("170141183460469231731687303715884105727"), "big": json.Number("1000000000000000000000"),
	}
	for k, want := range checks {
		if first[k] != want {
			t.Errorf("%s = %#v, want %#v", k, first[k], want)
		}
	}
	if l, ok := first["l"].([]any); !ok || len(l) != 2 || l[0] != json.Number("1") {
		t.Errorf("l = %#v, want [1, 2]", first["l"])
	}
	if st, ok := first["st"].(map[string]any); !ok || st["k"] != "v" {
		t.Errorf("st = %#v, want {k: v}", first["st"])
	}
	for k, v := range rows[1] {
		if k != "ord" && v != nil {
			t.Errorf("NULL in %s decoded as %#v, want null", k, v)
		}
	}
	if rows[2]["s"] != hostileCell {
		t.Errorf("hostile string = %q", rows[2]["s"])
	}
	// Keys come in column order.
	line := strings.SplitN(out, "\n", 3)[1]
	if !strings.HasPrefix(strings.TrimSpace(line), `{"ord": 1, "n": 42, "i": 7, "f": 1.5, "s": "plain", "ts": "2026-11-20T01:17:10.182018Z"`) {
		t.Errorf("first object not in column order: %s", line)
	}
}

func TestJSONNoRows(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT 1 AS x WHERE false")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out bytes.Buffer
	n, err := WriteRows(&out, "json", rows)
	if err != nil || n != 0 {
		t.Fatalf("WriteRows = %d, %v", n, err)
	}
	var v []any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || len(v) != 0 {
		t.Errorf("empty result = %q, want []", out.String())
	}
}

// markdownColumns counts the cells of a table row, skipping backslash-escaped characters.
func markdownColumns(line string) int {
	pipes := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			pipes++
		}
	}
	return pipes - 1
}

func TestMarkdown(t *testing.T) {
	out := write(t, "markdown")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("got %d lines, want header, rule and 4 rows:\n%s", len(lines), out)
	}
	for i, l := range lines {
		if got := markdownColumns(l); got != 19 {
			t.Errorf("line %d has %d cells, want 19: %s", i+1, got, l)
		}
	}
	h := lines[4]
	for _, bad := range []string{"<script", "</script", "\x1b", "\r", "\t"} {
		if strings.Contains(h, bad) {
			t.Errorf("hostile row contains %q: %s", bad, h)
		}
	}
	for _, want := range []string{`| a&#124;b\\&#124;c \# heading  &lt;script&gt;`, "\\`code\\`", "\\*bold\\* \\_u\\_ \\[x\\](http:\u200d//e) &amp;amp;"} {
		if !strings.Contains(h, want) {
			t.Errorf("hostile row lacks %q: %s", want, h)
		}
	}
	if !strings.Contains(lines[2], "| 2026-11-20T01:17:10.182018Z |") {
		t.Errorf("row 1 lacks the time: %s", lines[2])
	}
	if !strings.HasPrefix(lines[3], "| 2 |   |   |") {
		t.Errorf("NULL row = %s", lines[3])
	}
}

func TestTable(t *testing.T) {
	out := write(t, "table")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("got %d lines, want header, rule and 4 rows:\n%s", len(lines), out)
	}
	// Every column starts at the same place on every line.
	col := func(line, prefix string) int { return utf8.RuneCountInString(line[:strings.Index(line, prefix)]) }
	if a, b := col(lines[0], "ts "), col(lines[2], "2026-11-20T01:17:10.182018Z"); a != b {
		t.Errorf("column ts starts at %d in the header and %d in row 1:\n%s", a, b, out)
	}
	if strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("table passes control characters through:\n%q", out)
	}
	if !strings.Contains(lines[5], longCell[:maxTableCell]+"…") || strings.Contains(lines[5], longCell[:maxTableCell+1]) {
		t.Errorf("long cell not cut at %d characters: %s", maxTableCell, lines[5])
	}
	if !strings.Contains(lines[4], `a|b\|c\n# heading\r\n<script>`) {
		t.Errorf("line breaks in a cell not shown as \\n: %s", lines[4])
	}
	if strings.HasSuffix(lines[3], " ") {
		t.Errorf("trailing blanks: %q", lines[3])
	}
	if strings.Contains(lines[3], "NULL") || strings.Contains(lines[3], "nil") {
		t.Errorf("NULL row shows a marker: %s", lines[3])
	}
}

func TestUnknownFormat(t *testing.T) {
	if _, err := WriteRows(&bytes.Buffer{}, "xml", queryEveryType(t)); err == nil || !strings.Contains(err.Error(), "xml") {
		t.Errorf("WriteRows(xml) error = %v, want one naming the format", err)
	}
}
