package archive

import (
	"iter"
	"strings"
	"time"
)

// MatchContainer reports whether the container belongs to the window: an insights-logs-* or
// insights-metrics-* container named by Containers, or any of them when Containers is empty.
func (w Window) MatchContainer(name string) bool {
	n := strings.ToLower(name)
	if !strings.HasPrefix(n, logsPrefix) && !strings.HasPrefix(n, metricsPrefix) {
		return false
	}
	if len(w.Containers) == 0 {
		return true
	}
	for _, c := range w.Containers {
		c = strings.ToLower(c)
		switch {
		case c == n, logsPrefix+c == n:
			return true
		case c == "metrics" && strings.HasPrefix(n, metricsPrefix):
			return true
		}
	}
	return false
}

// MatchResource reports whether the resource belongs to the window: Resources holds its name or
// a prefix of its ID (whole segments), or Resources is empty.
func (w Window) MatchResource(resourceID string) bool {
	if len(w.Resources) == 0 {
		return true
	}
	id := strings.TrimSuffix(strings.ToUpper(resourceID), "/")
	for _, r := range w.Resources {
		r = strings.TrimSuffix(strings.ToUpper(r), "/")
		if r == "" {
			continue
		}
		if strings.HasPrefix(r, "/") {
			if id == r || strings.HasPrefix(id, r+"/") {
				return true
			}
			continue
		}
		segs := strings.Split(id, "/")
		if segs[len(segs)-1] == r {
			return true
		}
	}
	return false
}

// Hours yields the hours of the window in order, each truncated to the hour. A window that is
// unbounded on either side yields nothing.
func (w Window) Hours() iter.Seq[time.Time] {
	return func(yield func(time.Time) bool) {
		if w.From.IsZero() || w.To.IsZero() {
			return
		}
		for h := w.From.UTC().Truncate(time.Hour); h.Before(w.To); h = h.Add(time.Hour) {
			if !yield(h) {
				return
			}
		}
	}
}
