// Package kql translates the part of the Kusto Query Language (KQL) that people use against
// Azure Monitor Logs into one DuckDB SQL statement over the lake's views, so that the queries
// Microsoft documents for Azure Machine Learning run unchanged on an offline archive.
//
// A query is a table name followed by tabular operators separated by "|":
//
//	AmlComputeJobEvent
//	| where TimeGenerated > ago(5d) and EventType == "JobFailed"
//	| project TimeGenerated, ClusterId, EventType, ExecutionState, ToolType
//
// Each operator becomes one nested SELECT around the previous one. Anything outside the
// supported subset is an *Error naming the position and the token; a query is never
// translated into something that means something else.
//
// Supported tabular operators: where (filter), project, project-away, project-rename,
// extend, summarize … by …, distinct, count, order by / sort by, take / limit, top N by.
//
// Supported scalar operators: == != =~ !~ < <= > >= and or, contains !contains, has !has,
// startswith !startswith, endswith !endswith, in !in in~ !in~, between !between, + - * / %.
//
// Literals: "…" and '…' strings with Kusto's backslash escapes, verbatim @"…" strings,
// integers, reals, true, false, datetime(…), timespans (5d, 1h, 30m, 10s, 100ms, 1.5h) and
// timespan(…).
//
// Functions: ago, now, bin, floor, todatetime, toint, tolong, todouble, toreal, todecimal,
// tostring, strcat, strlen, tolower, toupper, iff, iif, coalesce, not, isnull, isnotnull,
// isempty, isnotempty; aggregations count, countif, dcount, sum, avg, min, max, percentile.
//
// Where DuckDB and Kusto differ, the translation follows Kusto:
//
//   - Strings in Log Analytics are never null, so negative string predicates (!=, !~,
//     !contains, !has, !startswith, !endswith, !in) on string columns are true for NULL.
//   - =~, contains, has, startswith and endswith compare case-insensitively (lower()).
//   - has matches a whole term: the needle bounded by the start or end of the text or by a
//     character that is not an ASCII letter or digit (a regular expression, not Kusto's term index,
//     so it also matches terms shorter than three characters).
//   - bin on a datetime buckets from the Unix epoch (time_bucket with origin 1970-01-01); on a
//     number it is floor(x / n) * n.
//   - Integer division truncates, sums of integers are BIGINT, and to* conversions yield NULL
//     instead of failing; todatetime applies a UTC offset written in the text.
//   - dcount is exact (count(DISTINCT x)); percentile is nearest-rank (quantile_disc), so it
//     returns a value that occurs in the data, as Kusto's estimate does.
//   - order by, sort by and top default to descending; descending puts nulls last and
//     ascending puts them first.
//   - ago() and now() are TIMESTAMP literals computed from the time given to Translate, in UTC
//     with microseconds, because lake timestamps are TIMESTAMP (without zone) in UTC.
package kql
