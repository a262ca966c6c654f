package transform

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/amlmon/amlmon"
)

// An archive holds thousands of small blobs, and a Parquet file costs a fixed amount to set up
// and close whatever it holds: written one file per blob, the lake was mostly overhead to
// write and to scan. Listed blobs are therefore converted in groups: consecutive blobs of one
// container and path date, whose rows share one file per table and date. A group is formed
// from the listing alone, so a rerun after a crash forms the same groups and writes the same
// files, and all its blobs are committed together, so a crash keeps all of them or none.
const (
	// groupBytes bounds the listed bytes of a group: large enough that files hold tens of
	// thousands of rows, small enough that the cores share the work evenly to its end.
	groupBytes = 16 << 20
	groupBlobs = 512
	// ownFileBytes is the size above which a blob's range is written to files of its own as it
	// is decoded. Smaller ones are held in memory until they are read whole, then added to
	// their group's files: a blob that fails halfway must leave no rows behind.
	ownFileBytes = 4 << 20
)

// listed is one listed blob of a group.
type listed struct {
	blob Blob
	open Opener
}

// group is a run of listed blobs of one manifest file (container and path date).
type group struct {
	key     manifestKey
	members []listed
	bytes   int64
	ahead   *prefetch // downloads started when the group was formed, or nil
}

// accepts reports whether b may join the group.
func (g *group) accepts(b Blob) bool {
	return keyOf(b.Container, b.Hour) == g.key && len(g.members) < groupBlobs &&
		g.bytes+b.Size <= groupBytes
}

func (g *group) add(b Blob, open Opener) {
	g.members = append(g.members, listed{b, open})
	g.bytes += b.Size
}

// heldBatch is a batch of a blob's rows kept until the blob is read whole.
type heldBatch struct {
	table amlmon.Table
	date  time.Time
	rec   arrow.RecordBatch
}

// heldBatches are the batches of one blob's read.
type heldBatches []heldBatch

// release drops the batches.
func (h *heldBatches) release() {
	for _, b := range *h {
		b.rec.Release()
	}
	*h = nil
}

// blobSink is the batchSink of one blob's read: it holds the batches of a small range and
// writes those of a large one to files of the segment's own.
type blobSink struct {
	own  *segmentWriter // nil: batches are held
	held heldBatches
}

func (s *blobSink) write(t amlmon.Table, date time.Time, rec arrow.RecordBatch) error {
	if s.own != nil {
		return s.own.write(t, date, rec)
	}
	// Refused now, as a file of its own would refuse it: once held rows are written to the
	// group's files, any failure is the lake's.
	if err := checkName(t.Name); err != nil {
		return fmt.Errorf("table %q: %w", t.Name, err)
	}
	rec.Retain()
	s.held = append(s.held, heldBatch{t, date, rec})
	return nil
}

// syncGroup converts the blobs of a group one after the other and hands those with something
// to commit to the committer, as one unit. It returns only errors that stop the run.
func (l *Lake) syncGroup(ctx context.Context, g *group, t *tally, cb *commitBatch, cm *committer) error {
	shared := newSegmentWriter(l)
	var (
		unit []*converted
		dirs = map[*converted][]string{} // the shared partitions holding each blob's rows
		err  error
	)
	ahead := g.ahead
	if ahead == nil {
		ahead = l.startPrefetch(ctx, g)
	}
	defer ahead.stop()
	for i, m := range g.members {
		var c *converted
		c, err = l.syncBlob(ctx, m.blob, ahead.opener(i, m.open), t)
		if err != nil {
			break
		}
		if c == nil {
			continue
		}
		unit = append(unit, c)
		for _, h := range c.held {
			if werr := shared.write(h.table, h.date, h.rec); werr != nil {
				err = fatal(werr)
				break
			}
			if dir := partition(h.table, h.date); !slices.Contains(dirs[c], dir) {
				dirs[c] = append(dirs[c], dir)
			}
		}
		c.held.release()
		if err != nil {
			break
		}
	}
	var fe fatalError
	if errors.As(err, &fe) {
		shared.abort()
		for _, c := range unit {
			removeTemps(c.files)
		}
		return err
	}
	// After a cancellation, what was converted whole is still worth committing.
	if !shared.empty() {
		files, ferr := shared.finish(groupID(unit, dirs))
		if ferr != nil {
			for _, c := range unit {
				removeTemps(c.files)
			}
			return fatal(ferr)
		}
		byDir := map[string]*partFile{}
		for _, f := range files {
			byDir[f.dir] = f
		}
		for _, c := range unit {
			for _, d := range dirs[c] {
				c.addFile(byDir[d])
			}
		}
	}
	if full := cb.add(unit, time.Now()); full != nil {
		cm.send(full)
	}
	return err
}

// groupID names the shared files of a group after the segments whose rows they hold, so that
// the same reads make the same files.
func groupID(unit []*converted, dirs map[*converted][]string) string {
	h := sha256.New()
	h.Write([]byte("group\x00"))
	for _, c := range unit {
		if len(dirs[c]) > 0 {
			h.Write([]byte(c.seg))
			h.Write([]byte{0})
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:10])
}
