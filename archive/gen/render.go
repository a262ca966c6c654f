package gen

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// appendRecord renders one record as a single line of JSON, without line ending.
func appendRecord(b []byte, rec *record, resourceID string) []byte {
	rid := resourceID
	switch rec.ridForm {
	case 1:
		rid = strings.ToLower(rid)
	case 2:
		rid += "/"
	}
	b = append(b, '{')
	if rec.metric {
		// The field order of the metrics export (docs/lake.md, "Records").
		for _, m := range rec.top {
			b = appendMember(b, m.k, m.v, rec.propLayout)
		}
		b = appendMember(b, rec.ridKey, rid, "")
		b = appendMember(b, "time", rec.t.UTC().Format(rec.layout), "")
		for _, m := range rec.props {
			b = appendMember(b, m.k, m.v, rec.propLayout)
		}
		return closeObject(b)
	}
	b = appendMember(b, "time", rec.t.UTC().Format(rec.layout), "")
	b = appendMember(b, rec.ridKey, rid, "")
	for _, m := range rec.top {
		b = appendMember(b, m.k, m.v, rec.propLayout)
	}
	if rec.extra {
		b = appendMember(b, "Tenant", "weu-ml-01", "")
		b = appendMember(b, "ingestionSource", "diagnosticSettings", "")
	}
	if rec.flatten {
		for _, m := range rec.props {
			b = appendMember(b, caseKey(m.k, rec.keyCase), m.v, rec.propLayout)
		}
		return closeObject(b)
	}
	inside := rec.props
	if rec.split {
		inside = rec.props[:len(rec.props)/2]
	}
	b = append(b, `"properties":{`...)
	for _, m := range inside {
		b = appendMember(b, caseKey(m.k, rec.keyCase), m.v, rec.propLayout)
	}
	b = closeObject(b)
	b = append(b, ',')
	for _, m := range rec.props[len(inside):] {
		b = appendMember(b, caseKey(m.k, rec.keyCase), m.v, rec.propLayout)
	}
	return closeObject(b)
}

// closeObject replaces the comma after the last member, if any, with a closing brace.
func closeObject(b []byte) []byte {
	if b[len(b)-1] == ',' {
		b[len(b)-1] = '}'
		return b
	}
	return append(b, '}')
}

func appendMember(b []byte, k string, v any, layout string) []byte {
	b = appendString(b, k)
	b = append(b, ':')
	switch v := v.(type) {
	case string:
		b = appendString(b, v)
	case int64:
		b = strconv.AppendInt(b, v, 10)
	case float64:
		b = append(b, formatFloat(v)...)
	case bool:
		b = strconv.AppendBool(b, v)
	case time.Time:
		b = appendString(b, v.UTC().Format(layout))
	case []kv:
		b = append(b, '{')
		for _, m := range v {
			b = appendMember(b, m.k, m.v, layout)
		}
		b = closeObject(b)
	default:
		b = append(b, "null"...)
	}
	return append(b, ',')
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// appendString appends s as a JSON string. HTML characters stay as they are, as the service
// writes them.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// caseKey spells a per-category field name the way some records do.
func caseKey(k string, mode int) string {
	switch mode {
	case caseCamel:
		return strings.ToLower(k[:1]) + k[1:]
	case caseLower:
		return strings.ToLower(k)
	}
	return k
}

// Kinds of bad line.
const (
	badNotJSON = iota
	badArray
	badString
	badNoTime
	badTime
	numBadKinds
)

// badLine is a line a reader must reject, of the given kind.
func badLine(kind int, r *rand.Rand, h time.Time, resourceID, category string) []byte {
	t := h.Add(time.Duration(r.Int64N(int64(time.Hour)))).Format(layout7)
	switch kind {
	case badNotJSON:
		if r.IntN(2) == 0 {
			return []byte(`{"time": "` + t + `", "resourceId": "` + resourceID + `", "category": "` + category + `", "properties": {"JobId": "trunc`)
		}
		return []byte(`<Error><Code>InternalError</Code><Message>Server encountered an internal error.</Message></Error>`)
	case badArray:
		return []byte(`[{"time":"` + t + `","category":"` + category + `"}]`)
	case badString:
		return []byte(`"diagnostic export: 3 records dropped"`)
	case badNoTime:
		return []byte(`{"resourceId":"` + resourceID + `","category":"` + category + `","operationName":"Heartbeat","properties":{}}`)
	default:
		bad := []string{"2026-13-45T99:00:00Z", "yesterday", "not a time"}[r.IntN(3)]
		return []byte(`{"time":"` + bad + `","resourceId":"` + resourceID + `","category":"` + category + `","operationName":"Heartbeat","properties":{}}`)
	}
}
