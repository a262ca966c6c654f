package reports

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// agreeing holds the values on which the report and `amlmon query` used to disagree: a DECIMAL
// with a trailing zero, NaN, infinity, a REAL, a negative zero, and archive text with a mention,
// an emoji code and a link.
const agreeing = `SELECT 12.50::DECIMAL(10, 2) AS dec, 'NaN'::DOUBLE AS nan, '-Infinity'::DOUBLE AS inf,
  0.1::REAL AS r, -0.0::DOUBLE AS z, 'ask @alice :rocket: https://x.example' AS s, NULL::VARCHAR AS n`

// The report's CSVs and every format of `amlmon query` render a value the same way.
func TestReportAndQueryRenderAlike(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()

	res, err := runSQL(ctx, db, "agreeing", agreeing)
	if err != nil {
		t.Fatal(err)
	}
	var report []string
	for _, c := range res.cols {
		report = append(report, res.text(0, c))
	}
	// Hand-computed: the plain decimals of docs/reports.md, empty for NULL and for the floats
	// that have no decimal form.
	want := []string{"12.50", "", "", "0.1", "0", "ask @alice :rocket: https://x.example", ""}
	if strings.Join(report, "|") != strings.Join(want, "|") {
		t.Errorf("report text = %q, want %q", report, want)
	}

	out := func(format string) string {
		rows, err := db.QueryContext(ctx, agreeing)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b bytes.Buffer
		if _, err := WriteRows(&b, format, rows); err != nil {
			t.Fatalf("WriteRows(%s): %v", format, err)
		}
		return b.String()
	}

	recs, err := csv.NewReader(strings.NewReader(out("csv"))).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("query CSV = %q, %v", recs, err)
	}
	if strings.Join(recs[1], "|") != strings.Join(want, "|") {
		t.Errorf("query CSV = %q, want %q", recs[1], want)
	}

	var objs []map[string]any
	dec := json.NewDecoder(strings.NewReader(out("json")))
	dec.UseNumber()
	if err := dec.Decode(&objs); err != nil || len(objs) != 1 {
		t.Fatalf("query JSON: %v %v", objs, err)
	}
	o := objs[0]
	if o["dec"] != json.Number("12.50") || o["nan"] != nil || o["inf"] != nil || o["r"] != json.Number("0.1") || o["z"] != json.Number("0") || o["n"] != nil {
		t.Errorf("query JSON = %v", o)
	}

	// The Markdown of a query escapes like report.md: no live mention, emoji or link.
	md := strings.Split(out("markdown"), "\n")[2]
	wantMD := "| 12.50 |   |   | 0.1 | 0 | " + mdCell("ask @alice :rocket: https://x.example") + " |   |"
	if md != wantMD {
		t.Errorf("query Markdown row = %q, want %q", md, wantMD)
	}
	for _, live := range []string{"@alice", ":rocket:", "://"} {
		if strings.Contains(md, live) {
			t.Errorf("query Markdown leaves %q live: %s", live, md)
		}
	}
}

// A report that reads a column its query did not return fails instead of writing an empty cell.
func TestMissingColumnIsAnError(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := runSQL(context.Background(), db, "one", "SELECT 1 AS present")
	if err != nil {
		t.Fatal(err)
	}
	var m missingColumn
	read := func(col string) (err error) {
		defer recoverMissingColumn(&err)
		_ = res.text(0, col)
		_ = res.int(1, col) // a missing row is NULL, not an error
		return nil
	}
	if err := read("present"); err != nil {
		t.Errorf("reading a returned column: %v", err)
	}
	// A table of no rows still checks its columns.
	empty, err := runSQL(context.Background(), db, "none", "SELECT 1 AS present WHERE false")
	if err != nil {
		t.Fatal(err)
	}
	table := func(cols ...string) (err error) {
		defer recoverMissingColumn(&err)
		var m mdDoc
		m.table(empty, cols, "none.csv")
		return nil
	}
	if err := table("present"); err != nil {
		t.Errorf("a table of returned columns: %v", err)
	}
	if err := table("present", "absent"); !errors.As(err, &m) || m.column != "absent" {
		t.Errorf("a table of a column the query lacks: %v, want a missingColumn error", err)
	}
	if err := read("present"); err != nil {
		t.Errorf("reading a returned column: %v", err)
	}
	err = read("absent")
	if !errors.As(err, &m) || m.query != "one" || m.column != "absent" {
		t.Errorf("reading a column the query lacks: %v, want a missingColumn error naming query one and column absent", err)
	}
}
