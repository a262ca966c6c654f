package reports

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"
)

func TestQueryChart(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	const codes = `SELECT * FROM (VALUES ('Http2xx', 15), ('Http5xx', 5)) AS t(MetricName, sum_Total)`
	const hours = `SELECT * FROM (VALUES (TIMESTAMP '2026-11-25 10:00:00', 'cpu', 4), (TIMESTAMP '2026-11-25 11:00:00', 'cpu', 1),
		(TIMESTAMP '2026-11-25 10:00:00', 'gpu', 2)) AS t(Hourly, ClusterName, nodes)`
	for _, c := range []struct {
		kind, query string
		want        []string
	}{
		// 15 of 20 is 75 %: the first slice runs from 12 o'clock to 9 o'clock.
		{"piechart", codes, []string{"Http2xx: 15 (75.0 %)", "Http5xx: 5 (25.0 %)", `A120.0 120.0 0 1 1 60.0 170.0 Z`}},
		{"barchart", codes, []string{"<title>Http2xx: 15</title>", "<title>Http5xx: 5</title>", ">sum_Total<"}},
		{"columnchart", codes, []string{"<title>Http2xx: 15</title>"}},
		// One line per cluster, split by the text column; the x axis is the datetime.
		{"timechart", hours, []string{"<title>cpu</title>", "<title>gpu</title>", "<title>cpu: 4</title>", "Hourly (UTC)"}},
		{"linechart", hours, []string{"<title>gpu: 2</title>"}},
	} {
		var a, b bytes.Buffer
		if err := QueryChart(ctx, db, c.query, c.kind, "t", &a); err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		if err := QueryChart(ctx, db, c.query, c.kind, "t", &b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two drawings differ", c.kind)
		}
		for _, w := range c.want {
			if !strings.Contains(a.String(), w) {
				t.Errorf("%s lacks %q:\n%s", c.kind, w, a.String())
			}
		}
	}
	for _, c := range []struct{ kind, query, want string }{
		{"card", codes, "render card is not drawn"},
		{"timechart", codes, "needs a datetime column"},
		{"piechart", `SELECT 'a' AS k, -1 AS v`, "negative value"},
		{"barchart", `SELECT 'a' AS k`, "needs a numeric column"},
	} {
		var buf bytes.Buffer
		if err := QueryChart(ctx, db, c.query, c.kind, "", &buf); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s over %s: error %v, want %q", c.kind, c.query, err, c.want)
		}
	}
}
