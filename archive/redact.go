package archive

import "strings"

// secretMark is a place where a credential shows up in text: key precedes the secret (lower
// case) and stop lists the bytes that end its value.
type secretMark struct {
	key, stop string
	escaped   bool // the mark is URL-escaped, and so is the value
}

// secretMarks are where credentials show up in text produced by the Azure SDK or the service:
// the signature of a SAS (in a URL, raw or escaped), a connection string's key and SAS, and
// authorization headers.
func secretMarks() []secretMark {
	const ends = ";\"'<> \t\r\n"
	return []secretMark{
		{"sig=", "&" + ends, false},
		{"sig%3d", "&" + ends, true},
		{"accountkey=", ends, false},
		{"sharedaccesssignature=", ends, false},
		{"bearer ", ends, false},
		{"sharedkey ", ends, false},
		{"sharedkeylite ", ends, false},
	}
}

// redacted replaces a secret value.
const redacted = "REDACTED"

// Redact returns s with the credentials an archive source can carry replaced by REDACTED:
// the value after sig=, AccountKey=, SharedAccessSignature= and authorization schemes, in any
// letter case, raw or URL-escaped. The command passes every source it names through it.
func Redact(s string) string { return redact(s) }

// redact returns s with credentials replaced by REDACTED: the value after every secret marker
// (case-insensitive), and every occurrence of the given secrets verbatim. Errors of the Azure SDK
// quote request URLs, SAS query included, so every service error passes through here before it
// leaves the package.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	lower := asciiLower(s)
	marks := secretMarks()
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		j, n := markAt(marks, lower, i)
		if n == 0 {
			i++
			continue
		}
		start := i + n
		end := start
		for end < len(s) && !strings.ContainsRune(marks[j].stop, rune(s[end])) {
			end++
		}
		if marks[j].escaped {
			// In an escaped URL the next parameter starts at an escaped "&".
			if k := strings.Index(lower[start:end], "%26"); k >= 0 {
				end = start + k
			}
		}
		if end > start && s[start:end] != redacted {
			b.WriteString(s[last:start])
			b.WriteString(redacted)
			last = end
		}
		i = end
		if i == start {
			i++
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// markAt reports which secret marker begins at lower[i] as a whole word, and its length; 0 when
// none does.
func markAt(marks []secretMark, lower string, i int) (int, int) {
	// A mark counts after a non-word byte or after an escape such as %3F.
	if i > 0 && (i < 3 || lower[i-3] != '%') {
		if c := lower[i-1]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			return 0, 0
		}
	}
	for j, m := range marks {
		if strings.HasPrefix(lower[i:], m.key) {
			return j, len(m.key)
		}
	}
	return 0, 0
}

// asciiLower lower-cases ASCII letters only, so that byte offsets into the result are offsets
// into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
