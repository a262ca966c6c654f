// Package kql translates the part of the Kusto Query Language (KQL) that people use against
// Azure Monitor Logs into one DuckDB SQL statement over the lake's views, so that the queries
// Microsoft publishes for Azure Machine Learning and AzureMetrics run unchanged on an offline
// archive (testdata/published.kql holds them, with the rows each gives).
//
// A query is optional let statements, then a tabular expression: a source (a table, a
// tabular let, a (subquery), union, search or datatable) followed by tabular operators
// separated by "|":
//
//	let failed = AmlComputeJobEvent | where EventType == "JobFailed";
//	failed
//	| join kind=leftouter (AmlComputeClusterEvent | project ClusterName, VmSize) on ClusterName
//	| summarize count() by bin(TimeGenerated, 1h), VmSize
//	| render timechart
//
// Each operator becomes one nested SELECT around the previous one. Anything outside the
// supported subset is an *Error naming the position and the construct; a query is never
// translated into something that means something else.
//
// What is supported is one registry (registry.go): the tabular operators, the scalar
// operators, and every function with its arity, translation and a line of documentation.
// WriteHelp prints it; amlmon query --help-kql shows it. render is not translated: Compile
// reports the chart it asks for, which amlmon query --chart draws.
//
// Where DuckDB and Kusto differ, the translation follows Kusto:
//
//   - Strings in Log Analytics are never null, so negative string predicates (!=, !~,
//     !contains, !has, !startswith, !endswith, !in) on string columns are true for NULL, and
//     join keys that are strings match NULL with NULL ("" with "" in Log Analytics).
//   - =~, contains, has, startswith and endswith compare case-insensitively (lower()).
//   - has matches a whole term: the needle bounded by the start or end of the text or by a
//     character that is not an ASCII letter or digit (a regular expression, not Kusto's term index,
//     so it also matches terms shorter than three characters). has_any and has_all likewise.
//   - join's default kind, innerunique, keeps one left row per key before joining; right
//     columns whose names the left has are renamed Name1, Name2, … as in Kusto.
//   - union is Kusto's outer union: columns by name, NULL where a part lacks one.
//   - Dynamic values are DuckDB JSON (parse_json, todynamic, dynamic(…)) or lists (split,
//     make_list, make_set). x.Field, x['Field'] and x[i] on a missing key or an index out of
//     range are null, not an error; a negative index counts from the end. A text column (such
//     as Properties) reads as JSON where a property is taken from it. Dynamic columns leave
//     the query as text: a string without its JSON quotes, anything else as JSON.
//   - arg_max(x, *) and arg_min return the whole row with the greatest (least) x; take_any of
//     several columns takes them from one row.
//   - A number compared with a string is compared as text: the lake types columns that Log
//     Analytics declares as strings (ResponseCode, QuotaAllocated) when they hold numbers.
//   - _ResourceId and _SubscriptionId are ResourceId and SubscriptionId in lower case, as Log
//     Analytics writes them. The lake has no ingestion time: ingestion_time() is TimeGenerated.
//   - bin on a datetime buckets from the Unix epoch (time_bucket with origin 1970-01-01); on a
//     number it is floor(x / n) * n. startofweek and dayofweek count from Sunday.
//   - Integer division truncates, sums of integers are BIGINT, and to* conversions yield NULL
//     instead of failing; todatetime applies a UTC offset written in the text.
//   - dcount is exact (count(DISTINCT x)); percentile is nearest-rank (quantile_disc), so it
//     returns a value that occurs in the data, as Kusto's estimate does.
//   - order by, sort by and top default to descending; descending puts nulls last and
//     ascending puts them first.
//   - parse matches from the start of the text (kind=regex: anywhere); each column takes the
//     shortest text up to the next literal and the last column takes the rest; where the text
//     does not match, the columns are NULL.
//   - ago() and now() are TIMESTAMP literals computed from the time given to Compile, in UTC
//     with microseconds, because lake timestamps are TIMESTAMP (without zone) in UTC.
package kql
