package archive

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// ErrInflateLimit: a compressed blob expands past its InflateLimit. The blob fails with an
// error wrapping it, after reading no more than the limit allows, so a small file that
// expands to gigabytes (a compression bomb) costs bounded time.
var ErrInflateLimit = errors.New("decompressed size over the limit")

// InflateLimit bounds what one compressed (".gz") blob may expand to. Zero fields take the
// defaults, and a negative field turns that bound off.
type InflateLimit struct {
	// MaxRatio bounds decompressed bytes per compressed byte read so far, past the first
	// inflateSlack bytes. Default 100: archive JSON compresses about 10 to 30 times.
	MaxRatio int64
	// MaxBytes bounds the decompressed size of one blob. Default 16 GiB.
	MaxBytes int64
}

// Defaults of InflateLimit, and the output allowed before the ratio is judged: a tiny gzip
// file holding a few records can expand far more than 100 times.
const (
	DefaultInflateRatio = 100
	DefaultInflateBytes = 16 << 30
	inflateSlack        = 1 << 20
)

func (l InflateLimit) ratio() int64 {
	if l.MaxRatio == 0 {
		return DefaultInflateRatio
	}
	return l.MaxRatio
}

func (l InflateLimit) bytes() int64 {
	if l.MaxBytes == 0 {
		return DefaultInflateBytes
	}
	return l.MaxBytes
}

// gunzipRange turns the stream of a whole gzip blob into the decompressed bytes [offset, end)
// (end < 0: to the end). Gzip cannot seek, so the bytes before offset are decompressed and
// discarded. It closes rc on failure; on success closing the result closes rc. Decompression
// stops with an error wrapping ErrInflateLimit as soon as the output passes lim.
func gunzipRange(rc io.ReadCloser, key string, offset, end int64, lim InflateLimit) (io.ReadCloser, error) {
	in := &countReader{r: rc}
	zr, err := gzip.NewReader(in)
	if errors.Is(err, io.EOF) {
		return rc, nil // an empty file holds no records
	}
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("decompress %s: %w", key, err)
	}
	// Its errors do not repeat the blob's name: whoever reads the stream names the blob.
	lr := &limitedInflate{zr: zr, in: in, ratio: lim.ratio(), max: lim.bytes()}
	if _, err := io.CopyN(io.Discard, lr, offset); err != nil && !errors.Is(err, io.EOF) {
		rc.Close()
		return nil, fmt.Errorf("decompress %s to offset %d: %w", key, offset, err)
	}
	var r io.Reader = lr
	if end >= 0 {
		r = io.LimitReader(lr, end-offset)
	}
	return readCloser{Reader: r, Closer: rc}, nil
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// limitedInflate reads decompressed bytes and fails once they pass the size bound, or the
// ratio bound against the compressed bytes read so far.
type limitedInflate struct {
	zr         *gzip.Reader
	in         *countReader
	ratio, max int64
	out        int64
}

func (l *limitedInflate) Read(p []byte) (int, error) {
	n, err := l.zr.Read(p)
	l.out += int64(n)
	if l.max >= 0 && l.out > l.max {
		return n, fmt.Errorf("%w: more than %d bytes (raise --max-inflate-size to read it)", ErrInflateLimit, l.max)
	}
	if l.ratio >= 0 && l.out > inflateSlack && l.out > l.ratio*max(l.in.n, 1) {
		return n, fmt.Errorf("%w: %d bytes from %d compressed, over %d times (raise --max-inflate-ratio to read it)",
			ErrInflateLimit, l.out, l.in.n, l.ratio)
	}
	return n, err
}
