package transform

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// Sentinel errors.
var (
	// ErrGone: an Opener returns an error wrapping it when the blob was deleted after it was
	// listed. Sync skips such a blob with a warning.
	ErrGone = errors.New("blob gone")
	// ErrLocked: another process holds the lake.
	ErrLocked = errors.New("lake is locked by another amlmon")
)

// Blob is what Sync needs to know of a listed blob. It is not an Azure type: the caller
// translates whatever its source lists.
type Blob struct {
	Container  string
	Name       string // the name inside the container
	Size       int64
	ETag       string
	Modified   time.Time
	Hour       time.Time // the path hour, UTC
	ResourceID string    // the resource path of the name, upper-case
	// Category is the log category as the container names it ("amlcomputejobevent"): the
	// table of records that name none. Empty for metrics.
	Category string
	Metrics  bool // an insights-metrics-* container: rows go to AzureMetrics
	Append   bool // an append blob, which may grow
	Gzip     bool // Opener yields decompressed bytes; a gzip blob is always read whole
	// Unrecognised, when not empty, says why the name is not an archive path. Such a blob is
	// recorded and counted, never read.
	Unrecognised string
}

// Opener opens the bytes [offset, end) of the blob it belongs to; end < 0 means to the end.
// The caller closes the stream.
type Opener func(ctx context.Context, offset, end int64) (io.ReadCloser, error)

// Options tune a Lake. The zero value of each field means its default.
type Options struct {
	BatchRows int           // rows per Arrow batch; default 8192
	Parallel  int           // groups of blobs converted at once; default runtime.GOMAXPROCS(0)
	Settle    time.Duration // a blob unchanged this long, whose hour is over 2 h old, is sealed; default 15 min
	Now       func() time.Time
	Logger    *slog.Logger
	// OnBlob, when set, is called after each listed blob is handled, from any goroutine.
	OnBlob func(Done)
	// Prefetch is how many small blobs, read whole, are downloaded ahead of their conversion
	// at once; 0 reads each blob as it is converted. Worth it for a remote source, where each
	// download waits a round trip and a throttled one waits longer; see prefetch.go.
	Prefetch int
}

// Done reports what Sync did with one blob.
type Done struct {
	Blob     Blob
	Action   Action
	Bytes    int64 // bytes read
	Records  int64
	Rejected int64
	Err      error // the blob's own failure; Sync goes on with the others
}

// Action is what Sync did with a blob.
type Action string

const (
	Skipped      Action = "skipped"      // unchanged since the last run: nothing downloaded
	Read         Action = "read"         // read whole for the first time
	Appended     Action = "appended"     // grew: only the new range read
	Replaced     Action = "replaced"     // changed in place: read whole, old rows removed
	Gone         Action = "gone"         // deleted after listing
	Unrecognised Action = "unrecognised" // not an archive name
	Failed       Action = "failed"
)

// Stats sums up one Sync.
type Stats struct {
	Blobs        int64            `json:"blobs"` // listed
	Skipped      int64            `json:"skipped"`
	Read         int64            `json:"read"` // read whole, appended or replaced
	Appended     int64            `json:"appended"`
	Replaced     int64            `json:"replaced"`
	Gone         int64            `json:"gone"`
	Unrecognised int64            `json:"unrecognised"`
	Failed       int64            `json:"failed"`
	Bytes        int64            `json:"bytes"`
	Records      map[string]int64 `json:"records"` // rows per table
	Rejected     int64            `json:"rejected"`
	Warnings     int64            `json:"warnings"`
	Duration     time.Duration    `json:"duration"`
}

// Lake is a Parquet lake open for writing.
type Lake struct {
	dir      string
	opts     Options
	manifest *manifest
	mem      *bufferPool  // Arrow and Parquet buffers, reused from blob to blob
	commitMu sync.Mutex   // one batch commit at a time
	stepMu   sync.Mutex   // onStep sees one step at a time
	onStep   func(string) // see step
	// upgrade holds the blobs that the upgrade of an earlier layout still has to read again,
	// by container/name (format.go).
	upgradeMu sync.Mutex
	upgrade   map[string]BlobRef
	// prefetchSlots bounds the downloads read ahead at once (Options.Prefetch), and
	// prefetchBytes what they hold before it is converted; nil: no read-ahead.
	prefetchSlots chan struct{}
	prefetchBytes *semaphore.Weighted
}

// Open prepares dir as a lake (creating it if needed) and finishes or undoes whatever an
// interrupted run left half done. Hold the lock (Lock) before calling Sync. While another
// process holds the lock, Open leaves its unfinished work alone; Lock recovers once it is free.
func Open(dir string, opts Options) (*Lake, error) {
	return openLake(dir, opts, nil)
}

// Lock takes the lake's lock, which a crashed process does not keep; ErrLocked if another
// live process holds it, with who and since when in the message. Having the lock, it finishes
// or undoes what an interrupted run left half done, refuses a lake of a newer layout
// (ErrNewerLake), and prepares the upgrade of an older one (see Upgrading). release gives it
// back.
func (l *Lake) Lock() (release func() error, err error) {
	release, err = l.lock()
	if err != nil {
		return nil, err
	}
	// Whoever held the lock before may have committed since the manifest was last read.
	l.manifest = newManifest(l.dir)
	// A newer layout may have a journal this version cannot judge: refuse before recovery.
	if format, err := l.readFormat(); err == nil && format > lakeFormat {
		release()
		return nil, l.newerError(format)
	}
	if err := l.recoverLake(); err != nil {
		release()
		return nil, err
	}
	if err := l.checkFormat(); err != nil {
		release()
		return nil, err
	}
	return release, nil
}

// Sync calls list, which calls yield once for every listed blob; blobs that changed since the
// last run are converted (at most Options.Parallel at once, so yield may block) and committed.
// One blob's failure is counted, reported through OnBlob and does not stop the others; Sync
// returns an error only for what stops the whole run (ctx cancelled, the lake unwritable, an
// error from list).
func (l *Lake) Sync(ctx context.Context, list func(yield func(Blob, Opener) error) error) (Stats, error) {
	return l.sync(ctx, list)
}
