package archive_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"golang.org/x/sync/errgroup"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/azuritetest"
)

const (
	jobEvents     = "insights-logs-amlcomputejobevent"
	clusterEvents = "insights-logs-amlcomputeclusterevent"
	metrics       = "insights-metrics-pt1m"
)

// resource is the archive resource path of workspace ws.
func resource(ws string) string {
	return "/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG-ML/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/" + ws
}

// blobName is the archive name of the blob of workspace ws for hour h.
func blobName(ws string, h time.Time) string {
	return fmt.Sprintf("resourceId=%s/y=%04d/m=%02d/d=%02d/h=%02d/m=00/PT1H.json",
		resource(ws), h.Year(), h.Month(), h.Day(), h.Hour())
}

// newAzure returns an Azure source on a clean Azurite account, authenticated by connection
// string.
func newAzure(t *testing.T, opts archive.AzureOptions) (*archive.Azure, *azuritetest.Azurite) {
	t.Helper()
	az := azuritetest.Start(t)
	a, err := archive.NewAzure(az.ConnectionString(), opts)
	if err != nil {
		t.Fatalf("NewAzure: %v", err)
	}
	return a, az
}

func put(t *testing.T, w archive.Writer, c, name, data string) {
	t.Helper()
	if err := w.Put(context.Background(), c, name, archive.AppendBlob, strings.NewReader(data)); err != nil {
		t.Fatalf("put %s/%s: %v", c, name, err)
	}
}

func listAll(t *testing.T, s archive.Source, w archive.Window) []archive.Blob {
	t.Helper()
	var got []archive.Blob
	if err := s.List(context.Background(), w, func(b archive.Blob) error {
		got = append(got, b)
		return nil
	}); err != nil {
		t.Fatalf("list %+v: %v", w, err)
	}
	return got
}

func keys(bs []archive.Blob) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Container+"/"+b.Name)
	}
	return out
}

func read(t *testing.T, s archive.Source, c, name string, offset, end int64) string {
	t.Helper()
	rc, err := s.Open(context.Background(), c, name, offset, end)
	if err != nil {
		t.Fatalf("open %s/%s [%d,%d): %v", c, name, offset, end, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s/%s [%d,%d): %v", c, name, offset, end, err)
	}
	return string(b)
}

func TestAzureListWindow(t *testing.T) {
	a, _ := newAzure(t, archive.AzureOptions{})
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	hours := []time.Time{day.Add(-time.Hour), day, day.Add(13 * time.Hour), day.Add(14 * time.Hour), day.Add(23 * time.Hour), day.Add(24 * time.Hour)}
	for _, c := range []string{jobEvents, metrics} {
		for _, ws := range []string{"WS-B", "WS-A"} {
			for _, h := range hours {
				put(t, a, c, blobName(ws, h), "{}\n")
			}
		}
	}
	endpoint := "resourceId=" + resource("WS-A") + "/ONLINEENDPOINTS/EP1/y=2026/m=11/d=25/h=13/m=00/PT1H.json"
	put(t, a, jobEvents, endpoint, "{}\n")
	stray := "resourceId=" + resource("WS-A") + "/y=2026/m=11/d=25/h=13/m=00/notes.txt/extra"
	put(t, a, jobEvents, stray, "x")
	put(t, a, jobEvents, "README.txt", "x")
	put(t, a, "other-container", blobName("WS-A", day), "{}\n")
	put(t, a, "insights-operational", blobName("WS-A", day), "{}\n")

	t.Run("whole day", func(t *testing.T) {
		got := listAll(t, a, archive.Window{From: day, To: day.Add(24 * time.Hour)})
		var want []string
		for _, c := range []string{jobEvents, metrics} {
			for _, ws := range []string{"WS-A", "WS-B"} {
				if c == jobEvents && ws == "WS-A" {
					want = append(want, c+"/"+endpoint)
				}
				for _, h := range []time.Time{day, day.Add(13 * time.Hour), day.Add(14 * time.Hour), day.Add(23 * time.Hour)} {
					want = append(want, c+"/"+blobName(ws, h))
					if c == jobEvents && ws == "WS-A" && h.Hour() == 13 {
						want = append(want, c+"/"+stray)
					}
				}
			}
		}
		slices.Sort(want)
		if !slices.Equal(keys(got), want) {
			t.Fatalf("listed\n%s\nwant\n%s", strings.Join(keys(got), "\n"), strings.Join(want, "\n"))
		}
		for _, b := range got {
			switch {
			case b.Name == stray:
				if !errors.Is(b.Err, archive.ErrUnrecognised) {
					t.Errorf("%s: Err = %v, want ErrUnrecognised", b.Name, b.Err)
				}
			case b.Err != nil:
				t.Errorf("%s: %v", b.Name, b.Err)
			case b.Type != archive.AppendBlob || b.Size != 3 || b.ETag == "" || b.LastModified.IsZero():
				t.Errorf("%s: properties %+v", b.Name, b)
			}
		}
	})

	t.Run("hours", func(t *testing.T) {
		got := listAll(t, a, archive.Window{From: day.Add(13 * time.Hour), To: day.Add(14 * time.Hour)})
		var want []string
		for _, c := range []string{jobEvents, metrics} {
			for _, ws := range []string{"WS-A", "WS-B"} {
				want = append(want, c+"/"+blobName(ws, day.Add(13*time.Hour)))
			}
		}
		want = append(want, jobEvents+"/"+endpoint, jobEvents+"/"+stray)
		slices.Sort(want)
		if !slices.Equal(keys(got), want) {
			t.Fatalf("listed\n%s\nwant\n%s", strings.Join(keys(got), "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("across midnight", func(t *testing.T) {
		got := listAll(t, a, archive.Window{From: day.Add(23 * time.Hour), To: day.Add(25 * time.Hour), Containers: []string{"metrics"}, Resources: []string{"ws-b"}})
		want := []string{metrics + "/" + blobName("WS-B", day.Add(23*time.Hour)), metrics + "/" + blobName("WS-B", day.Add(24*time.Hour))}
		if !slices.Equal(keys(got), want) {
			t.Fatalf("listed %q, want %q", keys(got), want)
		}
	})

	t.Run("resource and container filters", func(t *testing.T) {
		got := listAll(t, a, archive.Window{From: day, To: day.Add(time.Hour), Containers: []string{"AmlComputeJobEvent"}, Resources: []string{strings.ToLower(resource("WS-B"))}})
		want := []string{jobEvents + "/" + blobName("WS-B", day)}
		if !slices.Equal(keys(got), want) {
			t.Fatalf("listed %q, want %q", keys(got), want)
		}
	})

	t.Run("everything", func(t *testing.T) {
		got := listAll(t, a, archive.Window{})
		if n := 2*2*len(hours) + 3; len(got) != n {
			t.Fatalf("listed %d blobs, want %d:\n%s", len(got), n, strings.Join(keys(got), "\n"))
		}
		if !slices.IsSortedFunc(got, func(x, y archive.Blob) int {
			return strings.Compare(x.Container+"\x00"+x.Name, y.Container+"\x00"+y.Name)
		}) {
			t.Errorf("not in order:\n%s", strings.Join(keys(got), "\n"))
		}
		var unrecognised []string
		for _, b := range got {
			if errors.Is(b.Err, archive.ErrUnrecognised) {
				unrecognised = append(unrecognised, b.Name)
			}
		}
		if want := []string{"README.txt", stray}; !slices.Equal(unrecognised, want) {
			t.Errorf("unrecognised %q, want %q", unrecognised, want)
		}
	})

	t.Run("callback error stops", func(t *testing.T) {
		stop := errors.New("stop")
		n := 0
		err := a.List(context.Background(), archive.Window{From: day, To: day.Add(24 * time.Hour)}, func(archive.Blob) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) || n != 1 {
			t.Fatalf("List = %v after %d calls, want stop after 1", err, n)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := a.List(ctx, archive.Window{From: day, To: day.Add(24 * time.Hour)}, func(archive.Blob) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("List on a cancelled context = %v", err)
		}
	})
}

// listCounter is a per-call policy that counts listing calls and the names they return.
type listCounter struct {
	mu           sync.Mutex
	calls, items int
}

func (c *listCounter) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || req.Raw().URL.Query().Get("comp") != "list" {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.items += bytes.Count(body, []byte("<Name>"))
	return resp, nil
}

func (c *listCounter) take() (calls, items int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls, items = c.calls, c.items
	c.calls, c.items = 0, 0
	return calls, items
}

// TestAzureListingCost checks that listing a day costs the same whatever the archive's history.
func TestAzureListingCost(t *testing.T) {
	counter := &listCounter{}
	a, az := newAzure(t, archive.AzureOptions{PerCallPolicies: []policy.Policy{counter}})
	ctx := context.Background()
	svc := az.Client(t)
	containers := []string{clusterEvents, jobEvents, metrics}
	for _, c := range containers {
		if _, err := svc.CreateContainer(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for _, c := range containers {
		for _, ws := range []string{"WS-1", "WS-2"} {
			for h := range 24 {
				name := blobName(ws, day.Add(time.Duration(h)*time.Hour))
				put(t, a, c, name, "{}\n")
				want = append(want, c+"/"+name)
			}
			// Late data in the next day must not be listed.
			put(t, a, c, blobName(ws, day.Add(24*time.Hour)), "{}\n")
		}
	}
	// history adds one empty blob per container, workspace and day for the days [from, to)
	// before the listed day.
	history := func(from, to int) {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(16)
		for d := from; d < to; d++ {
			for _, c := range containers {
				for _, ws := range []string{"WS-1", "WS-2"} {
					name := blobName(ws, day.AddDate(0, 0, -d-1).Add(5*time.Hour))
					g.Go(func() error {
						bb := svc.NewContainerClient(c).NewBlockBlobClient(name)
						_, err := bb.Upload(gctx, streaming.NopCloser(bytes.NewReader(nil)), nil)
						return err
					})
				}
			}
		}
		if err := g.Wait(); err != nil {
			t.Fatalf("upload history: %v", err)
		}
	}
	measure := func() (calls, items int) {
		counter.take()
		got := listAll(t, a, archive.Window{From: day, To: day.Add(24 * time.Hour)})
		if !slices.Equal(keys(got), want) {
			t.Fatalf("listed %d blobs, want the %d of the day", len(got), len(want))
		}
		return counter.take()
	}

	history(0, 200)
	calls200, items200 := measure()
	history(200, 400)
	calls400, items400 := measure()
	t.Logf("one day over 200 days of history: %d calls, %d names; over 400 days: %d calls, %d names", calls200, items200, calls400, items400)
	if calls400 != calls200 || items400 != items200 {
		t.Errorf("listing cost grew with history: %d calls, %d names over 200 days; %d calls, %d names over 400 days", calls200, items200, calls400, items400)
	}
	// The day's 144 blobs, plus the folders down to 2 workspaces in 3 containers.
	if limit := len(want) + 3*20 + 10; items400 > limit {
		t.Errorf("listing one day returned %d names, want at most %d", items400, limit)
	}

	// A resource filter prunes the descent: the other workspace is never listed.
	counter.take()
	got := listAll(t, a, archive.Window{From: day, To: day.Add(24 * time.Hour), Resources: []string{resource("WS-2")}})
	if len(got) != len(want)/2 {
		t.Fatalf("listed %d blobs of WS-2, want %d", len(got), len(want)/2)
	}
	for _, b := range got {
		if b.Path.ResourceName != "WS-2" {
			t.Errorf("listed %s for a WS-2 window", b.Name)
		}
	}
	if calls, _ := counter.take(); calls >= calls400 {
		t.Errorf("listing one workspace took %d calls, as many as both (%d)", calls, calls400)
	}
}

func TestAzureOpen(t *testing.T) {
	a, az := newAzure(t, archive.AzureOptions{})
	ctx := context.Background()
	h := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	name := blobName("WS-A", h)
	put(t, a, jobEvents, name, "line1\nline2\n")

	for _, tc := range []struct {
		offset, end int64
		want        string
	}{
		{0, -1, "line1\nline2\n"},
		{6, -1, "line2\n"},
		{0, 5, "line1"},
		{6, 8, "li"},
		{12, -1, ""},
		{12, 12, ""},
		{40, -1, ""},
	} {
		if got := read(t, a, jobEvents, name, tc.offset, tc.end); got != tc.want {
			t.Errorf("[%d,%d) = %q, want %q", tc.offset, tc.end, got, tc.want)
		}
	}

	t.Run("growing append blob", func(t *testing.T) {
		size := int64(len("line1\nline2\n"))
		for i := range 3 {
			line := fmt.Sprintf("more%d\n", i)
			if err := a.Append(ctx, jobEvents, name, []byte(line)); err != nil {
				t.Fatal(err)
			}
			if got := read(t, a, jobEvents, name, size, -1); got != line {
				t.Fatalf("after append %d: read from %d = %q, want %q", i, size, got, line)
			}
			size += int64(len(line))
		}
	})

	t.Run("block blob", func(t *testing.T) {
		if err := a.Put(ctx, jobEvents, "block.json", archive.BlockBlob, strings.NewReader("0123456789")); err != nil {
			t.Fatal(err)
		}
		if got := read(t, a, jobEvents, "block.json", 3, 7); got != "3456" {
			t.Errorf("block blob [3,7) = %q", got)
		}
	})

	t.Run("gzip", func(t *testing.T) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte("alpha\nbeta\ngamma\n"))
		zw.Close()
		gzName := strings.TrimSuffix(name, ".json") + ".json.gz"
		if err := a.Put(ctx, jobEvents, gzName, archive.AppendBlob, &buf); err != nil {
			t.Fatal(err)
		}
		if got := read(t, a, jobEvents, gzName, 6, -1); got != "beta\ngamma\n" {
			t.Errorf("gzip from 6 = %q", got)
		}
		if got := read(t, a, jobEvents, gzName, 6, 10); got != "beta" {
			t.Errorf("gzip [6,10) = %q", got)
		}
		blobs := listAll(t, a, archive.Window{From: h, To: h.Add(time.Hour)})
		if !slices.ContainsFunc(blobs, func(b archive.Blob) bool { return b.Name == gzName && b.Gzip && b.Err == nil }) {
			t.Errorf("listing %q lacks %s as a gzip blob", keys(blobs), gzName)
		}
	})

	t.Run("missing", func(t *testing.T) {
		for _, tc := range []struct{ c, name string }{
			{jobEvents, "resourceId=/nope/PT1H.json"},
			{"insights-logs-nosuchcontainer", name},
		} {
			for _, end := range []int64{-1, 0} {
				_, err := a.Open(ctx, tc.c, tc.name, 0, end)
				if !errors.Is(err, archive.ErrNotFound) {
					t.Errorf("open %s/%s [0,%d): %v, want ErrNotFound", tc.c, tc.name, end, err)
				}
			}
		}
	})

	t.Run("deleted between list and open", func(t *testing.T) {
		blobs := listAll(t, a, archive.Window{From: h, To: h.Add(time.Hour), Containers: []string{jobEvents}})
		if len(blobs) == 0 {
			t.Fatal("nothing listed")
		}
		if _, err := az.Client(t).NewContainerClient(jobEvents).NewBlobClient(blobs[0].Name).Delete(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Open(ctx, jobEvents, blobs[0].Name, 0, -1); !errors.Is(err, archive.ErrNotFound) {
			t.Fatalf("open after delete: %v, want ErrNotFound", err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := a.Open(cctx, jobEvents, "block.json", 0, -1); !errors.Is(err, context.Canceled) {
			t.Fatalf("open on a cancelled context: %v", err)
		}
	})

	t.Run("invalid range", func(t *testing.T) {
		if _, err := a.Open(ctx, jobEvents, "block.json", 5, 2); err == nil {
			t.Fatal("open [5,2) succeeded")
		}
	})
}

func TestAzureWriter(t *testing.T) {
	a, _ := newAzure(t, archive.AzureOptions{})
	ctx := context.Background()

	// More than two append blocks, streamed from a reader that is not a buffer.
	big := bytes.Repeat([]byte("0123456789abcdef"), 9<<20/16+7)
	if err := a.Put(ctx, "insights-logs-new", "big.json", archive.AppendBlob, io.MultiReader(bytes.NewReader(big))); err != nil {
		t.Fatalf("put big: %v", err)
	}
	if got := read(t, a, "insights-logs-new", "big.json", 0, -1); got != string(big) {
		t.Fatalf("big blob read back %d bytes, want %d", len(got), len(big))
	}
	tail := bytes.Repeat([]byte("x"), 5<<20)
	if err := a.Append(ctx, "insights-logs-new", "big.json", tail); err != nil {
		t.Fatalf("append 5 MiB: %v", err)
	}
	if got := read(t, a, "insights-logs-new", "big.json", int64(len(big)), -1); got != string(tail) {
		t.Fatalf("appended tail read back %d bytes, want %d", len(got), len(tail))
	}

	// Put replaces.
	put(t, a, "insights-logs-new", "big.json", "small\n")
	if got := read(t, a, "insights-logs-new", "big.json", 0, -1); got != "small\n" {
		t.Fatalf("replaced blob = %q", got)
	}
	if err := a.Put(ctx, "insights-logs-new", "empty.json", archive.AppendBlob, strings.NewReader("")); err != nil {
		t.Fatalf("put empty: %v", err)
	}
	if got := read(t, a, "insights-logs-new", "empty.json", 0, -1); got != "" {
		t.Fatalf("empty blob = %q", got)
	}

	for _, c := range []string{"insights-logs-new", "insights-logs-none"} {
		if err := a.Append(ctx, c, "missing.json", []byte("x")); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("append to missing blob in %s: %v, want ErrNotFound", c, err)
		}
		if err := a.Append(ctx, c, "missing.json", nil); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("append nothing to missing blob in %s: %v, want ErrNotFound", c, err)
		}
		if err := a.Delete(ctx, c, "missing.json"); !errors.Is(err, archive.ErrNotFound) {
			t.Errorf("delete missing blob in %s: %v, want ErrNotFound", c, err)
		}
	}
	if err := a.Delete(ctx, "insights-logs-new", "big.json"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := a.Delete(ctx, "insights-logs-new", "big.json"); !errors.Is(err, archive.ErrNotFound) {
		t.Fatalf("delete twice: %v, want ErrNotFound", err)
	}
	if err := a.Put(ctx, "insights-logs-new", "x.json", archive.BlobType("PageBlob"), strings.NewReader("")); err == nil {
		t.Fatal("put of a page blob succeeded")
	}
}

// TestAzureConcurrent reads and writes from many goroutines through one client.
func TestAzureConcurrent(t *testing.T) {
	a, _ := newAzure(t, archive.AzureOptions{})
	ctx := context.Background()
	h := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	var g errgroup.Group
	for i := range 24 {
		g.Go(func() error {
			name := blobName("WS-A", h.Add(time.Duration(i)*time.Hour))
			if err := a.Put(ctx, jobEvents, name, archive.AppendBlob, strings.NewReader(fmt.Sprintf("%02d\n", i))); err != nil {
				return err
			}
			rc, err := a.Open(ctx, jobEvents, name, 0, -1)
			if err != nil {
				return err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("%02d\n", i); string(b) != want {
				return fmt.Errorf("%s = %q, want %q", name, b, want)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, a, archive.Window{From: h, To: h.Add(24 * time.Hour)}); len(got) != 24 {
		t.Fatalf("listed %d blobs, want 24", len(got))
	}
}

func TestAzureAuth(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	h := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	name := blobName("WS-A", h)
	seed, err := archive.NewAzure(az.ConnectionString(), archive.AzureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, seed, jobEvents, name, "{}\n")

	sasToken := az.SAS(t, time.Now().Add(time.Hour))
	for _, tc := range []struct {
		label, source string
		opts          archive.AzureOptions
		mode          string
	}{
		{"connection string source", az.ConnectionString(), archive.AzureOptions{}, archive.AuthConnectionString},
		{"connection string option", "", archive.AzureOptions{ConnectionString: az.ConnectionString()}, archive.AuthConnectionString},
		{"shared key", az.BlobEndpoint(), archive.AzureOptions{Account: azuritetest.Account, Key: azuritetest.Key}, archive.AuthSharedKey},
		{"key from connection string", az.BlobEndpoint(), archive.AzureOptions{ConnectionString: az.ConnectionString()}, archive.AuthSharedKey},
		{"SAS in URL", az.BlobEndpoint() + "?" + sasToken, archive.AzureOptions{}, archive.AuthSAS},
		{"SAS option", az.BlobEndpoint(), archive.AzureOptions{SAS: "?" + sasToken}, archive.AuthSAS},
		{"SAS in connection string", "BlobEndpoint=" + az.BlobEndpoint() + ";SharedAccessSignature=" + sasToken, archive.AzureOptions{}, archive.AuthConnectionString},
	} {
		t.Run(tc.label, func(t *testing.T) {
			a, err := archive.NewAzure(tc.source, tc.opts)
			if err != nil {
				t.Fatalf("NewAzure: %v", err)
			}
			if a.AuthMode() != tc.mode {
				t.Errorf("AuthMode = %q, want %q", a.AuthMode(), tc.mode)
			}
			if a.URL() != az.BlobEndpoint() {
				t.Errorf("URL = %q, want %q", a.URL(), az.BlobEndpoint())
			}
			blobs := listAll(t, a, archive.Window{From: h, To: h.Add(time.Hour)})
			if want := []string{jobEvents + "/" + name}; !slices.Equal(keys(blobs), want) {
				t.Fatalf("listed %q, want %q", keys(blobs), want)
			}
			if got := read(t, a, jobEvents, name, 0, 3); got != "{}\n" {
				t.Fatalf("read %q", got)
			}
			if err := a.Append(ctx, jobEvents, name, []byte("{}\n")); err != nil {
				t.Fatalf("append: %v", err)
			}
		})
	}

	t.Run("container in URL", func(t *testing.T) {
		a, err := archive.NewAzure(az.BlobEndpoint()+"/"+jobEvents+"?"+sasToken, archive.AzureOptions{})
		if err != nil {
			t.Fatal(err)
		}
		blobs := listAll(t, a, archive.Window{From: h, To: h.Add(time.Hour)})
		if want := []string{jobEvents + "/" + name}; !slices.Equal(keys(blobs), want) {
			t.Fatalf("listed %q, want %q", keys(blobs), want)
		}
	})

	bad := func(t *testing.T, token string) {
		t.Helper()
		q, err := url.ParseQuery(token)
		if err != nil {
			t.Fatal(err)
		}
		sig := q.Get("sig")
		a, err := archive.NewAzure(az.BlobEndpoint()+"?"+token, archive.AzureOptions{})
		if err != nil {
			t.Fatal(err)
		}
		calls := []struct {
			op  string
			err error
		}{
			{"list", a.List(ctx, archive.Window{From: h, To: h.Add(time.Hour)}, func(archive.Blob) error { return nil })},
			{"append", a.Append(ctx, jobEvents, name, []byte("x"))},
		}
		_, err = a.Open(ctx, jobEvents, name, 0, -1)
		calls = append(calls, struct {
			op  string
			err error
		}{"open", err})
		for _, c := range calls {
			if c.err == nil {
				t.Fatalf("%s with a bad SAS succeeded", c.op)
			}
			msg := c.err.Error()
			t.Logf("%s: %s", c.op, msg)
			for _, secret := range []string{sig, url.QueryEscape(sig), token} {
				if strings.Contains(msg, secret) {
					t.Errorf("%s error reveals the SAS: %s", c.op, msg)
				}
			}
			if !strings.Contains(msg, "403") {
				t.Errorf("%s error does not tell the status: %s", c.op, msg)
			}
		}
	}
	t.Run("wrong signature", func(t *testing.T) {
		q, _ := url.ParseQuery(sasToken)
		q.Set("sig", "AAAA"+q.Get("sig")[4:])
		bad(t, q.Encode())
	})
	t.Run("expired", func(t *testing.T) {
		bad(t, az.SAS(t, time.Now().Add(-time.Minute)))
	})

	t.Run("unreachable", func(t *testing.T) {
		// Transport errors quote the request URL; the SAS in it must not leak either.
		sig, _ := url.ParseQuery(sasToken)
		a, err := archive.NewAzure("http://127.0.0.1:1/"+azuritetest.Account+"?"+sasToken, archive.AzureOptions{Retry: policy.RetryOptions{MaxRetries: -1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Open(ctx, jobEvents, name, 0, -1)
		if err == nil {
			t.Fatal("open on a closed port succeeded")
		}
		t.Logf("open: %v", err)
		if msg := err.Error(); strings.Contains(msg, sig.Get("sig")) || strings.Contains(msg, url.QueryEscape(sig.Get("sig"))) {
			t.Errorf("error reveals the SAS: %s", msg)
		}
	})

	t.Run("entra id", func(t *testing.T) {
		for _, src := range []string{"az://amlmonarchive", "https://amlmonarchive.blob.core.windows.net/"} {
			a, err := archive.NewAzure(src, archive.AzureOptions{})
			if err != nil {
				t.Fatalf("NewAzure(%q): %v", src, err)
			}
			if a.AuthMode() != archive.AuthEntraID {
				t.Errorf("%s: AuthMode = %q, want %q", src, a.AuthMode(), archive.AuthEntraID)
			}
			if want := "https://amlmonarchive.blob.core.windows.net"; strings.TrimSuffix(a.URL(), "/") != want {
				t.Errorf("%s: URL = %q, want %q", src, a.URL(), want)
			}
		}
		// A key for another account is not used for this one.
		a, err := archive.NewAzure("az://amlmonarchive", archive.AzureOptions{Account: "other", Key: azuritetest.Key})
		if err != nil {
			t.Fatal(err)
		}
		if a.AuthMode() != archive.AuthEntraID {
			t.Errorf("with another account's key: AuthMode = %q, want %q", a.AuthMode(), archive.AuthEntraID)
		}
	})
}

func TestNewAzureErrors(t *testing.T) {
	for _, src := range []string{
		"",
		"ftp://account/x",
		"az://",
		"AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleQ==!;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1",
	} {
		_, err := archive.NewAzure(src, archive.AzureOptions{})
		if err == nil {
			t.Errorf("NewAzure(%q) succeeded", src)
			continue
		}
		t.Logf("NewAzure(%q): %v", src, err)
		if strings.Contains(err.Error(), "c2VjcmV0LWtleQ==") {
			t.Errorf("NewAzure(%q) error reveals the key: %v", src, err)
		}
	}
}

func TestIsAzureSource(t *testing.T) {
	for s, want := range map[string]bool{
		"https://acct.blob.core.windows.net":                true,
		"https://acct.blob.core.windows.net/?sv=2022&sig=x": true,
		"az://acct": true,
		"http://127.0.0.1:10000/devstoreaccount1":                                       true,
		"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k":                     true,
		"BlobEndpoint=https://a.blob.core.windows.net;SharedAccessSignature=sv=1&sig=2": true,
		"UseDevelopmentStorage=true":                                                    true,
		"./archive":                                                                     false,
		"/data/insights":                                                                false,
		"C:\\archive":                                                                   false,
		"":                                                                              false,
	} {
		if got := archive.IsAzureSource(s); got != want {
			t.Errorf("IsAzureSource(%q) = %v, want %v", s, got, want)
		}
	}
}

// BenchmarkAzureListDay lists one day of 2 workspaces in 3 containers on Azurite.
func BenchmarkAzureListDay(b *testing.B) {
	az := azuritetest.Start(b)
	a, err := archive.NewAzure(az.ConnectionString(), archive.AzureOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	var g errgroup.Group
	g.SetLimit(16)
	for _, c := range []string{clusterEvents, jobEvents, metrics} {
		for _, ws := range []string{"WS-1", "WS-2"} {
			for h := range 24 {
				g.Go(func() error {
					return a.Put(ctx, c, blobName(ws, day.Add(time.Duration(h)*time.Hour)), archive.BlockBlob, strings.NewReader("{}\n"))
				})
			}
		}
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	w := archive.Window{From: day, To: day.Add(24 * time.Hour)}
	for b.Loop() {
		n := 0
		if err := a.List(ctx, w, func(archive.Blob) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 144 {
			b.Fatalf("listed %d blobs, want 144", n)
		}
	}
}
