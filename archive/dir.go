package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Dir is an archive in a local directory, laid out as a recursive copy of the storage account
// leaves it: <root>/<container>/resourceId=/.../PT1H.json.
//
// Every file is listed as an append blob: LastModified is the file's modification time and the
// ETag is derived from its size and modification time, so a file that grows or is replaced gets
// a new ETag. Files whose names end in ".partial" are downloads or writes in progress and are
// not listed.
//
// A file that cannot be stat'ed (a symbolic-link loop, a dangling link) and a folder that
// cannot be read are listed as blobs with Err wrapping ErrUnreadable, a folder under its own
// path, and the listing goes on: one bad file never stops a sync.
type Dir struct {
	root string
	// readDirFn reads a folder; nil means os.ReadDir. Tests set it to fail a read in a way
	// that a real folder cannot when tests run as root.
	readDirFn func(string) ([]os.DirEntry, error)
	inflate   InflateLimit
}

// DirOptions tune a Dir; the zero value takes every default.
type DirOptions struct {
	// Inflate bounds what a ".gz" file may expand to.
	Inflate InflateLimit
}

var (
	_ Source = (*Dir)(nil)
	_ Writer = (*Dir)(nil)
)

// partialSuffix marks a file that is being written; such files are not blobs yet.
const partialSuffix = ".partial"

// NewDir returns the archive under root. The directory need not exist yet for writing; List
// reports a missing root as an error.
func NewDir(root string) *Dir { return &Dir{root: root} }

// NewDirWith is NewDir with options.
func NewDirWith(root string, o DirOptions) *Dir { return &Dir{root: root, inflate: o.Inflate} }

// Root is the directory the archive lives in.
func (d *Dir) Root() string { return d.root }

// List implements Source. A window with hours descends only into the y=/m=/d=/h= folders that
// overlap it, so a day's listing costs the same however long the history; a window without
// hours walks everything. Files that are not archive paths are listed with Err set when the
// walk meets them (in an hour window: only inside the folders it descends into).
func (d *Dir) List(ctx context.Context, w Window, fn func(Blob) error) error {
	entries, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("list archive directory %s: %w", d.root, err)
	}
	for _, e := range sortEntries(entries) {
		if !e.IsDir() || !w.MatchContainer(e.Name()) {
			continue
		}
		wk := dirWalk{ctx: ctx, w: w, root: d.root, container: e.Name(), fn: fn, readDirFn: d.readDirFn}
		if err := wk.run(); err != nil {
			return err
		}
	}
	return nil
}

// dirWalk lists one container of a Dir.
type dirWalk struct {
	ctx       context.Context
	w         Window
	root      string
	container string
	fn        func(Blob) error
	readDirFn func(string) ([]os.DirEntry, error)
}

// Levels of the time folders below a resource folder, counted from the resource.
const (
	levelResource = iota // a folder of the resource ID
	levelYear            // inside y=
	levelMonth           // inside m= (month)
	levelDay             // inside d=
	levelHour            // inside h=, and below
)

// run lists the container. Without hours it walks every folder; with hours it reads the
// container's own files and descends only into resourceId=, where the walk prunes by hour.
func (wk *dirWalk) run() error {
	if wk.w.All() {
		return wk.walk(nil, levelResource, time.Time{}, false)
	}
	entries, err := wk.readDir(nil)
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch {
		case !e.IsDir():
			if err := wk.file([]string{e.Name()}, isLink(e)); err != nil {
				return err
			}
		case strings.EqualFold(e.Name(), resourceIDKey):
			if err := wk.walk([]string{e.Name()}, levelResource, time.Time{}, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// walk lists the folder rel (segments below the container). With prune set, time folders that
// cannot hold an hour of the window are skipped; period is the start of the folder's period
// once inside y=.
func (wk *dirWalk) walk(rel []string, level int, period time.Time, prune bool) error {
	entries, err := wk.readDir(rel)
	if err != nil {
		return err
	}
	for _, e := range entries {
		child := append(slices.Clip(rel), e.Name())
		if !e.IsDir() {
			if err := wk.file(child, isLink(e)); err != nil {
				return err
			}
			continue
		}
		next, start := level, period
		if prune {
			var ok bool
			next, start, ok = wk.enter(e.Name(), level, period)
			if !ok {
				continue
			}
		}
		if err := wk.walk(child, next, start, prune); err != nil {
			return err
		}
	}
	return nil
}

// enter decides whether an hour window needs the folder name at level, and returns the level
// and period start inside it.
func (wk *dirWalk) enter(name string, level int, period time.Time) (int, time.Time, bool) {
	key, value, _ := strings.Cut(name, "=")
	n, err := strconv.Atoi(value)
	numeric := err == nil && value != "" && strings.Trim(value, "0123456789") == ""
	switch level {
	case levelResource:
		if !strings.EqualFold(key, "y") || !strings.Contains(name, "=") {
			return levelResource, period, true // another segment of the resource ID
		}
		if !numeric || n < 1 || n > 9999 {
			return 0, period, false
		}
		start := time.Date(n, 1, 1, 0, 0, 0, 0, time.UTC)
		return levelYear, start, wk.w.overlaps(start, start.AddDate(1, 0, 0))
	case levelYear:
		if !strings.EqualFold(key, "m") || !numeric || n < 1 || n > 12 {
			return 0, period, false
		}
		start := time.Date(period.Year(), time.Month(n), 1, 0, 0, 0, 0, time.UTC)
		return levelMonth, start, wk.w.overlaps(start, start.AddDate(0, 1, 0))
	case levelMonth:
		if !strings.EqualFold(key, "d") || !numeric || n < 1 || n > 31 {
			return 0, period, false
		}
		start := time.Date(period.Year(), period.Month(), n, 0, 0, 0, 0, time.UTC)
		if start.Month() != period.Month() {
			return 0, period, false
		}
		return levelDay, start, wk.w.overlaps(start, start.AddDate(0, 0, 1))
	case levelDay:
		if !strings.EqualFold(key, "h") || !numeric || n > 23 {
			return 0, period, false
		}
		start := period.Add(time.Duration(n) * time.Hour)
		return levelHour, start, wk.w.overlaps(start, start.Add(time.Hour))
	default:
		return levelHour, period, true // inside an hour of the window: everything below is in it
	}
}

// readDir reads one folder of the container in the order that makes the listing lexical by
// full name. A folder that is gone yields no entries; one that cannot be read is passed to
// the callback as an unreadable blob named by its path, and yields no entries either, so the
// listing goes on past it. Only a cancelled context and the callback's error stop the walk.
func (wk *dirWalk) readDir(rel []string) ([]os.DirEntry, error) {
	if err := wk.ctx.Err(); err != nil {
		return nil, err
	}
	p := filepath.Join(append([]string{wk.root, wk.container}, rel...)...)
	read := wk.readDirFn
	if read == nil {
		read = os.ReadDir
	}
	entries, err := read(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // removed while listing
	}
	if err != nil {
		name := strings.Join(rel, "/")
		return nil, wk.unreadableFolder(name, wk.unreadableErr(name, "read folder", err))
	}
	return sortEntries(entries), nil
}

// unreadableErr says why the file or folder name cannot be read. The local path is left out of
// the message: the container and name already say where, and the cause reads better alone.
func (wk *dirWalk) unreadableErr(name, what string, err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err
	}
	return fmt.Errorf("%s/%s: %w: %s: %w", wk.container, name, ErrUnreadable, what, err)
}

// unreadableFolder passes on a folder that cannot be read, named by its path below the
// container, unless the window's resources exclude the resource part of that path.
func (wk *dirWalk) unreadableFolder(name string, err error) error {
	if len(wk.w.Resources) > 0 && !wk.w.MatchResource(resourceOf(name+"/")) {
		return nil
	}
	return wk.fn(Blob{Container: wk.container, Name: name, Type: AppendBlob, Gzip: IsGzip(name), Err: err})
}

// sortEntries orders folder entries so that walking them depth-first yields full paths in
// lexical order: a folder sorts as its name plus "/", which is how its files' paths begin
// ("WS-2/..." comes before "WS/...", since '-' < '/').
func sortEntries(entries []os.DirEntry) []os.DirEntry {
	key := func(e os.DirEntry) string {
		if e.IsDir() {
			return e.Name() + "/"
		}
		return e.Name()
	}
	slices.SortFunc(entries, func(a, b os.DirEntry) int { return strings.Compare(key(a), key(b)) })
	return entries
}

// isLink reports whether a folder entry is a symbolic link.
func isLink(e os.DirEntry) bool { return e.Type()&fs.ModeSymlink != 0 }

// file lists one file of the container; link says whether the entry is a symbolic link. The
// walk never descends through a link, so only a link's own target needs checking.
func (wk *dirWalk) file(rel []string, link bool) error {
	base := rel[len(rel)-1]
	if strings.HasSuffix(base, partialSuffix) {
		return nil
	}
	name := strings.Join(rel, "/")
	p := filepath.Join(wk.root, wk.container, filepath.FromSlash(name))
	info, err := os.Stat(p) // follows links inside the directory, as a copy of the account would
	if errors.Is(err, fs.ErrNotExist) {
		if _, lerr := os.Lstat(p); errors.Is(lerr, fs.ErrNotExist) {
			return nil // removed while listing
		}
		return wk.unreadableFile(name, wk.unreadableErr(name, "dangling link", err))
	}
	if err != nil {
		return wk.unreadableFile(name, wk.unreadableErr(name, "stat", err))
	}
	if info.IsDir() {
		return nil // a link to a folder: the walk does not descend through links
	}
	if why := refuseFile(wk.root, p, info, link); why != "" {
		return wk.unreadableFile(name, fmt.Errorf("%s/%s: %w", wk.container, name, notRead(why)))
	}
	b := NewBlob(wk.container, name, info.Size(), fileETag(info), info.ModTime(), AppendBlob)
	if !wk.match(b) {
		return nil
	}
	return wk.fn(b)
}

// unreadableFile passes on a file that cannot be stat'ed, if the window selects it by the
// hour and resource in its name as it would a readable one.
func (wk *dirWalk) unreadableFile(name string, err error) error {
	b := NewBlob(wk.container, name, 0, "", time.Time{}, AppendBlob)
	if !wk.match(b) {
		return nil
	}
	b.Path, b.Err = Path{}, err
	return wk.fn(b)
}

// match reports whether the window selects a listed file: by hour and resource when its name
// parses, by the resource part of its name otherwise.
func (wk *dirWalk) match(b Blob) bool {
	if b.Err == nil {
		return (wk.w.All() || wk.w.matchHour(b.Path.Hour)) && wk.w.MatchResource(b.Path.ResourceID)
	}
	return len(wk.w.Resources) == 0 || wk.w.MatchResource(resourceOf(b.Name))
}

// fileETag derives an ETag from what changes when a file is written: its size and
// modification time, quoted as Azure quotes its ETags.
func fileETag(info fs.FileInfo) string {
	return fmt.Sprintf(`"0x%X-%X"`, info.Size(), info.ModTime().UnixNano())
}

// Open implements Source. A gzip file (".gz") is decompressed, and offsets count
// decompressed bytes.
func (d *Dir) Open(ctx context.Context, container, name string, offset, end int64) (io.ReadCloser, error) {
	if offset < 0 || (end >= 0 && end < offset) {
		return nil, fmt.Errorf("open %s/%s: bad range [%d, %d)", container, name, offset, end)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open %s/%s: %w", container, name, err)
	}
	p, err := LocalPath(d.root, container, name)
	if err != nil {
		return nil, fmt.Errorf("open %s/%s: %w", container, name, err)
	}
	// Checked before opening: opening a FIFO would block, and a link may have changed since
	// the listing.
	info, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s/%s: %w", container, name, ErrNotFound)
	}
	if err == nil {
		if why := refuseFile(d.root, p, info, true); why != "" {
			return nil, fmt.Errorf("open %s/%s: %s: %w", container, name, why, ErrNotFound)
		}
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s/%s: %w", container, name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s/%s: %w", container, name, err)
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("open %s/%s: not a file: %w", container, name, ErrNotFound)
	}
	if IsGzip(name) {
		return gunzipRange(f, container+"/"+name, offset, end, d.inflate)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("seek %s/%s to %d: %w", container, name, offset, err)
	}
	var r io.Reader = f
	if end >= 0 {
		r = io.LimitReader(f, end-offset)
	}
	return readCloser{Reader: r, Closer: f}, nil
}

// refuseFile says why the file at p, with info from os.Stat, is not read as a blob, or ""
// when it may be: only regular files are read (a FIFO would block, a device never ends), and a
// symbolic link only when it leads to a file inside root, so that a link in a downloaded
// archive cannot bring /etc/shadow into the lake. Links on p are resolved only when links
// says there may be some.
func refuseFile(root, p string, info fs.FileInfo, links bool) string {
	if !info.Mode().IsRegular() {
		return fmt.Sprintf("not a regular file (%s)", fileKind(info.Mode()))
	}
	if !links {
		return ""
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "cannot resolve its links: " + err.Error()
	}
	if real == p {
		return "" // no link on the way (EvalSymlinks cleans p, which Join already did)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "cannot resolve the directory's links: " + err.Error()
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || !filepath.IsLocal(rel) {
		return "a symbolic link that leads outside the archive directory"
	}
	return ""
}

// notRead is why a file of a local archive is not read; it is listed as unrecognised, as a
// name that is not an archive path is, and says so in its own words.
type notRead string

func (e notRead) Error() string        { return string(e) + ": not read" }
func (e notRead) Is(target error) bool { return target == ErrUnrecognised }

// fileKind names the type of a file that is not a regular one.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// readCloser reads from one reader and closes another: the file under a limited or
// decompressing view of it.
type readCloser struct {
	io.Reader
	io.Closer
}

// Put implements Writer: the bytes are written to a temporary file in the blob's folder and
// renamed over the blob, so a reader sees the old blob or the whole new one, never a part.
// Every file of a Dir is an append blob, whatever typ says.
func (d *Dir) Put(ctx context.Context, container, name string, typ BlobType, r io.Reader) error {
	p, err := LocalPath(d.root, container, name)
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", container, name, err)
	}
	write := func(w io.Writer) error { return copyStream(ctx, w, r) }
	if _, err := writeAtomic(p, time.Time{}, false, write); err != nil {
		return fmt.Errorf("put %s/%s: %w", container, name, err)
	}
	return nil
}

// writeAtomic has write fill a temporary file next to p, syncs it, sets its modification time
// when mtime is not zero, and renames it to p, so that p is always absent, old or whole. The
// temporary file is "<p>.partial" when fixedTemp is set (a rerun after a crash overwrites it),
// a unique name otherwise (writers of one path may run at once). It returns the bytes written
// to the file.
func writeAtomic(p string, mtime time.Time, fixedTemp bool, write func(io.Writer) error) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return 0, fmt.Errorf("create folder: %w", err)
	}
	var tmp *os.File
	var err error
	if fixedTemp {
		tmp, err = os.OpenFile(p+partialSuffix, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	} else {
		tmp, err = os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*"+partialSuffix)
	}
	if err != nil {
		return 0, fmt.Errorf("create temporary file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	cw := &countingWriter{w: tmp}
	if err := write(cw); err != nil {
		return cw.n, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return cw.n, fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return cw.n, fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(tmp.Name(), mtime, mtime); err != nil {
			return cw.n, fmt.Errorf("set time of %s: %w", tmp.Name(), err)
		}
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return cw.n, fmt.Errorf("rename %s: %w", tmp.Name(), err)
	}
	done = true
	return cw.n, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// copyStream copies r to w through a buffer of bounded size, stopping when ctx is cancelled.
func copyStream(ctx context.Context, w io.Writer, r io.Reader) error {
	_, err := io.CopyBuffer(w, ctxReader{ctx: ctx, r: r}, make([]byte, copyBuffer))
	return err
}

// copyBuffer is the size of the buffer a stream is copied through.
const copyBuffer = 1 << 20

// ctxReader stops a long copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Append implements Writer: data is appended to the stored bytes of an existing file (for a
// gzip blob, as for an Azure one, that means to the compressed stream).
func (d *Dir) Append(ctx context.Context, container, name string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("append %s/%s: %w", container, name, err)
	}
	p, err := LocalPath(d.root, container, name)
	if err != nil {
		return fmt.Errorf("append %s/%s: %w", container, name, err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("append %s/%s: %w", container, name, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("append %s/%s: %w", container, name, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("append %s/%s: %w", container, name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("append %s/%s: %w", container, name, err)
	}
	return nil
}

// Delete implements Writer.
func (d *Dir) Delete(ctx context.Context, container, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s/%s: %w", container, name, err)
	}
	p, err := LocalPath(d.root, container, name)
	if err != nil {
		return fmt.Errorf("delete %s/%s: %w", container, name, err)
	}
	info, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s/%s: %w", container, name, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete %s/%s: %w", container, name, err)
	}
	if info.IsDir() {
		return fmt.Errorf("delete %s/%s: a folder, not a blob: %w", container, name, ErrNotFound)
	}
	if err := os.Remove(p); err != nil {
		return fmt.Errorf("delete %s/%s: %w", container, name, err)
	}
	return nil
}
