// Package reports answers the questions amlmon is run for with DuckDB over the Parquet lake:
// the daily report (report.md, the contract CSVs, summary.json) and ad-hoc queries.
//
// Open creates one view per lake table, named as in Azure Monitor Logs (AmlComputeJobEvent,
// AzureMetrics, ...), each with a DATE column `date`, the partition: filter on it and DuckDB
// reads only those folders. A fixed table without files is an empty view of its schema (docs/lake.md); a
// category without typed columns found in the lake gets a view too. _Blobs (the manifest, one
// row per archive blob, `date` its path date) and _Unrecognised expose the lake's bookkeeping.
// Open(ctx, lake, Days(from, to)) lists and reads only the date folders of those days, so that
// a day's report (ReportDays: D−7 … D+2) costs the same on a young lake and on a year-old one.
//
// Daily.Write runs the queries of sql/*.sql, one file per question, with the day bound as a
// parameter, and writes <Out>/<D>/: the CSVs of docs/reports.md, summary.json, report.md and the SVG
// charts it shows. Alert rules are DefaultRules or a file read by LoadRules.
package reports

import (
	"database/sql"
	"log/slog"
	"time"
)

// DB is an in-process DuckDB with one view per lake table (docs/lake.md); a table with no files yet
// is an empty view with its full schema. The same views serve the report and `amlmon query`.
type DB struct {
	*sql.DB
	lake   string
	tables []string
	// sandboxed: opened with Sandboxed, so Check refuses what is not one reading statement.
	sandboxed bool
}

// RunStatus is what the job that wrote a report did before it (sync figures); nil when the
// report is written from the lake alone.
type RunStatus struct {
	Started      time.Time     `json:"started"`
	Duration     time.Duration `json:"duration_ns"`
	Blobs        int64         `json:"blobs_listed"`
	Read         int64         `json:"blobs_read"`
	Skipped      int64         `json:"blobs_skipped"`
	Unrecognised int64         `json:"blobs_unrecognised"`
	Failed       int64         `json:"blobs_failed"`
	Bytes        int64         `json:"bytes_read"`
	Rejected     int64         `json:"rejected"`
	Warnings     int64         `json:"warnings"`
	Errors       []string      `json:"errors,omitempty"`
	// FailedBlobs are the blobs the sync could not read (up to 20), with why.
	FailedBlobs []FailedBlob `json:"failed_blobs,omitempty"`
}

// FailedBlob is an archive blob that could not be read; the next run reads it again.
type FailedBlob struct {
	Container string `json:"container"`
	Blob      string `json:"blob"`
	Reason    string `json:"reason"`
}

// Daily writes the report for one day into <Out>/<Date>/.
type Daily struct {
	Date    time.Time // the report day, UTC midnight
	Out     string    // the reports folder
	Rules   []Rule    // alert rules; nil: DefaultRules, empty: none
	Prices  []Price   // hourly prices of VM sizes (LoadPrices); nil: no costs
	Version string    // amlmon's version, for summary.json
	Now     func() time.Time
	Run     *RunStatus
	Log     *slog.Logger // at debug level, each query and how long it took; nil: no logs
}

// Summary is the headline of a day, as written to summary.json.
type Summary struct {
	Date          string           `json:"date"`
	Lake          string           `json:"lake"`
	Version       string           `json:"version"`
	GeneratedAt   time.Time        `json:"generated_at"`
	Rows          map[string]int64 `json:"rows"` // rows in D per lake table (Rejects: per blob path date)
	JobsSubmitted int64            `json:"jobs_submitted"`
	JobsSucceeded int64            `json:"jobs_succeeded"`
	JobsFailed    int64            `json:"jobs_failed"`
	FailureRate   *float64         `json:"failure_rate"` // failed/(succeeded+failed), 4 decimals; null for 0/0
	AlertsFired   int64            `json:"alerts_fired"`
	Blobs         int64            `json:"blobs"` // archive blobs whose path date is D
	Rejected      int64            `json:"rejected"`
	Warnings      int64            `json:"warnings"`
	MissingHours  int64            `json:"missing_hours"`
	Unrecognised  int64            `json:"unrecognised_blobs"`
	// FailedBlobs are the blobs dated D that the lake could not read, by the manifest.
	FailedBlobs []FailedBlob `json:"failed_blobs,omitempty"`
	Run         *RunStatus   `json:"run"`
	// Spend is what the clusters' nodes cost in the day (node-hours, idle share, cost).
	Spend
}

// Rule is an alert rule evaluated on AzureMetrics.
type Rule struct {
	Name        string        `json:"name" yaml:"name"`
	Metric      string        `json:"metric" yaml:"metric"`
	Aggregation string        `json:"aggregation" yaml:"aggregation"` // Total | Average | Maximum | Minimum | Count
	Operator    string        `json:"operator" yaml:"operator"`       // GreaterThan | GreaterThanOrEqual | LessThan | LessThanOrEqual
	Threshold   float64       `json:"threshold" yaml:"threshold"`
	Window      time.Duration `json:"window" yaml:"window"`       // one of Windows(); default 5 min
	Frequency   time.Duration `json:"frequency" yaml:"frequency"` // one of Frequencies(), at most Window; default 1 min
}
