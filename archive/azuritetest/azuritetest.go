// Package azuritetest runs Azurite, the Azure Storage emulator, for tests: one in-memory
// instance per test binary on a free loopback port, with a clean account for every test.
//
// The emulator comes from $AMLMON_AZURITE_BIN, or else from .ci/node_modules/.bin/azurite-blob
// in the repository (make test installs it there). A test that cannot find it fails: a storage
// test that silently skips would prove nothing.
package azuritetest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
)

// The well-known development account of the emulator, published by Microsoft; it is no secret.
const (
	Account = "devstoreaccount1"
	Key     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// startTimeout bounds how long the emulator may take to listen.
const startTimeout = 60 * time.Second

// Azurite is a running emulator.
type Azurite struct {
	endpoint string // http://127.0.0.1:<port>/devstoreaccount1
	pid      int
	exited   chan struct{}
}

// shared is the emulator of this test binary: starting Node for every test would cost seconds
// each, so the first Start launches it and the rest reuse it.
var shared struct {
	once sync.Once
	az   *Azurite
	err  error
}

// Start returns the emulator of this test binary, launching it on first use, with its account
// emptied of all containers. Tests that use it must not run in parallel with each other. The
// emulator dies with the test binary; use Main in TestMain to stop it explicitly as well.
func Start(t testing.TB) *Azurite {
	t.Helper()
	shared.once.Do(func() { shared.az, shared.err = launch() })
	if shared.err != nil {
		t.Fatalf("azurite: %v", shared.err)
	}
	shared.az.Reset(t)
	return shared.az
}

// Main runs the tests of m and then stops the emulator if a test started it. Call it from
// TestMain: os.Exit(azuritetest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared.az != nil {
		shared.az.stop()
	}
	return code
}

// BlobEndpoint is the blob service URL of the account: http://127.0.0.1:<port>/devstoreaccount1.
func (a *Azurite) BlobEndpoint() string { return a.endpoint }

// ConnectionString is a connection string for the account with its shared key.
func (a *Azurite) ConnectionString() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + Account + ";AccountKey=" + Key +
		";BlobEndpoint=" + a.endpoint + ";"
}

// SAS returns an account SAS token (a URL query, no "?") allowing every blob operation until
// expiry.
func (a *Azurite) SAS(t testing.TB, expiry time.Time) string {
	t.Helper()
	cred, err := service.NewSharedKeyCredential(Account, Key)
	if err != nil {
		t.Fatalf("azurite: shared key: %v", err)
	}
	perms := sas.AccountPermissions{Read: true, Write: true, Delete: true, List: true, Add: true, Create: true}
	types := sas.AccountResourceTypes{Service: true, Container: true, Object: true}
	q, err := sas.AccountSignatureValues{
		Protocol:      sas.ProtocolHTTPSandHTTP,
		StartTime:     time.Now().Add(-time.Hour).UTC(),
		ExpiryTime:    expiry.UTC(),
		Permissions:   perms.String(),
		ResourceTypes: types.String(),
	}.SignWithSharedKey(cred)
	if err != nil {
		t.Fatalf("azurite: sign SAS: %v", err)
	}
	return q.Encode()
}

// SASURL returns the blob endpoint with an account SAS valid until expiry.
func (a *Azurite) SASURL(t testing.TB, expiry time.Time) string {
	t.Helper()
	return a.endpoint + "?" + a.SAS(t, expiry)
}

// Client returns a blob service client authenticated with the account key.
func (a *Azurite) Client(t testing.TB) *service.Client {
	t.Helper()
	c, err := service.NewClientFromConnectionString(a.ConnectionString(), nil)
	if err != nil {
		t.Fatalf("azurite: client: %v", err)
	}
	return c
}

// Reset deletes every container of the account.
func (a *Azurite) Reset(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	c := a.Client(t)
	pager := c.NewListContainersPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("azurite: list containers: %v", err)
		}
		for _, it := range page.ContainerItems {
			if _, err := c.DeleteContainer(ctx, *it.Name, nil); err != nil {
				t.Fatalf("azurite: delete container %s: %v", *it.Name, err)
			}
		}
	}
}

// binary finds the azurite-blob executable.
func binary() (string, error) {
	if bin := os.Getenv("AMLMON_AZURITE_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("AMLMON_AZURITE_BIN: %w; run `make test`, which installs Azurite", err)
		}
		return bin, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		bin := filepath.Join(dir, ".ci", "node_modules", ".bin", "azurite-blob")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("azurite-blob not found (set AMLMON_AZURITE_BIN or run `make test`, which installs it into .ci/node_modules)")
		}
		dir = parent
	}
}

// listening matches the line Azurite prints once it accepts connections.
const listening = `successfully listens on (http://127\.0\.0\.1:[0-9]+)`

// launch starts the emulator and waits until it listens.
func launch() (*Azurite, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--inMemoryPersistence", "--blobHost", "127.0.0.1", "--blobPort", "0",
		"--skipApiVersionCheck", "--loose", "--silent")
	cmd.Dir = os.TempDir()
	// Its own process group, and killed with the thread that started it: a test binary that
	// crashes must not leave an emulator behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	stderr := &limitedWriter{max: 8 << 10}
	cmd.Stderr = stderr

	a := &Azurite{exited: make(chan struct{})}
	started := make(chan error, 1)
	// Pdeathsig fires when the starting OS thread exits, so the start and the wait happen on a
	// thread locked for the emulator's whole life.
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			close(a.exited)
			return
		}
		a.pid = cmd.Process.Pid
		started <- nil
		_ = cmd.Wait()
		close(a.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}

	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(listening)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		// Keep draining, so that the emulator never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case base := <-found:
		u, err := url.Parse(base)
		if err != nil {
			a.stop()
			return nil, fmt.Errorf("parse %q: %w", base, err)
		}
		a.endpoint = u.String() + "/" + Account
		return a, nil
	case <-a.exited:
		return nil, fmt.Errorf("azurite exited before listening: %s", stderr.String())
	case <-time.After(startTimeout):
		a.stop()
		return nil, fmt.Errorf("azurite did not listen within %v: %s", startTimeout, stderr.String())
	}
}

// stop kills the emulator's process group and waits for it to exit.
func (a *Azurite) stop() {
	if a.pid > 0 {
		_ = syscall.Kill(-a.pid, syscall.SIGKILL)
	}
	<-a.exited
}

// limitedWriter keeps the first max bytes written to it.
type limitedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (w *limitedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
