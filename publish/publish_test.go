package publish_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/azuritetest"
	"github.com/amlmon/amlmon/publish"
)

func TestMain(m *testing.M) { os.Exit(azuritetest.Main(m)) }

// dest is a destination on the emulator.
func dest(t *testing.T, az *azuritetest.Azurite, where string) *archive.Dest {
	t.Helper()
	d, err := archive.NewDest(where, archive.AzureOptions{ConnectionString: az.ConnectionString()})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// listing is every blob under d, by name.
func listing(t *testing.T, d publish.Store) map[string]archive.DestObject {
	t.Helper()
	got := map[string]archive.DestObject{}
	if err := d.List(context.Background(), "", func(o archive.DestObject) error { got[o.Name] = o; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func read(t *testing.T, d publish.Store, name string) string {
	t.Helper()
	b, err := d.Get(context.Background(), name, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeDay writes a report folder: the files a report has, each saying which day it is.
func writeDay(t *testing.T, out, day string, names ...string) string {
	t.Helper()
	dir := filepath.Join(out, day)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		body := day + " " + n
		if n == "summary.json" {
			body = `{"date":"` + day + `"}`
		}
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// index is a stand-in for the report's index page: the summaries, one a line.
func index(summaries [][]byte) ([]byte, error) {
	var lines []string
	for _, s := range summaries {
		lines = append(lines, string(s))
	}
	return []byte(strings.Join(lines, "\n")), nil
}

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

// TestSiteDays publishes two days and republishes one, on Azurite.
func TestSiteDays(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	d := dest(t, az, "$web")
	site := publish.Site{Store: d, Index: index}
	out := t.TempDir()
	files := []string{"report.html", "report.md", "alerts.csv", "failures_by_hour.svg", "summary.json"}

	dir24 := writeDay(t, out, "2026-11-24", append(files, "extra.csv")...)
	if err := site.Day(ctx, day("2026-11-24"), dir24); err != nil {
		t.Fatal(err)
	}
	got := listing(t, d)
	want := map[string]string{
		"report.html": "text/html; charset=utf-8", "report.md": "text/markdown; charset=utf-8",
		"alerts.csv": "text/csv; charset=utf-8", "failures_by_hour.svg": "image/svg+xml",
		"summary.json": "application/json", "extra.csv": "text/csv; charset=utf-8",
	}
	for name, typ := range want {
		for _, folder := range []string{"2026-11-24/", "latest/"} {
			o, ok := got[folder+name]
			if !ok || o.ContentType != typ {
				t.Errorf("%s%s: %+v, want content type %s", folder, name, o, typ)
			}
		}
	}
	if len(got) != 2*len(want)+1 || got["index.html"].ContentType != "text/html; charset=utf-8" {
		t.Errorf("published %d blobs: %v", len(got), got)
	}
	if s := read(t, d, "latest/report.html"); s != "2026-11-24 report.html" {
		t.Errorf("latest/report.html = %q", s)
	}

	// A later day moves latest/; an earlier one, published late, does not.
	dir25 := writeDay(t, out, "2026-11-25", files...)
	if err := site.Day(ctx, day("2026-11-25"), dir25); err != nil {
		t.Fatal(err)
	}
	dir20 := writeDay(t, out, "2026-11-20", files...)
	if err := site.Day(ctx, day("2026-11-20"), dir20); err != nil {
		t.Fatal(err)
	}
	if s := read(t, d, "latest/report.html"); s != "2026-11-25 report.html" {
		t.Errorf("latest/report.html = %q, want the newest day", s)
	}
	if _, ok := listing(t, d)["latest/extra.csv"]; ok {
		t.Error("latest/ kept a file of the previous day")
	}
	if s := read(t, d, "index.html"); s != `{"date":"2026-11-25"}`+"\n"+`{"date":"2026-11-24"}`+"\n"+`{"date":"2026-11-20"}` {
		t.Errorf("index.html was made from %q, want every day, latest first", s)
	}

	// Republishing a day replaces it: changed files, and none left over.
	if err := os.Remove(filepath.Join(dir24, "extra.csv")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir24, "report.md"), []byte("again"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := site.Day(ctx, day("2026-11-24"), dir24); err != nil {
		t.Fatal(err)
	}
	got = listing(t, d)
	if _, ok := got["2026-11-24/extra.csv"]; ok {
		t.Error("a republished day kept a file its report no longer has")
	}
	if s := read(t, d, "2026-11-24/report.md"); s != "again" {
		t.Errorf("2026-11-24/report.md = %q after republishing", s)
	}
	if s := read(t, d, "latest/report.md"); s != "2026-11-25 report.md" {
		t.Errorf("republishing an older day changed latest/: %q", s)
	}
}

// faultStore fails the calls its fail function picks, for faults a real Azurite cannot be
// made to produce on demand; everything else goes to the store beneath, and every call is
// recorded in order.
type faultStore struct {
	publish.Store
	fail func(op, name string) error
	mu   sync.Mutex
	ops  []string
}

func (f *faultStore) call(op, name string) error {
	f.mu.Lock()
	f.ops = append(f.ops, op+" "+name)
	f.mu.Unlock()
	if f.fail != nil {
		return f.fail(op, name)
	}
	return nil
}

func (f *faultStore) Put(ctx context.Context, name string, data []byte, up archive.Upload) error {
	if err := f.call("put", name); err != nil {
		return err
	}
	return f.Store.Put(ctx, name, data, up)
}

func (f *faultStore) PutFile(ctx context.Context, name, path string, sum []byte, up archive.Upload) error {
	if err := f.call("put", name); err != nil {
		return err
	}
	return f.Store.PutFile(ctx, name, path, sum, up)
}

func (f *faultStore) Delete(ctx context.Context, name string) error {
	if err := f.call("delete", name); err != nil {
		return err
	}
	return f.Store.Delete(ctx, name)
}

// TestSiteFailedUploadKeepsThePublishedDay fails the upload of the page: the error says so,
// the day published before stays whole, and publishing again completes the new one.
func TestSiteFailedUploadKeepsThePublishedDay(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	d := dest(t, az, "reports")
	out := t.TempDir()
	files := []string{"report.html", "report.md", "summary.json"}
	if err := (publish.Site{Store: d, Index: index}).Day(ctx, day("2026-11-24"), writeDay(t, out, "2026-11-24", files...)); err != nil {
		t.Fatal(err)
	}
	broken := errors.New("connection reset by peer")
	fs := &faultStore{Store: d, fail: func(op, name string) error {
		if op == "put" && name == "2026-11-25/report.html" {
			return broken
		}
		return nil
	}}
	dir25 := writeDay(t, out, "2026-11-25", files...)
	err := (publish.Site{Store: fs, Index: index}).Day(ctx, day("2026-11-25"), dir25)
	if !errors.Is(err, broken) {
		t.Fatalf("publish = %v, want the upload's error", err)
	}
	got := listing(t, d)
	if _, ok := got["2026-11-25/report.html"]; ok {
		t.Error("the failed page was published")
	}
	if s := read(t, d, "latest/report.html"); s != "2026-11-24 report.html" {
		t.Errorf("latest/ moved to a day that failed to publish: %q", s)
	}
	if s := read(t, d, "index.html"); s != `{"date":"2026-11-24"}` {
		t.Errorf("index.html = %q, want the day published before", s)
	}
	if err := (publish.Site{Store: d, Index: index}).Day(ctx, day("2026-11-25"), dir25); err != nil {
		t.Fatal(err)
	}
	if s := read(t, d, "latest/report.html"); s != "2026-11-25 report.html" {
		t.Errorf("the next publish left latest/report.html = %q", s)
	}
}

// writeLake writes files of a lake: tables, partitions, and the lake's own folder.
func writeLake(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLakeMirror mirrors a lake three times: all files, then none (unchanged), then the
// changed and new ones, with the stale ones deleted after every upload.
func TestLakeMirror(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	d := dest(t, az, "lake/mirror")
	lake := t.TempDir()
	writeLake(t, lake, map[string]string{
		"AmlComputeJobEvent/date=2026-11-24/a.parquet": "jobs a",
		"AmlComputeJobEvent/date=2026-11-24/b.parquet": "jobs b",
		"AzureMetrics/date=2026-11-24/m.parquet":       "metrics",
		"_amlmon/blobs/date=2026-11-24/x.parquet":      "manifest",
		"_amlmon/lock": "lock",
		"AzureMetrics/date=2026-11-24/.tmp.parquet": "half written",
		"AzureMetrics/README.txt":                   "not a partition",
	})
	// A blob of the mirror's folder that is not a lake file is left alone.
	if err := d.Put(ctx, "README.md", []byte("mirror of the amlmon lake"), archive.Upload{ContentType: "text/markdown"}); err != nil {
		t.Fatal(err)
	}
	st, err := publish.Lake(ctx, d, lake, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 3 || st.Uploaded != 3 || st.Unchanged != 0 || st.Deleted != 0 || st.Bytes != int64(len("jobs a")+len("jobs b")+len("metrics")) {
		t.Errorf("first mirror: %+v", st)
	}
	got := listing(t, d)
	if len(got) != 4 || got["AzureMetrics/date=2026-11-24/m.parquet"].ContentType != "application/vnd.apache.parquet" {
		t.Errorf("mirror holds %v", got)
	}

	st, err = publish.Lake(ctx, d, lake, 2)
	if err != nil || st.Uploaded != 0 || st.Unchanged != 3 {
		t.Errorf("second mirror of an unchanged lake: %+v, %v", st, err)
	}

	// A file rewritten with the same size but another content, one touched but unchanged
	// (only its MD5 can tell), one replaced by another name, and a new partition.
	a := filepath.Join(lake, "AmlComputeJobEvent/date=2026-11-24/a.parquet")
	m := filepath.Join(lake, "AzureMetrics/date=2026-11-24/m.parquet")
	writeLake(t, lake, map[string]string{
		"AmlComputeJobEvent/date=2026-11-24/a.parquet": "jobs A",
		"AmlComputeJobEvent/date=2026-11-24/c.parquet": "jobs b and c",
		"AmlComputeJobEvent/date=2026-11-25/d.parquet": "jobs d",
	})
	later := time.Now().Add(time.Minute)
	for _, p := range []string{a, m} {
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(lake, "AmlComputeJobEvent/date=2026-11-24/b.parquet")); err != nil {
		t.Fatal(err)
	}
	fs := &faultStore{Store: d}
	st, err = publish.Lake(ctx, fs, lake, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 4 || st.Uploaded != 3 || st.Unchanged != 1 || st.Deleted != 1 {
		t.Errorf("third mirror: %+v", st)
	}
	lastPut := -1
	firstDelete := len(fs.ops)
	for i, op := range fs.ops {
		if strings.HasPrefix(op, "put ") {
			lastPut = i
		} else if firstDelete == len(fs.ops) {
			firstDelete = i
		}
	}
	if lastPut > firstDelete {
		t.Errorf("a stale file was deleted before every new one was uploaded: %q", fs.ops)
	}
	got = listing(t, d)
	var names []string
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"AmlComputeJobEvent/date=2026-11-24/a.parquet", "AmlComputeJobEvent/date=2026-11-24/c.parquet",
		"AmlComputeJobEvent/date=2026-11-25/d.parquet", "AzureMetrics/date=2026-11-24/m.parquet", "README.md"}
	if !slices.Equal(names, want) {
		t.Errorf("mirror holds %q, want %q", names, want)
	}
	if s := read(t, d, "AmlComputeJobEvent/date=2026-11-24/a.parquet"); s != "jobs A" {
		t.Errorf("a.parquet = %q: a changed file of the same size was not sent", s)
	}

	// A failed upload stops the mirror before it deletes anything.
	if err := os.Remove(filepath.Join(lake, "AmlComputeJobEvent/date=2026-11-25/d.parquet")); err != nil {
		t.Fatal(err)
	}
	writeLake(t, lake, map[string]string{"AzureMetrics/date=2026-11-25/n.parquet": "new metrics"})
	fs = &faultStore{Store: d, fail: func(op, name string) error {
		if op == "put" {
			return errors.New("injected: HTTP 503 after the last try")
		}
		return nil
	}}
	if _, err := publish.Lake(ctx, fs, lake, 2); err == nil {
		t.Fatal("a failed upload was not reported")
	}
	if _, ok := listing(t, d)["AmlComputeJobEvent/date=2026-11-25/d.parquet"]; !ok {
		t.Error("a stale file was deleted although an upload had failed")
	}
}

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{
		"report.html": "text/html; charset=utf-8", "report.md": "text/markdown; charset=utf-8",
		"a.CSV": "text/csv; charset=utf-8", "c.svg": "image/svg+xml", "summary.json": "application/json",
		"x.parquet": "application/vnd.apache.parquet", "noext": "application/octet-stream",
	} {
		if got := publish.ContentType(name); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", name, got, want)
		}
	}
}
