package transform

import (
	"encoding/binary"
	"testing"
)

// plainWord must agree with plainString on every byte value at every position of a word.
func TestPlainWord(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			word := []byte("abcdefgh")
			word[pos] = byte(c)
			want := true
			for _, b := range word {
				want = want && plainString(b)
			}
			if got := plainWord(binary.LittleEndian.Uint64(word)); got != want {
				t.Errorf("plainWord(%q) = %v, want %v", word, got, want)
			}
		}
	}
	// Two special bytes at once, where a borrow from one could hide the other.
	for _, w := range []string{"\x00\"aaaaaa", "a\x1f\\aaaaa", "aaaaaa\x00\x80", "\x7f\x20~\x21aaaa"} {
		want := true
		for _, b := range []byte(w) {
			want = want && plainString(b)
		}
		if got := plainWord(binary.LittleEndian.Uint64([]byte(w))); got != want {
			t.Errorf("plainWord(%q) = %v, want %v", w, got, want)
		}
	}
}
