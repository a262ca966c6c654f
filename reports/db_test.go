package reports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon"
)

// columnsOf returns the columns of a view with their DuckDB types.
func columnsOf(t *testing.T, db *DB, view string) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", view)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		cols[name] = typ
	}
	return cols
}

func TestEmptyViewsHaveTheSchema(t *testing.T) {
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "no-such-lake")); err == nil ||
		!strings.Contains(err.Error(), "no-such-lake") {
		t.Fatalf("Open of a missing folder: %v, want an error naming it", err)
	}
	db, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tbl := range amlmon.Tables() {
		cols := columnsOf(t, db, tbl.Name)
		if len(cols) != len(tbl.Columns)+1 || cols["date"] != "DATE" {
			t.Errorf("%s has columns %v, want those of docs/lake.md and date", tbl.Name, cols)
		}
		for _, c := range tbl.Columns {
			if want := c.Type.SQL(); !strings.HasPrefix(cols[c.Name], want) {
				t.Errorf("%s.%s is %q, want %s", tbl.Name, c.Name, cols[c.Name], want)
			}
		}
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + ident(tbl.Name)).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows, %v", tbl.Name, n, err)
		}
	}
	for _, v := range []string{BlobsView, UnrecognisedView} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + ident(v)).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows, %v", v, n, err)
		}
	}
	if got := db.Tables(); len(got) != len(amlmon.Tables()) {
		t.Errorf("Tables() = %v", got)
	}
}

func TestViewsOverFiles(t *testing.T) {
	l := newLake(t)
	// A quote in the lake path must not break the view DDL.
	l.dir = filepath.Join(l.dir, "it's a lake")
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l.table("AmlComputeClusterNodeEvent", "2026-11-25", []row{
		nodeEvent(rid1, "WS1", "gpu", "n1", "2026-11-25T10:05:00.123456Z", "2026-11-25T10:00:00Z", "2026-11-25T10:01:40Z"),
	}, "TotalE2ETimeInSeconds")
	l.table("AmlComputeClusterNodeEvent", "2026-11-26", []row{
		{"TimeGenerated": ts("2026-11-26T01:00:00Z"), "NodeId": "n2", "TotalE2ETimeInSeconds": 12.5},
	})
	l.table("ModelsChangeEvent", "2026-11-25", []row{{"TimeGenerated": ts("2026-11-25T08:00:00Z"), "ResourceId": rid1}})
	// The same category spelt as its container spells it is the same table.
	l.table("modelschangeevent", "2026-11-26", []row{{"TimeGenerated": ts("2026-11-26T08:00:00Z"), "ResourceId": rid1}})
	// A folder of the lake's bookkeeping and a stray folder without Parquet are not tables.
	os.MkdirAll(filepath.Join(l.dir, "_amlmon", "x"), 0o755)
	os.MkdirAll(filepath.Join(l.dir, "Scratch"), 0o755)
	os.MkdirAll(filepath.Join(l.dir, "BrandNewCat", "date=2026-11-25"), 0o755)
	hour := reportDay.Add(time.Hour)
	old := blobEntry("c", rid1, hour, 10, 1)
	newer := old
	newer.Size, newer.Consumed, newer.Records, newer.Modified = 20, 20, 2, old.Modified.Add(time.Hour)
	l.blobs(newer, old)
	// Timestamps written with a zone (isAdjustedToUTC) read as UTC, whatever the machine's zone.
	tzDir := filepath.Join(l.dir, "AmlComputeClusterNodeEvent", "date=2026-11-27")
	os.MkdirAll(tzDir, 0o755)
	if _, err := l.db.Exec("COPY (SELECT CAST('2026-11-27 01:00:00+02' AS TIMESTAMPTZ) AS TimeGenerated, 'n3' AS NodeId) TO " +
		sqlString(filepath.Join(tzDir, "tz.parquet")) + " (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	l.commit(filepath.Join(tzDir, "tz.parquet"), 1)
	db := l.open()

	rows, err := db.Query(`SELECT NodeId, TotalE2ETimeInSeconds, TimeGenerated, date FROM AmlComputeClusterNodeEvent ORDER BY NodeId`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id string
		var e2e *float64
		var tg, date time.Time
		if err := rows.Scan(&id, &e2e, &tg, &date); err != nil {
			t.Fatal(err)
		}
		s := id + " " + tg.Format(TimeLayout) + " " + date.Format(amlmon.DateLayout)
		if e2e != nil {
			s += " " + floatText(*e2e, 64)
		}
		got = append(got, s)
	}
	rows.Close()
	want := []string{"n1 2026-11-25T10:05:00.123456Z 2026-11-25", "n2 2026-11-26T01:00:00.000000Z 2026-11-26 12.5",
		"n3 2026-11-26T23:00:00.000000Z 2026-11-27"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("node events = %q, want %q", got, want)
	}
	if tables := strings.Join(db.Tables(), ","); !strings.HasSuffix(tables, ",BrandNewCat,ModelsChangeEvent") || strings.Contains(tables, "Scratch") {
		t.Errorf("Tables() = %s", tables)
	}
	if cols := columnsOf(t, db, "ModelsChangeEvent"); cols["TimeGenerated"] != "TIMESTAMP" || cols["date"] != "DATE" {
		t.Errorf("ModelsChangeEvent columns = %v", cols)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM modelschangeevent`).Scan(&n); err != nil || n != 2 {
		t.Errorf("ModelsChangeEvent over both spellings: %d rows, %v; want 2", n, err)
	}
	// A category whose files were all removed (its blob replaced) is an empty table.
	if err := db.QueryRow(`SELECT count(*) FROM BrandNewCat`).Scan(&n); err != nil || n != 0 {
		t.Errorf("BrandNewCat with no files left: %d rows, %v; want an empty table", n, err)
	}
	var size, records int64
	var h time.Time
	if err := db.QueryRow(`SELECT size, records, hour FROM _Blobs WHERE container = 'c'`).Scan(&size, &records, &h); err != nil {
		t.Fatal(err)
	}
	if size != 20 || records != 2 || !h.Equal(hour) {
		t.Errorf("_Blobs = size %d, records %d, hour %s; want the later entry", size, records, h)
	}
}
