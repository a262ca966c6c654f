package archive

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Container name prefixes of the archive (SPEC §1.1).
const (
	logsPrefix    = "insights-logs-"
	metricsPrefix = "insights-metrics-"
)

// ParseName parses the name of a blob in container into its archive path:
// resourceId=/<resource path>/y=YYYY/m=MM/d=DD/h=HH/m=00/<file>. A name that does not follow
// that layout yields an error wrapping ErrUnrecognised.
func ParseName(container, name string) (Path, error) {
	bad := func(why string) (Path, error) {
		return Path{}, fmt.Errorf("%s/%s: %s: %w", container, name, why, ErrUnrecognised)
	}
	p := Path{Container: container}
	lc := strings.ToLower(container)
	switch {
	case strings.HasPrefix(lc, logsPrefix) && len(lc) > len(logsPrefix):
		p.Category = lc[len(logsPrefix):]
	case strings.HasPrefix(lc, metricsPrefix) && len(lc) > len(metricsPrefix):
		p.Category, p.Metrics = "metrics", true
	default:
		return bad("not an insights container")
	}
	segs := strings.Split(name, "/")
	// resourceId=, at least SUBSCRIPTIONS/s/RESOURCEGROUPS/g/PROVIDERS/p/TYPE/name, five time
	// segments and the file.
	if len(segs) < 1+8+5+1 || !strings.EqualFold(segs[0], "resourceId=") {
		return bad("not under resourceId=/")
	}
	file := segs[len(segs)-1]
	if file == "" {
		return bad("no file name")
	}
	tseg := segs[len(segs)-6 : len(segs)-1]
	var nums [5]int
	for i, key := range []string{"y=", "m=", "d=", "h=", "m="} {
		v, ok := strings.CutPrefix(strings.ToLower(tseg[i]), key)
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return bad("bad time segment " + strconv.Quote(tseg[i]))
		}
		nums[i] = n
	}
	hour := time.Date(nums[0], time.Month(nums[1]), nums[2], nums[3], 0, 0, 0, time.UTC)
	if nums[1] < 1 || nums[1] > 12 || hour.Day() != nums[2] || nums[3] > 23 || nums[4] != 0 {
		return bad("time out of range")
	}
	p.Hour = hour
	res := segs[1 : len(segs)-6]
	for _, s := range res {
		if s == "" {
			return bad("empty resource segment")
		}
	}
	if len(res) < 8 || len(res)%2 != 0 ||
		!strings.EqualFold(res[0], "SUBSCRIPTIONS") ||
		!strings.EqualFold(res[2], "RESOURCEGROUPS") ||
		!strings.EqualFold(res[4], "PROVIDERS") {
		return bad("not a resource path")
	}
	up := make([]string, len(res))
	for i, s := range res {
		up[i] = strings.ToUpper(s)
	}
	p.ResourceID = "/" + strings.Join(up, "/")
	p.SubscriptionID, p.ResourceGroup, p.Provider = up[1], up[3], up[5]
	var types []string
	for i := 6; i < len(up); i += 2 {
		types = append(types, up[i])
	}
	p.ResourceType = strings.Join(types, "/")
	p.ResourceName = up[len(up)-1]
	return p, nil
}
