package azuritetest

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
)

// Faults is a proxy in front of Azurite that produces what the emulator itself never does:
// throttling with Retry-After, bodies cut or stalled mid-download, downloads that always fail.
// It is a fake only for those faults; every call it lets through is served by Azurite.
// Set its fields before the first call; they are read under its lock.
type Faults struct {
	// ThrottleEvery answers one call in n (n > 0), drawn at random from a fixed seed, with
	// 503 Server Busy or 429 Too Many Requests, alternately, with "Retry-After: RetryAfter"
	// (seconds; 0 sends none). At random: a fixed every-n-th call, met by retries that wait
	// the same second, can throttle one call on every try, which no service does.
	ThrottleEvery int
	RetryAfter    int
	// CutEvery cuts every n-th download (n > 0) after CutAfter bytes of its body.
	CutEvery int
	// StallEvery stalls every n-th download (n > 0) after CutAfter bytes, until the proxy
	// closes or the client gives up.
	StallEvery int
	CutAfter   int
	// FailDownloads answers every download with 500 Internal Server Error.
	FailDownloads bool

	mu                   sync.Mutex
	calls, downloads     int
	throttled, cut, fail int
	stop                 chan struct{}
	rng                  *rand.Rand
}

// Counts tells how many calls the proxy saw, how many were downloads, and how many of them
// it throttled, cut or stalled, and failed.
func (f *Faults) Counts() (calls, downloads, throttled, cut, failed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.downloads, f.throttled, f.cut, f.fail
}

// Serve starts the proxy in front of az and returns a connection string that reaches the
// emulator's account through it. The proxy stops when the test ends.
func (f *Faults) Serve(t testing.TB, az *Azurite) string {
	t.Helper()
	target, err := url.Parse(az.BlobEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	proxy.ErrorLog = nil
	f.stop = make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(f.handle(proxy)))
	t.Cleanup(func() {
		close(f.stop)
		srv.CloseClientConnections()
		srv.Close()
	})
	return "DefaultEndpointsProtocol=http;AccountName=" + Account + ";AccountKey=" + Key +
		";BlobEndpoint=" + srv.URL + "/" + Account + ";"
}

func (f *Faults) handle(proxy *httputil.ReverseProxy) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		download := r.Method == http.MethodGet && q.Get("comp") == "" && q.Get("restype") == ""
		f.mu.Lock()
		f.calls++
		if f.rng == nil {
			f.rng = rand.New(rand.NewPCG(1, 2))
		}
		throttle := f.ThrottleEvery > 0 && f.rng.IntN(f.ThrottleEvery) == 0
		var cut, stall, fail bool
		if download && !throttle {
			f.downloads++
			cut = f.CutEvery > 0 && f.downloads%f.CutEvery == 0
			stall = !cut && f.StallEvery > 0 && f.downloads%f.StallEvery == 0
			fail = f.FailDownloads
		}
		switch {
		case throttle:
			f.throttled++
		case fail:
			f.fail++
		case cut || stall:
			f.cut++
		}
		n, after := f.throttled, f.CutAfter
		f.mu.Unlock()
		switch {
		case throttle:
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
			if n%2 == 0 {
				w.Header().Set("x-ms-error-code", "ServerBusy")
				w.WriteHeader(http.StatusServiceUnavailable)
			} else {
				w.WriteHeader(http.StatusTooManyRequests)
			}
		case fail:
			w.Header().Set("x-ms-error-code", "InternalError")
			w.WriteHeader(http.StatusInternalServerError)
		case cut:
			proxy.ServeHTTP(CutAfter(w, after, nil), r)
		case stall:
			proxy.ServeHTTP(CutAfter(w, after, f.stop), r)
		default:
			proxy.ServeHTTP(w, r)
		}
	}
}

// CutAfter wraps a proxy's response writer: it passes on the first n bytes of the body, then
// breaks the connection, or, with a stall channel, goes silent until that closes.
func CutAfter(w http.ResponseWriter, n int, stall chan struct{}) http.ResponseWriter {
	return &cutWriter{ResponseWriter: w, left: n, stall: stall}
}

// cutWriter is the writer of CutAfter.
type cutWriter struct {
	http.ResponseWriter
	left  int
	stall chan struct{}
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if len(p) <= c.left {
		c.left -= len(p)
		return c.ResponseWriter.Write(p)
	}
	n, _ := c.ResponseWriter.Write(p[:c.left])
	c.left = 0
	if fl, ok := c.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
	if c.stall != nil {
		<-c.stall
	}
	// The proxy aborts the response on a failed write, which drops the connection.
	return n, errors.New("connection cut")
}
