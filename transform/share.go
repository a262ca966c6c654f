package transform

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/amlmon/amlmon"
)

// keyChange is what one commit does to the blobs of one manifest file, and the new files that
// hold their rows. Every file of the lake holds rows of the blobs of one manifest file only
// (a group never spans two), so each manifest file commits on its own.
type keyChange struct {
	pending
	files []*partFile
}

// prepareCommit turns a batch into its changes, manifest file by manifest file. It completes
// each blob's entry from the manifest as it is now, since a commit after the blob was planned
// may have rewritten its files, and it rewrites the shared files that a replaced blob's old
// rows must leave.
func (l *Lake) prepareCommit(batch []*converted) ([]*keyChange, error) {
	var (
		changes = map[manifestKey]*keyChange{}
		entries = map[manifestKey]map[string]amlmon.BlobEntry{}
		// leaving[key][file]: the blobs (container/name) whose rows leave the file
		leaving = map[manifestKey]map[string]map[string]bool{}
		keys    []manifestKey
		seen    = map[*partFile]bool{}
	)
	for _, c := range batch {
		e := c.entry
		k := keyOf(e.Container, e.Hour)
		ch := changes[k]
		if ch == nil {
			ch = &keyChange{pending: pending{Container: k.container, Date: k.date}}
			changes[k], entries[k], leaving[k] = ch, map[string]amlmon.BlobEntry{}, map[string]map[string]bool{}
			keys = append(keys, k)
		}
		cur, known, err := l.manifest.get(e.Container, e.Hour, e.Blob)
		if err != nil {
			return nil, err
		}
		if known && c.done.Action == Appended {
			// The entry as read extends the one it was planned from, whose segments the
			// manifest holds now with their files as they are now.
			e.Segments = append(slices.Clone(cur.Segments), e.Segments[min(len(cur.Segments), len(e.Segments)):]...)
		} else if known {
			for _, s := range cur.Segments {
				for _, f := range s.Files {
					if leaving[k][f] == nil {
						leaving[k][f] = map[string]bool{}
					}
					leaving[k][f][e.Container+"/"+e.Blob] = true
				}
			}
		}
		entries[k][e.Blob] = e
		for _, f := range c.files {
			if !seen[f] {
				seen[f] = true
				ch.files = append(ch.files, f)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].date != keys[j].date {
			return keys[i].date < keys[j].date
		}
		return keys[i].container < keys[j].container
	})
	out := make([]*keyChange, 0, len(keys))
	for _, k := range keys {
		ch := changes[k]
		// After a failure, the next run's recovery removes the rewritten files with the
		// other temporary ones.
		if err := l.dropRows(k, ch, entries[k], leaving[k]); err != nil {
			return nil, err
		}
		if err := l.setFileStats(k, ch, entries[k]); err != nil {
			return nil, err
		}
		ch.New = []string{}
		for _, f := range ch.files {
			ch.New = append(ch.New, f.rel)
		}
		sort.Strings(ch.New)
		ch.Entries = make([]amlmon.BlobEntry, 0, len(entries[k]))
		for _, b := range sortedKeysOf(entries[k]) {
			ch.Entries = append(ch.Entries, entries[k][b])
		}
		out = append(out, ch)
	}
	return out, nil
}

// dropRows makes the old files of replaced blobs obsolete: a file no other blob has rows in is
// removed after the commit, any other is rewritten without the leaving rows, and the entries
// of the blobs that stay in it name the new file (and join changed, the entries to commit).
func (l *Lake) dropRows(k manifestKey, ch *keyChange, changed map[string]amlmon.BlobEntry, leaving map[string]map[string]bool) error {
	ch.Obsolete = []string{}
	if len(leaving) == 0 {
		return nil
	}
	fresh := map[string]bool{}
	for _, f := range ch.files {
		fresh[f.rel] = true
	}
	// The entries as they will be: the batch's over the manifest's.
	all, err := l.manifest.entries(k)
	if err != nil {
		return err
	}
	for b, e := range changed {
		all[b] = e
	}
	for _, rel := range sortedKeysOf(leaving) {
		if fresh[rel] {
			// Written anew under the same name by this batch, which holds all its rows.
			continue
		}
		var owners []string
		for _, b := range sortedKeysOf(all) {
			if refersTo(all[b], rel) {
				owners = append(owners, b)
			}
		}
		ch.Obsolete = append(ch.Obsolete, rel)
		if len(owners) == 0 {
			continue
		}
		var f *partFile
		if present, err := l.exists(rel); err != nil {
			return err
		} else if present {
			if f, err = l.rewrite(rel, leaving[rel]); err != nil {
				return err
			}
		} else {
			// Deleted from the lake by hand: the rows the other blobs had in it are gone
			// already, and their entries stop naming it.
			l.opts.Logger.Warn("a lake file the manifest names is missing; its blobs are read again",
				"file", rel, "blobs", owners)
		}
		for _, b := range owners {
			e := all[b]
			e.Segments = slices.Clone(e.Segments)
			for i := range e.Segments {
				var files []string
				for _, name := range e.Segments[i].Files {
					switch {
					case name != rel:
						files = append(files, name)
					case f != nil:
						files = append(files, f.rel)
					}
				}
				sort.Strings(files)
				e.Segments[i].Files = append([]string{}, files...)
			}
			if f == nil && e.Failed == "" {
				// Its rows in the missing file are gone: the next plan of it reads it whole.
				e.Failed = "lake file " + rel + " is missing"
			}
			all[b], changed[b] = e, e
		}
		if f != nil {
			ch.files = append(ch.files, f)
		}
	}
	return nil
}

// exists reports whether the lake file rel exists.
func (l *Lake) exists(rel string) (bool, error) {
	p, err := l.lakePath(rel)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", p, err)
	}
	return true, nil
}

func refersTo(e amlmon.BlobEntry, rel string) bool {
	for _, s := range e.Segments {
		if slices.Contains(s.Files, rel) {
			return true
		}
	}
	return false
}

// rewrite copies the lake file rel, without the rows whose _SourceBlob is in drop, to a
// temporary file named after both, so that a rerun names it alike.
func (l *Lake) rewrite(rel string, drop map[string]bool) (*partFile, error) {
	src, err := l.lakePath(rel)
	if err != nil {
		return nil, err
	}
	dir := path.Dir(rel)
	tableName, _, _ := strings.Cut(rel, "/")
	table, ok := amlmon.TableNamed(tableName)
	if !ok {
		table = amlmon.LogTable(tableName)
	}
	h := sha256.New()
	h.Write([]byte(path.Base(rel)))
	for _, b := range sortedKeysOf(drop) {
		h.Write([]byte{0})
		h.Write([]byte(b))
	}
	name := hex.EncodeToString(h.Sum(nil)[:10])

	pf, err := file.OpenParquetFile(src, false, file.WithReadProps(nil))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(l.opts.BatchRows)}, l.mem)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	defer rr.Release()
	schema := arrowSchema(table)
	w := newSegmentWriter(l)
	for rr.Next() {
		rec, err := withSchema(schema, rr.RecordBatch(), l.mem)
		if err != nil {
			w.abort()
			return nil, fmt.Errorf("rewrite %s: %w", src, err)
		}
		idx := rec.Schema().FieldIndices("_SourceBlob")
		if len(idx) != 1 {
			w.abort()
			return nil, fmt.Errorf("rewrite %s: no _SourceBlob column", src)
		}
		blobs, ok := rec.Column(idx[0]).(*array.String)
		if !ok {
			w.abort()
			return nil, fmt.Errorf("rewrite %s: _SourceBlob is %s, not a string", src, rec.Column(idx[0]).DataType())
		}
		// Rows of one blob lie together: write the runs that stay as slices.
		n := int(rec.NumRows())
		for i := 0; i < n; {
			keep := !drop[blobs.Value(i)]
			j := i + 1
			for j < n && !drop[blobs.Value(j)] == keep {
				j++
			}
			if keep {
				part := rec.NewSlice(int64(i), int64(j))
				err := w.writeDir(table, dir, part)
				part.Release()
				if err != nil {
					w.abort()
					return nil, fmt.Errorf("rewrite %s: %w", src, err)
				}
			}
			i = j
		}
		rec.Release()
	}
	if err := rr.Err(); err != nil {
		w.abort()
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	if w.empty() {
		// Every row left after all: an empty file keeps the remaining entries' names valid.
		if _, err := w.part(table, dir); err != nil {
			return nil, err
		}
	}
	files, err := w.finish(name)
	if err != nil {
		return nil, err
	}
	l.step("rewrite")
	return files[0], nil
}

// withSchema is rec under schema, its columns matched by name: a file read back carries
// metadata of its own on every field, which the writer of the table would refuse, and a file
// of an earlier layout lacks the columns added since, which read as NULL.
func withSchema(schema *arrow.Schema, rec arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	got := rec.Schema()
	for _, f := range got.Fields() {
		if len(schema.FieldIndices(f.Name)) == 0 {
			return nil, fmt.Errorf("column %s is not one of the table's", f.Name)
		}
	}
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, f := range schema.Fields() {
		idx := got.FieldIndices(f.Name)
		if len(idx) == 0 {
			cols[i] = array.MakeArrayOfNull(mem, f.Type, int(rec.NumRows()))
			continue
		}
		c := rec.Column(idx[0])
		if !arrow.TypeEqual(c.DataType(), f.Type) {
			return nil, fmt.Errorf("column %s is %s, the table has %s", f.Name, c.DataType(), f.Type)
		}
		c.Retain()
		cols[i] = c
	}
	return array.NewRecordBatch(schema, cols, rec.NumRows()), nil
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
