// Package publish copies what amlmon made to where people and other tools read it: a day's
// report folder to a report site (a container, the $web container of a static website
// included), and the Parquet lake to a mirror that Spark, Synapse, Fabric or Databricks read
// as Hive-partitioned Parquet.
//
// It writes through Store, which archive.Dest implements; it knows neither the Azure SDK nor
// the report's formats: the index page comes from a function the command passes in.
package publish

import (
	"context"
	"path"
	"strings"

	"github.com/amlmon/amlmon/archive"
)

// Store is a folder of blobs: archive.Dest, or a fake in a test of a fault a real store
// cannot produce. Names are relative to the folder, with "/" between folders.
type Store interface {
	// Put creates or replaces name with data.
	Put(ctx context.Context, name string, data []byte, up archive.Upload) error
	// PutFile creates or replaces name with the local file at path, whose MD5 is sum.
	PutFile(ctx context.Context, name, path string, sum []byte, up archive.Upload) error
	// Get returns name, at most limit bytes of it; an error wrapping archive.ErrNotFound if
	// it does not exist.
	Get(ctx context.Context, name string, limit int64) ([]byte, error)
	// List calls fn for every blob whose name starts with under, in name order.
	List(ctx context.Context, under string, fn func(archive.DestObject) error) error
	// Delete removes name; one already gone is no error.
	Delete(ctx context.Context, name string) error
}

var _ Store = (*archive.Dest)(nil)

// ContentType is the Content-Type a published file is served with, from its extension.
func ContentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".md":
		return "text/markdown; charset=utf-8"
	case ".csv":
		return "text/csv; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json":
		return "application/json"
	case ".parquet":
		return "application/vnd.apache.parquet"
	case ".txt":
		return "text/plain; charset=utf-8"
	default:
		return "application/octet-stream"
	}
}
