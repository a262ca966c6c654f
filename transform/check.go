package transform

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/amlmon/amlmon"
)

// ProblemKind says what is wrong with one file of a lake.
type ProblemKind string

const (
	Missing    ProblemKind = "missing"    // named by the manifest, not in the lake
	Damaged    ProblemKind = "damaged"    // named, but not of its committed size or rows, or unreadable
	Stray      ProblemKind = "stray"      // in a table's folder, named by no manifest entry
	Temporary  ProblemKind = "temporary"  // left in the lake's temporary folder by a run that stopped
	Unfinished ProblemKind = "unfinished" // the journal of a commit that did not finish
	Manifest   ProblemKind = "manifest"   // a manifest file that cannot be read
)

// Problem is one thing wrong with a lake.
type Problem struct {
	Kind   ProblemKind
	Path   string // relative to the lake, slash-separated
	Detail string
	// Blobs are the blobs whose rows a missing or damaged file held, as container/name.
	Blobs []string
}

func (p Problem) String() string {
	s := fmt.Sprintf("%s: %s", p.Kind, p.Path)
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	if len(p.Blobs) > 0 {
		s += fmt.Sprintf(" (rows of %d blobs, e.g. %s)", len(p.Blobs), p.Blobs[0])
	}
	return s
}

// CheckOptions tune Check.
type CheckOptions struct {
	// ReadData reads every page of every file, not only its footer.
	ReadData bool
}

// Check inspects the lake at dir, changing nothing: every file the manifest names is present,
// of its committed size and row count (from its footer, or from every page with ReadData), no
// file lies in a table's folder that the manifest does not name, no temporary file or
// unfinished commit remains, and every manifest file reads. It holds the lake's lock meanwhile,
// so that a sync at work is not mistaken for damage; ErrLocked while another process syncs.
func Check(ctx context.Context, dir string, opts CheckOptions) ([]Problem, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("check lake %s: %w", dir, err)
	}
	l := &Lake{dir: dir, opts: Options{}.withDefaults()}
	if err := os.MkdirAll(amlmon.MetaDir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("check lake %s: %w", dir, err)
	}
	release, err := l.lock()
	if err != nil {
		return nil, err
	}
	defer release()
	return l.check(ctx, opts)
}

// check is Check under the lock.
func (l *Lake) check(ctx context.Context, opts CheckOptions) ([]Problem, error) {
	var problems []Problem
	for _, d := range []struct {
		dir  string
		kind ProblemKind
	}{{l.pendingDir(), Unfinished}, {l.tmpDir(), Temporary}} {
		entries, err := os.ReadDir(d.dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list %s: %w", d.dir, err)
		}
		for _, e := range entries {
			if d.kind == Unfinished && formatFile.MatchString(e.Name()) {
				continue // the lake's layout record, which only an older amlmon takes for a commit
			}
			rel, _ := filepath.Rel(l.dir, filepath.Join(d.dir, e.Name()))
			detail := "the next sync or check --repair removes it"
			if d.kind == Unfinished {
				detail = "a commit that did not finish; the next sync or check --repair completes or undoes it"
			}
			problems = append(problems, Problem{Kind: d.kind, Path: filepath.ToSlash(rel), Detail: detail})
		}
	}
	named, bad, err := l.namedFiles()
	if err != nil {
		return nil, err
	}
	problems = append(problems, bad...)
	for _, rel := range sortedKeysOf(named) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		nf := named[rel]
		p, err := l.lakePath(rel)
		if err != nil {
			problems = append(problems, Problem{Kind: Damaged, Path: rel, Detail: err.Error(), Blobs: nf.blobs})
			continue
		}
		info, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems = append(problems, Problem{Kind: Missing, Path: rel, Blobs: nf.blobs})
			continue
		case err != nil:
			return nil, fmt.Errorf("stat %s: %w", p, err)
		}
		if nf.known && info.Size() != nf.stat.Size {
			problems = append(problems, Problem{Kind: Damaged, Path: rel, Blobs: nf.blobs,
				Detail: fmt.Sprintf("%d bytes, %d committed", info.Size(), nf.stat.Size)})
			continue
		}
		rows, err := parquetRows(ctx, p, opts.ReadData)
		switch {
		case err != nil:
			problems = append(problems, Problem{Kind: Damaged, Path: rel, Blobs: nf.blobs, Detail: err.Error()})
		case nf.known && rows != nf.stat.Rows:
			problems = append(problems, Problem{Kind: Damaged, Path: rel, Blobs: nf.blobs,
				Detail: fmt.Sprintf("%d rows, %d committed", rows, nf.stat.Rows)})
		}
	}
	strays, err := l.strays(named)
	if err != nil {
		return nil, err
	}
	for _, rel := range strays {
		problems = append(problems, Problem{Kind: Stray, Path: rel, Detail: "named by no manifest entry: readers ignore it, check --repair removes it"})
	}
	return problems, nil
}

// namedFile is a file the manifest names.
type namedFile struct {
	stat  amlmon.FileStat
	known bool
	blobs []string // container/name of every blob whose segments name it
}

// namedFiles reads every manifest file and returns the files they name, and a Manifest problem
// for each that cannot be read.
func (l *Lake) namedFiles() (map[string]*namedFile, []Problem, error) {
	files, err := amlmon.ManifestFiles(l.dir, "", "")
	if err != nil {
		return nil, nil, err
	}
	named := map[string]*namedFile{}
	var problems []Problem
	for _, mf := range files {
		rel, _ := filepath.Rel(l.dir, mf.Path)
		data, err := os.ReadFile(mf.Path)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", mf.Path, err)
		}
		entries, err := amlmon.ParseBlobEntries(mf.Path, data)
		if err == nil {
			for _, e := range entries {
				if e.Container != mf.Container || e.Hour.UTC().Format(amlmon.DateLayout) != mf.Date {
					err = fmt.Errorf("blob %s/%s of %s is not of this file's container and date", e.Container, e.Blob, e.Hour.UTC().Format(amlmon.DateLayout))
					break
				}
			}
		}
		if err != nil {
			problems = append(problems, Problem{Kind: Manifest, Path: filepath.ToSlash(rel), Detail: err.Error() +
				"; check --repair removes it and reads its blobs again"})
			continue
		}
		for _, e := range entries {
			for _, s := range e.Segments {
				for _, f := range s.Files {
					nf := named[f]
					if nf == nil {
						nf = &namedFile{}
						named[f] = nf
					}
					if st, ok := e.Files[f]; ok {
						nf.stat, nf.known = st, true
					}
					id := e.Container + "/" + e.Blob
					if len(nf.blobs) == 0 || nf.blobs[len(nf.blobs)-1] != id {
						nf.blobs = append(nf.blobs, id)
					}
				}
			}
		}
	}
	return named, problems, nil
}

// strays lists the files in the lake's table folders that named does not hold, and any file
// at the top of the lake.
func (l *Lake) strays(named map[string]*namedFile) ([]string, error) {
	var out []string
	top, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", l.dir, err)
	}
	for _, t := range top {
		if strings.HasPrefix(t.Name(), "_") {
			continue
		}
		if !t.IsDir() {
			out = append(out, t.Name())
			continue
		}
		err := filepath.WalkDir(filepath.Join(l.dir, t.Name()), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(l.dir, p)
			if err != nil {
				return err
			}
			if rel = filepath.ToSlash(rel); named[rel] == nil {
				out = append(out, rel)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", t.Name(), err)
		}
	}
	sort.Strings(out)
	return out, nil
}

// parquetRows returns the row count of a Parquet file's footer; with all, it reads every page
// too and counts the rows it decodes.
func parquetRows(ctx context.Context, name string, all bool) (rows int64, err error) {
	defer func() {
		// A damaged file can make the reader fail in ways it does not return as errors.
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable: %v", r)
		}
	}()
	pf, err := file.OpenParquetFile(name, false)
	if err != nil {
		return 0, fmt.Errorf("unreadable footer: %w", err)
	}
	defer pf.Close()
	if !all {
		return pf.NumRows(), nil
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 8192}, nil)
	if err != nil {
		return 0, fmt.Errorf("unreadable: %w", err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return 0, fmt.Errorf("unreadable: %w", err)
	}
	defer rr.Release()
	var n int64
	for rr.Next() {
		n += rr.RecordBatch().NumRows()
	}
	if err := rr.Err(); err != nil {
		return 0, fmt.Errorf("unreadable page: %w", err)
	}
	if n != pf.NumRows() {
		return 0, fmt.Errorf("%d rows in its pages, %d in its footer", n, pf.NumRows())
	}
	return n, nil
}
