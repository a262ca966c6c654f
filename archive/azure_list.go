package archive

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
)

// List implements Source. A bounded window descends the resourceId=/ folders down to the
// resource folders and lists only the window's day or hour prefixes below them, so its cost grows
// with the window and the number of resources, never with the archive's history; names under
// those prefixes that do not parse come with Err. A window open on either side lists each
// container flat, unrecognised names included.
//
// The containers, and the folders of each level, are listed a few at a time side by side (see
// inOrder); fn is still called one blob at a time, in name order.
func (a *Azure) List(ctx context.Context, w Window, fn func(Blob) error) error {
	containers, err := a.containers(ctx, w)
	if err != nil {
		return err
	}
	listings := make([]listing, len(containers))
	for i, c := range containers {
		listings[i] = func(ctx context.Context, fn func(Blob) error) error {
			if w.From.IsZero() || w.To.IsZero() {
				return a.listFlat(ctx, c, "", w, fn)
			}
			return a.walkRoot(ctx, c, w, fn)
		}
	}
	return inOrder(ctx, listings, fn)
}

// walkRoot descends, in name order, into every top-level folder of container c that is
// resourceId=/ however it is cased: blob prefixes are case-sensitive, but docs/lake.md ("Layout") reads the
// resource part case-insensitively, and a Dir listing or a flat one finds "resourceid=/" too.
func (a *Azure) walkRoot(ctx context.Context, c string, w Window, fn func(Blob) error) error {
	a.log.DebugContext(ctx, "descend", "container", c, "prefix", "")
	pager := a.svc.NewContainerClient(c).NewListBlobsHierarchyPager("/", nil)
	var listings []listing
	for pager.More() {
		page, err := nextPage(ctx, a, pager)
		if err != nil {
			return a.fail("list", c+"/", err)
		}
		if page.Segment == nil {
			continue
		}
		for _, p := range page.Segment.BlobPrefixes {
			if p.Name == nil || !strings.EqualFold(*p.Name, resourceIDKey+"/") {
				continue
			}
			name := *p.Name
			listings = append(listings, func(ctx context.Context, fn func(Blob) error) error {
				return a.walk(ctx, c, name, w, fn)
			})
		}
	}
	return inOrder(ctx, listings, fn)
}

// containers names the containers of the window, in name order.
func (a *Azure) containers(ctx context.Context, w Window) ([]string, error) {
	if a.container != "" {
		if !w.MatchContainer(a.container) {
			return nil, nil
		}
		return []string{a.container}, nil
	}
	var names []string
	pager := a.svc.NewListContainersPager(&service.ListContainersOptions{Prefix: new("insights-")})
	for pager.More() {
		page, err := nextPage(ctx, a, pager)
		if err != nil {
			return nil, a.fail("list containers", "insights-*", err)
		}
		for _, it := range page.ContainerItems {
			if it.Name != nil && w.MatchContainer(*it.Name) {
				names = append(names, *it.Name)
			}
		}
	}
	return names, nil
}

// listFlat lists every blob of container c under prefix, and passes on those of the window.
// Unrecognised names pass when the window names no resources, so callers can count them.
func (a *Azure) listFlat(ctx context.Context, c, prefix string, w Window, fn func(Blob) error) error {
	a.log.DebugContext(ctx, "list", "container", c, "prefix", prefix)
	pager := a.svc.NewContainerClient(c).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix})
	for pager.More() {
		page, err := nextPage(ctx, a, pager)
		if err != nil {
			return a.fail("list", c+"/"+prefix, err)
		}
		if page.Segment == nil {
			continue
		}
		for _, it := range page.Segment.BlobItems {
			b := toBlob(c, it)
			if b.Err != nil {
				if len(w.Resources) > 0 {
					continue
				}
			} else if !w.MatchResource(b.Path.ResourceID) || !w.matchHour(b.Path.Hour) {
				continue
			}
			if err := fn(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// walk descends the folders under prefix, in name order, down to the resource folders (those
// holding y=YYYY/ folders), and lists the window's hours of the resources that match.
func (a *Azure) walk(ctx context.Context, c, prefix string, w Window, fn func(Blob) error) error {
	a.log.DebugContext(ctx, "descend", "container", c, "prefix", prefix)
	pager := a.svc.NewContainerClient(c).NewListBlobsHierarchyPager("/", &container.ListBlobsHierarchyOptions{Prefix: &prefix})
	resource := false
	var listings []listing
	for pager.More() {
		page, err := nextPage(ctx, a, pager)
		if err != nil {
			return a.fail("list", c+"/"+prefix, err)
		}
		if page.Segment == nil {
			continue
		}
		for _, p := range page.Segment.BlobPrefixes {
			if p.Name == nil {
				continue
			}
			name := *p.Name
			if isYearFolder(strings.TrimPrefix(name, prefix)) {
				if !resource {
					resource = true
					if w.MatchResource(folderID(prefix)) {
						listings = append(listings, func(ctx context.Context, fn func(Blob) error) error {
							return a.listHours(ctx, c, prefix, w, fn)
						})
					}
				}
				continue
			}
			if !mayHold(w, folderID(name)) {
				continue
			}
			listings = append(listings, func(ctx context.Context, fn func(Blob) error) error {
				return a.walk(ctx, c, name, w, fn)
			})
		}
	}
	return inOrder(ctx, listings, fn)
}

// folderID is the resource-ID path of a folder of the resourceId=/ hierarchy, upper-case,
// whatever the case of its "resourceId=".
func folderID(prefix string) string {
	_, id, _ := strings.Cut(prefix, "=")
	return "/" + strings.ToUpper(strings.Trim(id, "/"))
}

// mayHold reports whether the folder with resource-ID path id may hold a resource of the
// window. Only resource-ID filters prune; a filter by name can match in any folder.
func mayHold(w Window, id string) bool {
	for _, r := range w.Resources {
		if !strings.HasPrefix(r, "/") {
			return true
		}
	}
	if len(w.Resources) == 0 {
		return true
	}
	for _, r := range w.Resources {
		r = strings.TrimSuffix(strings.ToUpper(r), "/")
		if strings.HasPrefix(id, r) || strings.HasPrefix(r, id) {
			return true
		}
	}
	return false
}

// isYearFolder reports whether a folder name is y=YYYY/.
func isYearFolder(s string) bool {
	if len(s) != len("y=2026/") || !strings.HasPrefix(s, "y=") || s[len(s)-1] != '/' {
		return false
	}
	for _, r := range s[2:6] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// listHours lists the blobs of resource folder res in the hours of w: one listing per whole
// day of the window, one per hour of a partial day.
func (a *Azure) listHours(ctx context.Context, c, res string, w Window, fn func(Blob) error) error {
	var prefixes []string
	var day []time.Time
	flush := func() {
		if len(day) == 0 {
			return
		}
		if d := day[0]; len(day) == 24 {
			prefixes = append(prefixes, fmt.Sprintf("%sy=%04d/m=%02d/d=%02d/", res, d.Year(), d.Month(), d.Day()))
		} else {
			for _, h := range day {
				prefixes = append(prefixes, fmt.Sprintf("%sy=%04d/m=%02d/d=%02d/h=%02d/", res, h.Year(), h.Month(), h.Day(), h.Hour()))
			}
		}
		day = day[:0]
	}
	for h := range w.Hours() {
		h = h.UTC()
		if len(day) > 0 && !sameDay(h, day[0]) {
			flush()
		}
		day = append(day, h)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	flush()
	listings := make([]listing, len(prefixes))
	for i, p := range prefixes {
		listings[i] = func(ctx context.Context, fn func(Blob) error) error { return a.listFlat(ctx, c, p, w, fn) }
	}
	return inOrder(ctx, listings, fn)
}

// sameDay reports whether two UTC times fall on the same date.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// toBlob describes a listed blob item of container c.
func toBlob(c string, it *container.BlobItem) Blob {
	var b Blob
	if it.Name != nil {
		b.Name = *it.Name
	}
	b.Container = c
	b.Gzip = strings.HasSuffix(strings.ToLower(b.Name), ".gz")
	if p := it.Properties; p != nil {
		if p.ContentLength != nil {
			b.Size = *p.ContentLength
		}
		if p.ETag != nil {
			b.ETag = strings.Trim(string(*p.ETag), `"`)
		}
		if p.LastModified != nil {
			b.LastModified = p.LastModified.UTC()
		}
		if p.BlobType != nil {
			b.Type = BlobType(*p.BlobType)
		}
	}
	b.Path, b.Err = ParseName(c, b.Name)
	return b
}
