package transform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/amlmon/amlmon"
)

const (
	testRID  = "/SUBSCRIPTIONS/SUB1/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS1"
	testName = "resourceId=" + testRID + "/y=2026/m=11/d=25/h=13/m=00/PT1H.json"
)

func testBlob(container string) Blob {
	return Blob{
		Container:  container,
		Name:       testName,
		Hour:       time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC),
		ResourceID: testRID,
		Metrics:    strings.HasPrefix(container, "insights-metrics-"),
		Category:   testCategory(container),
		Append:     true,
	}
}

// row is one decoded row as plain Go values: string, int64, float64, a time as
// "2006-01-02T15:04:05.000000Z", or nil for NULL. _table and _date name its batch.
type row map[string]any

// memSink keeps every batch it gets as rows, and checks what the contract promises of them.
type memSink struct {
	t       *testing.T
	rows    []row
	batches []int // rows per write, in order
	failAt  int   // when > 0, the write of that number fails
}

func (s *memSink) write(table amlmon.Table, date time.Time, rec arrow.RecordBatch) error {
	s.t.Helper()
	if s.failAt > 0 && len(s.batches)+1 == s.failAt {
		return errors.New("disk full")
	}
	if date.Location() != time.UTC || !date.Equal(date.Truncate(24*time.Hour)) {
		s.t.Errorf("write %s: date %v is not a UTC midnight", table.Name, date)
	}
	if want := arrowSchema(table); !rec.Schema().Equal(want) {
		s.t.Errorf("write %s: schema\n%v\nwant\n%v", table.Name, rec.Schema(), want)
	}
	s.batches = append(s.batches, int(rec.NumRows()))
	for i := 0; i < int(rec.NumRows()); i++ {
		r := row{"_table": table.Name, "_date": date.Format(amlmon.DateLayout)}
		for c, f := range rec.Schema().Fields() {
			r[f.Name] = value(rec.Column(c), i)
		}
		s.rows = append(s.rows, r)
	}
	return nil
}

func value(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	return fmt.Sprintf("unexpected %T", a)
}

// ts formats a time as value does.
func ts(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// runDecode decodes input with a leak-checking allocator.
func runDecode(t *testing.T, ctx context.Context, b Blob, start int64, r io.Reader, o decodeOptions, sink batchSink) (decodeResult, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	o.mem = mem
	res, err := decode(ctx, b, start, r, o, sink)
	mem.AssertSize(t, 0)
	return res, err
}

func TestDecode(t *testing.T) {
	job := "insights-logs-amlcomputejobevent"
	cluster := "insights-logs-amlcomputeclusterevent"
	jobLine := `{"time":"2026-11-25T13:01:02.1234567Z","resourceId":"` + testRID + `","category":"AmlComputeJobEvent","operationName":"Microsoft.MachineLearningServices/workspaces/computes/jobs/action","level":"Informational","properties":{"JobId":"job-1","EventType":"JobFailed","ClusterName":"gpu","TFWorkerCount":"2"}}`
	short := func(id string) string {
		return `{"time":"2026-11-25T13:00:00Z","category":"AmlComputeJobEvent","properties":{"JobId":"` + id + `"}}`
	}
	wrapperPretty := "{\n  \"records\": [\n    {\n      \"time\": \"2026-11-25T13:00:00Z\",\n      \"category\": \"AmlComputeJobEvent\",\n      \"properties\": {\"JobId\": \"w1\"}\n    },\n    {\n      \"time\": \"2026-11-25T13:00:01Z\",\n      \"category\": \"AmlComputeJobEvent\",\n      \"properties\": {\"JobId\": \"w2\"}\n    }\n  ]\n}\n"
	longLine := `{"time":"2026-11-25T13:00:00Z","x":"` + strings.Repeat("a", 3000) + `"}`

	tests := []struct {
		name      string
		container string
		start     int64
		in        string
		opts      decodeOptions
		want      []row // checked keys only; rows grouped by table in input order
		consumed  int64 // -1: len(in)+start
		records   int64
		rejected  int64
		warnings  int64
		firstErr  string // prefix
	}{
		{
			name: "json lines", container: job, in: jobLine + "\n" + short("job-2") + "\n", consumed: -1, records: 2,
			want: []row{
				{"_table": "AmlComputeJobEvent", "_date": "2026-11-25", "TimeGenerated": ts("2026-11-25T13:01:02.123456Z"),
					"ResourceId": testRID, "SubscriptionId": "SUB1", "ResourceGroup": "RG1",
					"ResourceProvider": "MICROSOFT.MACHINELEARNINGSERVICES", "Resource": "WS1",
					"Category": "AmlComputeJobEvent", "Level": "Informational",
					"OperationName": "Microsoft.MachineLearningServices/workspaces/computes/jobs/action",
					"JobId":         "job-1", "EventType": "JobFailed", "ClusterName": "gpu", "TFWorkerCount": int64(2),
					"TFParameterServerCount": nil, "DurationMs": nil, "Extra": nil,
					"Properties":  `{"JobId":"job-1","EventType":"JobFailed","ClusterName":"gpu","TFWorkerCount":"2"}`,
					"_SourceBlob": job + "/" + testName, "_SourceOffset": int64(0)},
				{"_table": "AmlComputeJobEvent", "JobId": "job-2", "_SourceOffset": int64(len(jobLine) + 1), "ResourceId": testRID, "Resource": "WS1"},
			},
		},
		{
			name: "wrapper on one line", container: job, consumed: -1, records: 2,
			in: `{"records":[` + short("a") + `, ` + short("b") + `]}` + "\n",
			want: []row{
				{"JobId": "a", "_SourceOffset": int64(12)},
				{"JobId": "b", "_SourceOffset": int64(12 + len(short("a")) + 2)},
			},
		},
		{
			name: "wrapper pretty-printed after a BOM", container: job, consumed: -1, records: 2,
			in: "\xEF\xBB\xBF" + wrapperPretty,
			want: []row{
				{"JobId": "w1", "_SourceOffset": int64(3 + strings.Index(wrapperPretty, "{\n      \"time"))},
				{"JobId": "w2", "TimeGenerated": ts("2026-11-25T13:00:01Z"), "_SourceOffset": int64(3 + strings.LastIndex(wrapperPretty, "{\n      \"time"))},
			},
		},
		{
			name: "wrapper with a broken element goes on as lines", container: job, consumed: -1, records: 2, rejected: 2,
			opts:     decodeOptions{sealed: true},
			in:       `{"records":[` + short("a") + ",\n{\"time\": oops},\n" + short("c") + "\n]}",
			firstErr: "invalid JSON",
			want: []row{
				{"_table": "AmlComputeJobEvent", "JobId": "a"},
				{"_table": "AmlComputeJobEvent", "JobId": "c"},
				{"_table": "Rejects", "Text": `{"time": oops},`, "_SourceOffset": int64(12 + len(short("a")) + 2)},
				{"_table": "Rejects", "Text": "]}"},
			},
		},
		{
			name: "BOM, CRLF, blank lines and spaces", container: job, consumed: -1, records: 3,
			in: "\xEF\xBB\xBF" + short("a") + "\r\n\r\n   \n\t" + short("b") + "  \r\n\n" + short("c") + "\r\n",
			want: []row{
				{"JobId": "a", "_SourceOffset": int64(3)},
				{"JobId": "b", "_SourceOffset": int64(3 + len(short("a")) + 2 + 2 + 4)},
				{"JobId": "c", "_SourceOffset": int64(3 + len(short("a")) + 2 + 2 + 4 + 1 + len(short("b")) + 4 + 1)},
			},
		},
		{
			name: "unterminated parseable last line, unsealed", container: job, consumed: -1, records: 2,
			in:   short("a") + "\n" + short("b"),
			want: []row{{"JobId": "a"}, {"JobId": "b"}},
		},
		{
			name: "unterminated parseable last line, sealed", container: job, consumed: -1, records: 2,
			opts: decodeOptions{sealed: true},
			in:   short("a") + "\n" + short("b"),
			want: []row{{"JobId": "a"}, {"JobId": "b"}},
		},
		{
			name: "unterminated unparseable last line, unsealed, is left", container: job,
			consumed: int64(len(short("a")) + 1), records: 1,
			in:   short("a") + "\n" + short("b")[:20],
			want: []row{{"JobId": "a"}},
		},
		{
			name: "unterminated unparseable last line, sealed, is rejected", container: job, consumed: -1,
			records: 1, rejected: 1, firstErr: "invalid JSON: unexpected end of input",
			opts: decodeOptions{sealed: true},
			in:   short("a") + "\n" + short("b")[:20],
			want: []row{
				{"_table": "AmlComputeJobEvent", "JobId": "a"},
				{"_table": "Rejects", "_date": "2026-11-25", "BlobHour": ts("2026-11-25T13:00:00Z"), "Container": job,
					"Text": short("b")[:20], "_SourceOffset": int64(len(short("a")) + 1), "_SourceBlob": job + "/" + testName},
			},
		},
		{
			name: "a blank unterminated tail, unsealed, is left", container: job,
			consumed: int64(len(short("a")) + 1), records: 1,
			in:   short("a") + "\n  \t",
			want: []row{{"JobId": "a"}},
		},
		{
			name: "a blank unterminated tail, sealed, is consumed", container: job, consumed: -1, records: 1,
			opts: decodeOptions{sealed: true},
			in:   short("a") + "\n  \t",
			want: []row{{"JobId": "a"}},
		},
		{
			name: "a BOM alone, unsealed, is left", container: job, consumed: 0,
			in: "\xEF\xBB\xBF",
		},
		{
			name: "a BOM alone, sealed, is consumed", container: job, consumed: -1,
			opts: decodeOptions{sealed: true},
			in:   "\xEF\xBB\xBF",
		},
		{
			name: "the head of a wrapper, unsealed, is left", container: job, consumed: 0,
			in: "\xEF\xBB\xBF{\n  \"rec",
		},
		{
			name: "the head of a wrapper, sealed, is rejected", container: job, consumed: -1, rejected: 2,
			opts: decodeOptions{sealed: true}, firstErr: "invalid JSON",
			in:   "\xEF\xBB\xBF{\n  \"rec",
			want: []row{{"Text": "{", "_SourceOffset": int64(3)}, {"Text": `  "rec`, "_SourceOffset": int64(5)}},
		},
		{
			name: "an unfinished wrapper element, unsealed, is left", container: job,
			consumed: int64(12 + len(short("a"))), records: 1,
			in:   `{"records":[` + short("a") + `,` + short("b")[:30],
			want: []row{{"JobId": "a"}},
		},
		{
			name: "a wrapper carried on from inside its array", container: job, start: 500, consumed: -1, records: 2,
			in:   " ,\n" + short("b") + "," + short("c") + "\n]}\n",
			want: []row{{"JobId": "b", "_SourceOffset": int64(503)}, {"JobId": "c", "_SourceOffset": int64(504 + len(short("b")))}},
		},
		{
			name: "numbers as strings and uncoercible values", container: cluster, consumed: -1, records: 1, warnings: 4,
			in: `{"time":"2026-11-25T13:00:00Z","category":"AmlComputeClusterEvent","durationMs":"1500","properties":{` +
				`"QuotaAllocated":"48","QuotaUtilized":12,"CoreCount":"48.0","CurrentNodeCount":4.7,"IdleNodeCount":"abc",` +
				`"TargetNodeCount":true,"RunningNodeCount":"","MinimumNodeCount":null,"MaximumNodeCount":" 7 ","InitialNodeCount":{"a":1},` +
				`"AllocationStateTransitionTime":"2026-11-25 12:59:00.5","IsResizeGrow":true,"VmSize":7,"ClusterErrorCodes":["E1","E2"],` +
				`"VmPriority":{"x":[1,2]},"Sku":"true"}}` + "\n",
			want: []row{{
				"DurationMs": int64(1500), "QuotaAllocated": int64(48), "QuotaUtilized": int64(12), "CoreCount": int64(48),
				"CurrentNodeCount": nil, "IdleNodeCount": nil, "TargetNodeCount": nil, "RunningNodeCount": nil,
				"MinimumNodeCount": nil, "MaximumNodeCount": int64(7), "InitialNodeCount": nil,
				"AllocationStateTransitionTime": ts("2026-11-25T12:59:00.5Z"),
				"IsResizeGrow":                  "true", "VmSize": "7", "ClusterErrorCodes": `["E1","E2"]`, "VmPriority": `{"x":[1,2]}`, "Sku": "true",
			}},
		},
		{
			name: "doubles and timestamps tolerant", container: "insights-logs-amlcomputeclusternodeevent", consumed: -1, records: 1, warnings: 2,
			in: `{"time":"2026-11-25T13:00:00Z","category":"AmlComputeClusterNodeEvent","properties":{` +
				`"TotalE2ETimeInSeconds":"3.5","NodeAllocationTime":"2026-11-25T12:00:00Z","NodeBootTime":"5/18/2021 3:25:55 PM +00:00",` +
				`"ResizeStartTime":"not a time","ResizeEndTime":1700000000,"StartTaskStartTime":"","NodeId":"tvm-1"}}`,
			want: []row{{
				"TotalE2ETimeInSeconds": 3.5, "NodeAllocationTime": ts("2026-11-25T12:00:00Z"),
				"NodeBootTime": ts("2021-05-18T15:25:55Z"), "ResizeStartTime": nil, "ResizeEndTime": nil,
				"StartTaskStartTime": nil, "NodeId": "tvm-1",
			}},
		},
		{
			name: "mixed key case, top-level typed fields, properties win", container: job, consumed: -1, records: 1,
			in: `{"Time":"2026-11-25T13:00:00Z","RESOURCEID":"` + testRID + `","Category":"amlcomputejobevent","OperationName":"op",` +
				`"jobname":"top-name","JobId":"top-id","properties":{"JOBID":"props-id","clustername":"c1","jobId":"second"}}`,
			want: []row{{
				"_table": "AmlComputeJobEvent", "Category": "amlcomputejobevent", "OperationName": "op",
				"JobId": "props-id", "JobName": "top-name", "ClusterName": "c1",
				"Extra": `{"jobname":"top-name","JobId":"top-id"}`,
			}},
		},
		{
			name: "resourceid spelled in lower case with a trailing slash", container: job, consumed: -1, records: 2,
			in: `{"time":"2026-11-25T13:00:00Z","resourceid":"/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.MachineLearningServices/workspaces/ws1/onlineEndpoints/ep1/","category":"AmlComputeJobEvent"}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","resourceId":"/SUBSCRIPTIONS/S2/RESOURCEGROUPS/R2","category":"AmlComputeJobEvent"}` + "\n",
			want: []row{
				{"ResourceId": "/SUBSCRIPTIONS/SUB1/RESOURCEGROUPS/RG1/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS1/ONLINEENDPOINTS/EP1",
					"SubscriptionId": "SUB1", "ResourceGroup": "RG1", "ResourceProvider": "MICROSOFT.MACHINELEARNINGSERVICES", "Resource": "EP1"},
				{"ResourceId": "/SUBSCRIPTIONS/S2/RESOURCEGROUPS/R2", "SubscriptionId": "S2", "ResourceGroup": "R2", "ResourceProvider": nil, "Resource": nil},
			},
		},
		{
			name: "no resourceId takes the blob's", container: job, consumed: -1, records: 1,
			in:   short("a"),
			want: []row{{"ResourceId": testRID, "SubscriptionId": "SUB1", "ResourceGroup": "RG1", "Resource": "WS1"}},
		},
		{
			name: "Identity holds identity, Extra the non-standard fields", container: job, consumed: -1, records: 1,
			in: `{"time":"2026-11-25T13:00:00Z","category":"AmlComputeJobEvent","identity":{"claims":{"a":"b"}},"location":"westeurope",` +
				`"callerIpAddress":"10.0.0.1","correlationId":"c-1","resultType":"Failed","resultSignature":"500","resultDescription":"boom",` +
				`"operationVersion":"1.0","custom":[1,"x"],"na\u006De":"v"}`,
			want: []row{{
				"Location": "westeurope", "CallerIpAddress": "10.0.0.1", "CorrelationId": "c-1", "ResultType": "Failed",
				"ResultSignature": "500", "ResultDescription": "boom", "OperationVersion": "1.0", "Properties": nil,
				"Identity": `{"claims":{"a":"b"}}`, "Extra": `{"custom":[1,"x"],"na\u006De":"v"}`,
			}},
		},
		{
			name: "properties as a JSON string holding an object", container: job, consumed: -1, records: 2,
			in: `{"time":"2026-11-25T13:00:00Z","category":"AmlComputeJobEvent","properties":"{\"JobId\":\"j9\",\"Msg\":\"a\\\"b\"}"}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","category":"AmlComputeJobEvent","properties":"plain text"}` + "\n",
			want: []row{
				{"JobId": "j9", "Properties": `{"JobId":"j9","Msg":"a\"b"}`},
				{"JobId": nil, "Properties": `"plain text"`},
			},
		},
		{
			name: "escaped strings are unescaped", container: job, consumed: -1, records: 1,
			in:   `{"time":"2026-11-25T13:00:00Z","category":"AmlComputeJobEvent","properties":{"JobErrorMessage":"line1\nline2 \"q\" \u00e9 \ud83d\ude00 \ud800","JobId":"caf\u00e9"}}`,
			want: []row{{"JobErrorMessage": "line1\nline2 \"q\" é 😀 \uFFFD", "JobId": "café"}},
		},
		{
			name: "timestamp spellings", container: job, consumed: -1, records: 12,
			in: strings.Join([]string{
				`{"time":"2016-07-01T00:00:37.2040000Z"}`,
				`{"time":"2026-11-25T13:00:06.446Z"}`,
				`{"time":"2026-11-25T15:30:00.5+02:30"}`,
				`{"time":"2026-11-25T08:00:00-05:00"}`,
				`{"time":"2019-08-22 20:50:59.522"}`,
				`{"time":"5/18/2021 3:25:55 AM +00:00"}`,
				`{"time":"12/31/2021 12:00:01 AM"}`,
				`{"time":"1/2/2022 12:30 PM"}`,
				`{"time":"2026-11-25T23:59:59.9999999Z"}`,
				`{"time":"2026-11-25T13:00:00"}`,
				`{"time":"2026-11-25T13:00"}`,
				`{"time":"Wed, 25 Nov 2026 13:00:00 +0100"}`,
			}, "\n"),
			want: []row{
				{"TimeGenerated": ts("2016-07-01T00:00:37.204Z"), "_date": "2016-07-01"},
				{"TimeGenerated": ts("2019-08-22T20:50:59.522Z"), "_date": "2019-08-22"},
				{"TimeGenerated": ts("2021-05-18T03:25:55Z"), "_date": "2021-05-18"},
				{"TimeGenerated": ts("2021-12-31T00:00:01Z"), "_date": "2021-12-31"},
				{"TimeGenerated": ts("2022-01-02T12:30:00Z"), "_date": "2022-01-02"},
				{"TimeGenerated": ts("2026-11-25T13:00:06.446Z"), "_date": "2026-11-25"},
				{"TimeGenerated": ts("2026-11-25T13:00:00.5Z")},
				{"TimeGenerated": ts("2026-11-25T13:00:00Z")},
				{"TimeGenerated": ts("2026-11-25T23:59:59.999999Z"), "_date": "2026-11-25"},
				{"TimeGenerated": ts("2026-11-25T13:00:00Z")},
				{"TimeGenerated": ts("2026-11-25T13:00:00Z")},
				{"TimeGenerated": ts("2026-11-25T12:00:00Z")},
			},
		},
		{
			name: "EventType falls back to OperationName", container: job, consumed: -1, records: 2,
			in: `{"time":"2026-11-25T13:00:00Z","category":"AmlComputeJobEvent","operationName":"JobSubmitted","properties":{"JobId":"a"}}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","category":"AmlComputeJobEvent","operationName":"Other","properties":{"eventType":"JobSucceeded"}}` + "\n",
			want: []row{{"EventType": "JobSubmitted"}, {"EventType": "JobSucceeded"}},
		},
		{
			name: "unknown, invalid and missing categories", container: job, consumed: -1, records: 5,
			in: `{"time":"2026-11-25T13:00:00Z","category":"ModelsChangeEvent","properties":{"JobId":"x"}}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","category":"../etc passwd","properties":{"JobId":"y"}}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","properties":{"JobId":"z"}}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","category":"amlcomputeclusterevent","properties":{"ClusterName":"c"}}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","category":"Foo-Bar","properties":{"JobId":"f"}}` + "\n",
			want: []row{
				{"_table": "AmlComputeClusterEvent", "Category": "amlcomputeclusterevent", "ClusterName": "c"},
				{"_table": "AmlComputeJobEvent", "Category": "AmlComputeJobEvent", "JobId": "z"},
				{"_table": "AmlModelsEvent", "Category": "ModelsChangeEvent", "Properties": `{"JobId":"x"}`, "Identity": nil},
				{"_table": "Category____etc_passwd", "Category": "../etc passwd", "Properties": `{"JobId":"y"}`},
				{"_table": "Foo_Bar", "Category": "Foo-Bar", "Properties": `{"JobId":"f"}`},
			},
		},
		{
			name: "a category that names a table of no category", container: "insights-logs-rejects", consumed: -1, records: 3,
			in: `{"time":"2026-11-25T13:00:00Z","category":"Rejects"}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","category":"azuremetrics"}` + "\n" +
				`{"time":"2026-11-25T13:00:00Z","category":"AmlModelsEvent"}` + "\n",
			want: []row{
				{"_table": "Category_rejects", "Category": "Rejects", "TimeGenerated": ts("2026-11-25T13:00:00Z")},
				{"_table": "Category_rejects", "Category": "azuremetrics"},
				{"_table": "Category_rejects", "Category": "AmlModelsEvent"},
			},
		},
		{
			name: "a category keeps its spelling in its own container", container: "insights-logs-modelschangeevent", consumed: -1, records: 2,
			in: `{"time":"2026-11-25T13:00:00Z","category":"ModelsChangeEvent"}` + "\n" +
				`{"time":"2026-11-25T13:00:01Z"}` + "\n",
			want: []row{
				{"_table": "AmlModelsEvent", "Category": "ModelsChangeEvent"},
				{"_table": "AmlModelsEvent", "Category": "ModelsChangeEvent", "TimeGenerated": ts("2026-11-25T13:00:01Z")},
			},
		},
		{
			name: "a mapped container category", container: "insights-logs-deploymenteventaks", consumed: -1, records: 1,
			in:   `{"time":"2026-11-25T13:00:00Z"}`,
			want: []row{{"_table": "AmlDeploymentEvent", "Category": "DeploymentEventAKS"}},
		},
		{
			name: "unknown container category", container: "insights-logs-somenewevent", consumed: -1, records: 1,
			in:   `{"time":"2026-11-25T13:00:00Z","identity":"x"}`,
			want: []row{{"_table": "somenewevent", "Category": "somenewevent", "Extra": `{"identity":"x"}`}},
		},
		{
			name: "metric records", container: "insights-metrics-pt1m", consumed: -1, records: 2,
			in: `{"count":14,"total":0,"minimum":0,"maximum":0,"average":0,"resourceId":"` + testRID + `","time":"2018-12-20T17:00:00.0000000Z","metricName":"Quota Utilization Percentage","timeGrain":"PT1M"}` + "\n" +
				`{"Count":"2","Total":"91.5","Minimum":1e2,"maximum":-0.25,"average":null,"time":"2018-12-20T17:01:00Z","MetricName":"Unusable Nodes","timeGrain":"PT1M","dimensions":{"ClusterName":"gpu"},"category":"x"}` + "\n",
			want: []row{
				{"_table": "AzureMetrics", "TimeGenerated": ts("2018-12-20T17:00:00Z"), "ResourceId": testRID, "Resource": "WS1",
					"MetricName": "Quota Utilization Percentage", "TimeGrain": "PT1M", "Count": 14.0, "Total": 0.0, "Minimum": 0.0,
					"Maximum": 0.0, "Average": 0.0, "Extra": nil, "_SourceOffset": int64(0)},
				{"_table": "AzureMetrics", "TimeGenerated": ts("2018-12-20T17:01:00Z"), "ResourceId": testRID, "MetricName": "Unusable Nodes",
					"Count": 2.0, "Total": 91.5, "Minimum": 100.0, "Maximum": -0.25, "Average": nil,
					"Extra": `{"dimensions":{"ClusterName":"gpu"},"category":"x"}`},
			},
		},
		{
			name: "every reject reason, with offsets", container: job, consumed: -1, records: 1, rejected: 8,
			firstErr: "not a JSON object",
			in: "[1,2]\n" + `"text"` + "\n42\n{\"time\":\n" + `{"category":"x"}` + "\n" +
				`{"time":"yesterday"}` + "\n" + `{"time":null}` + "\n" + `{"time":"2026-11-25T13:00:00Z"} trailing` + "\n" + short("ok") + "\n",
			want: []row{
				{"_table": "AmlComputeJobEvent", "JobId": "ok", "_SourceOffset": int64(118)},
				{"_table": "Rejects", "Reason": "not a JSON object", "Text": "[1,2]", "_SourceOffset": int64(0)},
				{"_table": "Rejects", "Reason": "not a JSON object", "Text": `"text"`, "_SourceOffset": int64(6)},
				{"_table": "Rejects", "Reason": "not a JSON object", "Text": "42", "_SourceOffset": int64(13)},
				{"_table": "Rejects", "Reason": "invalid JSON: unexpected end of input", "Text": `{"time":`, "_SourceOffset": int64(16)},
				{"_table": "Rejects", "Reason": "no time field", "Text": `{"category":"x"}`, "_SourceOffset": int64(25)},
				{"_table": "Rejects", "Reason": `unparseable time "yesterday"`, "_SourceOffset": int64(42)},
				{"_table": "Rejects", "Reason": "no time field", "Text": `{"time":null}`, "_SourceOffset": int64(63)},
				{"_table": "Rejects", "Reason": `invalid JSON: invalid character after top-level value 't' at offset 32`, "_SourceOffset": int64(77)},
			},
		},
		{
			name: "a long unparseable time is cut whole runes short in the reason", container: job, consumed: -1, rejected: 1,
			firstErr: "unparseable time",
			in:       `{"time":"` + strings.Repeat("é", 60) + `"}`,
			want:     []row{{"Reason": `unparseable time "` + strings.Repeat("é", 49)}},
		},
		{
			name: "offsets from a start past zero", container: job, start: 1000, consumed: -1, records: 2,
			in:   short("a") + "\n" + short("b") + "\n",
			want: []row{{"_SourceOffset": int64(1000)}, {"_SourceOffset": int64(1000 + len(short("a")) + 1)}},
		},
		{
			name: "a BOM past offset zero is not a BOM", container: job, start: 10, consumed: -1, rejected: 1,
			firstErr: "invalid JSON",
			in:       "\xEF\xBB\xBF" + short("a") + "\n",
			want:     []row{{"_table": "Rejects", "_SourceOffset": int64(10)}},
		},
		{
			name: "too long line", container: job, consumed: -1, records: 2, rejected: 1, firstErr: "line too long",
			opts: decodeOptions{maxLine: 1024},
			in:   short("a") + "\n" + longLine + "\n" + short("b") + "\n",
			want: []row{
				{"_table": "AmlComputeJobEvent", "JobId": "a"},
				{"_table": "AmlComputeJobEvent", "JobId": "b", "_SourceOffset": int64(len(short("a")) + 1 + len(longLine) + 1)},
				{"_table": "Rejects", "Reason": "line too long", "Text": longLine[:1024], "_SourceOffset": int64(len(short("a")) + 1)},
			},
		},
		{
			name: "too long unterminated last line, unsealed, is left", container: job, records: 1,
			consumed: int64(len(short("a")) + 1),
			opts:     decodeOptions{maxLine: 1024},
			in:       short("a") + "\n" + longLine,
			want:     []row{{"JobId": "a"}},
		},
		{
			name: "records on two dates", container: job, consumed: -1, records: 3,
			in: `{"time":"2026-11-25T23:59:59.9999999Z","properties":{"JobId":"late"}}` + "\n" +
				`{"time":"2026-11-26T00:00:00Z","properties":{"JobId":"next"}}` + "\n" +
				`{"time":"2026-11-25T12:00:00Z","properties":{"JobId":"same"}}` + "\n",
			want: []row{
				{"_date": "2026-11-25", "JobId": "late"},
				{"_date": "2026-11-25", "JobId": "same"},
				{"_date": "2026-11-26", "JobId": "next"},
			},
		},
		{
			name: "empty blob", container: job, consumed: 0, in: "",
		},
		{
			name: "duplicate keys: the first wins", container: job, consumed: -1, records: 1,
			in:   `{"time":"2026-11-25T13:00:00Z","time":"2020-01-01T00:00:00Z","properties":{"JobId":"1","JobId":"2"}}`,
			want: []row{{"TimeGenerated": ts("2026-11-25T13:00:00Z"), "JobId": "1"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &memSink{t: t}
			// One byte at a time exercises every buffer boundary of the reader.
			for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				sink.rows, sink.batches = nil, nil
				res, err := runDecode(t, context.Background(), testBlob(tc.container), tc.start, r, tc.opts, sink)
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				want := tc.consumed
				if want < 0 {
					want = tc.start + int64(len(tc.in))
				}
				if res.consumed != want || res.records != tc.records || res.rejected != tc.rejected || res.warnings != tc.warnings {
					t.Errorf("consumed %d records %d rejected %d warnings %d, want %d %d %d %d",
						res.consumed, res.records, res.rejected, res.warnings, want, tc.records, tc.rejected, tc.warnings)
				}
				if !strings.HasPrefix(res.firstError, tc.firstErr) || (tc.firstErr == "") != (res.firstError == "") {
					t.Errorf("firstError %q, want prefix %q", res.firstError, tc.firstErr)
				}
				var total int64
				for _, n := range res.perTable {
					total += n
				}
				if _, ok := res.perTable[amlmon.Rejects]; total != res.records || ok {
					t.Errorf("perTable %v does not add up to %d records, or counts rejects", res.perTable, res.records)
				}
				compareRows(t, sink.rows, tc.want)
			}
		})
	}
}

// compareRows checks that got holds the wanted rows: the same number, and for each the keys
// that want names. Rows are compared in the order the sink saw them.
func compareRows(t *testing.T, got, want []row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d:\n%v", len(got), len(want), got)
	}
	for i := range want {
		for k, v := range want[i] {
			g, ok := got[i][k]
			if !ok {
				t.Errorf("row %d: no column %s", i, k)
				continue
			}
			if g != v {
				t.Errorf("row %d (%s): %s = %#v, want %#v", i, got[i]["_table"], k, g, v)
			}
		}
	}
}

func TestDecodeRejectTextIsCappedAtARuneBoundary(t *testing.T) {
	line := "[" + strings.Repeat("é", 40<<10) // not JSON, 80 KiB of two-byte runes after one byte
	sink := &memSink{t: t}
	res, err := runDecode(t, context.Background(), testBlob("insights-logs-x"), 0, strings.NewReader(line+"\n"), decodeOptions{sealed: true}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.rejected != 1 || len(sink.rows) != 1 {
		t.Fatalf("rejected %d, rows %d", res.rejected, len(sink.rows))
	}
	text := sink.rows[0]["Text"].(string)
	if len(text) > rejectTextMax || len(text) < rejectTextMax-3 || !utf8.ValidString(text) || !strings.HasPrefix(line, text) {
		t.Errorf("Text of %d bytes, valid UTF-8 %v", len(text), utf8.ValidString(text))
	}
}

func TestDecodeInvalidUTF8IsRejectedAndKeptReadable(t *testing.T) {
	in := "{\"time\":\"2026-11-25T13:00:00Z\",\"x\":\"\xff\"}\n"
	sink := &memSink{t: t}
	res, err := runDecode(t, context.Background(), testBlob("insights-logs-x"), 0, strings.NewReader(in), decodeOptions{}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.rejected != 1 || !strings.Contains(res.firstError, "UTF-8") {
		t.Fatalf("rejected %d, first error %q", res.rejected, res.firstError)
	}
	if text := sink.rows[0]["Text"].(string); !utf8.ValidString(text) || !strings.Contains(text, "\uFFFD") {
		t.Errorf("Text %q", text)
	}
}

func TestDecodeFlushesEveryBatchRows(t *testing.T) {
	var in strings.Builder
	for i := range 5 {
		fmt.Fprintf(&in, `{"time":"2026-11-25T13:00:%02dZ","properties":{"JobId":"%d"}}`+"\n", i, i)
	}
	in.WriteString("not json\n")
	sink := &memSink{t: t}
	res, err := runDecode(t, context.Background(), testBlob("insights-logs-amlcomputejobevent"), 0, strings.NewReader(in.String()), decodeOptions{batchRows: 2}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sink.batches) != "[2 2 1 1]" {
		t.Errorf("batches %v, want [2 2 1 1]", sink.batches)
	}
	if res.records != 5 || res.rejected != 1 {
		t.Errorf("records %d rejected %d", res.records, res.rejected)
	}
	for i := range 5 {
		if got := sink.rows[i]["JobId"]; got != fmt.Sprint(i) {
			t.Errorf("row %d JobId %v", i, got)
		}
	}
}

func TestDecodeBoundsOpenBatches(t *testing.T) {
	var in strings.Builder
	days := maxOpenBatches + 10
	for i := range days {
		fmt.Fprintf(&in, `{"time":"%s"}`+"\n", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.RFC3339))
	}
	sink := &memSink{t: t}
	res, err := runDecode(t, context.Background(), testBlob("insights-logs-amlcomputejobevent"), 0, strings.NewReader(in.String()), decodeOptions{}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.records != int64(days) || len(sink.rows) != days {
		t.Errorf("records %d, rows %d, want %d", res.records, len(sink.rows), days)
	}
}

func TestDecodeSinkErrorStops(t *testing.T) {
	var in strings.Builder
	for range 10 {
		in.WriteString(`{"time":"2026-11-25T13:00:00Z"}` + "\n")
	}
	sink := &memSink{t: t, failAt: 2}
	_, err := runDecode(t, context.Background(), testBlob("insights-logs-amlcomputejobevent"), 0, strings.NewReader(in.String()), decodeOptions{batchRows: 3}, sink)
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "AmlComputeJobEvent") {
		t.Fatalf("err %v, want the sink's error with the table", err)
	}
	if len(sink.batches) != 1 {
		t.Errorf("%d batches written after the failure", len(sink.batches)-1)
	}
}

// endless yields the same line for ever.
type endless struct{ line []byte }

func (e endless) Read(p []byte) (int, error) {
	n := 0
	for n+len(e.line) <= len(p) {
		n += copy(p[n:], e.line)
	}
	return n, nil
}

// cancelSink cancels its context on the first batch.
type cancelSink struct {
	cancel context.CancelFunc
	rows   int64
}

func (s *cancelSink) write(_ amlmon.Table, _ time.Time, rec arrow.RecordBatch) error {
	s.rows += rec.NumRows()
	s.cancel()
	return nil
}

func TestDecodeStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := &cancelSink{cancel: cancel}
	line := []byte(`{"time":"2026-11-25T13:00:00Z","properties":{"JobId":"a"}}` + "\n")
	res, err := runDecode(t, ctx, testBlob("insights-logs-amlcomputejobevent"), 0, endless{line}, decodeOptions{batchRows: 100}, sink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if res.records < 100 || res.consumed != res.records*int64(len(line)) {
		t.Errorf("records %d consumed %d", res.records, res.consumed)
	}
}

func TestDecodeReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader(`{"time":"2026-11-25T13:00:00Z"}`+"\n"), iotest.ErrReader(errors.New("connection reset")))
	_, err := runDecode(t, context.Background(), testBlob("insights-logs-amlcomputejobevent"), 0, r, decodeOptions{}, &memSink{t: t})
	if err == nil || !strings.Contains(err.Error(), "connection reset") || !strings.Contains(err.Error(), testName) {
		t.Fatalf("err %v", err)
	}
}

func TestArrowSchema(t *testing.T) {
	for _, tab := range amlmon.Tables() {
		s := arrowSchema(tab)
		if s.NumFields() != len(tab.Columns) {
			t.Fatalf("%s: %d fields", tab.Name, s.NumFields())
		}
		for i, c := range tab.Columns {
			f := s.Field(i)
			if f.Name != c.Name || !f.Nullable {
				t.Errorf("%s.%s: field %v", tab.Name, c.Name, f)
			}
			if c.Type == amlmon.Timestamp {
				tt, ok := f.Type.(*arrow.TimestampType)
				if !ok || tt.Unit != arrow.Microsecond || tt.TimeZone != "" {
					t.Errorf("%s.%s: %v, want timestamp[us] without zone", tab.Name, c.Name, f.Type)
				}
			}
		}
	}
}

// TestDecodeResumesWhereItStopped cuts a blob at every byte, as an append blob is seen while
// it grows, decodes the cut unsealed, then the rest from where that stopped: together the two
// runs must give exactly the rows of one run over the whole blob.
func TestDecodeResumesWhereItStopped(t *testing.T) {
	rec := func(id string) string {
		return `{"time":"2026-11-25T13:00:00Z","properties":{"JobId":"` + id + `"}}`
	}
	for _, tc := range []struct{ name, in string }{
		{"json lines", rec("a") + "\n" + rec("b") + "\r\n\n  " + rec("c") + "  \n" + rec("d")},
		{"wrapper on one line", `{"records":[` + rec("a") + "," + rec("b") + " , " + rec("c") + "]}"},
		{"wrapper pretty-printed", "\xEF\xBB\xBF{\n  \"records\": [\n    " + rec("a") + ",\n    " + rec("b") + "\n  ]\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blob := testBlob("insights-logs-amlcomputejobevent")
			whole := &memSink{t: t}
			if _, err := runDecode(t, context.Background(), blob, 0, strings.NewReader(tc.in), decodeOptions{sealed: true}, whole); err != nil {
				t.Fatal(err)
			}
			want := summary(whole.rows)
			for cut := 0; cut <= len(tc.in); cut++ {
				sink := &memSink{t: t}
				first, err := runDecode(t, context.Background(), blob, 0, strings.NewReader(tc.in[:cut]), decodeOptions{}, sink)
				if err != nil {
					t.Fatal(err)
				}
				if first.consumed > int64(cut) {
					t.Fatalf("cut %d: consumed %d", cut, first.consumed)
				}
				rest := strings.NewReader(tc.in[first.consumed:])
				if _, err := runDecode(t, context.Background(), blob, first.consumed, rest, decodeOptions{sealed: true}, sink); err != nil {
					t.Fatal(err)
				}
				if got := summary(sink.rows); got != want {
					t.Fatalf("cut %d (consumed %d): rows\n%s\nwant\n%s", cut, first.consumed, got, want)
				}
			}
		})
	}
}

// summary lists the table, JobId and offset of each row, sorted by offset.
func summary(rows []row) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = fmt.Sprintf("%012d %s %v", r["_SourceOffset"], r["_table"], r["JobId"])
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
