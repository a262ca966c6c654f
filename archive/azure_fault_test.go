package archive_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/azuritetest"
)

// faults sits between a source and Azurite and produces the faults Azurite cannot: throttling,
// a body that breaks, a body that stalls. Each fault hits the first calls it matches.
type faults struct {
	mu        sync.Mutex
	throttle  int // answer this many calls with 503 Server Busy
	breakBody int // cut this many downloads after cutAfter bytes
	stallBody int // stall this many downloads after cutAfter bytes
	cutAfter  int
	calls     int
	downloads int
}

func (f *faults) take(n *int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

// serve starts the fault proxy in front of az and returns its blob endpoint.
func (f *faults) serve(t *testing.T, az *azuritetest.Azurite) string {
	t.Helper()
	target, err := url.Parse(az.BlobEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls++
		download := r.Method == http.MethodGet && r.URL.Query().Get("comp") == "" && r.URL.Query().Get("restype") == ""
		if download {
			f.downloads++
		}
		f.mu.Unlock()
		switch {
		case f.take(&f.throttle):
			w.Header().Set("x-ms-error-code", "ServerBusy")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case download && f.take(&f.breakBody):
			proxy.ServeHTTP(azuritetest.CutAfter(w, f.cutAfter, nil), r)
			return
		case download && f.take(&f.stallBody):
			proxy.ServeHTTP(azuritetest.CutAfter(w, f.cutAfter, stop), r)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		close(stop)
		srv.CloseClientConnections()
		srv.Close()
	})
	return srv.URL + "/" + azuritetest.Account
}

func TestAzureFaults(t *testing.T) {
	az := azuritetest.Start(t)
	ctx := context.Background()
	seed, err := archive.NewAzure(az.ConnectionString(), archive.AzureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("0123456789abcdef\n", 4096)
	put(t, seed, jobEvents, "blob.json", content)

	newSource := func(t *testing.T, f *faults) *archive.Azure {
		t.Helper()
		a, err := archive.NewAzure(f.serve(t, az), archive.AzureOptions{
			Account: azuritetest.Account,
			Key:     azuritetest.Key,
			Retry:   policy.RetryOptions{MaxRetries: 4, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 50 * time.Millisecond},
			Timeout: 300 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	t.Run("throttled", func(t *testing.T) {
		f := &faults{throttle: 3}
		a := newSource(t, f)
		if got := read(t, a, jobEvents, "blob.json", 17, 34); got != content[17:34] {
			t.Fatalf("read %q", got)
		}
		if f.calls != 4 {
			t.Errorf("%d calls, want 3 throttled and 1 served", f.calls)
		}
	})

	t.Run("throttled beyond retries", func(t *testing.T) {
		f := &faults{throttle: 100}
		a := newSource(t, f)
		_, err := a.Open(ctx, jobEvents, "blob.json", 0, -1)
		if err == nil || !strings.Contains(err.Error(), "503") {
			t.Fatalf("open while throttled: %v, want a 503 error", err)
		}
		if f.calls != 5 {
			t.Errorf("%d calls, want 1 and 4 retries", f.calls)
		}
	})

	t.Run("broken body resumes", func(t *testing.T) {
		f := &faults{breakBody: 2, cutAfter: 5000}
		var logs bytes.Buffer
		token := az.SAS(t, time.Now().Add(time.Hour))
		a, err := archive.NewAzure(f.serve(t, az)+"?"+token, archive.AzureOptions{
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := read(t, a, jobEvents, "blob.json", 100, -1); got != content[100:] {
			t.Fatalf("read %d bytes, want %d", len(got), len(content)-100)
		}
		if f.downloads != 3 {
			t.Errorf("%d downloads, want 3", f.downloads)
		}
		if n := strings.Count(logs.String(), "download broke"); n != 2 {
			t.Errorf("logged %d broken downloads, want 2:\n%s", n, logs.String())
		}
		q, _ := url.ParseQuery(token)
		if sig := q.Get("sig"); strings.Contains(logs.String(), sig) || strings.Contains(logs.String(), url.QueryEscape(sig)) {
			t.Errorf("log reveals the SAS:\n%s", logs.String())
		}
	})

	t.Run("stalled body resumes", func(t *testing.T) {
		f := &faults{stallBody: 1, cutAfter: 5000}
		a := newSource(t, f)
		if got := read(t, a, jobEvents, "blob.json", 0, -1); got != content {
			t.Fatalf("read %d bytes, want %d", len(got), len(content))
		}
		if f.downloads != 2 {
			t.Errorf("%d downloads, want 2", f.downloads)
		}
	})

	t.Run("cancelled while throttled", func(t *testing.T) {
		f := &faults{throttle: 100}
		a, err := archive.NewAzure(f.serve(t, az), archive.AzureOptions{
			Account: azuritetest.Account,
			Key:     azuritetest.Key,
			Retry:   policy.RetryOptions{MaxRetries: 50, RetryDelay: time.Second},
		})
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if err := a.List(cctx, archive.Window{}, func(archive.Blob) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("list: %v, want the context's deadline", err)
		}
	})
}
