package main

import (
	"io"
	"sync"
)

// console is stderr as the log handler and the progress line share it. At a terminal the
// progress line has no newline of its own, so a log record written after it would be glued
// onto it: the console clears the line before each write and redraws it after. One mutex
// orders the records and the redraws, whichever goroutine they come from.
type console struct {
	mu   sync.Mutex
	w    io.Writer
	line string // the progress line on screen; "" when none is
}

// Write writes p, which slog hands over as one whole record, above the progress line.
func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.line == "" {
		return c.w.Write(p)
	}
	if _, err := io.WriteString(c.w, "\r\x1b[K"); err != nil {
		return 0, err
	}
	n, err := c.w.Write(p)
	if err != nil {
		return n, err
	}
	_, err = io.WriteString(c.w, c.line+"\x1b[K")
	return n, err
}

// draw replaces the progress line with line.
func (c *console) draw(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// \r returns to the line start and ESC[K clears what a longer previous line left.
	io.WriteString(c.w, "\r"+line+"\x1b[K")
	c.line = line
}

// endLine leaves the progress line where it is, so that what follows starts on a fresh line.
func (c *console) endLine() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.line != "" {
		io.WriteString(c.w, "\n")
	}
	c.line = ""
}

// consoleOf returns w as a console: the one the command shares, or a new one around w.
func consoleOf(w io.Writer) *console {
	if c, ok := w.(*console); ok {
		return c
	}
	return &console{w: w}
}
