package archive

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Container name prefixes of the archive (docs/lake.md, "Layout"). Containers are matched case-insensitively
// because a local copy may have passed through a case-preserving tool.
const (
	LogsPrefix    = "insights-logs-"
	MetricsPrefix = "insights-metrics-"
)

// resourceIDKey opens every archive blob name: "resourceId=/SUBSCRIPTIONS/...".
const resourceIDKey = "resourceid="

// IsArchiveContainer reports whether a container holds archived logs or metrics.
func IsArchiveContainer(container string) bool {
	_, _, ok := containerCategory(container)
	return ok
}

// containerCategory returns the lower-case category of an archive container, "metrics" for a
// metrics container.
func containerCategory(container string) (category string, metrics, ok bool) {
	lower := strings.ToLower(container)
	switch {
	case strings.HasPrefix(lower, LogsPrefix) && len(lower) > len(LogsPrefix):
		return lower[len(LogsPrefix):], false, true
	case strings.HasPrefix(lower, MetricsPrefix) && len(lower) > len(MetricsPrefix):
		return "metrics", true, true
	}
	return "", false, false
}

// ParseName parses the name of an archive blob inside its container (docs/lake.md, "Layout"):
//
//	resourceId=/SUBSCRIPTIONS/<SUB>/RESOURCEGROUPS/<RG>/PROVIDERS/<PROVIDER>/<TYPE>/<NAME>[/<TYPE>/<NAME>...]/y=YYYY/m=MM/d=DD/h=HH/m=00/PT1H.json[.gz]
//
// The resource part is matched case-insensitively and returned upper-case; a trailing slash on
// the resource ID (an empty segment before "y=") is tolerated. A name that does not fit yields
// an error wrapping ErrUnrecognised that says what is wrong.
func ParseName(container, name string) (Path, error) {
	p, reason := parseName(container, name)
	if reason != "" {
		return Path{}, fmt.Errorf("%s/%s: %s: %w", container, name, reason, ErrUnrecognised)
	}
	return p, nil
}

// parseName does the work of ParseName and returns why a name does not fit instead of an
// error, so that every rejection reads the same.
func parseName(container, name string) (Path, string) {
	category, metrics, ok := containerCategory(container)
	if !ok {
		return Path{}, "container is not insights-logs-* or insights-metrics-*"
	}
	if len(name) < len(resourceIDKey) || !strings.EqualFold(name[:len(resourceIDKey)], resourceIDKey) {
		return Path{}, `name does not start with "resourceId="`
	}
	rest := strings.TrimPrefix(name[len(resourceIDKey):], "/")
	segs := strings.Split(rest, "/")
	// Six segments close every name: y=, m=, d=, h=, m=00 and the file.
	const tail = 6
	if len(segs) < tail {
		return Path{}, "too few path segments"
	}
	id, timed := segs[:len(segs)-tail], segs[len(segs)-tail:]
	if len(id) > 0 && id[len(id)-1] == "" {
		id = id[:len(id)-1] // a resource ID written with its trailing slash
	}

	if file := timed[5]; !strings.EqualFold(file, "PT1H.json") && !strings.EqualFold(file, "PT1H.json.gz") {
		return Path{}, fmt.Sprintf("file %q is not PT1H.json", file)
	}

	year, r := partition(timed[0], "y", 4, 4, 1, 9999)
	if r != "" {
		return Path{}, r
	}
	month, r := partition(timed[1], "m", 1, 2, 1, 12)
	if r != "" {
		return Path{}, r
	}
	day, r := partition(timed[2], "d", 1, 2, 1, 31)
	if r != "" {
		return Path{}, r
	}
	hour, r := partition(timed[3], "h", 1, 2, 0, 23)
	if r != "" {
		return Path{}, r
	}
	minute, r := partition(timed[4], "m", 1, 2, 0, 59)
	if r != "" {
		return Path{}, r
	}
	if minute != 0 {
		return Path{}, fmt.Sprintf("minute segment %q is not m=00", timed[4])
	}
	at := time.Date(year, time.Month(month), day, hour, 0, 0, 0, time.UTC)
	if at.Day() != day || int(at.Month()) != month {
		return Path{}, fmt.Sprintf("no such date %04d-%02d-%02d", year, month, day)
	}

	p := Path{Container: container, Category: category, Metrics: metrics, Hour: at}
	if r := p.setResource(id); r != "" {
		return Path{}, r
	}
	return p, ""
}

// partition parses one "key=value" time segment whose value has minDigits to maxDigits digits
// and lies in [lo, hi].
func partition(seg, key string, minDigits, maxDigits, lo, hi int) (int, string) {
	k, v, ok := strings.Cut(seg, "=")
	if !ok || !strings.EqualFold(k, key) {
		return 0, fmt.Sprintf("segment %q is not %s=", seg, key)
	}
	if len(v) < minDigits || len(v) > maxDigits || strings.Trim(v, "0123456789") != "" {
		return 0, fmt.Sprintf("segment %q is not %s= and %d to %d digits", seg, key, minDigits, maxDigits)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Sprintf("segment %q is out of range", seg)
	}
	return n, ""
}

// setResource fills the resource fields from the segments of a resource ID:
// SUBSCRIPTIONS/<sub>/RESOURCEGROUPS/<rg>/PROVIDERS/<provider> then type/name pairs.
func (p *Path) setResource(segs []string) string {
	const head = 6
	if len(segs) < head+2 || (len(segs)-head)%2 != 0 {
		return "resource ID is not /SUBSCRIPTIONS/<sub>/RESOURCEGROUPS/<rg>/PROVIDERS/<provider>/<type>/<name>"
	}
	up := make([]string, len(segs))
	for i, s := range segs {
		if s == "" {
			return "resource ID has an empty segment"
		}
		up[i] = strings.ToUpper(s)
	}
	if up[0] != "SUBSCRIPTIONS" || up[2] != "RESOURCEGROUPS" || up[4] != "PROVIDERS" {
		return "resource ID is not /SUBSCRIPTIONS/<sub>/RESOURCEGROUPS/<rg>/PROVIDERS/<provider>/<type>/<name>"
	}
	types := make([]string, 0, (len(up)-head)/2)
	for i := head; i < len(up); i += 2 {
		if strings.HasPrefix(up[i], "Y=") {
			return "resource ID runs into the time segments"
		}
		types = append(types, up[i])
	}
	p.ResourceID = "/" + strings.Join(up, "/")
	p.SubscriptionID = up[1]
	p.ResourceGroup = up[3]
	p.Provider = up[5]
	p.ResourceType = strings.Join(types, "/")
	p.ResourceName = up[len(up)-1]
	return ""
}

// IsGzip reports whether a blob name ends in ".gz": its stored bytes are gzip-compressed.
func IsGzip(name string) bool {
	return len(name) >= 3 && strings.EqualFold(name[len(name)-3:], ".gz")
}

// NewBlob builds the listing of one blob from what a store knows of it, parsing the name. A
// name that does not parse leaves Err set; the blob is still returned, never dropped.
func NewBlob(container, name string, size int64, etag string, modified time.Time, typ BlobType) Blob {
	b := Blob{
		Container:    container,
		Name:         name,
		Size:         size,
		ETag:         etag,
		LastModified: modified.UTC(),
		Type:         typ,
		Gzip:         IsGzip(name),
	}
	b.Path, b.Err = ParseName(container, name)
	return b
}

// resourceOf returns the resource path of a blob name as far as it can be read: the segments
// after "resourceId=" up to the first "y=" segment, upper-case. Window filters use it for names
// that do not parse, so that a resource filter still places them.
func resourceOf(name string) string {
	if len(name) < len(resourceIDKey) || !strings.EqualFold(name[:len(resourceIDKey)], resourceIDKey) {
		return ""
	}
	segs := strings.Split(strings.TrimPrefix(name[len(resourceIDKey):], "/"), "/")
	var id []string
	for i, s := range segs {
		if i == len(segs)-1 || len(s) >= 2 && strings.EqualFold(s[:2], "y=") {
			break
		}
		if s != "" {
			id = append(id, strings.ToUpper(s))
		}
	}
	if len(id) == 0 {
		return ""
	}
	return "/" + strings.Join(id, "/")
}
