// Package archive lists and reads the blobs that Azure Monitor diagnostic settings archive to a
// storage account: one container per log category (insights-logs-<category>), one for platform
// metrics (insights-metrics-pt1m), one append blob per resource per hour.
//
// A Source is where the blobs live: Dir for a local copy of the account, Azure for the account
// itself. Both implement the same small contract, checked by one conformance suite.
package archive

import (
	"context"
	"errors"
	"io"
	"time"
)

// Sentinel errors. Implementations wrap them, so test with errors.Is.
var (
	// ErrNotFound: the blob does not exist (any more). A blob deleted between List and Open
	// yields it; callers skip such a blob with a warning.
	ErrNotFound = errors.New("blob not found")
	// ErrUnrecognised: a blob name that is not an archive path (docs/lake.md, "Layout").
	ErrUnrecognised = errors.New("not an archive blob name")
	// ErrUnsafeName: a blob name that cannot become a local path safely.
	ErrUnsafeName = errors.New("unsafe blob name")
	// ErrUnreadable: a blob, or a folder of a local archive, that the listing met but could
	// not read (a symbolic-link loop, a dangling link, a folder it may not open). It is listed
	// with Err set, so that one bad file never stops a listing.
	ErrUnreadable = errors.New("unreadable blob")
)

// Window selects blobs by the hour in their path and by where they come from.
type Window struct {
	// From and To bound the path hours, [From, To). Both zero: every hour (a backfill).
	From, To time.Time
	// Containers narrows the listing to these containers, given as container names
	// ("insights-logs-amlcomputejobevent") or category names ("AmlComputeJobEvent",
	// "metrics"), case-insensitively. Empty: every insights-logs-* and insights-metrics-*.
	Containers []string
	// Resources narrows the listing to resources given as a resource name (the workspace,
	// "ws-prod") or a resource-ID prefix ("/SUBSCRIPTIONS/.../WORKSPACES/WS-PROD"),
	// case-insensitively. Empty: every resource.
	Resources []string
}

// All reports whether the window has no time bounds.
func (w Window) All() bool { return w.From.IsZero() && w.To.IsZero() }

// BlobType is the storage type of a blob.
type BlobType string

const (
	AppendBlob BlobType = "AppendBlob"
	BlockBlob  BlobType = "BlockBlob"
)

// Blob describes one listed blob.
type Blob struct {
	Container    string
	Name         string // the name inside the container: "resourceId=/SUBSCRIPTIONS/.../PT1H.json"
	Size         int64
	ETag         string
	LastModified time.Time
	Type         BlobType
	// Gzip: the name ends in ".gz". Open then yields the decompressed bytes, its offsets count
	// decompressed bytes, and Size is the stored (compressed) size.
	Gzip bool
	// Path is the parsed name, valid when Err is nil.
	Path Path
	// Err is non-nil (wrapping ErrUnrecognised) for a name that is not an archive path, and
	// (wrapping ErrUnreadable) for a blob or folder that could not be read while listing. Such
	// blobs are still listed, so that callers count them instead of losing them silently.
	Err error
}

// Path is a parsed archive blob name (docs/lake.md, "Layout").
type Path struct {
	Container string
	// Category is the log category as the container spells it, lower-case
	// ("amlcomputejobevent"); "metrics" for insights-metrics-* containers.
	Category string
	Metrics  bool
	// ResourceID is upper-case, without a trailing slash: "/SUBSCRIPTIONS/<SUB>/RESOURCEGROUPS/<RG>/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/<WS>".
	ResourceID     string
	SubscriptionID string
	ResourceGroup  string
	Provider       string // "MICROSOFT.MACHINELEARNINGSERVICES"
	// ResourceType is the type path below the provider: "WORKSPACES", or
	// "WORKSPACES/ONLINEENDPOINTS" for a nested resource.
	ResourceType string
	ResourceName string // the last name: the workspace, or the endpoint of a nested resource
	Hour         time.Time
}

// Source is a place archived blobs live. Its errors name the blob (container/name) they are
// about, so that callers pass them on without naming it again.
type Source interface {
	// List calls fn once for every blob of the window, one call at a time, containers in name
	// order and names in lexical order within a container. Listing streams page by page: it
	// never holds a whole container. A non-nil error from fn stops the listing and is returned.
	List(ctx context.Context, w Window, fn func(Blob) error) error
	// Open returns the bytes [offset, end) of a blob as a stream; end < 0 means to the end of
	// the blob as it is when read. The caller closes the stream. A missing blob yields an error
	// wrapping ErrNotFound.
	Open(ctx context.Context, container, name string, offset, end int64) (io.ReadCloser, error)
}

// Writer creates, grows and deletes blobs. Fetch writes a local copy through it, tests and the
// demo build archives through it, and the conformance suite uses it to produce the faults a
// reader must survive (a blob that grows or disappears between List and Open).
type Writer interface {
	// Put creates or replaces a blob of type typ with the bytes of r, streamed.
	Put(ctx context.Context, container, name string, typ BlobType, r io.Reader) error
	// Append adds data to the end of an existing append blob.
	Append(ctx context.Context, container, name string, data []byte) error
	// Delete removes a blob; an error wrapping ErrNotFound if it does not exist.
	Delete(ctx context.Context, container, name string) error
}
