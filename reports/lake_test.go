package reports

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon"
)

// row is one fixture row: column name to value (string, int, float64, time.Time or nil).
type row map[string]any

// lakeBuilder writes a lake the way transform lays it out, with DuckDB writing the Parquet
// files, so the reports are tested on real files without importing transform.
type lakeBuilder struct {
	t    testing.TB
	dir  string
	db   *sql.DB
	file int
}

func newLake(t testing.TB) *lakeBuilder {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &lakeBuilder{t: t, dir: t.TempDir(), db: db}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func literal(v any, typ amlmon.ColumnType) string {
	switch x := v.(type) {
	case nil:
		return "CAST(NULL AS " + typ.SQL() + ")"
	case string:
		return "CAST(" + sqlString(x) + " AS " + typ.SQL() + ")"
	case int:
		return fmt.Sprintf("CAST(%d AS %s)", x, typ.SQL())
	case float64:
		return fmt.Sprintf("CAST(%s AS %s)", floatText(x, 64), typ.SQL())
	case time.Time:
		return "CAST(" + sqlString(x.UTC().Format("2006-01-02 15:04:05.999999")) + " AS TIMESTAMP)"
	}
	panic(fmt.Sprintf("fixture value %T", v))
}

// table writes rows into one Parquet file of table's partition for date, with the columns of
// amlmon.Tables except those in omit (as a file written before they existed).
func (l *lakeBuilder) table(name, date string, rows []row, omit ...string) {
	l.t.Helper()
	tbl, ok := amlmon.TableNamed(name)
	if !ok {
		tbl = amlmon.LogTable(name)
	}
	for _, r := range rows {
		for k := range r {
			found := false
			for _, c := range tbl.Columns {
				found = found || c.Name == k
			}
			if !found {
				l.t.Fatalf("fixture %s: no column %s", name, k)
			}
		}
	}
	var selects []string
	for _, r := range rows {
		var cols []string
		for _, c := range tbl.Columns {
			if contains(omit, c.Name) {
				continue
			}
			cols = append(cols, literal(r[c.Name], c.Type)+" AS "+ident(c.Name))
		}
		selects = append(selects, "SELECT "+strings.Join(cols, ", "))
	}
	dir := filepath.Join(l.dir, name, "date="+date)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		l.t.Fatal(err)
	}
	l.file++
	path := filepath.Join(dir, fmt.Sprintf("part-%03d.parquet", l.file))
	q := fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd)", strings.Join(selects, " UNION ALL "), sqlString(path))
	if _, err := l.db.Exec(q); err != nil {
		l.t.Fatalf("write %s: %v", path, err)
	}
	l.commit(path, int64(len(rows)))
}

// fixtureHour is the path hour of the manifest entries that name the fixture's files: outside
// every report's days, so that no report counts them as blobs.
var fixtureHour = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// commit names a file written into the lake in the manifest, as a sync's commit does, with
// its size and row count.
func (l *lakeBuilder) commit(path string, rows int64) {
	l.t.Helper()
	rel, err := filepath.Rel(l.dir, path)
	if err != nil {
		l.t.Fatal(err)
	}
	rel = filepath.ToSlash(rel)
	info, err := os.Stat(path)
	if err != nil {
		l.t.Fatal(err)
	}
	l.blobs(amlmon.BlobEntry{Container: "fixture", Blob: rel, Hour: fixtureHour,
		Segments: []amlmon.Segment{{ID: rel, Files: []string{rel}}},
		Files:    map[string]amlmon.FileStat{rel: {Size: info.Size(), Rows: rows}}})
}

// blobs appends manifest entries to the file of their path date and container.
func (l *lakeBuilder) blobs(entries ...amlmon.BlobEntry) {
	l.t.Helper()
	for _, e := range entries {
		dir := amlmon.BlobsDir(l.dir, e.Hour)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			l.t.Fatal(err)
		}
		b, err := json.Marshal(e)
		if err != nil {
			l.t.Fatal(err)
		}
		f, err := os.OpenFile(filepath.Join(dir, e.Container+".jsonl"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			l.t.Fatal(err)
		}
		f.Write(append(b, '\n'))
		if err := f.Close(); err != nil {
			l.t.Fatal(err)
		}
	}
}

func (l *lakeBuilder) unrecognised(entries ...amlmon.UnrecognisedBlob) {
	l.t.Helper()
	os.MkdirAll(amlmon.MetaDir(l.dir), 0o755)
	var b []byte
	for _, e := range entries {
		j, _ := json.Marshal(e)
		b = append(append(b, j...), '\n')
	}
	if err := os.WriteFile(amlmon.UnrecognisedFile(l.dir), b, 0o644); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lakeBuilder) open() *DB {
	l.t.Helper()
	db, err := Open(context.Background(), l.dir)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { db.Close() })
	return db
}

const (
	rid1 = "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS1"
	rid2 = "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG2/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS2"
	rid3 = "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG3/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS3"
)

var reportDay = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

func job(rid, ws, cluster, id, event, at string, extra row) row {
	r := row{"TimeGenerated": ts(at), "ResourceId": rid, "Resource": ws, "ClusterName": cluster,
		"JobId": id, "JobName": "train-" + id, "ExperimentName": "exp", "ToolType": "Python",
		"EventType": event, "OperationName": event, "_SourceBlob": "insights-logs-amlcomputejobevent/x", "_SourceOffset": 0}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

func clusterEvent(rid, ws, cluster, at string, extra row) row {
	r := row{"TimeGenerated": ts(at), "ResourceId": rid, "Resource": ws, "ClusterName": cluster,
		"VmSize": "STANDARD_NC6", "VmPriority": "Dedicated", "_SourceBlob": "insights-logs-amlcomputeclusterevent/x", "_SourceOffset": 0}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

func nodeEvent(rid, ws, cluster, node, at, alloc, boot string) row {
	return row{"TimeGenerated": ts(at), "ResourceId": rid, "Resource": ws, "ClusterName": cluster,
		"NodeId": node, "NodeAllocationTime": ts(alloc), "NodeBootTime": ts(boot),
		"_SourceBlob": "insights-logs-amlcomputeclusternodeevent/x", "_SourceOffset": 0}
}

func metric(rid, ws, name, at string, total, count float64) row {
	return row{"TimeGenerated": ts(at), "ResourceId": rid, "Resource": ws, "MetricName": name,
		"TimeGrain": "PT1M", "Total": total, "Count": count, "Minimum": total / count, "Maximum": total / count,
		"Average": total / count, "_SourceBlob": "insights-metrics-pt1m/x", "_SourceOffset": 0}
}

func blobName(rid string, hour time.Time) string {
	return "resourceId=" + rid + hour.Format("/y=2006/m=01/d=02/h=15/m=00/") + "PT1H.json"
}

func blobEntry(container, rid string, hour time.Time, size, records int64) amlmon.BlobEntry {
	return amlmon.BlobEntry{Container: container, Blob: blobName(rid, hour), ResourceID: rid, Hour: hour,
		Size: size, ETag: "0x1", Modified: hour.Add(70 * time.Minute), Consumed: size, Records: records}
}

// fixtureLake builds the lake whose report the tests compute by hand (see daily_test.go).
func fixtureLake(t testing.TB) *lakeBuilder {
	l := newLake(t)
	const jobs = "AmlComputeJobEvent"
	l.table(jobs, "2026-11-24", []row{
		job(rid1, "WS1", "gpu", "j0", "JobSubmitted", "2026-11-24T23:59:59.999999Z", nil),
		job(rid1, "WS1", "gpu", "j0", "JobFailed", "2026-11-24T23:59:59.999999Z", row{"JobErrorMessage": "yesterday"}),
	})
	l.table(jobs, "2026-11-25", []row{
		job(rid1, "WS1", "gpu", "j1", "JobSubmitted", "2026-11-25T00:00:00Z", nil),
		job(rid1, "WS1", "gpu", "j1", "JobSucceeded", "2026-11-25T01:00:00Z", nil),
		job(rid1, "WS1", "gpu", "j2", "JobSubmitted", "2026-11-25T02:00:00Z", nil),
		job(rid1, "WS1", "gpu", "j2", "JobFailed", "2026-11-25T04:00:00Z", row{"JobErrorMessage": "second report"}),
		job(rid1, "WS1", "gpu", "j2", "JobFailed", "2026-11-25T03:00:00Z", row{"JobErrorMessage": "OOM: CUDA out of memory"}),
		job(rid1, "WS1", "gpu", "j3", "JobSubmitted", "2026-11-25T05:00:00Z", nil),
		job(rid1, "WS1", "gpu", "j3", "jobfailed", "2026-11-25T06:00:00Z", row{"JobErrorMessage": "", "ErrorDetails": "Disk full"}),
		// EventType absent in the record: the decoder stored the OperationName.
		job(rid1, "WS1", "gpu", "j4", "JobFailed", "2026-11-25T23:59:59.999999Z", nil),
		job(rid2, "WS2", "gpu", "j5", "JobSubmitted", "2026-11-25T10:00:00Z", nil),
		job(rid2, "WS2", "gpu", "j5", "JOBFAILED", "2026-11-25T11:00:00Z", row{"ErrorDetails": "OOM: CUDA out of memory"}),
		job(rid1, "WS1", "cpu", "j6", "JobSubmitted", "2026-11-25T12:00:00Z", nil),
	})
	l.table(jobs, "2026-11-26", []row{
		job(rid1, "WS1", "gpu", "j7", "JobFailed", "2026-11-26T00:00:00Z", row{"JobErrorMessage": "tomorrow"}),
	})

	const clusters = "AmlComputeClusterEvent"
	l.table(clusters, "2026-11-24", []row{
		clusterEvent(rid1, "WS1", "gpu", "2026-11-24T23:59:59.999999Z", row{"CurrentNodeCount": 10, "QuotaAllocated": 100, "QuotaUtilized": 100}),
	})
	l.table(clusters, "2026-11-25", []row{
		clusterEvent(rid1, "WS1", "gpu", "2026-11-25T01:00:00Z", row{"CurrentNodeCount": 0, "QuotaAllocated": 100, "QuotaUtilized": 50, "PreemptedNodeCount": 0, "UnusableNodeCount": 0}),
		clusterEvent(rid1, "WS1", "gpu", "2026-11-25T02:00:00Z", row{"CurrentNodeCount": 4, "QuotaAllocated": 100, "QuotaUtilized": 95, "PreemptedNodeCount": 1}),
		clusterEvent(rid1, "WS1", "gpu", "2026-11-25T03:00:00Z", row{"CurrentNodeCount": 2, "QuotaAllocated": 100, "QuotaUtilized": 92, "UnusableNodeCount": 2}),
		clusterEvent(rid1, "WS1", "gpu", "2026-11-25T04:00:00Z", row{"CurrentNodeCount": 3, "QuotaAllocated": 0, "QuotaUtilized": 10}),
		clusterEvent(rid1, "WS1", "gpu", "2026-11-25T05:00:00Z", row{"QuotaAllocated": 100}),
		clusterEvent(rid2, "WS2", "gpu", "2026-11-25T06:00:00Z", row{"QuotaAllocated": 10, "QuotaUtilized": 3, "PreemptedNodeCount": 0}),
		clusterEvent(rid2, "WS2", "gpu", "2026-11-25T07:00:00Z", nil),
		// Same time: the blob offset orders them (3 after 1), whatever the file order.
		clusterEvent(rid1, "WS1", "cpu", "2026-11-25T08:00:00Z", row{"CurrentNodeCount": 3, "_SourceBlob": "b", "_SourceOffset": 20}),
		clusterEvent(rid1, "WS1", "cpu", "2026-11-25T08:00:00Z", row{"CurrentNodeCount": 1, "_SourceBlob": "b", "_SourceOffset": 10}),
		clusterEvent(rid1, "WS1", "cpu", "2026-11-25T09:00:00Z", row{"CurrentNodeCount": 2}),
	})
	l.table(clusters, "2026-11-26", []row{
		clusterEvent(rid1, "WS1", "gpu", "2026-11-26T00:00:00Z", row{"CurrentNodeCount": 10, "QuotaAllocated": 100, "QuotaUtilized": 100}),
	})

	const nodes = "AmlComputeClusterNodeEvent"
	l.table(nodes, "2026-11-25", []row{
		nodeEvent(rid1, "WS1", "gpu", "n1", "2026-11-25T10:05:00Z", "2026-11-25T10:00:00Z", "2026-11-25T10:01:40Z"),
		nodeEvent(rid1, "WS1", "gpu", "n2", "2026-11-25T11:05:00Z", "2026-11-25T11:00:00Z", "2026-11-25T11:03:20Z"),
		nodeEvent(rid1, "WS1", "gpu", "n1", "2026-11-25T12:05:00Z", "2026-11-25T12:00:00Z", "2026-11-25T12:05:00Z"),
		nodeEvent(rid1, "WS1", "cpu-lowpri", "n5", "2026-11-25T09:05:00Z", "2026-11-25T09:00:00Z", "2026-11-25T09:00:30Z"),
	})
	// Logged the next day, written before TotalE2ETimeInSeconds was a column.
	l.table(nodes, "2026-11-26", []row{
		nodeEvent(rid1, "WS1", "gpu", "n3", "2026-11-26T00:10:00Z", "2026-11-25T23:59:00Z", "2026-11-26T00:06:40Z"),
		nodeEvent(rid1, "WS1", "gpu", "n4", "2026-11-26T00:10:00Z", "2026-11-26T00:00:00Z", "2026-11-26T00:01:00Z"),
	}, "TotalE2ETimeInSeconds", "StartTaskEndTime")

	l.table(amlmon.AzureMetrics, "2026-11-25", []row{
		metric(rid1, "WS1", "Quota Utilization Percentage", "2026-11-25T10:01:00Z", 95, 1),
		metric(rid1, "WS1", "Quota Utilization Percentage", "2026-11-25T10:30:00Z", 170, 2),
		metric(rid1, "WS1", "quota utilization percentage", "2026-11-25T11:00:00Z", 92, 1),
		metric(rid1, "WS1", "QUOTA UTILIZATION PERCENTAGE", "2026-11-25T11:59:59.999999Z", 186, 2),
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-25T23:59:59.999999Z", 1, 1),
		metric(rid1, "WS1", "Unusable Nodes", "2026-11-25T00:00:00Z", 0, 1),
		metric(rid2, "WS2", "Unusable Nodes", "2026-11-25T05:15:00Z", 2, 1),
	})
	l.table(amlmon.AzureMetrics, "2026-11-26", []row{
		metric(rid1, "WS1", "Model Deploy Failed", "2026-11-26T00:00:00Z", 5, 1),
	})
	l.table("ModelsChangeEvent", "2026-11-25", []row{
		{"TimeGenerated": ts("2026-11-25T08:00:00Z"), "ResourceId": rid1, "OperationName": "Register model"},
	})
	l.table(amlmon.Rejects, "2026-11-25", []row{
		{"BlobHour": ts("2026-11-25T00:00:00Z"), "Container": "insights-logs-amlcomputejobevent", "Reason": "not a JSON object", "Text": "garbage", "_SourceBlob": "x", "_SourceOffset": 10},
		{"BlobHour": ts("2026-11-25T00:00:00Z"), "Container": "insights-logs-amlcomputejobevent", "Reason": "no time", "Text": "{}", "_SourceBlob": "x", "_SourceOffset": 20},
	})

	const jobC, clusterC = "insights-logs-amlcomputejobevent", "insights-logs-amlcomputeclusterevent"
	for h := 0; h < 24; h++ {
		if h == 3 || h == 4 || h == 21 {
			continue
		}
		hour := reportDay.Add(time.Duration(h) * time.Hour)
		e := blobEntry(jobC, rid1, hour, int64(1000+h), int64(h))
		switch h {
		case 0:
			e.Rejected, e.Warnings, e.FirstError = 2, 3, "not a JSON object"
		case 1:
			// Read twice: the later entry (read further) is the one that counts.
			old := e
			old.Size, old.Consumed, old.Records, old.Modified = 100, 100, 99, hour.Add(10*time.Minute)
			l.blobs(old)
		case 5:
			e.Size, e.Consumed, e.Records = 0, 0, 0
		}
		l.blobs(e)
	}
	l.blobs(blobEntry(clusterC, rid2, reportDay.AddDate(0, 0, -5).Add(10*time.Hour), 10, 1))
	l.blobs(blobEntry(clusterC, rid3, reportDay.AddDate(0, 0, -15).Add(10*time.Hour), 10, 1))
	l.blobs(blobEntry(jobC, rid1, reportDay.AddDate(0, 0, 1), 10, 1))
	// The job events of WS1 had a blob in every hour of the week before: an hourly stream.
	for h := 0; h < 7*24; h++ {
		l.blobs(blobEntry(jobC, rid1, reportDay.AddDate(0, 0, -7).Add(time.Duration(h)*time.Hour), 10, 1))
	}
	l.unrecognised(amlmon.UnrecognisedBlob{Container: "insights-logs-x", Blob: "random.txt", Reason: "not an archive path"})
	return l
}
