// Command amlmon reads the Azure Monitor diagnostic archive of Azure Machine Learning
// workspaces (hourly JSON blobs in a storage account, or a local copy of one), converts it into
// a typed, Hive-partitioned Parquet lake, and writes a daily report on job failures, quota
// usage, node churn and alert rules.
//
// Usage:
//
//	amlmon run    --source SRC --lake DIR --out DIR [--date YYYY-MM-DD]
//	amlmon sync   --source SRC --lake DIR [--date D | --from D --to D]
//	amlmon report --lake DIR --out DIR [--date D]
//	amlmon query  --lake DIR [--format table|csv|json|markdown] [--out FILE] [--explain]
//	              [--kql | --sql] [--chart FILE.svg] [--unsafe] QUERY | -
//	amlmon query  --help-kql
//	amlmon fetch  --source SRC --to DIR [--date D | --from D --to D]
//	amlmon check  --lake DIR [--read-data] [--repair --source SRC]
//	amlmon prices --region REGION --out FILE [--currency USD] [--api-url URL]
//	amlmon version
//
// SRC is a local directory with the archive layout, https://<account>.blob.core.windows.net,
// az://<account>, or a connection string; with no --source, AZURE_STORAGE_CONNECTION_STRING.
// Credentials come from AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT with
// AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN, or the default Azure credential chain
// (managed identity, workload identity, az login). They never appear in logs or errors.
//
// run is the nightly job. Its day D defaults to yesterday (UTC); it syncs the path hours
// [D-7 00:00, min(D+3 00:00, now+1h)), so that records that land up to 48 hours late and the
// week the report looks back on are in the lake, and then writes <out>/<D>/report.md, the
// CSV files and summary.json. Running it again, or late, is safe; a second run or sync on a
// lake in use is refused.
//
// report, query and run read exactly the files the lake's committed manifest names: a stray
// file is ignored, a missing or truncated one is an error, and a sync still at work is
// invisible until it commits. check verifies the lake against its manifest; check --repair
// removes strays and reads the blobs of damaged or missing files again. query runs one
// statement that reads the lake only (DuckDB without external access, extensions or
// configuration changes) unless --unsafe is given.
//
// run and report write report.html beside report.md, and deliver the day when asked:
// --publish DEST uploads the day's folder, latest/ and index.html to a container (the $web
// container of a static website, for one), --notify URL posts the headline, the alert
// incidents and the link to a Slack, Teams Workflows or JSON webhook (--notify-format).
// run and sync mirror the lake's tables to --publish-lake DEST after the sync. DEST is
// az://<account>/<container>[/prefix], https://<account>.blob.core.windows.net/<container>
// [/prefix][?SAS], or <container>[/prefix] on the account of AZURE_STORAGE_CONNECTION_STRING,
// with the credentials of a source. A delivery that fails exits 1 after the report is
// written; the next run delivers again.
//
// prices writes the pay-as-you-go Linux prices of a region's VM sizes, from the public Azure
// Retail Prices API, as the CSV file that run and report read with --prices (AMLMON_PRICES)
// to put a cost on each cluster's node-hours (docs/compute-spend.md).
//
// For fetch, --to is the directory unless its value is a date, which ends the range: both
// "fetch --to ./archive --date 2026-11-24" and "fetch --to ./archive --from 2026-11-20 --to
// 2026-11-24" work. --dir and --until are the unambiguous spellings.
//
// Every flag can also be set from an environment variable named after it (--log-format from
// AMLMON_LOG_FORMAT, --lake from AMLMON_LAKE); a flag given on the command line wins. The
// --out of query, a file rather than a directory, is AMLMON_QUERY_OUT.
//
// Logs go to stderr, as text or, with --log-format json, as one JSON object a line. With JSON
// logs the command writes nothing else: the summaries for people (Blobs:, Records:, Report:,
// ...) are left out, their figures being in the "sync finished" and "report written" records,
// and the error that ends the command is a record with its exit status. Flag errors found
// before the log format is known are still printed as text.
//
// While run or sync converts, Go's garbage collector is paced by a 176 MiB soft memory limit
// rather than by GOGC, which keeps the peak RSS near 220 MiB whatever the size of the archive;
// GOGC or GOMEMLIMIT in the environment take precedence.
//
// Examples:
//
//	amlmon run --source az://mystorageacct --lake /data/lake --out /data/reports
//	amlmon run --source testdata/archive --lake demo/lake --out demo/reports \
//	    --date 2026-11-24 --now 2026-11-25T12:00:00Z
//	amlmon sync --source ./archive --lake ./lake --from 2026-11-17 --to 2026-11-23
//	amlmon query --lake ./lake --format csv "AmlComputeJobEvent | where EventType == 'JobFailed'"
//	amlmon fetch --source az://mystorageacct --to ./archive --date 2026-11-24
//
// Exit status: 0 success; 1 the job could not finish; 2 usage error; 3 finished, but alerts
// fired (only with --fail-on-alert); 4 finished, but some blobs could not be read (the rest
// is committed, the lake is consistent, the next run reads them again), and for fetch, some
// blobs could not be copied (a failed download, or a name that cannot be a local file).
//
// docs/command.md describes the command line in full, docs/lake.md the lake it writes,
// docs/reports.md every file of the report and docs/rules.md the alert rules file;
// docs/README.md lists the other pages.
package main
