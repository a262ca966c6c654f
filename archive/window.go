package archive

import (
	"iter"
	"strings"
	"time"
)

// MatchContainer reports whether the window selects a container: an insights-logs-* or
// insights-metrics-* container named in Containers by its container name or its category
// ("AmlComputeJobEvent"; "metrics" for every metrics container), case-insensitively, or any
// such container when Containers is empty. Other containers are never selected.
func (w Window) MatchContainer(name string) bool {
	category, metrics, ok := containerCategory(name)
	if !ok {
		return false
	}
	if len(w.Containers) == 0 {
		return true
	}
	for _, c := range w.Containers {
		c = strings.TrimSpace(c)
		switch {
		case strings.EqualFold(c, name):
			return true
		case strings.EqualFold(c, "metrics"):
			if metrics {
				return true
			}
		case !metrics && strings.EqualFold(c, category):
			return true
		}
	}
	return false
}

// MatchResource reports whether the window selects a resource ID: one that Resources names by
// its last segment ("ws-prod") or by a prefix of whole segments
// ("/SUBSCRIPTIONS/<sub>/RESOURCEGROUPS/<rg>"), case-insensitively, or any resource when
// Resources is empty. An entry with a slash is a prefix, one without is a name.
func (w Window) MatchResource(resourceID string) bool {
	if len(w.Resources) == 0 {
		return true
	}
	id := strings.TrimSuffix(strings.ToUpper(resourceID), "/")
	name := id[strings.LastIndexByte(id, '/')+1:]
	for _, r := range w.Resources {
		r = strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(r)), "/")
		if r == "" {
			continue
		}
		if !strings.Contains(r, "/") {
			if r == name {
				return true
			}
			continue
		}
		if !strings.HasPrefix(r, "/") {
			r = "/" + r
		}
		if id == r || strings.HasPrefix(id, r+"/") {
			return true
		}
	}
	return false
}

// Hours yields the path hours of the window in order: every hour from From (rounded down to
// the hour) until To, in UTC. It yields nothing unless both bounds are set.
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

// overlaps reports whether the period [start, end) meets the window's hours. A zero bound is
// open on that side, so a window with only From set runs to the end of time.
func (w Window) overlaps(start, end time.Time) bool {
	if !w.To.IsZero() && !start.Before(w.To) {
		return false
	}
	if !w.From.IsZero() && !end.After(w.From.UTC().Truncate(time.Hour)) {
		return false
	}
	return true
}

// matchHour reports whether a path hour lies in the window.
func (w Window) matchHour(h time.Time) bool { return w.overlaps(h, h.Add(time.Hour)) }
