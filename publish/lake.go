package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/amlmon/amlmon/archive"
)

// LakeStats counts what a mirror of the lake did.
type LakeStats struct {
	Files     int   // Parquet files in the lake's tables
	Uploaded  int   // files sent, new or changed
	Unchanged int   // files the mirror already held
	Deleted   int   // blobs removed because the lake no longer has them
	Bytes     int64 // bytes sent
}

// mtimeKey is the metadata that records a file's modification time with its blob, so that a
// file whose name, size and time match is known unchanged without reading it.
const mtimeKey = "amlmonmtime"

// Lake mirrors the tables of the lake at dir into store: every <Table>/date=<D>/<file>.parquet,
// not the lake's own bookkeeping (_amlmon/) nor temporary files. Only files that are new or
// changed are sent (a file is unchanged when its blob has the same size and either the same
// recorded modification time or the same MD5). Every file is uploaded before any blob that no
// longer belongs is deleted, so a reader of the mirror never finds a partition with rows
// missing, only, for a moment, rows twice.
func Lake(ctx context.Context, store Store, dir string, parallel int) (LakeStats, error) {
	var st LakeStats
	remote := map[string]archive.DestObject{}
	err := store.List(ctx, "", func(o archive.DestObject) error {
		remote[o.Name] = o
		return nil
	})
	if err != nil {
		return st, err
	}
	local, err := lakeFiles(dir)
	if err != nil {
		return st, err
	}
	st.Files = len(local)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(parallel, 1))
	results := make([]int64, len(local)) // bytes sent, -1 for unchanged
	for i, rel := range local {
		g.Go(func() error {
			n, err := mirrorFile(gctx, store, filepath.Join(dir, filepath.FromSlash(rel)), rel, remote[rel])
			results[i] = n
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return st, err
	}
	keep := map[string]bool{}
	for i, rel := range local {
		keep[rel] = true
		if results[i] < 0 {
			st.Unchanged++
			continue
		}
		st.Uploaded++
		st.Bytes += results[i]
	}
	for name := range remote {
		if keep[name] || !isLakeFile(name) {
			continue
		}
		if err := store.Delete(ctx, name); err != nil {
			return st, err
		}
		st.Deleted++
	}
	return st, nil
}

// mirrorFile uploads one file unless the blob old already holds it; it returns the bytes sent,
// or -1 when the file was unchanged.
func mirrorFile(ctx context.Context, store Store, path, rel string, old archive.DestObject) (int64, error) {
	info, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("mirror %s: %w", rel, err)
	}
	mtime := strconv.FormatInt(info.ModTime().UnixNano(), 10)
	if old.Name != "" && old.Size == info.Size() && old.Metadata[mtimeKey] == mtime {
		return -1, nil
	}
	sum, err := fileMD5(path)
	if err != nil {
		return 0, fmt.Errorf("mirror %s: %w", rel, err)
	}
	if old.Name != "" && old.Size == info.Size() && bytes.Equal(old.MD5, sum) {
		return -1, nil
	}
	up := archive.Upload{ContentType: ContentType(rel), Metadata: map[string]string{mtimeKey: mtime}}
	if err := store.PutFile(ctx, rel, path, sum, up); err != nil {
		return 0, err
	}
	return info.Size(), nil
}

func fileMD5(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// lakeFiles lists the Parquet files of the lake's tables, as slash-separated paths relative
// to dir, in lexical order.
func lakeFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), "_") || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && isLakeFile(rel) {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list lake %s: %w", dir, err)
	}
	return files, nil
}

// isLakeFile reports whether rel is a table's Parquet file: <Table>/date=<D>/<file>.parquet,
// no part hidden or the lake's own.
func isLakeFile(rel string) bool {
	parts := strings.Split(rel, "/")
	if len(parts) != 3 || !strings.HasPrefix(parts[1], "date=") || !strings.HasSuffix(parts[2], ".parquet") {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.HasPrefix(p, "_") || strings.HasPrefix(p, ".") {
			return false
		}
	}
	return true
}
