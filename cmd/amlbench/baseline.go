package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/amlmon/amlmon/internal/sqltext"
)

// baseline is what a user would reach for instead of amlmon: DuckDB's own JSON reader, one
// COPY per container, exactly as the performance issue states it.
func baseline(ctx context.Context, archive, out string) error {
	containers, err := filepath.Glob(filepath.Join(archive, "insights-*"))
	if err != nil {
		return err
	}
	if len(containers) == 0 {
		return fmt.Errorf("no insights-* containers in %s", archive)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, c := range containers {
		name := filepath.Base(c)
		q := fmt.Sprintf(`COPY (SELECT * FROM read_json(%s, format='newline_delimited', union_by_name=true, ignore_errors=true)) TO %s (FORMAT parquet, COMPRESSION zstd, PER_THREAD_OUTPUT true)`,
			sqltext.String(filepath.Join(c, "**", "*.json")), sqltext.String(filepath.Join(out, name)))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb %s: %w", name, err)
		}
	}
	return nil
}
