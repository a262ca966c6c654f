package transform

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/amlmon/amlmon"
)

// discard is a sink that only counts rows, so that a benchmark measures the decoder alone.
type discard struct{ rows int64 }

func (s *discard) write(_ amlmon.Table, _ time.Time, rec arrow.RecordBatch) error {
	s.rows += rec.NumRows()
	return nil
}

// benchLines renders n clean records of one kind, as the archive holds them.
func benchLines(kind string, n int) []byte {
	var b bytes.Buffer
	t0 := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	for i := range n {
		at := t0.Add(time.Duration(i) * 137 * time.Millisecond).Format("2006-01-02T15:04:05.0000000Z")
		switch kind {
		case "job":
			fmt.Fprintf(&b, `{"time":"%s","resourceId":"%s","category":"AmlComputeJobEvent","operationName":"Microsoft.MachineLearningServices/workspaces/computes/jobs/action","level":"Informational","location":"westeurope","correlationId":"0b7c6f2e-4f1a-4c55-9a57-%012d","properties":{"ClusterId":"%s/COMPUTES/GPU-CLUSTER","ClusterName":"gpu-cluster","ClusterResourceGroupName":"rg1","CustomerSubscriptionId":"sub1","EventType":"JobFailed","ExecutionState":"Failed","ExperimentId":"exp-%d","ExperimentName":"train-resnet","JobErrorMessage":"UserError: process exited with code 1","JobId":"job-%d","JobName":"train_%d","NodeId":"tvm-%d","ProvisioningState":"Succeeded","ResourceGroupName":"rg1","RunInContainer":"true","TFParameterServerCount":"0","TFWorkerCount":"2","ToolType":"Python","WorkspaceName":"ws1","CreationApiVersion":"2023-04-01","InternalOperationName":"job.run"}}`+"\n",
				at, testRID, i, testRID, i%50, i, i, i%16)
		case "cluster":
			fmt.Fprintf(&b, `{"time":"%s","resourceId":"%s","category":"AmlComputeClusterEvent","operationName":"Microsoft.MachineLearningServices/workspaces/computes/resize/action","level":"Informational","properties":{"ClusterName":"gpu-cluster","ClusterType":"AmlCompute","EventType":"Resize","AllocationState":"Resizing","AllocationStateTransitionTime":"%s","CoreCount":"24","CurrentNodeCount":%d,"TargetNodeCount":"%d","InitialNodeCount":0,"MinimumNodeCount":0,"MaximumNodeCount":8,"IdleNodeCount":1,"RunningNodeCount":2,"PreparingNodeCount":0,"LeavingNodeCount":0,"PreemptedNodeCount":0,"UnusableNodeCount":0,"QuotaAllocated":"48","QuotaUtilized":"%d","VmSize":"STANDARD_NC6","VmFamilyName":"standardNCFamily","VmPriority":"Dedicated","ScalingType":"Auto","IsResizeGrow":true,"NodeIdleTimeSecondsBeforeScaleDown":"120","CreatedBy":"user@example.com","ProvisioningState":"Succeeded"}}`+"\n",
				at, testRID, at, i%8, (i+1)%8, i%48)
		case "metrics":
			fmt.Fprintf(&b, `{"count":%d,"total":%d.5,"minimum":0,"maximum":%d,"average":%d.25,"resourceId":"%s","time":"%s","metricName":"Quota Utilization Percentage","timeGrain":"PT1M"}`+"\n",
				i%60, i%1000, i%100, i%100, testRID, at)
		}
	}
	return b.Bytes()
}

func BenchmarkDecode(b *testing.B) {
	for _, kind := range []struct{ name, container string }{
		{"job", "insights-logs-amlcomputejobevent"},
		{"cluster", "insights-logs-amlcomputeclusterevent"},
		{"metrics", "insights-metrics-pt1m"},
	} {
		b.Run(kind.name, func(b *testing.B) {
			data := benchLines(kind.name, 20000)
			blob := testBlob(kind.container)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				sink := &discard{}
				res, err := decode(context.Background(), blob, 0, bytes.NewReader(data), decodeOptions{sealed: true}, sink)
				if err != nil || res.rejected != 0 || sink.rows != 20000 {
					b.Fatalf("err %v, %d rejected, %d rows", err, res.rejected, sink.rows)
				}
			}
		})
	}
}

// BenchmarkConvert measures what a sync does with the bytes of a group of blobs once they
// are read: decode, Arrow batches held per blob, and one zstd Parquet file for the group
// written to the lake's temporary folder (no fsync: that belongs to the batch commit). It runs
// on one goroutine, so MB/s is per core.
func BenchmarkConvert(b *testing.B) {
	for _, kind := range []struct{ name, container string }{
		{"job", "insights-logs-amlcomputejobevent"},
		{"cluster", "insights-logs-amlcomputeclusterevent"},
		{"metrics", "insights-metrics-pt1m"},
	} {
		b.Run(kind.name, func(b *testing.B) {
			l, err := Open(b.TempDir(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			// Hourly blobs of a busy workspace, as many as a group holds of them.
			const blobs = 16
			data := benchLines(kind.name, 1000)
			blob := testBlob(kind.container)
			b.SetBytes(int64(len(data)) * blobs)
			b.ReportAllocs()
			for b.Loop() {
				shared := newSegmentWriter(l)
				for range blobs {
					var sink blobSink
					res, err := decode(context.Background(), blob, 0, bytes.NewReader(data), decodeOptions{sealed: true, mem: l.mem}, &sink)
					if err != nil || res.rejected != 0 || res.records != 1000 {
						b.Fatalf("err %v, %d rejected, %d records", err, res.rejected, res.records)
					}
					for _, h := range sink.held {
						if err := shared.write(h.table, h.date, h.rec); err != nil {
							b.Fatal(err)
						}
					}
					sink.held.release()
				}
				files, err := shared.finish("bench")
				if err != nil || len(files) != 1 {
					b.Fatalf("finish: %d files, %v", len(files), err)
				}
				removeTemps(files)
			}
		})
	}
}
