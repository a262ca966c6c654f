package transform

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/amlmon/amlmon"
)

// lakeFormat is the layout this package writes. Format 1 (never recorded) named each Azure ML
// category's table after the category, kept identity in Extra and dropped the extra top-level
// keys of metrics; format 2 has the Log Analytics tables, Identity, and Extra on AzureMetrics.
const lakeFormat = 2

// ErrNewerLake: the lake was written by a newer amlmon, whose layout this one does not know.
var ErrNewerLake = errors.New("the lake was written by a newer amlmon")

// The format is recorded as a file in the journal's folder, where an amlmon of format 1 meets
// it while recovering and refuses to open the lake, with the file's name in its error: that
// version had no format check of its own, but it judged every *.json file there.
var formatFile = regexp.MustCompile(`^lake-format-([0-9]+)\.needs-a-newer-amlmon\.json$`)

func formatName(n int) string {
	return "lake-format-" + strconv.Itoa(n) + ".needs-a-newer-amlmon.json"
}

// upgradeFile lists the blobs that an upgrade of the format still has to read again.
func (l *Lake) upgradeFile() string { return filepath.Join(amlmon.MetaDir(l.dir), "upgrade.jsonl") }

// BlobRef names an archive blob that the lake knows.
type BlobRef struct {
	Container string    `json:"container"`
	Name      string    `json:"blob"`
	Hour      time.Time `json:"hour"` // the path hour, UTC
}

func (r BlobRef) key() string { return r.Container + "/" + r.Name }

// readFormat returns the format the lake records; 1 for a lake that holds blobs but records
// none, and 0 for a lake that holds nothing yet.
func (l *Lake) readFormat() (int, error) {
	entries, err := os.ReadDir(l.pendingDir())
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", l.pendingDir(), err)
	}
	format := 0
	for _, e := range entries {
		if m := formatFile.FindStringSubmatch(e.Name()); m != nil {
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return 0, fmt.Errorf("lake format %s: %w", e.Name(), err)
			}
			format = max(format, n)
		}
	}
	if format > 0 {
		return format, nil
	}
	dates, err := os.ReadDir(filepath.Join(amlmon.MetaDir(l.dir), "blobs"))
	if errors.Is(err, fs.ErrNotExist) || err == nil && len(dates) == 0 {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read the manifest of %s: %w", l.dir, err)
	}
	return 1, nil
}

// writeFormat records the format this package writes, and drops the record of older ones.
func (l *Lake) writeFormat() error {
	data, _ := json.Marshal(map[string]any{
		"format": lakeFormat,
		"note":   "this lake has a newer layout than the amlmon that met this file: upgrade amlmon",
	})
	if err := l.writeAtomic(filepath.Join(l.pendingDir(), formatName(lakeFormat)), data); err != nil {
		return err
	}
	for n := 1; n < lakeFormat; n++ {
		if err := os.Remove(filepath.Join(l.pendingDir(), formatName(n))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the record of format %d: %w", n, err)
		}
	}
	return nil
}

// checkFormat refuses a lake newer than this package and prepares the upgrade of an older
// one: it lists the blobs whose rows move or change, then records the new format. A crash
// before the record leaves the lake as it was, and the next run lists the same blobs again.
// The caller holds the lock.
func (l *Lake) checkFormat() error {
	format, err := l.readFormat()
	if err != nil {
		return err
	}
	switch {
	case format > lakeFormat:
		return l.newerError(format)
	case format == 1:
		refs, err := l.outdatedBlobs()
		if err != nil {
			return fmt.Errorf("plan the upgrade of %s: %w", l.dir, err)
		}
		if err := l.writeUpgrade(refs); err != nil {
			return err
		}
		l.step("upgrade-planned")
		l.opts.Logger.Info("upgrading the lake's layout: blobs whose rows move or change are read again",
			"lake", l.dir, "from_format", format, "to_format", lakeFormat, "blobs", len(refs))
		if err := l.writeFormat(); err != nil {
			return err
		}
		l.step("format-written")
	case format == 0:
		if err := l.writeFormat(); err != nil {
			return err
		}
	}
	return l.loadUpgrade()
}

func (l *Lake) newerError(format int) error {
	return fmt.Errorf("%w: %s has format %d, this amlmon knows formats up to %d; use the newer amlmon",
		ErrNewerLake, l.dir, format, lakeFormat)
}

// loadUpgrade reads the blobs the upgrade still waits for.
func (l *Lake) loadUpgrade() error {
	l.upgrade = map[string]BlobRef{}
	data, err := os.ReadFile(l.upgradeFile())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", l.upgradeFile(), err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r BlobRef
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("read %s line %d: %w", l.upgradeFile(), n, err)
		}
		l.upgrade[r.key()] = r
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", l.upgradeFile(), err)
	}
	return nil
}

// writeUpgrade records the blobs the upgrade waits for; none removes the record.
func (l *Lake) writeUpgrade(refs []BlobRef) error {
	if len(refs) == 0 {
		if err := os.Remove(l.upgradeFile()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", l.upgradeFile(), err)
		}
		return nil
	}
	sortRefs(refs)
	var buf bytes.Buffer
	for _, r := range refs {
		line, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("write %s: %w", l.upgradeFile(), err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return l.writeAtomic(l.upgradeFile(), buf.Bytes())
}

func sortRefs(refs []BlobRef) {
	sort.Slice(refs, func(i, j int) bool {
		a, b := refs[i], refs[j]
		if !a.Hour.Equal(b.Hour) {
			return a.Hour.Before(b.Hour)
		}
		if a.Container != b.Container {
			return a.Container < b.Container
		}
		return a.Name < b.Name
	})
}

// Upgrading lists the blobs that the upgrade of the lake's layout still has to read again, in
// path order; none once the lake is upgraded. Sync reads such a blob again whole when it is
// listed, whatever its ETag says: list them, by name, even outside the window of the sync.
// Call it with the lock held.
func (l *Lake) Upgrading() []BlobRef {
	l.upgradeMu.Lock()
	defer l.upgradeMu.Unlock()
	refs := make([]BlobRef, 0, len(l.upgrade))
	for _, r := range l.upgrade {
		refs = append(refs, r)
	}
	sortRefs(refs)
	return refs
}

// KeepAsRead stops waiting for blobs that the source no longer has: their rows stay in the
// lake as the earlier layout wrote them, since nothing else holds them any more.
func (l *Lake) KeepAsRead(refs []BlobRef) error {
	l.upgradeMu.Lock()
	defer l.upgradeMu.Unlock()
	for _, r := range refs {
		if _, ok := l.upgrade[r.key()]; ok {
			l.opts.Logger.Warn("a blob to read again for the new layout is not in the source; its rows stay as they were",
				"container", r.Container, "blob", r.Name)
			delete(l.upgrade, r.key())
		}
	}
	return l.saveUpgrade()
}

// outdated reports whether the upgrade waits for blob b, whose entry in the manifest is prev.
func (l *Lake) outdated(b Blob, prev amlmon.BlobEntry) bool {
	if prev.Format >= lakeFormat {
		return false
	}
	l.upgradeMu.Lock()
	defer l.upgradeMu.Unlock()
	_, ok := l.upgrade[b.Container+"/"+b.Name]
	return ok
}

// finishUpgrade forgets the blobs read again since, and once none is left, removes the empty
// folders of the tables that the earlier layout wrote and this one does not.
func (l *Lake) finishUpgrade() error {
	l.upgradeMu.Lock()
	defer l.upgradeMu.Unlock()
	if len(l.upgrade) == 0 {
		return nil
	}
	for k, r := range l.upgrade {
		e, known, err := l.manifest.get(r.Container, r.Hour, r.Name)
		if err != nil {
			return err
		}
		if !known || e.Format >= lakeFormat {
			delete(l.upgrade, k)
		}
	}
	return l.saveUpgrade()
}

// saveUpgrade writes what the upgrade still waits for; the caller holds upgradeMu.
func (l *Lake) saveUpgrade() error {
	refs := make([]BlobRef, 0, len(l.upgrade))
	for _, r := range l.upgrade {
		refs = append(refs, r)
	}
	if len(refs) == 0 {
		// Before the list goes, so that a crash in between has the next run finish this.
		if err := l.removeMovedTables(); err != nil {
			return err
		}
		l.opts.Logger.Info("the lake's layout is upgraded", "lake", l.dir, "format", lakeFormat)
	}
	if err := l.writeUpgrade(refs); err != nil {
		return err
	}
	l.step("upgrade-saved")
	return nil
}

// movedTable reports whether the earlier layout wrote rows into folder name that this one
// writes into another table: a category's own table ("ModelsChangeEvent" → AmlModelsEvent),
// spelled as the container does ("amlonlineendpointconsolelog").
func movedTable(name string) bool {
	if t, _, ok := amlmon.TableOf(name); ok {
		return t.Name != name
	}
	t, ok := amlmon.TableNamed(name)
	return ok && t.Name != name
}

// removeMovedTables removes the empty date folders, and then the empty folders, of the tables
// that moved. A folder that still holds files (of blobs kept as read) stays.
func (l *Lake) removeMovedTables() error {
	tables, err := os.ReadDir(l.dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", l.dir, err)
	}
	for _, t := range tables {
		if !t.IsDir() || !movedTable(t.Name()) {
			continue
		}
		dir := filepath.Join(l.dir, t.Name())
		dates, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("read %s: %w", dir, err)
		}
		for _, d := range dates {
			os.Remove(filepath.Join(dir, d.Name())) // only if empty
		}
		os.Remove(dir) // only if empty
		l.step("moved-removed")
	}
	return nil
}

// outdatedBlobs lists the blobs of a lake of format 1 whose rows move or change in this
// format: rows of a category that now has a table of its own (or whose folder was named
// after one), rows of the Azure ML tables of format 1 whose Extra holds the identity that
// now has a column, and every metrics blob, since the keys that now go to Extra were not kept
// and only the blob has them.
func (l *Lake) outdatedBlobs() ([]BlobRef, error) {
	manifests, err := filepath.Glob(filepath.Join(amlmon.MetaDir(l.dir), "blobs", "date=*", "*.jsonl"))
	if err != nil {
		return nil, err
	}
	identities := map[string]map[string]bool{} // file → the blobs with an identity in it
	var refs []BlobRef
	for _, name := range manifests {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", name, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
		for n := 1; sc.Scan(); n++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var e amlmon.BlobEntry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				return nil, fmt.Errorf("read manifest %s line %d: %w", name, n, err)
			}
			out, err := l.entryOutdated(e, identities)
			if err != nil {
				return nil, err
			}
			if out {
				refs = append(refs, BlobRef{Container: e.Container, Name: e.Blob, Hour: e.Hour.UTC()})
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", name, err)
		}
	}
	return refs, nil
}

// formatOneTables are the tables of format 1 with typed columns, which keep their name.
var formatOneTables = []string{"AmlComputeJobEvent", "AmlComputeClusterEvent", "AmlComputeClusterNodeEvent",
	"AmlComputeCpuGpuUtilization", "AmlRunStatusChangedEvent"}

func (l *Lake) entryOutdated(e amlmon.BlobEntry, identities map[string]map[string]bool) (bool, error) {
	if e.Format >= lakeFormat || e.Failed != "" {
		return false, nil
	}
	for _, s := range e.Segments {
		for _, rel := range s.Files {
			table, _, _ := strings.Cut(rel, "/")
			switch {
			case strings.EqualFold(table, amlmon.Rejects):
			case strings.EqualFold(table, amlmon.AzureMetrics):
				return true, nil
			case slices.Contains(formatOneTables, table):
				blobs, ok := identities[rel]
				if !ok {
					var err error
					if blobs, err = l.blobsWithIdentity(rel); err != nil {
						return false, err
					}
					identities[rel] = blobs
				}
				if blobs[e.Container+"/"+e.Blob] {
					return true, nil
				}
			default:
				// A category of its own table now, or a folder that a table now takes.
				if _, _, ok := amlmon.TableOf(table); ok {
					return true, nil
				}
				if _, ok := amlmon.TableNamed(table); ok {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

// blobsWithIdentity reads the Extra and _SourceBlob columns of a lake file of format 1 and
// returns the blobs that have a row whose Extra holds an identity key.
func (l *Lake) blobsWithIdentity(rel string) (map[string]bool, error) {
	out := map[string]bool{}
	src, err := l.lakePath(rel)
	if err != nil {
		return nil, err
	}
	pf, err := file.OpenParquetFile(src, false)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil // deleted by hand: no rows to move
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	defer pf.Close()
	schema := pf.MetaData().Schema
	blobCol, extraCol := schema.ColumnIndexByName("_SourceBlob"), schema.ColumnIndexByName("Extra")
	if blobCol < 0 || extraCol < 0 {
		return out, nil
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(l.opts.BatchRows)}, l.mem)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), []int{blobCol, extraCol}, nil)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		blobs, ok1 := rec.Column(fieldIndex(rec.Schema().Fields(), "_SourceBlob")).(*array.String)
		extras, ok2 := rec.Column(fieldIndex(rec.Schema().Fields(), "Extra")).(*array.String)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("read %s: _SourceBlob or Extra is not a string column", src)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			if extras.IsNull(i) || out[blobs.Value(i)] {
				continue
			}
			if hasIdentity(extras.Value(i)) {
				out[blobs.Value(i)] = true
			}
		}
	}
	if err := rr.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", src, err)
	}
	return out, nil
}

func fieldIndex(fields []arrow.Field, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// hasIdentity reports whether an Extra object has a key that reads "identity" in any case,
// escapes undone.
func hasIdentity(extra string) bool {
	if !strings.Contains(strings.ToLower(extra), "identity") && !strings.Contains(extra, `\u`) {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(extra), &m) != nil {
		return false
	}
	for k := range m {
		if strings.EqualFold(k, "identity") {
			return true
		}
	}
	return false
}
