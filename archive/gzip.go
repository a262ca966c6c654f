package archive

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// gunzipRange turns the stream of a whole gzip blob into the decompressed bytes [offset, end)
// (end < 0: to the end). Gzip cannot seek, so the bytes before offset are decompressed and
// discarded. It closes rc on failure; on success closing the result closes rc.
func gunzipRange(rc io.ReadCloser, key string, offset, end int64) (io.ReadCloser, error) {
	zr, err := gzip.NewReader(rc)
	if errors.Is(err, io.EOF) {
		return rc, nil // an empty file holds no records
	}
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("decompress %s: %w", key, err)
	}
	if _, err := io.CopyN(io.Discard, zr, offset); err != nil && !errors.Is(err, io.EOF) {
		rc.Close()
		return nil, fmt.Errorf("decompress %s to offset %d: %w", key, offset, err)
	}
	var r io.Reader = zr
	if end >= 0 {
		r = io.LimitReader(zr, end-offset)
	}
	return readCloser{Reader: r, Closer: rc}, nil
}
