package publish

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/amlmon/amlmon/archive"
)

// Site is a report site: one folder per published day (<YYYY-MM-DD>/), latest/ holding a copy
// of the newest day, and index.html listing every day, latest first.
type Site struct {
	Store Store
	// Index renders index.html from the summary.json of every published day, latest first.
	Index func(summaries [][]byte) ([]byte, error)
	// Parallel bounds the uploads and downloads in flight; zero means 4.
	Parallel int
}

// maxSummary bounds the summary.json read back from a published day.
const maxSummary = 1 << 20

// latest is the folder that holds the newest day.
const latest = "latest"

// Day publishes the report folder dir of day as <day>/, replacing what an earlier publish
// of the day left (blobs of the day that the folder no longer has are removed); then latest/
// if day is the newest published day, then index.html. A failure leaves the site as readable
// as before: every blob is replaced whole, index.html last; publishing again completes it.
func (s Site) Day(ctx context.Context, day time.Time, dir string) error {
	name := day.Format(time.DateOnly)
	files, err := reportFiles(dir)
	if err != nil {
		return err
	}
	if err := s.mirror(ctx, dir, files, name+"/"); err != nil {
		return err
	}
	days, err := s.days(ctx)
	if err != nil {
		return err
	}
	if len(days) > 0 && days[0] == name {
		if err := s.mirror(ctx, dir, files, latest+"/"); err != nil {
			return err
		}
	}
	return s.index(ctx, days)
}

// reportFiles lists the files of a report folder, sorted.
func reportFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read report folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("report folder %s is empty", dir)
	}
	slices.Sort(names)
	return names, nil
}

// mirror uploads the files of dir under folder, report.html last so that the page is never
// published before what it shows and links to, then removes what else the folder held.
func (s Site) mirror(ctx context.Context, dir string, files []string, folder string) error {
	up := archive.Upload{NoCache: folder == latest+"/"}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel())
	for _, f := range files {
		if f == "report.html" {
			continue
		}
		g.Go(func() error { return s.put(gctx, dir, f, folder, up) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if slices.Contains(files, "report.html") {
		if err := s.put(ctx, dir, "report.html", folder, up); err != nil {
			return err
		}
	}
	var stale []string
	err := s.Store.List(ctx, folder, func(o archive.DestObject) error {
		if rel := strings.TrimPrefix(o.Name, folder); !slices.Contains(files, rel) {
			stale = append(stale, o.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range stale {
		if err := s.Store.Delete(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (s Site) put(ctx context.Context, dir, file, folder string, up archive.Upload) error {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	up.ContentType = ContentType(file)
	return s.Store.Put(ctx, folder+file, data, up)
}

func (s Site) parallel() int {
	if s.Parallel > 0 {
		return s.Parallel
	}
	return 4
}

// days lists the published days, latest first: the folders named YYYY-MM-DD that hold a
// summary.json.
func (s Site) days(ctx context.Context) ([]string, error) {
	var days []string
	err := s.Store.List(ctx, "", func(o archive.DestObject) error {
		day, file, ok := strings.Cut(o.Name, "/")
		if !ok || file != "summary.json" {
			return nil
		}
		if _, err := time.Parse(time.DateOnly, day); err == nil {
			days = append(days, day)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(days)
	slices.Reverse(days)
	return slices.Compact(days), nil
}

// index writes index.html from the summaries of days.
func (s Site) index(ctx context.Context, days []string) error {
	summaries := make([][]byte, len(days))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.parallel())
	for i, day := range days {
		g.Go(func() error {
			b, err := s.Store.Get(gctx, day+"/summary.json", maxSummary)
			if errors.Is(err, archive.ErrNotFound) {
				return nil // removed since the listing: the day is left out
			}
			summaries[i] = b
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	summaries = slices.DeleteFunc(summaries, func(b []byte) bool { return b == nil })
	page, err := s.Index(summaries)
	if err != nil {
		return fmt.Errorf("render index.html: %w", err)
	}
	return s.Store.Put(ctx, "index.html", page, archive.Upload{ContentType: ContentType("index.html"), NoCache: true})
}
