package sqltext

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// DuckDB reads back exactly the name and the text that were quoted, however hostile.
func TestQuotedComeBackAsTheyWere(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{`plain`, `with "quotes"`, `it's`, `back\slash`, `semi; DROP TABLE x; --`, "line\nbreak", `"`, `'`} {
		var name, text string
		if err := db.QueryRow("SELECT column_name FROM (DESCRIBE SELECT 1 AS " + Ident(s) + ")").Scan(&name); err != nil {
			t.Fatalf("Ident(%q): %v", s, err)
		}
		if err := db.QueryRow("SELECT " + String(s)).Scan(&text); err != nil {
			t.Fatalf("String(%q): %v", s, err)
		}
		if name != s || text != s {
			t.Errorf("%q came back as name %q and text %q", s, name, text)
		}
	}
}
