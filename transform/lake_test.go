package transform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/amlmon/amlmon"
)

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "crash":
		os.Exit(crashHelper())
	case "upgrade-crash":
		os.Exit(upgradeCrashHelper())
	case "lock":
		os.Exit(lockHelper())
	}
	os.Exit(m.Run())
}

// helperEnv selects a helper mode of the test binary, which the crash and lock tests run as
// a separate process so that they can kill it.
const helperEnv = "AMLMON_TEST_CRASH_HELPER"

// testNow is the clock of every test: blobs of 2026-11-25 are long sealed.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

const (
	jobContainer     = "insights-logs-amlcomputejobevent"
	clusterContainer = "insights-logs-amlcomputeclusterevent"
	metricsContainer = "insights-metrics-pt1m"
	testResource     = "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/WS"
)

func blobName(hour time.Time) string {
	return "resourceId=" + testResource + hour.Format("/y=2006/m=01/d=02/h=15/m=00/PT1H.json")
}

// jobLine is one AmlComputeJobEvent record, newline-terminated.
func jobLine(at time.Time, job, event string) string {
	return fmt.Sprintf(`{"time":"%s","resourceId":"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws","category":"AmlComputeJobEvent","operationName":"Microsoft.MachineLearningServices/jobs/write","level":"Informational","durationMs":"12","properties":{"JobId":"%s","EventType":"%s","ClusterName":"gpu","TFWorkerCount":"2"}}`+"\n",
		at.UTC().Format("2006-01-02T15:04:05.0000000Z"), job, event)
}

// clusterLine is one AmlComputeClusterEvent record, newline-terminated.
func clusterLine(at time.Time, nodes int) string {
	return fmt.Sprintf(`{"time":"%s","resourceId":"%s","category":"AmlComputeClusterEvent","operationName":"Microsoft.MachineLearningServices/clusters/resize","properties":{"ClusterName":"gpu","VmSize":"STANDARD_NC6","CurrentNodeCount":%d,"QuotaAllocated":"48","QuotaUtilized":"12"}}`+"\n",
		at.UTC().Format(time.RFC3339Nano), testResource, nodes)
}

// metricLine is one platform metric record, newline-terminated.
func metricLine(at time.Time, name string, total float64) string {
	return fmt.Sprintf(`{"count":1,"total":%g,"minimum":%g,"maximum":%g,"average":%g,"resourceId":"%s","time":"%s","metricName":"%s","timeGrain":"PT1M"}`+"\n",
		total, total, total, total, testResource, at.UTC().Format(time.RFC3339Nano), name)
}

// openCall is one call of an Opener of the fake store.
type openCall struct {
	blob        string
	offset, end int64
}

type fakeBlob struct {
	blob Blob
	data []byte
	gone bool  // listed, but deleted before it is opened
	fail error // every Open fails with this
}

// fakeStore is an in-memory stand-in for the storage account: a map of blobs with ranged reads.
type fakeStore struct {
	mu    sync.Mutex
	blobs map[string]*fakeBlob
	calls []openCall
}

func newStore() *fakeStore { return &fakeStore{blobs: map[string]*fakeBlob{}} }

// put creates or replaces a blob; its ETag follows its bytes as a real store's would.
func (s *fakeStore) put(container string, hour time.Time, modified time.Time, data string) *fakeBlob {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := blobName(hour)
	sum := sha256.Sum256([]byte(data))
	fb := &fakeBlob{data: []byte(data), blob: Blob{
		Container: container, Name: name, Size: int64(len(data)),
		ETag: "0x" + strings.ToUpper(hex.EncodeToString(sum[:8])), Modified: modified,
		Hour: hour, ResourceID: testResource, Metrics: strings.HasPrefix(container, "insights-metrics-"),
		Category: testCategory(container),
		Append:   true,
	}}
	s.blobs[container+"/"+name] = fb
	return fb
}

// append grows a blob, as an append blob grows.
func (s *fakeStore) append(container string, hour, modified time.Time, data string) {
	old := s.get(container, hour)
	s.put(container, hour, modified, string(old.data)+data)
}

func (s *fakeStore) get(container string, hour time.Time) *fakeBlob {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.blobs[container+"/"+blobName(hour)]
}

func (s *fakeStore) takeCalls() []openCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

func (s *fakeStore) list(yield func(Blob, Opener) error) error {
	s.mu.Lock()
	keys := make([]string, 0, len(s.blobs))
	for k := range s.blobs {
		keys = append(keys, k)
	}
	s.mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		s.mu.Lock()
		fb := s.blobs[k]
		s.mu.Unlock()
		if err := yield(fb.blob, s.opener(k, fb)); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeStore) opener(key string, fb *fakeBlob) Opener {
	return func(ctx context.Context, offset, end int64) (io.ReadCloser, error) {
		s.mu.Lock()
		s.calls = append(s.calls, openCall{key, offset, end})
		s.mu.Unlock()
		switch {
		case fb.gone:
			return nil, fmt.Errorf("open %s: %w", key, ErrGone)
		case fb.fail != nil:
			return nil, fb.fail
		}
		if end < 0 || end > int64(len(fb.data)) {
			end = int64(len(fb.data))
		}
		if offset > end {
			return nil, fmt.Errorf("open %s: offset %d past %d", key, offset, end)
		}
		return io.NopCloser(bytes.NewReader(fb.data[offset:end])), nil
	}
}

// syncLake opens dir, takes the lock and syncs the store once.
func syncLake(t testing.TB, dir string, store *fakeStore, opts Options) (Stats, []Done) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	var mu sync.Mutex
	var done []Done
	opts.OnBlob = func(d Done) {
		mu.Lock()
		done = append(done, d)
		mu.Unlock()
	}
	l, err := Open(dir, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	release, err := l.Lock()
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	defer release()
	st, err := l.Sync(context.Background(), store.list)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	sort.Slice(done, func(i, j int) bool {
		return done[i].Blob.Container+done[i].Blob.Name < done[j].Blob.Container+done[j].Blob.Name
	})
	return st, done
}

// snapshot maps every file of the lake, except the lock and scratch folders, to a hash of its
// bytes.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "_amlmon/lock" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return out
}

func parquetFiles(snap map[string]string) []string {
	var files []string
	for f := range snap {
		if strings.HasSuffix(f, ".parquet") {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	return files
}

func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tableSQL reads one table of the lake, as the reports do.
func tableSQL(dir, table string) string {
	return fmt.Sprintf("read_parquet('%s', hive_partitioning=true)",
		filepath.Join(dir, table, "*", "*.parquet"))
}

// rows returns the query's rows, each formatted as its values joined by "|", sorted: a multiset.
func rows(t testing.TB, db *sql.DB, query string) []string {
	t.Helper()
	r, err := db.Query(query)
	if err != nil {
		t.Fatalf("query %s: %v", query, err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out []string
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatalf("scan: %v", err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				parts[i] = "NULL"
			case time.Time:
				parts[i] = x.UTC().Format(time.RFC3339Nano)
			default:
				parts[i] = fmt.Sprint(x)
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := r.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	slices.Sort(out)
	return out
}

// manifestEntries reads every manifest line of the lake.
func manifestEntries(t testing.TB, dir string) []amlmon.BlobEntry {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(amlmon.MetaDir(dir), "blobs", "date=*", "*.jsonl"))
	var out []amlmon.BlobEntry
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var e amlmon.BlobEntry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("manifest %s: %v", f, err)
			}
			out = append(out, e)
		}
	}
	return out
}

func entryFor(t testing.TB, dir, container string, hour time.Time) amlmon.BlobEntry {
	t.Helper()
	for _, e := range manifestEntries(t, dir) {
		if e.Container == container && e.Blob == blobName(hour) {
			return e
		}
	}
	t.Fatalf("no manifest entry for %s %s", container, hour)
	return amlmon.BlobEntry{}
}

// testCategory is the category of a container as the archive package names it.
func testCategory(container string) string {
	if strings.HasPrefix(container, "insights-metrics-") {
		return ""
	}
	return strings.TrimPrefix(container, "insights-logs-")
}
