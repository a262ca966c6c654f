// Package gen generates realistic archives of Azure Machine Learning diagnostic logs and platform
// metrics, as Azure Monitor diagnostic settings write them to a storage account (docs/lake.md), for
// tests, the demo and the benchmark. The output depends only on the Options: the same seed gives
// the same bytes, and each hour of a resource is computed on its own, so memory holds one hour.
//
// # What it contains
//
// Workspaces with AmlCompute clusters (the first cluster of the first two workspaces is named
// "cpu-cluster" in both). Per workspace and hour:
//
//   - insights-logs-amlcomputejobevent: jobs that are submitted, run, and succeed or fail
//     (JobSubmitted, JobRunning, JobSucceeded, JobFailed), more by day than by night. Failed jobs
//     carry JobErrorMessage, ErrorDetails or neither; the error texts contain commas, quotes,
//     pipes, backticks, a newline and a <script> tag.
//   - insights-logs-amlcomputeclusterevent: cluster status events with node counts that follow a
//     daily load curve, QuotaAllocated and QuotaUtilized (utilisation above 90 % in the busy
//     afternoon hours), preempted nodes on low-priority clusters and unusable nodes in some
//     hours. The cluster's configuration (image, subnet, scale-down delay) comes with the first
//     event of each day.
//   - insights-logs-amlcomputeclusternodeevent: one record per node a scale-up allocates, with
//     allocation, boot and start-task times, logged when the start task ends. The last status
//     event of each hour comes a minute before its end, so node events of a scale-up started
//     then land in the next hour's blob; every day at 23:5x one cluster scales up on purpose.
//   - insights-logs-modelschangeevent (first workspace only): an audit category with no typed
//     table.
//   - With Options.ExtraCategories, insights-logs-amlrunstatuschangedevent (a status change per
//     job event) and insights-logs-amlcomputecpugpuutilization (a CPU sample per node and
//     hour, and GPU samples on GPU clusters).
//   - insights-metrics-pt1m: "Quota Utilization Percentage", "Model Deploy Failed", "Unusable
//     Nodes", "Active Nodes", "Idle Nodes", "Completed Runs", "Failed Runs", "Started Runs" and
//     "Cpu Utilization" (more metric names when TargetBytes asks for volume), derived from the
//     same clusters and jobs. Counting metrics have no record for a minute with nothing to
//     count. The default alert rules fire in some hours: Model Deploy Failed in about one hour
//     in nine, Unusable Nodes in one in thirteen, Quota Utilization Percentage in the busiest.
//
// # Size
//
// Options.TargetBytes asks for an archive of a given size, which it reaches within a few percent
// with the mix of lines of a busy account (45 % metric records, 35 % cluster and node events, 20 %
// job events). It sets the rates of jobs, status events and metric records from what they cost
// on a sample of hours, and grows the account as a busier one grows: once a cluster would log a
// status event more often than every ten seconds, the workspaces get more clusters; once every
// workspace metric has a record a minute, online endpoints of the workspaces
// (.../WORKSPACES/<WS>/ONLINEENDPOINTS/EP-<MODEL>-<N>) add theirs to insights-metrics-pt1m:
// RequestsPerMinute, RequestLatency and its percentiles, connections, network bytes and data
// collection, a record a minute each. Without TargetBytes the archive has neither.
//
// A blob exists only for an hour in which its resource logged something (and for the quirks
// below).
//
// # Quirks
//
// With Options.Quirks, the archive has every irregularity of docs/lake.md ("Records"), each several times a
// day. Blob-level quirks follow the hour of day (hod), the day and the resource's index, so that
// every day has each of them:
//
//   - Missing hours: cluster events of the last workspace at hod 14; metrics of the first
//     workspace at hod 4; job events of the second workspace at an hour that moves by one a day.
//   - Empty blobs (size 0): node events of the last workspace at hod 9; model changes of the
//     first workspace at hod 17.
//   - The old {"records": [...]} wrapper: job events at hod 3, metrics at hod 15, cluster events
//     at hod 10, one workspace a day each.
//   - A UTF-8 BOM on about one blob in ten, CRLF line endings on one in eight, no newline after
//     the final record (always a complete record) on one in six.
//   - One bad line in about one blob in nine, cycling through: not JSON (a truncated record or an
//     XML error page), a JSON array, a JSON string, an object without time, an object whose time
//     does not parse ("2026-13-45T99:00:00Z", "yesterday"). A bad line always ends in a newline.
//   - Late records: about 4 % of records sit at the start of the next hour's blob. Job events at
//     hod 2 of one workspace a day also carry the events of a job that ran a day or two
//     earlier (24 to 46 hours late).
//   - Extra resources in the metrics container: an online endpoint of the first workspace
//     (.../WORKSPACES/<WS>/ONLINEENDPOINTS/<EP>) and a storage account of another provider.
//
// Record-level quirks are drawn per record:
//
//   - Blank or whitespace-only lines (2 %) and records padded with spaces and tabs (3 %).
//   - Timestamps as 2026-11-25T13:00:37.2040000Z (most), 2026-11-25T13:00:06.446Z (8 %),
//     2026-11-25 13:50:59.522 (7 %) and 11/25/2026 1:25:55 PM +00:00 (6 %); timestamps inside
//     properties vary too.
//   - Per-category keys spelled JobId, jobId or jobid (13 % not PascalCase); per-category fields
//     at top level with no properties object (5 %), or the later half of them at top level
//     beside a properties object with the rest (4 %); resourceid instead of resourceId (6 %);
//     resource IDs in lower case (4 %) or with a trailing slash (4 %); non-standard top-level
//     fields Tenant and ingestionSource (5 %).
//   - Numbers as strings ("CurrentNodeCount": "3", 30 % of numeric fields in log records, 3 % in
//     metrics), booleans as strings ("True", "false"), QuotaUtilized "n/a" (3 % of cluster
//     events), QuotaAllocated 0 (3 %), cluster events without CurrentNodeCount (4 %), metric
//     names in lower case (3 %).
//   - Job events without EventType, so that operationName must stand in (5 %), or with it in
//     lower case, "jobfailed" (5 %); a quarter of failed jobs log JobFailed twice.
package gen
