package transform

import (
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Services write numbers as strings and strings as numbers, so every typed column reads any
// JSON scalar it can make sense of. A value that makes no sense for its column becomes NULL and
// the caller counts a warning; the record itself is kept.

// scalarText returns the text a JSON scalar stands for: a string's content (unescaped into
// scratch when needed), or the literal itself for a number or a boolean. ok is false for null,
// objects and arrays.
func scalarText(v []byte, escaped bool, scratch *[]byte) (text []byte, isString, ok bool) {
	switch v[0] {
	case '"':
		if !escaped {
			return v[1 : len(v)-1], true, true
		}
		*scratch = unescape((*scratch)[:0], v)
		return *scratch, true, true
	case '{', '[', 'n':
		return nil, false, false
	}
	return v, false, true
}

// appendStringValue appends v to a VARCHAR column: a string's content, any other value as its
// JSON text. It never warns.
func appendStringValue(sb *array.StringBuilder, v []byte, escaped bool, scratch *[]byte) {
	switch v[0] {
	case 'n':
		sb.AppendNull()
	case '"':
		if !escaped {
			sb.BinaryBuilder.Append(v[1 : len(v)-1])
			return
		}
		*scratch = unescape((*scratch)[:0], v)
		sb.BinaryBuilder.Append(*scratch)
	default:
		sb.BinaryBuilder.Append(v)
	}
}

// appendInt64Value appends v to a BIGINT column and reports whether it had to drop it.
func appendInt64Value(ib *array.Int64Builder, v []byte, escaped bool, scratch *[]byte) (warn bool) {
	if v[0] == 'n' {
		ib.AppendNull()
		return false
	}
	text, isString, ok := scalarText(v, escaped, scratch)
	if isString {
		text = trimSpaceBytes(text)
		if len(text) == 0 {
			ib.AppendNull()
			return false
		}
	}
	if ok {
		if n, ok := parseInt(text); ok {
			ib.Append(n)
			return false
		}
	}
	ib.AppendNull()
	return true
}

// appendFloat64Value appends v to a DOUBLE column and reports whether it had to drop it.
func appendFloat64Value(fb *array.Float64Builder, v []byte, escaped bool, scratch *[]byte) (warn bool) {
	if v[0] == 'n' {
		fb.AppendNull()
		return false
	}
	text, isString, ok := scalarText(v, escaped, scratch)
	if isString {
		text = trimSpaceBytes(text)
		if len(text) == 0 {
			fb.AppendNull()
			return false
		}
	}
	if ok {
		if f, ok := parseFloat(text); ok {
			fb.Append(f)
			return false
		}
	}
	fb.AppendNull()
	return true
}

// appendTimestampValue appends v to a TIMESTAMP column and reports whether it had to drop it.
func appendTimestampValue(tb *array.TimestampBuilder, v []byte, escaped bool, scratch *[]byte) (warn bool) {
	if v[0] == 'n' {
		tb.AppendNull()
		return false
	}
	text, isString, _ := scalarText(v, escaped, scratch)
	if isString {
		if len(trimSpaceBytes(text)) == 0 {
			tb.AppendNull()
			return false
		}
		if us, ok := parseTime(text); ok {
			tb.Append(arrow.Timestamp(us))
			return false
		}
	}
	tb.AppendNull()
	return true
}

// parseInt reads a whole number: digits with an optional sign, or any number whose value is
// integral and fits (48.0, 4.8e1). 4.7 is not a whole number and is refused, not truncated.
func parseInt(s []byte) (int64, bool) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i = 1
	}
	if i < len(s) && len(s)-i <= 18 {
		var n int64
		j := i
		for ; j < len(s) && isDigit(s[j]); j++ {
			n = n*10 + int64(s[j]-'0')
		}
		if j == len(s) && j > i {
			if neg {
				n = -n
			}
			return n, true
		}
	}
	if n, err := strconv.ParseInt(string(s), 10, 64); err == nil {
		return n, true // 19 digits: past the fast path, and past float64's precision
	}
	f, ok := parseFloat(s)
	if !ok || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// parseFloat reads a finite decimal number. Short plain decimals, which are nearly all of them,
// take an exact fast path (both operands exact, one correctly rounded division); the rest go to
// strconv.
func parseFloat(s []byte) (float64, bool) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		i = 1
	}
	var mant uint64
	nd, fracDigits, dot := 0, 0, false
	j := i
	for ; j < len(s); j++ {
		c := s[j]
		if isDigit(c) {
			mant = mant*10 + uint64(c-'0')
			nd++
			if dot {
				fracDigits++
			}
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if j == len(s) && nd > 0 && nd <= 15 && (!dot || fracDigits > 0 || nd > fracDigits) {
		f := float64(mant)
		if fracDigits > 0 {
			f /= math.Pow10(fracDigits) // exact for up to 22 digits
		}
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
