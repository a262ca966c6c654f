package kql

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/amlmon/amlmon"
)

// TestEveryFunctionPrepares calls each function of the registry with arguments of every
// kind a column or literal has and requires an *Error or SQL that DuckDB prepares: a type
// the translation does not check must not reach DuckDB as a binder error.
func TestEveryFunctionPrepares(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, table := range amlmon.Tables() {
		var cols []string
		for _, c := range table.Columns {
			cols = append(cols, ident(c.Name)+" "+c.Type.SQL())
		}
		if _, err := db.Exec("CREATE TABLE " + ident(table.Name) + " (" + strings.Join(cols, ", ") + ")"); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"JobName", "DurationMs", "TimeGenerated", "TotalE2E", "1h", "2.5", "true", `"x"`, "dynamic([1])", "parse_json(Properties)", "split(JobName, '/')", "1"}
	var queries []string
	for _, f := range functions {
		n := f.min
		if n == 0 && f.max != 0 {
			n = 1
		}
		for _, a := range args {
			list := make([]string, n)
			for i := range list {
				list[i] = a
			}
			call := f.name + "(" + strings.Join(list, ", ") + ")"
			base := "AmlComputeJobEvent | extend TotalE2E = todouble(DurationMs), D = parse_json(Properties), Y = 1 "
			if f.agg {
				queries = append(queries, base+"| summarize x = "+call)
			} else {
				queries = append(queries, base+"| extend x = "+call+" | where isnotnull(x)")
			}
		}
	}
	for _, op := range []string{"==", "!=", "<", ">=", "=~", "contains", "has", "startswith", "+", "-", "*", "/", "%", "in", "between"} {
		for _, a := range args {
			for _, b := range args {
				rhs := b
				switch op {
				case "in":
					rhs = "(" + b + ")"
				case "between":
					rhs = "(" + b + " .. " + b + ")"
				}
				queries = append(queries, "AmlComputeJobEvent | extend TotalE2E = todouble(DurationMs) | extend x = "+a+" "+op+" "+rhs)
			}
		}
	}
	failed := 0
	for _, q := range queries {
		out, err := Compile(q, Options{Now: now})
		if err != nil {
			continue
		}
		stmt, err := db.Prepare(out.SQL)
		if err != nil {
			failed++
			if failed <= 25 {
				t.Errorf("%s\n  %v", q, strings.SplitN(err.Error(), "\n", 2)[0])
			}
			continue
		}
		stmt.Close()
	}
	if failed > 0 {
		t.Errorf("%d of %d queries gave SQL that DuckDB cannot prepare", failed, len(queries))
	}
}
