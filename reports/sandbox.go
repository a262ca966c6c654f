package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// ErrRefused is a query that a sandboxed lake does not run.
var ErrRefused = errors.New("refused")

// Sandboxed locks the DuckDB of Open down for queries that someone types: it reads only the
// files of the lake's folder, installs and loads no extension, and its configuration cannot be
// changed afterwards. With Check, it runs one statement that reads, and nothing else.
func Sandboxed() Option {
	return func(c *openConfig) { c.sandboxed = true }
}

// sandbox applies Sandboxed to db, after its views exist.
func (db *DB) sandbox(ctx context.Context, lake string) error {
	dir := filepath.ToSlash(filepath.Clean(lake)) + "/"
	for _, stmt := range []string{
		"SET GLOBAL allowed_directories = [" + sqlString(dir) + "]",
		"SET GLOBAL enable_external_access = false",
		"SET GLOBAL autoinstall_known_extensions = false",
		"SET GLOBAL autoload_known_extensions = false",
		"SET GLOBAL lock_configuration = true",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("sandbox the lake's database (%s): %w", stmt, err)
		}
	}
	db.sandboxed = true
	return nil
}

// readOnly are the statements a sandboxed query may be.
var readOnly = map[duckdb.StmtType]bool{
	duckdb.STATEMENT_TYPE_SELECT:  true,
	duckdb.STATEMENT_TYPE_EXPLAIN: true,
}

// statementNames names the statements a sandbox refuses, for its error.
var statementNames = map[duckdb.StmtType]string{
	duckdb.STATEMENT_TYPE_INSERT: "INSERT", duckdb.STATEMENT_TYPE_UPDATE: "UPDATE",
	duckdb.STATEMENT_TYPE_DELETE: "DELETE", duckdb.STATEMENT_TYPE_CREATE: "CREATE",
	duckdb.STATEMENT_TYPE_ALTER: "ALTER", duckdb.STATEMENT_TYPE_COPY: "COPY",
	duckdb.STATEMENT_TYPE_ATTACH: "ATTACH", duckdb.STATEMENT_TYPE_DETACH: "DETACH",
	duckdb.STATEMENT_TYPE_DROP: "DROP", duckdb.STATEMENT_TYPE_EXPORT: "EXPORT",
	duckdb.STATEMENT_TYPE_LOAD: "INSTALL or LOAD", duckdb.STATEMENT_TYPE_SET: "SET",
	duckdb.STATEMENT_TYPE_VARIABLE_SET: "SET VARIABLE", duckdb.STATEMENT_TYPE_PRAGMA: "PRAGMA",
	duckdb.STATEMENT_TYPE_CALL: "CALL", duckdb.STATEMENT_TYPE_TRANSACTION: "a transaction",
	duckdb.STATEMENT_TYPE_CREATE_FUNC: "CREATE FUNCTION or MACRO", duckdb.STATEMENT_TYPE_VACUUM: "VACUUM",
	duckdb.STATEMENT_TYPE_PREPARE: "PREPARE", duckdb.STATEMENT_TYPE_EXECUTE: "EXECUTE",
	duckdb.STATEMENT_TYPE_ANALYZE: "ANALYZE", duckdb.STATEMENT_TYPE_EXTENSION: "an extension's statement",
}

// Check refuses, on a sandboxed lake, a query that is not exactly one statement that reads
// (SELECT, or EXPLAIN of one): the error says what was refused. It prepares the query without
// running any of it.
func (db *DB) Check(ctx context.Context, query string) error {
	if !db.sandboxed {
		return nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("check the query: the database is %T, not DuckDB", dc)
		}
		// Prepare, unlike PrepareContext, runs no statement: it refuses more than one.
		st, err := c.Prepare(query)
		if err != nil {
			if strings.Contains(err.Error(), "multi-statement") {
				return fmt.Errorf("%w: the query holds more than one statement, or none; amlmon query runs exactly one statement (--unsafe runs them all)", ErrRefused)
			}
			return explainDenied(err)
		}
		defer st.Close()
		s, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("check the query: the statement is %T", st)
		}
		typ, err := s.StatementType()
		if err != nil {
			return err
		}
		if !readOnly[typ] {
			what := statementNames[typ]
			if what == "" {
				what = fmt.Sprintf("statement type %d", typ)
			}
			return fmt.Errorf("%w: %s is not a query that reads; amlmon query runs SELECT over the lake only (--unsafe gives full DuckDB)", ErrRefused, what)
		}
		return nil
	})
}

// explainDenied adds to a DuckDB error that a sandbox caused what to do about it.
func explainDenied(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "Permission Error") || strings.Contains(msg, "disabled by configuration") ||
		strings.Contains(msg, "lock_configuration") || strings.Contains(msg, "autoload") || strings.Contains(msg, "autoinstall") {
		return fmt.Errorf("%w: %w (amlmon query reads only the files of the lake's folder and loads no extension; --unsafe gives full DuckDB)", ErrRefused, err)
	}
	return err
}

// RunQuery runs a query that someone typed: on a sandboxed lake, only after Check, and an
// error that the sandbox caused says so.
func (db *DB) RunQuery(ctx context.Context, query string) (*sql.Rows, error) {
	if err := db.Check(ctx, query); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil && db.sandboxed {
		return nil, explainDenied(err)
	}
	return rows, err
}
