package reports

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/amlmon/amlmon"
	"golang.org/x/sync/errgroup"
)

// Readers read exactly the Parquet files that the lake's committed manifest names, never a
// listing of the folders: a file that a sync has written but not yet committed, or that a sync
// killed mid-commit left behind, is not named yet and stays invisible; so does any other stray
// file. Each manifest file is replaced atomically, so a reader sees every blob either as the
// previous commit left it or as the next one does. A named file that is missing, or whose size
// is not the committed one, stops the reader with an error naming it.

// committedFile is one Parquet file that the manifest names.
type committedFile struct {
	stat  amlmon.FileStat
	known bool   // the manifest records its size (lakes written before it did, do not)
	blob  string // a blob whose entry names it: <container>/<blob>
}

// committedEntry is what a reader needs of a manifest entry (amlmon.BlobEntry): its times,
// counts and fingerprint are skipped rather than decoded, which takes a third off reading the
// manifest.
type committedEntry struct {
	Container string `json:"container"`
	Blob      string `json:"blob"`
	Segments  []struct {
		Files []string `json:"files"`
	} `json:"segments"`
	Files map[string]amlmon.FileStat `json:"files"`
}

// committed is what the manifest files that were read name, by partition folder.
type committed struct {
	dirs map[string]map[string]committedFile // "<Table>/date=D" → file name → file
	// folders holds, per table folder as spelled in the lake, the dates it has named files of.
	folders map[string]map[string]bool
	all     bool // every manifest file was read
}

// The manifest is read first for the path dates around the tables' days: a record lands in
// the blob of its own hour, of the hour before it (a blob still growing at the turn of the
// hour), or up to two days later. A file found in a partition that these entries do not name
// makes the reader read the whole manifest before it calls that file a stray.
const (
	manifestBefore = 1
	manifestAfter  = 2
)

// window is a range of manifest path dates (DateLayout, inclusive; empty: unbounded), and the
// days of the scope, core, whose manifest files must be readable. A damaged manifest file of
// another day does not stop a report of this one: the files it names are not read, and
// `amlmon check` reports it.
type window struct{ from, to, coreFrom, coreTo string }

// readCommitted reads the manifest files of the window.
func readCommitted(lake string, w window) (*committed, error) {
	files, err := amlmon.ManifestFiles(lake, w.from, w.to)
	if err != nil {
		return nil, err
	}
	c := &committed{dirs: map[string]map[string]committedFile{}, folders: map[string]map[string]bool{}, all: w.from == "" && w.to == ""}
	// The files are read and parsed side by side, and added in their order.
	parsed := make([][]committedEntry, len(files))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, mf := range files {
		g.Go(func() error {
			data, err := os.ReadFile(mf.Path)
			if os.IsNotExist(err) {
				return nil // removed since it was listed: it named nothing any more
			}
			if err != nil {
				return fmt.Errorf("read manifest %s: %w", mf.Path, err)
			}
			entries, err := amlmon.ParseManifestLines[committedEntry](mf.Path, data)
			if err != nil {
				if w.coreFrom != "" && (mf.Date < w.coreFrom || mf.Date > w.coreTo) {
					return nil
				}
				return fmt.Errorf("%w (the lake's manifest is damaged: amlmon check --lake DIR lists what is wrong)", err)
			}
			parsed[i] = entries
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, mf := range files {
		for _, e := range parsed[i] {
			if err := c.add(mf.Path, e); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

func (c *committed) add(manifest string, e committedEntry) error {
	for _, s := range e.Segments {
		for _, rel := range s.Files {
			dir, name := path.Split(rel)
			dir = strings.TrimSuffix(dir, "/")
			folder, date, ok := strings.Cut(dir, "/date=")
			if !ok || strings.Contains(folder, "/") {
				return fmt.Errorf("read manifest %s: blob %s names %q, not a file of a table's date folder", manifest, e.Blob, rel)
			}
			if c.dirs[dir] == nil {
				c.dirs[dir] = map[string]committedFile{}
			}
			st, known := e.Files[rel]
			c.dirs[dir][name] = committedFile{stat: st, known: known, blob: e.Container + "/" + e.Blob}
			if c.folders[folder] == nil {
				c.folders[folder] = map[string]bool{}
			}
			c.folders[folder][date] = true
		}
	}
	return nil
}

// manifestWindow is the window of manifest files read first for cfg.
func manifestWindow(cfg openConfig) window {
	if !cfg.scoped {
		return window{}
	}
	from, to := cfg.from, cfg.to
	for name, span := range cfg.wider {
		if name != strings.ToLower(BlobsView) {
			from, to = min(from, span[0]), max(to, span[1])
		}
	}
	f, ferr := time.Parse(amlmon.DateLayout, from)
	t, terr := time.Parse(amlmon.DateLayout, to)
	if ferr != nil || terr != nil || from > to {
		return window{}
	}
	return window{from: f.AddDate(0, 0, -manifestBefore).Format(amlmon.DateLayout),
		to: t.AddDate(0, 0, manifestAfter).Format(amlmon.DateLayout), coreFrom: from, coreTo: to}
}

// tableFiles is what one table's view reads.
type tableFiles struct {
	files []string // absolute paths
	dated bool     // the table has date folders or named files, in the scope or not
}

// lakeFiles finds, for every table, the committed files of its folders in the scope. snap is
// the manifest as read for the scope (readCommitted over manifestWindow); folders maps a table
// (lower case) to its folders as spelled in the lake.
func lakeFiles(lake string, snap *committed, tables []amlmon.Table, folders map[string][]string, cfg openConfig) (map[string]tableFiles, error) {
	w := manifestWindow(cfg)
	for attempt := 0; ; attempt++ {
		out, stray, problems, err := snap.collect(lake, tables, folders, cfg)
		if err != nil {
			return nil, err
		}
		switch {
		case stray && !snap.all:
			// A file these entries do not name may belong to a blob of another day.
			w = window{coreFrom: w.coreFrom, coreTo: w.coreTo}
		case len(problems) > 0 && attempt < 2:
			// A commit may have replaced the file since the manifest was read.
		case len(problems) > 0:
			return nil, damagedError(lake, problems)
		default:
			return out, nil
		}
		if snap, err = readCommitted(lake, w); err != nil {
			return nil, err
		}
	}
}

func damagedError(lake string, problems []string) error {
	const shown = 5
	list := problems
	more := ""
	if len(list) > shown {
		list, more = list[:shown], fmt.Sprintf(" and %d more", len(problems)-shown)
	}
	return fmt.Errorf("lake %s: %d files that the manifest names are missing or damaged: %s%s "+
		"(amlmon check --lake %s lists them; amlmon check --repair --source SRC reads their blobs again)",
		lake, len(problems), strings.Join(list, "; "), more, lake)
}

// collect matches the folders of the lake with the files the manifest names. stray reports a
// Parquet file in the scope that no entry read names; problems lists named files that are
// missing or not of their committed size.
func (c *committed) collect(lake string, tables []amlmon.Table, folders map[string][]string, cfg openConfig) (map[string]tableFiles, bool, []string, error) {
	out := map[string]tableFiles{}
	var (
		stray    bool
		problems []string
	)
	for _, t := range tables {
		spellings := folders[strings.ToLower(t.Name)]
		if spellings == nil {
			spellings = []string{t.Name}
		}
		scope := cfg.forView(t.Name)
		var tf tableFiles
		for _, folder := range spellings {
			dates := map[string]bool{}
			for d := range c.folders[folder] {
				dates[d] = true
			}
			entries, err := os.ReadDir(filepath.Join(lake, folder))
			if err != nil && !os.IsNotExist(err) {
				return nil, false, nil, fmt.Errorf("list %s: %w", filepath.Join(lake, folder), err)
			}
			for _, e := range entries {
				date, ok := strings.CutPrefix(e.Name(), "date=")
				if !e.IsDir() || !ok {
					continue
				}
				if _, err := time.Parse(amlmon.DateLayout, date); err == nil {
					dates[date] = true
				}
			}
			tf.dated = tf.dated || len(dates) > 0
			for _, date := range sortedSet(dates) {
				if scope.scoped && (date < scope.from || date > scope.to) {
					continue
				}
				dir := folder + "/date=" + date
				named := c.dirs[dir]
				onDisk := map[string]int64{}
				list, err := os.ReadDir(filepath.Join(lake, folder, "date="+date))
				if err != nil && !os.IsNotExist(err) {
					return nil, false, nil, fmt.Errorf("list %s: %w", dir, err)
				}
				for _, e := range list {
					if !strings.HasSuffix(e.Name(), ".parquet") {
						continue
					}
					info, err := e.Info()
					if err != nil {
						if os.IsNotExist(err) {
							continue
						}
						return nil, false, nil, fmt.Errorf("stat %s/%s: %w", dir, e.Name(), err)
					}
					onDisk[e.Name()] = info.Size()
					if _, ok := named[e.Name()]; !ok {
						stray = true
					}
				}
				for _, name := range sortedSet(named) {
					f := named[name]
					size, ok := onDisk[name]
					switch {
					case !ok:
						problems = append(problems, fmt.Sprintf("%s/%s is missing (rows of %s)", dir, name, f.blob))
					case f.known && size != f.stat.Size:
						problems = append(problems, fmt.Sprintf("%s/%s has %d bytes, %d committed (rows of %s)", dir, name, size, f.stat.Size, f.blob))
					default:
						tf.files = append(tf.files, filepath.Join(lake, folder, "date="+date, name))
					}
				}
			}
		}
		out[strings.ToLower(t.Name)] = tf
	}
	return out, stray, problems, nil
}

func sortedSet[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
