package reports

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/amlmon/amlmon"
)

// sharedTables numbers the tables that computeNodeDays creates, so that reports of several
// days on one DB never share one.
var sharedTables atomic.Int64

// computed holds tables that one report computed for several of its queries, by the name of
// the query that filled them (queryReading's argument).
type computed struct {
	db     *DB
	tables map[string]string
}

// computeNodeDays runs node_days.sql for the seven days ending with date into a table of the
// in-memory database. It is the dearest part of both cluster_usage and trend (a week of
// AmlComputeClusterEvent, ordered per cluster), and the row of a day is the same whichever
// of the two computes it. The table is a plain one, not TEMP: a TEMP table lives on one
// connection, and the queries that read it run on others of the pool.
func computeNodeDays(ctx context.Context, db *DB, date time.Time) (computed, error) {
	text, err := query("node_days")
	if err != nil {
		return computed{}, err
	}
	table := fmt.Sprintf("_node_days_%d", sharedTables.Add(1))
	text, args := inlineDates("CREATE TABLE "+ident(table)+" AS "+text,
		[]any{sql.Named("day", date.Format(amlmon.DateLayout)), stepsFrom(date.AddDate(0, 0, -6))})
	if _, err := db.ExecContext(ctx, text, args...); err != nil {
		return computed{}, fmt.Errorf("query node_days: %w", err)
	}
	return computed{db: db, tables: map[string]string{"node_days": table}}, nil
}

// drop removes the tables; the DB stays usable for another report.
func (c computed) drop() {
	for _, table := range c.tables {
		// The report's context may be cancelled by now; the table must go all the same.
		_, _ = c.db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+ident(table))
	}
}
