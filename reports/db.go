package reports

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
	"github.com/amlmon/amlmon/internal/sqltext"
	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
	"golang.org/x/sync/errgroup"
)

// Views over the lake's bookkeeping, next to the table views.
const (
	BlobsView        = "_Blobs"        // the manifest: one row per archive blob, with its path date
	UnrecognisedView = "_Unrecognised" // listed blobs whose names are not archive paths
)

// Option changes what Open reads.
type Option func(*openConfig)

type openConfig struct {
	sandboxed bool
	scoped    bool
	// report: opened for the daily report, whose queries all order their rows; DuckDB need
	// not keep the files' order of rows, which costs time and memory in most operators, and
	// has the threads of reportParallelism.
	report   bool
	from, to string // inclusive partition dates, DateLayout, compared as text
	// wider holds scopes of single views (by lower-case name) that differ from from..to.
	wider map[string][2]string
}

// forView is the scope of one view.
func (c openConfig) forView(name string) openConfig {
	if span, ok := c.wider[strings.ToLower(name)]; ok {
		c.from, c.to = span[0], span[1]
	}
	return c
}

// Days limits every view to the date partitions from..to (inclusive, UTC days): only those
// folders are listed and read, so the cost of Open and of binding a query depends on the days
// in scope, not on the age of the lake. A scope with from after to reads nothing: every view
// is empty, with its schema.
func Days(from, to time.Time) Option {
	return func(c *openConfig) {
		c.scoped = true
		c.from = from.UTC().Format(amlmon.DateLayout)
		c.to = to.UTC().Format(amlmon.DateLayout)
	}
}

// ReportDays is the scope the report of day d needs, for Open(ctx, lake, ReportDays(d)): the
// day itself, and around it only where the report looks: job and cluster events back to D−7
// for the seven-day trend, the node counts carried into D and the jobs submitted before they
// ran, the blob manifest back to D−7 for completeness, node events up to D+2, because
// allocations of D are logged up to two days later, and metrics back to D−1, where the alert
// windows of D's first evaluations begin. (Records that land late in a
// later hour's blob are still dated by their own time, so they sit in D's partitions.) Rows of
// a query without ORDER BY come in no set order: every query of the report orders its rows.
func ReportDays(d time.Time) Option {
	from, to, wider := reportScope(d)
	return func(c *openConfig) {
		c.scoped, c.report = true, true
		c.from, c.to = from, to
		c.wider = wider
	}
}

// ReportSpan is the first and the last day (UTC midnights) that ReportDays(d) reads of any
// view: what a job that fills the lake for the report of d must cover.
func ReportSpan(d time.Time) (first, last time.Time) {
	from, to, wider := reportScope(d)
	for _, span := range wider {
		from, to = min(from, span[0]), max(to, span[1])
	}
	first, _ = time.Parse(amlmon.DateLayout, from)
	last, _ = time.Parse(amlmon.DateLayout, to)
	return first, last
}

// reportScope is the one home of the days the report of d reads: the days of every view, and
// the views that read other days, by lower-case name, each as DateLayout dates, inclusive.
func reportScope(d time.Time) (from, to string, wider map[string][2]string) {
	d = d.UTC()
	day := func(n int) string { return d.AddDate(0, 0, n).Format(amlmon.DateLayout) }
	return day(0), day(0), map[string][2]string{
		"amlcomputejobevent":         {day(-7), day(0)},
		"amlcomputeclusterevent":     {day(-7), day(0)},
		"amlcomputeclusternodeevent": {day(0), day(2)},
		strings.ToLower(BlobsView):   {day(-7), day(0)},
		"azuremetrics":               {day(-1), day(0)}, // alert windows reach back up to 24 h
	}
}

// Open opens DuckDB in memory over the lake at dir; without options every partition is read.
func Open(ctx context.Context, dir string, opts ...Option) (*DB, error) {
	var cfg openConfig
	for _, o := range opts {
		o(&cfg)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open lake %s: %w", dir, err)
	}
	sqldb, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	db := &DB{DB: sqldb, lake: dir}
	if cfg.report {
		_, threads := reportParallelism()
		if _, err := db.ExecContext(ctx, fmt.Sprintf("SET GLOBAL preserve_insertion_order = false; SET GLOBAL threads = %d", threads)); err != nil {
			sqldb.Close()
			return nil, fmt.Errorf("open duckdb: %w", err)
		}
	}
	if err := db.createViews(ctx, abs, cfg); err != nil {
		sqldb.Close()
		return nil, err
	}
	if cfg.sandboxed {
		if err := db.sandbox(ctx, abs); err != nil {
			sqldb.Close()
			return nil, err
		}
	}
	return db, nil
}

// reportParallelism is how many of the report's queries run at once, and how many threads
// DuckDB has, so that no more threads work than Go's GOMAXPROCS: DuckDB runs a query on the
// thread that asked for it and on threads−1 workers that all queries share. On two cores that
// is two queries of one thread each: more threads made every query wait for the others (5.8
// against 6.6 CPU-seconds for the report of the 7-day bench lake, docs/performance.md).
func reportParallelism() (queries, threads int) {
	n := runtime.GOMAXPROCS(0)
	queries = max(2, n/2)
	return queries, max(1, n-queries+1)
}

// Lake is the lake folder the views read, as given to Open.
func (db *DB) Lake() string { return db.lake }

// Tables names the views over lake tables: every fixed table, then the other categories
// found in the lake, sorted. The bookkeeping views are not among them.
func (db *DB) Tables() []string { return append([]string(nil), db.tables...) }

func (db *DB) createViews(ctx context.Context, lake string, cfg openConfig) error {
	// Timestamps written with a zone read as TIMESTAMPTZ; the views cast them to TIMESTAMP,
	// which must mean UTC whatever the machine's zone is.
	if _, err := db.ExecContext(ctx, "SET GLOBAL TimeZone = 'UTC'; SET GLOBAL parquet_metadata_cache = true"); err != nil {
		return fmt.Errorf("set time zone: %w", err)
	}
	var tables []amlmon.Table
	tables = append(tables, amlmon.Tables()...)
	// A lake that does not exist is more likely a wrong path than a lake with no data yet.
	entries, err := os.ReadDir(lake)
	if os.IsNotExist(err) {
		return fmt.Errorf("open lake %s: no such folder (run amlmon sync first, or check --lake)", lake)
	}
	if err != nil {
		return fmt.Errorf("read lake %s: %w", lake, err)
	}
	// A category without a fixed table can reach the lake under more than one spelling (as
	// records spell it, and as its container does when a record names none). SQL names are
	// case-insensitive, so the spellings are one table, named by the first in sort order
	// (CamelCase before lower case).
	snap, err := readCommitted(lake, manifestWindow(cfg))
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	for folder := range snap.folders {
		names = append(names, folder)
	}
	sort.Strings(names)
	names = slices.Compact(names)
	spellings := map[string][]string{}
	var others []string
	for _, name := range names {
		if strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
			continue
		}
		if _, fixed := amlmon.TableNamed(name); fixed {
			continue
		}
		key := strings.ToLower(name)
		if spellings[key] == nil {
			others = append(others, name)
		}
		spellings[key] = append(spellings[key], name)
	}
	sort.Strings(others)
	for _, name := range others {
		tables = append(tables, amlmon.LogTable(name))
	}
	files, err := lakeFiles(lake, snap, tables, spellings, cfg)
	if err != nil {
		return err
	}
	// Each view reads the schema of its files: they are created side by side, and named in
	// the order of tables.
	made := make([]bool, len(tables))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, t := range tables {
		g.Go(func() error {
			tf := files[strings.ToLower(t.Name)]
			if len(tf.files) > 0 {
				made[i] = true
				return db.createParquetView(gctx, t, tf.files)
			}
			// A category with date folders but no files to read here (outside the scope, or
			// all removed) keeps its empty view: querying it gives no rows, not an error, and
			// the views of a scoped lake are the views of the whole lake.
			if _, fixed := amlmon.TableNamed(t.Name); fixed || tf.dated {
				made[i] = true
				return db.createEmptyView(gctx, t.Name, t.Columns, true)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, t := range tables {
		if made[i] {
			db.tables = append(db.tables, t.Name)
		}
	}
	blobs, _, err := partitionGlobs(filepath.Join(amlmon.MetaDir(lake), "blobs"), "*.jsonl", cfg.forView(BlobsView))
	if err != nil {
		return err
	}
	if err := db.createJSONView(ctx, BlobsView, blobs, amlmon.BlobColumns(), true); err != nil {
		return err
	}
	var unrecognised []string
	if _, err := os.Stat(amlmon.UnrecognisedFile(lake)); err == nil {
		unrecognised = []string{amlmon.UnrecognisedFile(lake)}
	} else if !os.IsNotExist(err) {
		return fmt.Errorf("read %s: %w", amlmon.UnrecognisedFile(lake), err)
	}
	return db.createJSONView(ctx, UnrecognisedView, unrecognised, amlmon.UnrecognisedColumns(), false)
}

// partitionGlobs returns the globs reading the files matching name in the date= folders of
// dir: one `date=*` glob for the whole lake, or one glob per folder inside the scope, so that
// DuckDB never lists or opens a file of another day. dated reports whether dir has any date
// folder at all (in the scope or not, with files or not).
func partitionGlobs(dir, name string, cfg openConfig) (globs []string, dated bool, err error) {
	if !cfg.scoped {
		pattern := filepath.Join(dir, "date=*", name)
		has, err := hasFiles(pattern)
		if err != nil {
			return nil, false, err
		}
		if !has {
			// Date folders whose files were all removed (a replaced blob) still make a table.
			folders, err := filepath.Glob(filepath.Join(dir, "date=*"))
			return nil, len(folders) > 0, err
		}
		return []string{pattern}, true, nil
	}
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries { // sorted by name, so by date
		date, ok := strings.CutPrefix(e.Name(), "date=")
		if !e.IsDir() || !ok {
			continue
		}
		if _, err := time.Parse(amlmon.DateLayout, date); err != nil {
			continue
		}
		dated = true
		if date < cfg.from || date > cfg.to {
			continue
		}
		pattern := filepath.Join(dir, e.Name(), name)
		has, err := hasFiles(pattern)
		if err != nil {
			return nil, false, err
		}
		if has {
			globs = append(globs, pattern)
		}
	}
	return globs, dated, nil
}

func hasFiles(pattern string) (bool, error) {
	m, err := filepath.Glob(pattern)
	if err != nil {
		return false, fmt.Errorf("list %s: %w", pattern, err)
	}
	return len(m) > 0, nil
}

// createParquetView reads the files of a table that globs match. union_by_name lets files written before a
// column existed be read with it as NULL; a documented column missing from every file is NULL too,
// so queries written against the schema of docs/lake.md never fail on an older lake.
func (db *DB) createParquetView(ctx context.Context, t amlmon.Table, globs []string) error {
	lits := make([]string, len(globs))
	for i, g := range globs {
		lits[i] = sqlString(filepath.ToSlash(g))
	}
	src := fmt.Sprintf("read_parquet([%s], hive_partitioning = true, union_by_name = true, hive_types = {'date': DATE})",
		strings.Join(lits, ", "))
	rows, err := db.QueryContext(ctx, "DESCRIBE SELECT * FROM "+src)
	if err != nil {
		return fmt.Errorf("read schema of %s: %w", t.Name, err)
	}
	present := map[string]bool{}
	var order []string
	for rows.Next() {
		var name, typ string
		var null, key, def, extra sql.NullString
		if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			rows.Close()
			return fmt.Errorf("read schema of %s: %w", t.Name, err)
		}
		present[name] = true
		order = append(order, name)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read schema of %s: %w", t.Name, err)
	}
	var sel []string
	known := map[string]bool{"date": true}
	for _, c := range t.Columns {
		known[c.Name] = true
		if present[c.Name] {
			sel = append(sel, fmt.Sprintf("CAST(%s AS %s) AS %s", ident(c.Name), c.Type.SQL(), ident(c.Name)))
		} else {
			sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", c.Type.SQL(), ident(c.Name)))
		}
	}
	for _, name := range order {
		if !known[name] {
			sel = append(sel, ident(name))
		}
	}
	sel = append(sel, ident("date"))
	ddl := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM %s", ident(t.Name), strings.Join(sel, ", "), src)
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("create view %s: %w", t.Name, err)
	}
	return nil
}

// createEmptyView gives a table with no files its full schema and no rows, so that queries
// over a young lake return nothing instead of failing.
func (db *DB) createEmptyView(ctx context.Context, name string, cols []amlmon.Column, withDate bool) error {
	var sel []string
	for _, c := range cols {
		sel = append(sel, fmt.Sprintf("CAST(NULL AS %s) AS %s", c.Type.SQL(), ident(c.Name)))
	}
	if withDate {
		sel = append(sel, "CAST(NULL AS DATE) AS "+ident("date"))
	}
	ddl := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s WHERE false", ident(name), strings.Join(sel, ", "))
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("create view %s: %w", name, err)
	}
	return nil
}

// createJSONView reads JSON lines written by encoding/json. Times are read with their offset
// and converted to UTC; a blob written twice (its entry rewritten) counts once, by its latest
// entry.
func (db *DB) createJSONView(ctx context.Context, name string, globs []string, cols []amlmon.Column, partitioned bool) error {
	if len(globs) == 0 {
		return db.createEmptyView(ctx, name, cols, partitioned)
	}
	var types, sel []string
	for _, c := range cols {
		typ := c.Type.SQL()
		if c.Type == amlmon.Timestamp {
			typ = "TIMESTAMPTZ"
		}
		types = append(types, fmt.Sprintf("%s: %s", ident(c.Name), sqlString(typ)))
		sel = append(sel, fmt.Sprintf("CAST(%s AS %s) AS %s", ident(c.Name), c.Type.SQL(), ident(c.Name)))
	}
	opts := ""
	key, latest := "container, blob", "reason"
	if partitioned {
		opts = ", hive_partitioning = true, hive_types = {'date': DATE}"
		sel = append(sel, ident("date"))
		// A later read of a blob has read at least as far as an earlier one.
		key, latest = "date, container, blob", "modified DESC, consumed DESC, size DESC, records DESC, rejected DESC"
	}
	lits := make([]string, len(globs))
	for i, g := range globs {
		lits[i] = sqlString(filepath.ToSlash(g))
	}
	src := fmt.Sprintf("read_json([%s], format = 'newline_delimited', columns = {%s}%s)",
		strings.Join(lits, ", "), strings.Join(types, ", "), opts)
	ddl := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT %s FROM %s QUALIFY row_number() OVER (PARTITION BY %s ORDER BY %s) = 1",
		ident(name), strings.Join(sel, ", "), src, key, latest)
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("create view %s: %w", name, err)
	}
	return nil
}

// ident quotes an SQL identifier (sqltext.Ident).
func ident(name string) string { return sqltext.Ident(name) }

// sqlString quotes an SQL string literal (sqltext.String); only paths of the lake are written
// this way, every value is a bound parameter.
func sqlString(s string) string { return sqltext.String(s) }
