package transform

import (
	"context"
	"io"
)

// wrapperPrefix matches `{ "records" : [` at the start of b and returns the length of the
// match; more reports that b ends before the verdict.
func wrapperPrefix(b []byte) (n int, match, more bool) {
	i := 0
	for _, tok := range [...]string{"{", `"records"`, ":", "["} {
		i = skipSpace(b, i)
		for k := 0; k < len(tok); k++ {
			if i+k >= len(b) {
				return 0, false, true
			}
			if b[i+k] != tok[k] {
				return 0, false, false
			}
		}
		i += len(tok)
	}
	return i, true, false
}

// detectWrapper consumes the head of a {"records": [...]} blob and reports whether it found
// one; partial means the stream ended while it could still have been one.
func (d *decoder) detectWrapper() (wrapped, partial bool, err error) {
	for {
		n, match, more := wrapperPrefix(d.rd.unread())
		if match {
			d.rd.advance(n)
			return true, false, nil
		}
		if !more {
			return false, false, nil
		}
		switch err := d.rd.fill(); {
		case err == nil:
		case err == io.EOF:
			return false, true, nil
		case err == errBufferFull:
			return false, false, nil
		default:
			return false, false, d.readErr(err)
		}
	}
}

// peek skips whitespace and returns the next byte.
func (d *decoder) peek() (byte, error) {
	rd := &d.rd
	for {
		rd.advance(skipSpace(rd.unread(), 0))
		if rd.pos < rd.end {
			return rd.buf[rd.pos], nil
		}
		if err := rd.fill(); err != nil {
			return 0, err
		}
	}
}

// wrapper streams the elements of the records array, each one a record at its own offset.
// It returns stop when the decode is over, or false to have the rest read as lines: after the
// wrapper closes, or from the first element whose syntax it cannot carry on from.
//
// consumed moves only past elements (and past the closing bracket and brace), never past a
// bare separator: a run that ends inside the array leaves the next range starting at a ',' or
// ']', which is how the next run knows to carry on with the array (see run).
func (d *decoder) wrapper(ctx context.Context, wantValue bool) (stop bool, err error) {
	rd := &d.rd
	for {
		c, err := d.peek()
		if err == io.EOF {
			return true, d.err
		}
		if err != nil {
			return true, d.readErr(err)
		}
		if c == ']' {
			rd.advance(1)
			switch c, err := d.peek(); {
			case err == nil && c == '}':
				rd.advance(1)
			case err == io.EOF && !d.opts.sealed:
				return true, d.err // the closing brace may be on its way
			case err != nil && err != io.EOF:
				return true, d.readErr(err)
			}
			d.consumed = rd.off
			return false, nil
		}
		if !wantValue {
			if c != ',' {
				return false, nil
			}
			rd.advance(1)
			wantValue = true
			continue
		}
		off := rd.off
		end, _, jerr := d.sc.skipValue(rd.unread(), 0)
		if jerr != nil && jerr.truncated {
			switch err := rd.fill(); {
			case err == nil:
				continue
			case err == io.EOF:
				if !d.opts.sealed {
					return true, d.err // an append in progress: left for the next run
				}
				return false, nil
			case err == errBufferFull:
				return false, nil
			default:
				return true, d.readErr(err)
			}
		}
		if jerr != nil {
			return false, nil
		}
		elem := rd.unread()[:end]
		d.value(off, elem, elem, false)
		rd.advance(end)
		d.consumed = rd.off
		wantValue = false
		if err := d.tick(ctx); err != nil {
			return true, err
		}
	}
}
