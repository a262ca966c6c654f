package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/amlmon/amlmon"
)

// sharedTables numbers the sets of tables that newComputed names, so that reports of several
// days on one DB never share one.
var sharedTables atomic.Int64

// sharedQueries are the queries whose answers the report computes into tables before the
// queries that read them: node_days, the dearest part of both cluster_usage and trend (a week of
// AmlComputeClusterEvent, ordered per cluster), whose row of a day is the same whichever of the
// two computes it; and trend_jobs, the other week-long part of trend, so that it runs beside
// node_days rather than after it (the headline reads its row of the day).
var sharedQueries = []string{"node_days", "trend_jobs"}

// computed holds tables that one report computes for several of its queries, by the name of
// the query that fills them (queryReading's argument).
type computed struct {
	db     *DB
	tables map[string]string
}

// newComputed names a table for each of the queries; compute fills them.
func newComputed(db *DB, names ...string) computed {
	n := sharedTables.Add(1)
	c := computed{db: db, tables: map[string]string{}}
	for _, name := range names {
		c.tables[name] = fmt.Sprintf("_%s_%d", name, n)
	}
	return c
}

// compute runs the named query for the report of date into its table of the in-memory
// database (node_days for the seven days ending with date), with params beside $day and $from. The table is a plain one, not TEMP:
// a TEMP table lives on one connection, and the queries that read it run on others of the pool.
func (c computed) compute(ctx context.Context, name string, date time.Time, params ...any) error {
	text, err := query(name)
	if err != nil {
		return err
	}
	text, args := inlineDates("CREATE TABLE "+ident(c.tables[name])+" AS "+text,
		append([]any{sql.Named("day", date.Format(amlmon.DateLayout)), stepsFrom(date.AddDate(0, 0, -6))}, params...))
	if _, err := c.db.ExecContext(ctx, text, args...); err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	return nil
}

// drop removes the tables; the DB stays usable for another report.
func (c computed) drop() {
	for _, table := range c.tables {
		// The report's context may be cancelled by now; the table must go all the same.
		_, _ = c.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+ident(table))
	}
}
