package archive

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
)

var (
	_ Source = (*Azure)(nil)
	_ Writer = (*Azure)(nil)
)

// Authentication modes an Azure source can use; see (*Azure).AuthMode.
const (
	AuthConnectionString = "connection-string"
	AuthSharedKey        = "shared-key"
	AuthSAS              = "sas"
	AuthEntraID          = "entra-id"
)

// maxAppendBlock is the largest block one AppendBlock call takes.
const maxAppendBlock = 4 << 20

// AzureOptions is the environment of an Azure source. The command fills it from the variables
// named on each field; the package itself never reads the environment.
type AzureOptions struct {
	// ConnectionString (AZURE_STORAGE_CONNECTION_STRING) is used when the source is empty, and
	// for its key or SAS when the source names the same account.
	ConnectionString string
	// Account and Key (AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY) authenticate with the shared
	// key. An empty source with an Account means az://<Account>.
	Account, Key string
	// SAS (AZURE_STORAGE_SAS_TOKEN) is a SAS token, with or without the leading "?". A SAS in
	// the source URL wins over it.
	SAS string
	// Retry tunes the retries of throttled (429, 503), failed (5xx) and timed-out calls. Zero
	// fields take defaults; a per-try timeout also bounds reading a download, so leave
	// TryTimeout zero unless blobs are small.
	Retry policy.RetryOptions
	// Timeout bounds how long a call waits for the service to start answering, and how long a
	// download may go without receiving a byte, before the try is abandoned and retried.
	// Zero: one minute.
	Timeout time.Duration
	// PerCallPolicies run once for every call to the service, before retries.
	PerCallPolicies []policy.Policy
	// Logger receives debug lines about listings and warnings about broken downloads; nil
	// discards them.
	Logger *slog.Logger
}

// Azure is an archive in an Azure Storage account, read and written through the Blob service.
// It is safe for concurrent use.
type Azure struct {
	svc *service.Client
	// container restricts the source to one container, given as the path of the source URL
	// (a container-scoped SAS cannot list the account's containers).
	container   string
	mode        string
	secrets     []string
	readRetries int32
	timeout     time.Duration
	log         *slog.Logger
}

// IsAzureSource reports whether s names a storage account (a URL or a connection string)
// rather than a local directory.
func IsAzureSource(s string) bool {
	s = strings.TrimSpace(s)
	l := strings.ToLower(s)
	if strings.HasPrefix(l, "az://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return true
	}
	return isConnectionString(s)
}

// isConnectionString reports whether s looks like an Azure Storage connection string.
func isConnectionString(s string) bool {
	l := strings.ToLower(s)
	if strings.Contains(l, "://") && !strings.Contains(l, ";") {
		return false
	}
	for _, k := range []string{"accountname=", "blobendpoint=", "sharedaccesssignature=", "usedevelopmentstorage="} {
		if strings.Contains(l, k) {
			return true
		}
	}
	return false
}

// NewAzure returns the Azure source named by source: https://<account>.blob.core.windows.net,
// az://<account>, an emulator URL http://<host>:<port>/<account>, any of them optionally with a
// container path and a SAS query, or a connection string. Credentials come from the source
// itself or from opts: connection string, SAS, shared key, and when there is no secret, Microsoft
// Entra ID through the default credential chain (managed identity, workload identity, Azure CLI).
// Constructing makes no call to the service.
func NewAzure(source string, opts AzureOptions) (*Azure, error) {
	source = strings.TrimSpace(source)
	a := &Azure{log: opts.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	cs := parseConnectionString(opts.ConnectionString)
	a.secrets = appendSecrets(nil, opts.Key, strings.TrimPrefix(opts.SAS, "?"), cs["accountkey"], cs["sharedaccesssignature"])
	if source == "" {
		switch {
		case opts.ConnectionString != "":
			source = opts.ConnectionString
		case opts.Account != "":
			source = "az://" + opts.Account
		default:
			return nil, errors.New("azure source: no account given: set a storage URL, az://<account> or a connection string")
		}
	}

	retry := opts.Retry
	if retry.MaxRetries == 0 {
		retry.MaxRetries = 5
	}
	if retry.RetryDelay == 0 {
		retry.RetryDelay = time.Second
	}
	if retry.MaxRetryDelay == 0 {
		retry.MaxRetryDelay = 30 * time.Second
	}
	a.readRetries = max(int32(retry.MaxRetries), 1)
	a.timeout = cmp.Or(opts.Timeout, time.Minute)
	clientOpts := &service.ClientOptions{ClientOptions: azcore.ClientOptions{
		Retry:           retry,
		PerCallPolicies: opts.PerCallPolicies,
		Transport:       newTransport(a.timeout),
	}}

	if isConnectionString(source) {
		own := parseConnectionString(source)
		a.secrets = appendSecrets(a.secrets, own["accountkey"], own["sharedaccesssignature"])
		svc, err := service.NewClientFromConnectionString(source, clientOpts)
		if err != nil {
			return nil, fmt.Errorf("azure source: connection string: %s", redact(err.Error(), a.secrets...))
		}
		a.svc, a.mode = svc, AuthConnectionString
		return a, nil
	}

	endpoint, account, cont, sas, err := parseAzureURL(source)
	if err != nil {
		return nil, fmt.Errorf("azure source: %s", redact(err.Error(), a.secrets...))
	}
	a.container = cont
	if sas == "" {
		sas = strings.TrimPrefix(opts.SAS, "?")
	}
	key := ""
	switch {
	case opts.Key != "" && (opts.Account == "" || strings.EqualFold(opts.Account, account)):
		key = opts.Key
	case strings.EqualFold(cs["accountname"], account) && cs["accountkey"] != "":
		key = cs["accountkey"]
	}
	if sas == "" && key == "" && strings.EqualFold(cs["accountname"], account) {
		sas = cs["sharedaccesssignature"]
	}
	if sas != "" {
		a.secrets = appendSecrets(a.secrets, sas, sasSignature(sas))
	}

	switch {
	case sas != "":
		a.svc, err = service.NewClientWithNoCredential(endpoint+"?"+sas, clientOpts)
		a.mode = AuthSAS
	case key != "":
		var cred *service.SharedKeyCredential
		cred, err = service.NewSharedKeyCredential(account, key)
		if err == nil {
			a.svc, err = service.NewClientWithSharedKeyCredential(endpoint, cred, clientOpts)
		}
		a.mode = AuthSharedKey
	default:
		var cred *azidentity.DefaultAzureCredential
		cred, err = azidentity.NewDefaultAzureCredential(nil)
		if err == nil {
			a.svc, err = service.NewClient(endpoint, cred, clientOpts)
		}
		a.mode = AuthEntraID
	}
	if err != nil {
		return nil, fmt.Errorf("azure source %s (%s): %s", account, a.mode, redact(err.Error(), a.secrets...))
	}
	return a, nil
}

// newTransport returns the HTTP client of a source: the standard transport with a bound on
// waiting for response headers, so that a service that accepts a call and never answers costs a
// retry rather than a hung job, and enough idle connections for parallel reads.
func newTransport(timeout time.Duration) *http.Client {
	t, ok := http.DefaultTransport.(*http.Transport)
	if ok {
		t = t.Clone()
	} else {
		t = &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:   true,
			TLSHandshakeTimeout: 10 * time.Second,
		}
	}
	t.ResponseHeaderTimeout = timeout
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t}
}

// AuthMode names how the source authenticates: AuthConnectionString, AuthSharedKey, AuthSAS
// or AuthEntraID.
func (a *Azure) AuthMode() string { return a.mode }

// URL is the service endpoint, without credentials.
func (a *Azure) URL() string {
	u, err := url.Parse(a.svc.URL())
	if err != nil {
		return ""
	}
	u.RawQuery = ""
	return strings.TrimSuffix(u.String(), "/")
}

// parseAzureURL splits an account URL into the service endpoint, the account, an optional
// container and an optional SAS query.
func parseAzureURL(source string) (endpoint, account, cont, sas string, err error) {
	u, err := url.Parse(source)
	if err != nil {
		return "", "", "", "", fmt.Errorf("parse URL: %w", err)
	}
	path := strings.Trim(u.Path, "/")
	switch strings.ToLower(u.Scheme) {
	case "az":
		account = u.Host
		endpoint = "https://" + account + ".blob.core.windows.net"
	case "http", "https":
		host := u.Hostname()
		if net.ParseIP(host) != nil || host == "localhost" || !strings.Contains(host, ".") {
			// An emulator: the account is the first path segment.
			account, path, _ = strings.Cut(path, "/")
			endpoint = u.Scheme + "://" + u.Host + "/" + account
		} else {
			account, _, _ = strings.Cut(host, ".")
			endpoint = u.Scheme + "://" + u.Host
		}
	default:
		return "", "", "", "", fmt.Errorf("unsupported scheme %q: use https://<account>.blob.core.windows.net or az://<account>", u.Scheme)
	}
	if account == "" {
		return "", "", "", "", errors.New("no account name in the URL")
	}
	cont, _, _ = strings.Cut(path, "/")
	return endpoint, account, cont, u.RawQuery, nil
}

// parseConnectionString splits a connection string into its settings, keys lower-cased.
func parseConnectionString(s string) map[string]string {
	m := map[string]string{}
	for part := range strings.SplitSeq(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return m
}

// sasSignature returns the signature of a SAS query, escaped as it appears in a URL.
func sasSignature(sas string) string {
	q, err := url.ParseQuery(sas)
	if err != nil {
		return ""
	}
	return url.QueryEscape(q.Get("sig"))
}

// appendSecrets adds the non-empty secrets to list.
func appendSecrets(list []string, secrets ...string) []string {
	for _, s := range secrets {
		if s != "" {
			list = append(list, s)
		}
	}
	return list
}

// azureError is a failed call to the storage service, told without credentials: the SDK's own
// errors quote the request URL, SAS signature included, so they never leave the package.
type azureError struct {
	op, key string
	msg     string // redacted
	kind    error  // ErrNotFound, a context error, or nil
}

func (e *azureError) Error() string { return e.op + " " + e.key + ": " + e.msg }

func (e *azureError) Unwrap() error { return e.kind }

// fail turns an SDK error of operation op on key into an azureError.
func (a *Azure) fail(op, key string, err error) error {
	e := &azureError{op: op, key: key}
	var re *azcore.ResponseError
	switch {
	case errors.As(err, &re):
		e.msg = fmt.Sprintf("%s (HTTP %d)", cmp.Or(re.ErrorCode, "service error"), re.StatusCode)
		if re.StatusCode == 401 || re.StatusCode == 403 {
			e.msg += ": check the credentials, and the permissions and expiry of a SAS"
		}
	default:
		e.msg = redact(err.Error(), a.secrets...)
	}
	switch {
	case bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound, bloberror.ResourceNotFound):
		e.kind = ErrNotFound
	case errors.Is(err, context.Canceled):
		e.kind = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		e.kind = context.DeadlineExceeded
	}
	return e
}

// List implements Source. A bounded window descends the resourceId=/ folders down to the
// resource folders and lists only the window's day or hour prefixes below them, so its cost grows
// with the window and the number of resources, never with the archive's history; names under
// those prefixes that do not parse come with Err. A window open on either side lists each
// container flat, unrecognised names included.
func (a *Azure) List(ctx context.Context, w Window, fn func(Blob) error) error {
	return a.eachContainer(ctx, w, func(c string) error {
		if w.From.IsZero() || w.To.IsZero() {
			return a.listFlat(ctx, c, "", w, fn)
		}
		_, err := a.walk(ctx, c, "resourceId=/", w, fn)
		return err
	})
}

// eachContainer calls fn for every container of the window, in name order.
func (a *Azure) eachContainer(ctx context.Context, w Window, fn func(string) error) error {
	if a.container != "" {
		if !w.MatchContainer(a.container) {
			return nil
		}
		return fn(a.container)
	}
	pager := a.svc.NewListContainersPager(&service.ListContainersOptions{Prefix: new("insights-")})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return a.fail("list containers", "insights-*", err)
		}
		for _, it := range page.ContainerItems {
			if it.Name == nil || !w.MatchContainer(*it.Name) {
				continue
			}
			if err := fn(*it.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// inHours reports whether hour h lies in the time bounds of w; a zero bound is open.
func inHours(w Window, h time.Time) bool {
	return (w.From.IsZero() || !h.Before(w.From.Truncate(time.Hour))) && (w.To.IsZero() || h.Before(w.To))
}

// listFlat lists every blob of container c under prefix, and passes on those of the window.
// Unrecognised names pass when the window names no resources, so callers can count them.
func (a *Azure) listFlat(ctx context.Context, c, prefix string, w Window, fn func(Blob) error) error {
	a.log.DebugContext(ctx, "list", "container", c, "prefix", prefix)
	pager := a.svc.NewContainerClient(c).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return a.fail("list", c+"/"+prefix, err)
		}
		if page.Segment == nil {
			continue
		}
		for _, it := range page.Segment.BlobItems {
			b := toBlob(c, it)
			if b.Err != nil {
				if len(w.Resources) > 0 {
					continue
				}
			} else if !w.MatchResource(b.Path.ResourceID) || !inHours(w, b.Path.Hour) {
				continue
			}
			if err := fn(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// walk descends the folders under prefix, in name order, down to the resource folders (those
// holding y=YYYY/ folders), and lists the window's hours of the resources that match. It
// reports whether prefix itself is a resource folder.
func (a *Azure) walk(ctx context.Context, c, prefix string, w Window, fn func(Blob) error) (bool, error) {
	a.log.DebugContext(ctx, "descend", "container", c, "prefix", prefix)
	pager := a.svc.NewContainerClient(c).NewListBlobsHierarchyPager("/", &container.ListBlobsHierarchyOptions{Prefix: &prefix})
	resource := false
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return resource, a.fail("list", c+"/"+prefix, err)
		}
		if page.Segment == nil {
			continue
		}
		for _, p := range page.Segment.BlobPrefixes {
			if p.Name == nil {
				continue
			}
			name := *p.Name
			if isYearFolder(strings.TrimPrefix(name, prefix)) {
				if !resource {
					resource = true
					if w.MatchResource(folderID(prefix)) {
						if err := a.listHours(ctx, c, prefix, w, fn); err != nil {
							return resource, err
						}
					}
				}
				continue
			}
			if !mayHold(w, folderID(name)) {
				continue
			}
			if _, err := a.walk(ctx, c, name, w, fn); err != nil {
				return resource, err
			}
		}
	}
	return resource, nil
}

// folderID is the resource-ID path of a folder of the resourceId=/ hierarchy, upper-case.
func folderID(prefix string) string {
	return "/" + strings.ToUpper(strings.Trim(strings.TrimPrefix(prefix, "resourceId="), "/"))
}

// mayHold reports whether the folder with resource-ID path id may hold a resource of the
// window. Only resource-ID filters prune; a filter by name can match in any folder.
func mayHold(w Window, id string) bool {
	for _, r := range w.Resources {
		if !strings.HasPrefix(r, "/") {
			return true
		}
	}
	if len(w.Resources) == 0 {
		return true
	}
	for _, r := range w.Resources {
		r = strings.TrimSuffix(strings.ToUpper(r), "/")
		if strings.HasPrefix(id, r) || strings.HasPrefix(r, id) {
			return true
		}
	}
	return false
}

// isYearFolder reports whether a folder name is y=YYYY/.
func isYearFolder(s string) bool {
	if len(s) != len("y=2026/") || !strings.HasPrefix(s, "y=") || s[len(s)-1] != '/' {
		return false
	}
	for _, r := range s[2:6] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// listHours lists the blobs of resource folder res in the hours of w: one listing per whole
// day of the window, one per hour of a partial day.
func (a *Azure) listHours(ctx context.Context, c, res string, w Window, fn func(Blob) error) error {
	var day []time.Time
	flush := func() error {
		if len(day) == 0 {
			return nil
		}
		d := day[0]
		if len(day) == 24 {
			err := a.listFlat(ctx, c, fmt.Sprintf("%sy=%04d/m=%02d/d=%02d/", res, d.Year(), d.Month(), d.Day()), w, fn)
			day = day[:0]
			return err
		}
		for _, h := range day {
			p := fmt.Sprintf("%sy=%04d/m=%02d/d=%02d/h=%02d/", res, h.Year(), h.Month(), h.Day(), h.Hour())
			if err := a.listFlat(ctx, c, p, w, fn); err != nil {
				return err
			}
		}
		day = day[:0]
		return nil
	}
	for h := range w.Hours() {
		h = h.UTC()
		if len(day) > 0 && !sameDay(h, day[0]) {
			if err := flush(); err != nil {
				return err
			}
		}
		day = append(day, h)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return flush()
}

// sameDay reports whether two UTC times fall on the same date.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// toBlob describes a listed blob item of container c.
func toBlob(c string, it *container.BlobItem) Blob {
	var b Blob
	if it.Name != nil {
		b.Name = *it.Name
	}
	b.Container = c
	b.Gzip = strings.HasSuffix(strings.ToLower(b.Name), ".gz")
	if p := it.Properties; p != nil {
		if p.ContentLength != nil {
			b.Size = *p.ContentLength
		}
		if p.ETag != nil {
			b.ETag = strings.Trim(string(*p.ETag), `"`)
		}
		if p.LastModified != nil {
			b.LastModified = p.LastModified.UTC()
		}
		if p.BlobType != nil {
			b.Type = BlobType(*p.BlobType)
		}
	}
	b.Path, b.Err = ParseName(c, b.Name)
	return b
}

// Open implements Source. The download streams, and a broken body is resumed where it broke.
func (a *Azure) Open(ctx context.Context, c, name string, offset, end int64) (io.ReadCloser, error) {
	key := c + "/" + name
	if offset < 0 || end >= 0 && end < offset {
		return nil, fmt.Errorf("open %s: invalid range [%d, %d)", key, offset, end)
	}
	bc := a.svc.NewContainerClient(c).NewBlobClient(name)
	gz := strings.HasSuffix(strings.ToLower(name), ".gz")
	if !gz && end == offset {
		// Nothing to read, but a missing blob must still say so.
		if _, err := bc.GetProperties(ctx, nil); err != nil {
			return nil, a.fail("open", key, err)
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	var rng blob.HTTPRange
	if !gz {
		rng.Offset = offset
		if end >= 0 {
			rng.Count = end - offset
		}
	}
	resp, err := bc.DownloadStream(ctx, &blob.DownloadStreamOptions{Range: rng})
	if err != nil {
		if bloberror.HasCode(err, bloberror.InvalidRange) {
			// The offset is at (or past) the end: nothing was appended since.
			return io.NopCloser(bytes.NewReader(nil)), nil
		}
		return nil, a.fail("open", key, err)
	}
	body := newAzureBody(a, key, resp.NewRetryReader(ctx, &blob.RetryReaderOptions{
		MaxRetries: a.readRetries,
		OnFailedRead: func(failures int32, err error, rng blob.HTTPRange, willRetry bool) {
			a.log.WarnContext(ctx, "download broke", "blob", key, "offset", rng.Offset,
				"failures", failures, "resume", willRetry, "err", redact(err.Error(), a.secrets...))
		},
	}))
	if !gz {
		return body, nil
	}
	zr, err := gzip.NewReader(body)
	if err != nil {
		body.Close()
		return nil, fmt.Errorf("open %s: gzip: %w", key, err)
	}
	if _, err := io.CopyN(io.Discard, zr, offset); err != nil && !errors.Is(err, io.EOF) {
		body.Close()
		return nil, fmt.Errorf("open %s: skip to %d: %w", key, offset, err)
	}
	var r io.Reader = zr
	if end >= 0 {
		r = io.LimitReader(zr, end-offset)
	}
	return readCloser{r, body}, nil
}

// azureBody is a download stream whose errors are told without credentials, and whose reads
// give up on a stalled connection.
type azureBody struct {
	rr    *blob.RetryReader
	a     *Azure
	key   string
	stall *time.Timer
}

func newAzureBody(a *Azure, key string, rr *blob.RetryReader) *azureBody {
	// Closing the current response from another goroutine makes the retry reader resume with
	// a fresh request from the last byte it delivered: the cure for a connection that went
	// silent without breaking.
	stall := time.AfterFunc(a.timeout, func() { _ = rr.Close() })
	stall.Stop()
	return &azureBody{rr: rr, a: a, key: key, stall: stall}
}

func (b *azureBody) Read(p []byte) (int, error) {
	b.stall.Reset(b.a.timeout)
	n, err := b.rr.Read(p)
	b.stall.Stop()
	if err != nil && err != io.EOF {
		err = b.a.fail("read", b.key, err)
	}
	return n, err
}

func (b *azureBody) Close() error {
	b.stall.Stop()
	return b.rr.Close()
}

// readCloser reads from one stream and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// Put implements Writer. The container is created when missing.
func (a *Azure) Put(ctx context.Context, c, name string, typ BlobType, r io.Reader) error {
	key := c + "/" + name
	cc := a.svc.NewContainerClient(c)
	switch typ {
	case AppendBlob:
		ab := cc.NewAppendBlobClient(name)
		_, err := ab.Create(ctx, nil)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			if err := a.ensureContainer(ctx, c); err != nil {
				return err
			}
			_, err = ab.Create(ctx, nil)
		}
		if err != nil {
			return a.fail("put", key, err)
		}
		return a.appendFrom(ctx, c, name, r)
	case BlockBlob:
		if err := a.ensureContainer(ctx, c); err != nil {
			return err
		}
		return a.putBlock(ctx, c, name, r)
	default:
		return fmt.Errorf("put %s: unsupported blob type %q", key, typ)
	}
}

// putBlock creates or replaces a block blob. The service replaces a blob of any type with a
// whole-blob upload but refuses to stage blocks onto an append blob, so a blob that fits one
// upload goes in one call, and a larger one first removes an append blob in its way.
func (a *Azure) putBlock(ctx context.Context, c, name string, r io.Reader) error {
	key := c + "/" + name
	bb := a.svc.NewContainerClient(c).NewBlockBlobClient(name)
	first := make([]byte, maxAppendBlock)
	n, err := io.ReadFull(r, first)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		if _, err := bb.Upload(ctx, streaming.NopCloser(bytes.NewReader(first[:n])), nil); err != nil {
			return a.fail("put", key, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("put %s: read: %w", key, err)
	}
	props, err := bb.GetProperties(ctx, nil)
	switch {
	case bloberror.HasCode(err, bloberror.BlobNotFound):
	case err != nil:
		return a.fail("put", key, err)
	case props.BlobType != nil && *props.BlobType != blob.BlobTypeBlockBlob:
		if _, err := bb.Delete(ctx, nil); err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
			return a.fail("put", key, err)
		}
	}
	if _, err := bb.UploadStream(ctx, io.MultiReader(bytes.NewReader(first), r), nil); err != nil {
		return a.fail("put", key, err)
	}
	return nil
}

// ensureContainer creates container c unless it exists.
func (a *Azure) ensureContainer(ctx context.Context, c string) error {
	_, err := a.svc.NewContainerClient(c).Create(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		return a.fail("create container", c, err)
	}
	return nil
}

// appendFrom appends the bytes of r to an append blob in blocks of at most maxAppendBlock,
// starting small so that short blobs need little memory.
func (a *Azure) appendFrom(ctx context.Context, c, name string, r io.Reader) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			if aerr := a.appendBlock(ctx, c, name, buf[:n]); aerr != nil {
				return aerr
			}
		}
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return nil
		case err != nil:
			return fmt.Errorf("put %s/%s: read: %w", c, name, err)
		}
		if len(buf) < maxAppendBlock {
			buf = make([]byte, min(2*len(buf), maxAppendBlock))
		}
	}
}

// Append implements Writer.
func (a *Azure) Append(ctx context.Context, c, name string, data []byte) error {
	if len(data) == 0 {
		// Nothing to add, but a missing blob must still say so.
		if _, err := a.svc.NewContainerClient(c).NewBlobClient(name).GetProperties(ctx, nil); err != nil {
			return a.fail("append", c+"/"+name, err)
		}
		return nil
	}
	for len(data) > 0 {
		n := min(len(data), maxAppendBlock)
		if err := a.appendBlock(ctx, c, name, data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// appendBlock appends one block of at most maxAppendBlock bytes.
func (a *Azure) appendBlock(ctx context.Context, c, name string, block []byte) error {
	ab := a.svc.NewContainerClient(c).NewAppendBlobClient(name)
	if _, err := ab.AppendBlock(ctx, streaming.NopCloser(bytes.NewReader(block)), nil); err != nil {
		return a.fail("append", c+"/"+name, err)
	}
	return nil
}

// Delete implements Writer.
func (a *Azure) Delete(ctx context.Context, c, name string) error {
	if _, err := a.svc.NewContainerClient(c).NewBlobClient(name).Delete(ctx, nil); err != nil {
		return a.fail("delete", c+"/"+name, err)
	}
	return nil
}
