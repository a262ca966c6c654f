package archive

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
)

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
	return gunzipRange(body, key, offset, end, a.inflate)
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
