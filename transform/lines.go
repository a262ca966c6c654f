package transform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// errBufferFull: a line or element does not fit in maxLine bytes.
var errBufferFull = errors.New("line longer than the buffer")

// reader is a growable window on the stream: buf[pos:end] holds the bytes not yet consumed,
// which start at absolute offset off. It grows only up to max, so memory never depends on the
// size of the blob.
type reader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	off      int64
	eof      bool
	max      int
	mem      memory.Allocator // buf comes from it and goes back to it
}

func (rd *reader) unread() []byte { return rd.buf[rd.pos:rd.end] }

func (rd *reader) advance(n int) {
	rd.pos += n
	rd.off += int64(n)
}

// fill reads more bytes after the unread ones. It returns io.EOF at the end of the stream and
// errBufferFull when the unread bytes already take max bytes.
func (rd *reader) fill() error {
	if rd.eof {
		return io.EOF
	}
	if rd.pos > 0 {
		rd.end = copy(rd.buf, rd.buf[rd.pos:rd.end])
		rd.pos = 0
	}
	if rd.end == len(rd.buf) {
		if len(rd.buf) >= rd.max {
			return errBufferFull
		}
		rd.buf = rd.mem.Reallocate(min(2*len(rd.buf), rd.max), rd.buf)
	}
	for empty := 0; ; empty++ {
		n, err := rd.r.Read(rd.buf[rd.end:])
		rd.end += n
		if errors.Is(err, io.EOF) {
			rd.eof = true
			if n == 0 {
				return io.EOF
			}
			return nil
		}
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if empty >= 100 {
			return io.ErrNoProgress
		}
	}
}

// peekAhead returns the first byte past whitespace without consuming anything, or 0 when
// there is none in reach.
func (d *decoder) peekAhead() (byte, error) {
	for {
		if i := skipSpace(d.rd.unread(), 0); i < d.rd.end-d.rd.pos {
			return d.rd.unread()[i], nil
		}
		switch err := d.rd.fill(); {
		case err == nil:
		case err == io.EOF || err == errBufferFull:
			return 0, nil
		default:
			return 0, d.readErr(err)
		}
	}
}

// need reads until n bytes are unread or the stream ends.
func (d *decoder) need(n int) error {
	for d.rd.end-d.rd.pos < n {
		if err := d.rd.fill(); err != nil {
			if err == io.EOF || err == errBufferFull {
				return nil
			}
			return d.readErr(err)
		}
	}
	return nil
}

func (d *decoder) readErr(err error) error {
	return fmt.Errorf("read %s/%s at %d: %w", d.blob.Container, d.blob.Name, d.rd.off, err)
}

// tick checks the context and the sink every cancelEvery lines.
func (d *decoder) tick(ctx context.Context) error {
	if d.err != nil {
		return d.err
	}
	d.lines++
	if d.lines%cancelEvery == 0 {
		return ctx.Err()
	}
	return nil
}

// readLines decodes the rest of the stream as JSON Lines.
func (d *decoder) readLines(ctx context.Context) error {
	rd := &d.rd
	searched := 0 // unread bytes already known to hold no newline
	for {
		if i := bytes.IndexByte(rd.buf[rd.pos+searched:rd.end], '\n'); i >= 0 {
			n := searched + i
			off := rd.off
			line := rd.buf[rd.pos : rd.pos+n]
			rd.advance(n + 1)
			searched = 0
			d.line(off, line, false)
			d.consumed = rd.off
			if err := d.tick(ctx); err != nil {
				return err
			}
			continue
		}
		searched = rd.end - rd.pos
		switch err := rd.fill(); {
		case err == nil:
		case err == io.EOF:
			if rd.end > rd.pos {
				off, line := rd.off, rd.unread()
				if d.line(off, line, true) {
					rd.advance(len(line))
					d.consumed = rd.off
				}
			} else if d.opts.sealed {
				// Nothing will follow a byte-order mark that is all a sealed blob holds.
				d.consumed = rd.off
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			return d.err
		case err == errBufferFull:
			if err := d.skipLongLine(ctx); err != nil {
				return err
			}
			searched = 0
		default:
			return d.readErr(err)
		}
	}
}

// skipLongLine rejects the line at the reader, too long to hold, keeping its head and
// discarding the rest up to its newline without buffering it. The unterminated last line of
// an unsealed blob is left for the next run instead.
func (d *decoder) skipLongLine(ctx context.Context) error {
	rd := &d.rd
	off := rd.off
	d.head = append(d.head[:0], rd.unread()[:min(rejectTextMax, rd.end-rd.pos)]...)
	terminated := false
	for {
		if i := bytes.IndexByte(rd.unread(), '\n'); i >= 0 {
			rd.advance(i + 1)
			terminated = true
			break
		}
		rd.advance(rd.end - rd.pos)
		if err := ctx.Err(); err != nil {
			return err
		}
		err := rd.fill()
		if err == io.EOF {
			break
		}
		if err != nil {
			return d.readErr(err)
		}
	}
	if terminated || d.opts.sealed {
		d.reject(off, d.head, "line too long")
		d.consumed = rd.off
	}
	return d.err
}

// line decodes one line (without its newline) and reports whether it was consumed: only the
// unparseable unterminated last line of an unsealed blob is not.
func (d *decoder) line(off int64, line []byte, last bool) bool {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	v := trimSpaceBytes(line)
	if len(v) == 0 {
		// Blank, but unterminated on a growing blob it may be the indent of a record being
		// appended, whose offset is where this line starts.
		return !last || d.opts.sealed
	}
	return d.value(off, v, line, last && !d.opts.sealed)
}
