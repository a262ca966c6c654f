package reports

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
// database (node_days for the seven days ending with date), with params beside $day and
// $from. The table is a plain one, not TEMP: a TEMP table lives on one connection, and the
// queries that read it run on others of the pool.
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

// orderBy is the ORDER BY clause at the top level of a query's text, to its end, with its
// comments removed and its words joined by single spaces; "" when the query has none. A query
// that reads a table computed from another orders its rows as that one would.
func orderBy(text string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line + " ")
	}
	depth := 0
	words := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(b.String()))
	for i, w := range words {
		switch {
		case w == "(":
			depth++
		case w == ")":
			depth--
		case depth == 0 && strings.EqualFold(w, "ORDER") && i+1 < len(words) && strings.EqualFold(words[i+1], "BY"):
			return strings.Join(words[i:], " ")
		}
	}
	return ""
}
