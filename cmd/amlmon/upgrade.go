package main

import (
	"context"
	"sort"
	"time"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/transform"
)

// listOutdated lists, by name, the blobs that the upgrade of the lake's layout still has to
// read again and that the window's listing did not meet (todo, by container/name): one
// listing per container and path date, whatever the window. It returns the blobs the source
// no longer has.
func listOutdated(ctx context.Context, src archive.Source, todo map[string]transform.BlobRef, t *tracker,
	yield func(transform.Blob, transform.Opener) error) ([]transform.BlobRef, error) {
	type day struct {
		container string
		date      time.Time
	}
	byDay := map[day]bool{}
	for _, r := range todo {
		byDay[day{r.Container, r.Hour.UTC().Truncate(24 * time.Hour)}] = true
	}
	days := make([]day, 0, len(byDay))
	for d := range byDay {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool {
		if days[i].container != days[j].container {
			return days[i].container < days[j].container
		}
		return days[i].date.Before(days[j].date)
	})
	for _, d := range days {
		w := archive.Window{From: d.date, To: d.date.Add(24 * time.Hour), Containers: []string{d.container}}
		err := src.List(ctx, w, func(b archive.Blob) error {
			key := b.Container + "/" + b.Name
			if _, ok := todo[key]; !ok {
				return nil
			}
			delete(todo, key)
			t.listedOne()
			return yield(lakeBlob(b), opener(src, b))
		})
		if err != nil {
			return nil, err
		}
	}
	lost := make([]transform.BlobRef, 0, len(todo))
	for _, r := range todo {
		lost = append(lost, r)
	}
	return lost, nil
}
