package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/reports"
	"github.com/amlmon/amlmon/reports/kql"
)

// queryCommand is query's entry in the help and the dispatch.
func queryCommand() command {
	return command{
		name:     "query",
		synopsis: "query --lake DIR [--format table|csv|json|markdown] [--out FILE] QUERY | -",
		summary:  "run an SQL or KQL query over the lake",
		about: `Runs one query over the lake's tables (AmlComputeJobEvent, AmlComputeClusterEvent,
AzureMetrics, Rejects, ...) in DuckDB. QUERY is SQL, or KQL in the style of Log
Analytics (it starts with a table name and pipes: "AmlComputeJobEvent | where ...").
The words of QUERY may be spread over several arguments; "-" reads it from stdin.
--explain prints the SQL a KQL query becomes, without running it.`,
		examples: `  amlmon query --lake ./lake "SELECT ClusterName, count(*) FROM AmlComputeJobEvent GROUP BY 1"

  amlmon query --lake ./lake --format csv --out failed.csv \
      "AmlComputeJobEvent | where EventType == 'JobFailed' | project TimeGenerated, JobName"

  amlmon query --lake ./lake --explain "AzureMetrics | summarize sum(Total) by MetricName"

  echo "SELECT * FROM Rejects LIMIT 10" | amlmon query --lake ./lake -`,
		posArgs: true,
		options: func() subcommand { return &QueryOptions{} },
	}
}

// QueryOptions are the flags of `amlmon query`.
type QueryOptions struct {
	Common  CommonOptions
	Lake    string
	Format  string
	Out     string
	Explain bool
	// Unsafe gives the query full DuckDB: files anywhere, writes, extensions, many statements.
	Unsafe bool
	// KQL and SQL force the query's language instead of telling it from its first words.
	KQL, SQL bool
	// Chart is the SVG file to draw the chart that a KQL render asks for.
	Chart   string
	HelpKQL bool
}

// AddFlags registers the flags of query.
func (o *QueryOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Lake, "lake", "", "the lake directory")
	fs.StringVar(&o.Format, "format", "table", "output format: "+strings.Join(reports.Formats, ", "))
	fs.StringVar(&o.Out, "out", "", "write the rows to this file instead of stdout")
	// --out is a file here but a directory for run and report: one AMLMON_OUT cannot serve both.
	bindEnv(fs, "out", "AMLMON_QUERY_OUT")
	fs.BoolVar(&o.Explain, "explain", false, "print the SQL that a KQL query becomes, without running it")
	fs.BoolVar(&o.Unsafe, "unsafe", false, "run the query in full DuckDB: read and write any file, COPY, ATTACH, extensions, several statements (default: one SELECT that reads only the lake)")
	fs.BoolVar(&o.KQL, "kql", false, "read the query as KQL, whatever it starts with")
	fs.BoolVar(&o.SQL, "sql", false, "read the query as SQL, whatever it starts with")
	fs.StringVar(&o.Chart, "chart", "", "draw the chart that the KQL query's render asks for into this SVG file")
	fs.BoolVar(&o.HelpKQL, "help-kql", false, "print the KQL operators and functions that query translates, and exit")
	o.Common.AddFlags(fs)
}

// Run runs one query over the lake.
func (o *QueryOptions) Run(ctx context.Context, st *streams, args []string) error {
	if o.HelpKQL {
		return kql.WriteHelp(st.stdout)
	}
	if o.KQL && o.SQL {
		return usagef("--kql and --sql exclude each other; type one")
	}
	if len(args) == 0 {
		return usagef(`no query given; type it after the flags, e.g. "SELECT count(*) FROM AmlComputeJobEvent", or - to read it from stdin`)
	}
	format := strings.ToLower(o.Format)
	if !slices.Contains(reports.Formats, format) {
		return usagef("--format %q: type one of %s", o.Format, strings.Join(reports.Formats, ", "))
	}
	q, err := queryText(args, st.stdin)
	if err != nil {
		return err
	}
	now := o.Common.clock()
	sql := q
	var chart *kql.Chart
	if o.KQL || !o.SQL && kql.IsKQL(q) {
		out, err := kql.Compile(q, kql.Options{Now: now()})
		if err != nil {
			return fmt.Errorf("translate KQL: %w", err)
		}
		sql, chart = out.SQL, out.Chart
	}
	if o.Chart != "" && chart == nil {
		return usagef("--chart draws what a KQL query's render asks for, and this query has no render")
	}
	if o.Explain {
		_, err := fmt.Fprintln(st.stdout, strings.TrimSpace(sql))
		return err
	}
	if o.Lake == "" {
		return usagef("no lake given; type --lake DIR (the folder that sync filled)")
	}
	if _, err := os.Stat(o.Lake); err != nil {
		return fmt.Errorf("open lake %s: %w (fill it first with amlmon sync or run)", o.Lake, err)
	}
	log := o.Common.logger(st)
	var opts []reports.Option
	if !o.Unsafe {
		opts = append(opts, reports.Sandboxed())
	}
	db, err := reports.Open(ctx, o.Lake, opts...)
	if err != nil {
		return fmt.Errorf("open lake %s: %w", o.Lake, err)
	}
	defer db.Close()
	if chart != nil {
		// The chart reads the same rows: the sandbox checks the query before either.
		if err := db.Check(ctx, sql); err != nil {
			return fmt.Errorf("query: %w", err)
		}
		if err := drawChart(ctx, db, sql, chart, o.Chart, st.stderr); err != nil {
			return err
		}
	}
	rows, err := db.RunQuery(ctx, sql)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	return writeQueryRows(o.Out, st.stdout, func(w io.Writer) error {
		n, err := reports.WriteRows(w, format, rows)
		if err != nil {
			return fmt.Errorf("write %s rows: %w", format, err)
		}
		log.Debug("query done", "rows", n)
		return nil
	})
}

// queryText joins the query's arguments; a lone "-" reads it from stdin.
func queryText(args []string, stdin io.Reader) (string, error) {
	if len(args) == 1 && args[0] == "-" {
		if stdin == nil {
			return "", usagef("query - reads stdin, but there is none; type the query as an argument")
		}
		b, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("read the query from stdin: %w", err)
		}
		args = []string{string(b)}
	}
	q := strings.TrimSpace(strings.Join(args, " "))
	if q == "" {
		return "", usagef("the query is empty; type SQL or KQL")
	}
	return q, nil
}

// writeQueryRows runs write on stdout, or on the file path when one is given, and reports the
// error of closing the file, where a full disk shows.
func writeQueryRows(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" {
		return write(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	werr := write(f)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	if cerr != nil {
		return fmt.Errorf("close %s: %w", path, cerr)
	}
	return nil
}

// drawChart writes the chart a render asks for to path, or, without a path, says on stderr
// that it was left out: the rows print either way.
func drawChart(ctx context.Context, db *reports.DB, sql string, chart *kql.Chart, path string, stderr io.Writer) error {
	if path == "" {
		_, err := fmt.Fprintf(stderr, "amlmon query: render %s skipped; type --chart FILE.svg to draw it\n", chart.Kind)
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	werr := reports.QueryChart(ctx, db.DB, sql, chart.Kind, chart.Title, f)
	cerr := f.Close()
	if werr != nil {
		os.Remove(path)
		return fmt.Errorf("draw %s: %w", path, werr)
	}
	if cerr != nil {
		return fmt.Errorf("close %s: %w", path, cerr)
	}
	return nil
}
