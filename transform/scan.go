package transform

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// The scanner validates JSON as strictly as encoding/json (RFC 8259, UTF-8 strings) while it
// walks, so that a record is either accepted whole or rejected, and it never builds values: it
// only reports byte spans, which the decoder turns into Arrow values directly.

// jsonError says why a value is not valid JSON. truncated marks input that ended inside a
// value: on an unsealed blob that is an append still in progress, not garbage.
type jsonError struct {
	msg       string
	off       int
	truncated bool
}

func (e *jsonError) Error() string {
	if e.truncated {
		return "unexpected end of input"
	}
	return fmt.Sprintf("%s at offset %d", e.msg, e.off)
}

// errAt describes the fault at b[i]; past the end of b it is truncation.
func errAt(b []byte, i int, what string) *jsonError {
	if i >= len(b) {
		return &jsonError{msg: "unexpected end of input", off: i, truncated: true}
	}
	return &jsonError{msg: fmt.Sprintf("%s %q", what, b[i]), off: i}
}

// plainString reports a byte that can stand in a JSON string as it is.
func plainString(c byte) bool { return c-0x20 < 0x60 && c != '"' && c != '\\' }

// plainWord reports whether all eight bytes of w are plainString bytes: none is a quote, a
// backslash, a control character or outside ASCII. Strings are most of a record's bytes, and
// testing them a word at a time is what keeps the scan ahead of the rest of the decoder.
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	// (x - ones) &^ x has the high bit of a byte set where x has a zero byte (and, past the
	// first one, maybe elsewhere: only whether there is any counts here); with 0x20 for one,
	// where a byte is below 0x20.
	special := (quote - ones) &^ quote
	special |= (backslash - ones) &^ backslash
	special |= (w - ones*0x20) &^ w
	return (special|w)&highs == 0
}

// isSpace reports JSON insignificant whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanString checks the string starting at b[i] == '"' and returns the offset just past its
// closing quote and whether it holds escapes (and so must be unescaped before use).
func scanString(b []byte, i int) (end int, escaped bool, err *jsonError) {
	j := i + 1
	for {
		for j+8 <= len(b) && plainWord(binary.LittleEndian.Uint64(b[j:])) {
			j += 8
		}
		for j < len(b) && plainString(b[j]) {
			j++
		}
		if j >= len(b) {
			return j, escaped, errAt(b, j, "")
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, escaped, nil
		case c == '\\':
			escaped = true
			if j+1 >= len(b) {
				return j + 1, escaped, errAt(b, j+1, "")
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				for k := j + 2; k < j+6; k++ {
					if k >= len(b) {
						return k, escaped, errAt(b, k, "")
					}
					if !isHex(b[k]) {
						return k, escaped, errAt(b, k, "invalid character in \\u escape")
					}
				}
				j += 6
			default:
				return j + 1, escaped, errAt(b, j+1, "invalid escape")
			}
		case c < 0x20:
			return j, escaped, errAt(b, j, "control character in string")
		default:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size <= 1 {
				if !utf8.FullRune(b[j:]) {
					return len(b), escaped, errAt(b, len(b), "")
				}
				return j, escaped, &jsonError{msg: "invalid UTF-8 in string", off: j}
			}
			j += size
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanNumber checks the number starting at b[i] and returns the offset just past it.
func scanNumber(b []byte, i int) (int, *jsonError) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) || !isDigit(b[i]) {
		return i, errAt(b, i, "invalid character in number")
	}
	if b[i] == '0' {
		i++
	} else {
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, errAt(b, i, "invalid character in number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, errAt(b, i, "invalid character in number")
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i, nil
}

// scanLiteral checks true, false or null at b[i].
func scanLiteral(b []byte, i int, lit string) (int, *jsonError) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) {
			return i + k, errAt(b, i+k, "")
		}
		if b[i+k] != lit[k] {
			return i + k, errAt(b, i+k, "invalid character in literal")
		}
	}
	return i + len(lit), nil
}

// scanner skips whole JSON values; its stack is reused from value to value so that nesting
// costs no allocation once warm, and it is iterative so that deep nesting cannot exhaust the
// goroutine stack.
type scanner struct {
	stack []byte
}

// skipValue checks the value starting at b[i] (no leading space) and returns the offset just
// past it and, for a string, whether it holds escapes.
func (s *scanner) skipValue(b []byte, i int) (end int, escaped bool, err *jsonError) {
	// Most values are scalars: no stack to keep for them.
	if i < len(b) {
		switch c := b[i]; {
		case c == '"':
			return scanString(b, i)
		case c == '-' || isDigit(c):
			end, err := scanNumber(b, i)
			return end, false, err
		}
	}
	return s.skipNested(b, i)
}

// skipNested is skipValue for any value, containers included.
func (s *scanner) skipNested(b []byte, i int) (end int, escaped bool, err *jsonError) {
	stack := s.stack[:0]
	defer func() { s.stack = stack[:0] }()
	for {
		// A value is expected at b[i].
		if i >= len(b) {
			return i, false, errAt(b, i, "")
		}
		closed := true
		switch c := b[i]; c {
		case '{':
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			stack = append(stack, '{')
			if i, err = scanKey(b, i); err != nil {
				return i, false, err
			}
			closed = false
		case '[':
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == ']' {
				i++
				break
			}
			stack = append(stack, '[')
			closed = false
		case '"':
			var esc bool
			if i, esc, err = scanString(b, i); err != nil {
				return i, false, err
			}
			if len(stack) == 0 {
				return i, esc, nil
			}
		case 't':
			i, err = scanLiteral(b, i, "true")
		case 'f':
			i, err = scanLiteral(b, i, "false")
		case 'n':
			i, err = scanLiteral(b, i, "null")
		default:
			if c == '-' || isDigit(c) {
				i, err = scanNumber(b, i)
			} else {
				return i, false, errAt(b, i, "invalid character")
			}
		}
		if err != nil {
			return i, false, err
		}
		// After a complete value, close the containers it ends until one wants another value.
		for closed {
			if len(stack) == 0 {
				return i, false, nil
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, false, errAt(b, i, "")
			}
			top := stack[len(stack)-1]
			switch {
			case b[i] == ',':
				i = skipSpace(b, i+1)
				if top == '{' {
					if i, err = scanKey(b, i); err != nil {
						return i, false, err
					}
				}
				closed = false
			case top == '{' && b[i] == '}', top == '[' && b[i] == ']':
				i++
				stack = stack[:len(stack)-1]
			default:
				return i, false, errAt(b, i, "invalid character after value")
			}
		}
	}
}

// scanKey checks `"key" :` at b[i] and returns the offset of the value after it.
func scanKey(b []byte, i int) (int, *jsonError) {
	if i >= len(b) || b[i] != '"' {
		return i, errAt(b, i, "expected object key, found")
	}
	i, _, err := scanString(b, i)
	if err != nil {
		return i, err
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return i, errAt(b, i, "expected ':', found")
	}
	return skipSpace(b, i+1), nil
}

// member is one key/value pair of a scanned object, as offsets rather than slices: a record
// has dozens of them, and offsets cost the garbage collector nothing.
type member struct {
	ks, ke   int32 // the key between its quotes, escapes as written
	vs, ve   int32 // the raw JSON value; ve == 0 for no value
	lo, hi   int32 // the lower-cased key in the decoder's key arena
	std      int8  // the standard top-level field the key names, or -1
	keyEsc   bool
	valEsc   bool // the value is a string that holds escapes
	inString bool // the spans are in the unescaped properties string, not in the record
}

// unescape appends the content of the JSON string literal s (quotes included) to dst,
// replacing invalid surrogates with U+FFFD as encoding/json does. s has been validated.
func unescape(dst, s []byte) []byte {
	s = s[1 : len(s)-1]
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		switch s[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2 := utf16.DecodeRune(r, hex4(s[i+2:])); r2 != utf8.RuneError {
						i += 6
						dst = utf8.AppendRune(dst, r2)
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[i+1])
		}
		i += 2
	}
	return dst
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// appendLower appends b lower-cased (ASCII only: JSON field names of Azure logs are ASCII).
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
