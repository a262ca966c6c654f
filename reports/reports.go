// Package reports answers the questions amlmon is run for with DuckDB over the Parquet lake:
// the daily report (report.md, the contract CSVs, summary.json) and ad-hoc queries.
package reports
