package archive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
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

// DefaultRetries is how often a failed call is tried again when AzureOptions.Retry says
// nothing.
const DefaultRetries = 12

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
	// Inflate bounds what a ".gz" blob may expand to.
	Inflate InflateLimit
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
	inflate     InflateLimit
	listSlots   chan struct{} // see nextPage
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
	return IsConnectionString(s)
}

// IsConnectionString reports whether s looks like an Azure Storage connection string: it
// holds any of its settings, even when it lacks the ones that name the account, so that a
// truncated one is told as such and never taken for a local path.
func IsConnectionString(s string) bool {
	l := strings.ToLower(s)
	if strings.Contains(l, "://") && !strings.Contains(l, ";") {
		return false
	}
	for _, k := range []string{"accountname=", "blobendpoint=", "sharedaccesssignature=", "usedevelopmentstorage=",
		"accountkey=", "defaultendpointsprotocol=", "endpointsuffix="} {
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
	a := &Azure{log: opts.Logger, inflate: opts.Inflate, listSlots: make(chan struct{}, listCalls)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	cs := parseConnectionString(opts.ConnectionString)
	a.secrets = appendSecrets(nil, opts.Key, strings.TrimPrefix(opts.SAS, "?"), cs["accountkey"], cs["sharedaccesssignature"])
	if source = ResolveSource(source, opts); source == "" {
		return nil, errors.New("azure source: no account given: set a storage URL, az://<account> or a connection string")
	}

	// Backoff is exponential with jitter from a small base, and a Retry-After (or
	// x-ms-retry-after-ms) answer is honoured instead, up to MaxRetryDelay: a call gives
	// up after twelve retries, about three and a half minutes of backoff, so that a busy
	// account slows a nightly run down rather than failing its blobs.
	retry := opts.Retry
	if retry.MaxRetries == 0 {
		retry.MaxRetries = DefaultRetries
	}
	if retry.RetryDelay == 0 {
		retry.RetryDelay = 250 * time.Millisecond
	}
	if retry.MaxRetryDelay == 0 {
		retry.MaxRetryDelay = 30 * time.Second
	}
	a.readRetries = max(int32(retry.MaxRetries), 1)
	a.timeout = cmp.Or(opts.Timeout, time.Minute)
	clientOpts := &service.ClientOptions{ClientOptions: azcore.ClientOptions{
		Retry:            retry,
		PerCallPolicies:  opts.PerCallPolicies,
		PerRetryPolicies: []policy.Policy{tryLogger{a}},
		Transport:        newTransport(a.timeout),
	}}

	if IsConnectionString(source) {
		own := parseConnectionString(source)
		a.secrets = appendSecrets(a.secrets, own["accountkey"], own["sharedaccesssignature"])
		if own["accountname"] == "" && own["blobendpoint"] == "" && !strings.EqualFold(own["usedevelopmentstorage"], "true") {
			// The SDK would fail on it too, but without saying what is missing.
			return nil, errors.New("azure source: the connection string names no account (no AccountName or BlobEndpoint); copy the whole connection string from the storage account's Access keys page")
		}
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
		if re.StatusCode == http.StatusBadRequest && re.ErrorCode == "InvalidHeaderValue" {
			// What Azurite answers to an SDK whose API version it does not know yet.
			e.msg += ": if this is the Azurite emulator, it is older than the SDK; start it with --skipApiVersionCheck"
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

// tryLogger is a per-try policy that logs every try of a call that failed in a way the retry
// policy retries, so that an unreachable or throttling account shows up as it happens rather
// than as a minute of silence before the error. It belongs to one source: no global SDK
// listener is set.
type tryLogger struct{ a *Azure }

// Do sends the try and logs it at WARN when it failed.
func (p tryLogger) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	switch {
	case err != nil && req.Raw().Context().Err() == nil:
		p.a.log.Warn("azure call failed; retrying unless it was the last try", "op", req.Raw().Method,
			"url", describeURL(req.Raw().URL), "err", redact(err.Error(), p.a.secrets...))
	case status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500:
		p.a.log.Warn("azure call failed; retrying unless it was the last try", "op", req.Raw().Method,
			"url", describeURL(req.Raw().URL), "status", status)
	}
	return resp, err
}

// describeURL is a request URL without its query, where a SAS would be.
func describeURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.Path
}
