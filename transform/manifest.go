package transform

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/amlmon/amlmon"
)

// manifestKey names one manifest file: the blobs of one container whose path date is date.
type manifestKey struct {
	container string
	date      string
}

// manifest is the lake's record of every blob read, one JSON line per blob in one file per
// container and path date. Files are loaded when first needed and rewritten whole, atomically,
// on every commit; the mutex makes it the single committer of each file.
type manifest struct {
	lake  string
	mu    sync.Mutex
	files map[manifestKey]map[string]amlmon.BlobEntry
}

func newManifest(lake string) *manifest {
	return &manifest{lake: lake, files: map[manifestKey]map[string]amlmon.BlobEntry{}}
}

func keyOf(container string, hour time.Time) manifestKey {
	return manifestKey{container: container, date: hour.UTC().Format(amlmon.DateLayout)}
}

func (m *manifest) path(k manifestKey) (string, error) {
	if err := checkName(k.container); err != nil {
		return "", fmt.Errorf("container %q: %w", k.container, err)
	}
	date, _ := time.Parse(amlmon.DateLayout, k.date)
	return filepath.Join(amlmon.BlobsDir(m.lake, date), k.container+".jsonl"), nil
}

// load returns the entries of one file; the caller holds mu.
func (m *manifest) load(k manifestKey) (map[string]amlmon.BlobEntry, error) {
	if f, ok := m.files[k]; ok {
		return f, nil
	}
	name, err := m.path(k)
	if err != nil {
		return nil, err
	}
	entries := map[string]amlmon.BlobEntry{}
	data, err := os.ReadFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read manifest %s: %w", name, err)
	}
	list, err := amlmon.ParseBlobEntries(name, data)
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		entries[e.Blob] = e
	}
	m.files[k] = entries
	return entries, nil
}

// get returns what the lake knows of a blob.
func (m *manifest) get(container string, hour time.Time, blob string) (amlmon.BlobEntry, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	entries, err := m.load(keyOf(container, hour))
	if err != nil {
		return amlmon.BlobEntry{}, false, err
	}
	e, ok := entries[blob]
	return e, ok, nil
}

// entries returns a copy of the entries of one manifest file, by blob name.
func (m *manifest) entries(k manifestKey) (map[string]amlmon.BlobEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all, err := m.load(k)
	if err != nil {
		return nil, err
	}
	return maps.Clone(all), nil
}

// holds reports whether the manifest file holds every one of entries as it is.
func (m *manifest) holds(k manifestKey, entries []amlmon.BlobEntry) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all, err := m.load(k)
	if err != nil {
		return false, err
	}
	for _, want := range entries {
		got, ok := all[want.Blob]
		if !ok {
			return false, nil
		}
		// Compared as the manifest writes them: times read back from JSON lose nothing
		// that their encoding holds.
		g, gerr := json.Marshal(got)
		w, werr := json.Marshal(want)
		if gerr != nil || werr != nil || !bytes.Equal(g, w) {
			return false, nil
		}
	}
	return true, nil
}

// commit records entries, each replacing its blob's previous entry, and makes them durable:
// one atomic rewrite per manifest file they touch, in a fixed order.
func (m *manifest) commit(l *Lake, entries []amlmon.BlobEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	byFile := map[manifestKey][]amlmon.BlobEntry{}
	var keys []manifestKey
	for _, e := range entries {
		k := keyOf(e.Container, e.Hour)
		if _, ok := byFile[k]; !ok {
			keys = append(keys, k)
		}
		byFile[k] = append(byFile[k], e)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].date != keys[j].date {
			return keys[i].date < keys[j].date
		}
		return keys[i].container < keys[j].container
	})
	for _, k := range keys {
		if err := m.commitFile(l, k, byFile[k]); err != nil {
			return err
		}
		l.step("commit")
	}
	return nil
}

// commitFile rewrites one manifest file with entries in it; the caller holds mu.
func (m *manifest) commitFile(l *Lake, k manifestKey, entries []amlmon.BlobEntry) error {
	old, err := m.load(k)
	if err != nil {
		return err
	}
	name, err := m.path(k)
	if err != nil {
		return err
	}
	next := make(map[string]amlmon.BlobEntry, len(old)+len(entries))
	for b, e := range old {
		next[b] = e
	}
	for _, e := range entries {
		next[e.Blob] = e
	}
	blobs := make([]string, 0, len(next))
	for b := range next {
		blobs = append(blobs, b)
	}
	sort.Strings(blobs)
	var buf bytes.Buffer
	for _, b := range blobs {
		line, err := json.Marshal(next[b])
		if err != nil {
			return fmt.Errorf("encode manifest entry %s/%s: %w", k.container, b, err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := l.writeAtomic(name, buf.Bytes()); err != nil {
		return fmt.Errorf("commit manifest: %w", err)
	}
	m.files[k] = next
	return nil
}

// recordUnrecognised merges blobs into the lake's list of unrecognised names, one line per
// distinct container and name.
func (l *Lake) recordUnrecognised(blobs []amlmon.UnrecognisedBlob) error {
	if len(blobs) == 0 {
		return nil
	}
	name := amlmon.UnrecognisedFile(l.dir)
	type key struct{ container, blob string }
	all := map[key]amlmon.UnrecognisedBlob{}
	data, err := os.ReadFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", name, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for sc.Scan() {
		var u amlmon.UnrecognisedBlob
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		all[key{u.Container, u.Blob}] = u
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	changed := false
	for _, u := range blobs {
		if old, ok := all[key{u.Container, u.Blob}]; !ok || old != u {
			all[key{u.Container, u.Blob}] = u
			changed = true
		}
	}
	if !changed {
		return nil
	}
	list := make([]amlmon.UnrecognisedBlob, 0, len(all))
	for _, u := range all {
		list = append(list, u)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Container != list[j].Container {
			return list[i].Container < list[j].Container
		}
		return list[i].Blob < list[j].Blob
	})
	var buf bytes.Buffer
	for _, u := range list {
		line, err := json.Marshal(u)
		if err != nil {
			return fmt.Errorf("encode unrecognised %s/%s: %w", u.Container, u.Blob, err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return l.writeAtomic(name, buf.Bytes())
}
