// Package archivetest is the conformance suite that every archive.Source runs: the local
// directory in package archive's tests, Azure Blob Storage against Azurite in the Azure
// tests. It uses only the Source and Writer contracts, so the same cases hold for both.
package archivetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/amlmon/amlmon/archive"
)

// Store is a Source that tests can also write to.
type Store interface {
	archive.Source
	archive.Writer
}

// Run runs the conformance suite; newStore returns an empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"ListByHours", testListByHours},
		{"ListByContainer", testListByContainer},
		{"ListByResource", testListByResource},
		{"ListEverything", testListEverything},
		{"OtherResourceTypes", testOtherResourceTypes},
		{"LowerCaseResourceID", testLowerCaseResourceID},
		{"Unrecognised", testUnrecognised},
		{"RangedReads", testRangedReads},
		{"GrowsBetweenListAndOpen", testGrows},
		{"DeletedBetweenListAndOpen", testDeleted},
		{"Empty", testEmpty},
		{"LargeStreamed", testLarge},
		{"ListStopsOnCallbackError", testListStops},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

// Fixture names.
const (
	// Sub is the subscription of the fixture resources.
	Sub = "00000000-0000-0000-0000-0000000000AA"
	// JobEvents, ClusterEvents and Metrics are fixture containers.
	JobEvents     = "insights-logs-amlcomputejobevent"
	ClusterEvents = "insights-logs-amlcomputeclusterevent"
	Metrics       = "insights-metrics-pt1m"
)

// Workspace returns the resource ID of an Azure ML workspace, upper-case.
func Workspace(rg, ws string) string {
	return strings.ToUpper("/SUBSCRIPTIONS/" + Sub + "/RESOURCEGROUPS/" + rg +
		"/PROVIDERS/MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/" + ws)
}

// BlobName returns the archive name of a resource's blob for one hour.
func BlobName(resourceID string, hour time.Time) string {
	h := hour.UTC()
	return fmt.Sprintf("resourceId=%s/y=%04d/m=%02d/d=%02d/h=%02d/m=00/PT1H.json",
		resourceID, h.Year(), int(h.Month()), h.Day(), h.Hour())
}

// Put writes an append blob or fails the test.
func Put(t *testing.T, s Store, container, name string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), container, name, archive.AppendBlob, bytes.NewReader(data)); err != nil {
		t.Fatalf("put %s/%s: %v", container, name, err)
	}
}

// List lists a window or fails the test.
func List(t *testing.T, s archive.Source, w archive.Window) []archive.Blob {
	t.Helper()
	var blobs []archive.Blob
	err := s.List(context.Background(), w, func(b archive.Blob) error {
		blobs = append(blobs, b)
		return nil
	})
	if err != nil {
		t.Fatalf("list %+v: %v", w, err)
	}
	return blobs
}

// Read reads the range [offset, end) of a blob or fails the test.
func Read(t *testing.T, s archive.Source, container, name string, offset, end int64) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), container, name, offset, end)
	if err != nil {
		t.Fatalf("open %s/%s [%d,%d): %v", container, name, offset, end, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s/%s [%d,%d): %v", container, name, offset, end, err)
	}
	return data
}

// keys renders listed blobs as "container/name" for comparison.
func keys(blobs []archive.Blob) []string {
	out := make([]string, len(blobs))
	for i, b := range blobs {
		out[i] = b.Container + "/" + b.Name
	}
	return out
}

func wantKeys(t *testing.T, what string, got []archive.Blob, want ...string) {
	t.Helper()
	if g := keys(got); !slices.Equal(g, want) {
		t.Errorf("%s lists\n  %s\nwant\n  %s", what, strings.Join(g, "\n  "), strings.Join(want, "\n  "))
	}
}

// Day is the UTC day most fixture blobs are dated.
func Day() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) }

func testListByHours(t *testing.T, s Store) {
	day := Day()
	ws := Workspace("RG-ML", "WS-PROD")
	// Hours on both sides of a day, and of a year, so that the window crosses folder bounds.
	hours := []time.Time{
		day.Add(-2 * time.Hour), day.Add(-time.Hour), day, day.Add(time.Hour), day.Add(23 * time.Hour), day.Add(24 * time.Hour),
		time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i, h := range hours {
		Put(t, s, JobEvents, BlobName(ws, h), []byte(fmt.Sprintf("{\"n\":%d}\n", i)))
	}

	got := List(t, s, archive.Window{From: day, To: day.Add(24 * time.Hour)})
	wantKeys(t, "one day", got,
		JobEvents+"/"+BlobName(ws, day),
		JobEvents+"/"+BlobName(ws, day.Add(time.Hour)),
		JobEvents+"/"+BlobName(ws, day.Add(23*time.Hour)))
	for _, b := range got {
		if b.Err != nil {
			t.Errorf("%s: %v", b.Name, b.Err)
		}
		if b.Type != archive.AppendBlob || b.Size == 0 || b.ETag == "" || b.LastModified.IsZero() || b.Gzip {
			t.Errorf("%s: listed as type %q size %d etag %q modified %v gzip %v", b.Name, b.Type, b.Size, b.ETag, b.LastModified, b.Gzip)
		}
		if b.Path.ResourceID != ws || b.Path.Category != "amlcomputejobevent" || b.Path.Metrics ||
			b.Path.Hour.Before(day) || !b.Path.Hour.Before(day.Add(24*time.Hour)) {
			t.Errorf("%s: parsed as %+v", b.Name, b.Path)
		}
	}

	// A window of one hour that is not on a day boundary, given off the hour.
	got = List(t, s, archive.Window{From: day.Add(-90 * time.Minute), To: day.Add(-30 * time.Minute)})
	wantKeys(t, "the hours before midnight", got,
		JobEvents+"/"+BlobName(ws, day.Add(-2*time.Hour)),
		JobEvents+"/"+BlobName(ws, day.Add(-time.Hour)))
	if len(got) == 2 && (!got[0].Path.Hour.Equal(day.Add(-2*time.Hour)) || !got[1].Path.Hour.Equal(day.Add(-time.Hour))) {
		t.Errorf("hours parsed as %v, %v", got[0].Path.Hour, got[1].Path.Hour)
	}

	got = List(t, s, archive.Window{From: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)})
	wantKeys(t, "new year", got,
		JobEvents+"/"+BlobName(ws, time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)),
		JobEvents+"/"+BlobName(ws, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))

	got = List(t, s, archive.Window{From: day.Add(48 * time.Hour), To: day.Add(72 * time.Hour)})
	wantKeys(t, "a day without blobs", got)
}

func testListByContainer(t *testing.T, s Store) {
	day := Day()
	ws := Workspace("RG-ML", "WS-PROD")
	name := BlobName(ws, day)
	for _, c := range []string{JobEvents, ClusterEvents, Metrics, "backups"} {
		Put(t, s, c, name, []byte("{}\n"))
	}
	w := archive.Window{From: day, To: day.Add(time.Hour)}
	for _, c := range []struct {
		containers []string
		want       []string
	}{
		{nil, []string{ClusterEvents, JobEvents, Metrics}},
		{[]string{"AmlComputeJobEvent"}, []string{JobEvents}},
		{[]string{"insights-logs-amlcomputeclusterevent"}, []string{ClusterEvents}},
		{[]string{"INSIGHTS-LOGS-AMLCOMPUTEJOBEVENT"}, []string{JobEvents}},
		{[]string{"metrics"}, []string{Metrics}},
		{[]string{"Metrics", "amlcomputejobevent"}, []string{JobEvents, Metrics}},
		{[]string{"AmlRunStatusChangedEvent"}, nil},
		{[]string{"backups"}, nil},
	} {
		w.Containers = c.containers
		var want []string
		for _, container := range c.want {
			want = append(want, container+"/"+name)
		}
		got := List(t, s, w)
		wantKeys(t, fmt.Sprintf("containers %q", c.containers), got, want...)
		for _, b := range got {
			if b.Path.Metrics != (b.Container == Metrics) {
				t.Errorf("%s: Metrics = %v", b.Container, b.Path.Metrics)
			}
		}
	}
}

func testListByResource(t *testing.T, s Store) {
	day := Day()
	// WS-2 sorts before WS in a lexical listing of full names ('-' < '/').
	prod := Workspace("RG-ML", "WS")
	prod2 := Workspace("RG-ML", "WS-2")
	other := Workspace("RG-OTHER", "WS-X")
	for _, id := range []string{prod, prod2, other} {
		Put(t, s, JobEvents, BlobName(id, day), []byte("{}\n"))
		Put(t, s, JobEvents, BlobName(id, day.Add(time.Hour)), []byte("{}\n"))
	}
	w := archive.Window{From: day, To: day.Add(time.Hour)}
	for _, c := range []struct {
		resources []string
		want      []string
	}{
		{nil, []string{prod, prod2, other}},
		{[]string{"ws"}, []string{prod}},
		{[]string{"Ws-2", "WS-X"}, []string{prod2, other}},
		{[]string{"/subscriptions/" + strings.ToLower(Sub) + "/resourceGroups/rg-ml"}, []string{prod, prod2}},
		{[]string{"/SUBSCRIPTIONS/" + Sub + "/RESOURCEGROUPS/RG-ML/"}, []string{prod, prod2}},
		{[]string{strings.ToLower(prod)}, []string{prod}},
		{[]string{"/SUBSCRIPTIONS/" + Sub + "/RESOURCEGROUPS/RG"}, nil},
		{[]string{"RG-ML"}, nil},
	} {
		w.Resources = c.resources
		want := make([]string, len(c.want))
		for i, id := range c.want {
			want[i] = BlobName(id, day)
		}
		slices.Sort(want)
		for i := range want {
			want[i] = JobEvents + "/" + want[i]
		}
		wantKeys(t, fmt.Sprintf("resources %q", c.resources), List(t, s, w), want...)
	}
}

func testListEverything(t *testing.T, s Store) {
	day := Day()
	ws := Workspace("RG-ML", "WS-PROD")
	var want []string
	for _, h := range []time.Time{
		time.Date(2019, 2, 28, 5, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC),
		day, day.Add(13 * time.Hour),
	} {
		for _, c := range []string{JobEvents, Metrics} {
			Put(t, s, c, BlobName(ws, h), []byte("{}\n"))
		}
	}
	for _, c := range []string{JobEvents, Metrics} {
		for _, h := range []time.Time{time.Date(2019, 2, 28, 5, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC), day, day.Add(13 * time.Hour)} {
			want = append(want, c+"/"+BlobName(ws, h))
		}
	}
	got := List(t, s, archive.Window{})
	wantKeys(t, "everything", got, want...)
	for _, b := range got {
		if b.Err != nil {
			t.Errorf("%s: %v", b.Name, b.Err)
		}
	}
}

func testOtherResourceTypes(t *testing.T, s Store) {
	day := Day()
	ws := Workspace("RG-ML", "WS-PROD")
	endpoint := ws + "/ONLINEENDPOINTS/EP-SCORE"
	storage := "/SUBSCRIPTIONS/" + Sub + "/RESOURCEGROUPS/RG-DATA/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/SADATA/BLOBSERVICES/DEFAULT"
	vault := "/SUBSCRIPTIONS/" + Sub + "/RESOURCEGROUPS/RG-DATA/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-ML"
	Put(t, s, "insights-logs-amlonlineendpointconsolelog", BlobName(endpoint, day), []byte("{}\n"))
	for _, id := range []string{ws, storage, vault} {
		Put(t, s, Metrics, BlobName(id, day), []byte("{}\n"))
	}
	got := List(t, s, archive.Window{From: day, To: day.Add(time.Hour)})
	want := map[string]archive.Path{
		endpoint: {Category: "amlonlineendpointconsolelog", Provider: "MICROSOFT.MACHINELEARNINGSERVICES",
			ResourceGroup: "RG-ML", ResourceType: "WORKSPACES/ONLINEENDPOINTS", ResourceName: "EP-SCORE"},
		ws: {Category: "metrics", Metrics: true, Provider: "MICROSOFT.MACHINELEARNINGSERVICES",
			ResourceGroup: "RG-ML", ResourceType: "WORKSPACES", ResourceName: "WS-PROD"},
		storage: {Category: "metrics", Metrics: true, Provider: "MICROSOFT.STORAGE",
			ResourceGroup: "RG-DATA", ResourceType: "STORAGEACCOUNTS/BLOBSERVICES", ResourceName: "DEFAULT"},
		vault: {Category: "metrics", Metrics: true, Provider: "MICROSOFT.KEYVAULT",
			ResourceGroup: "RG-DATA", ResourceType: "VAULTS", ResourceName: "KV-ML"},
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d blobs, want %d: %q", len(got), len(want), keys(got))
	}
	for _, b := range got {
		if b.Err != nil {
			t.Errorf("%s/%s: %v", b.Container, b.Name, b.Err)
			continue
		}
		w, ok := want[b.Path.ResourceID]
		if !ok {
			t.Errorf("%s/%s: unexpected resource %q", b.Container, b.Name, b.Path.ResourceID)
			continue
		}
		if !b.Path.Hour.Equal(day) {
			t.Errorf("%s/%s: hour %v, want %v", b.Container, b.Name, b.Path.Hour, day)
		}
		w.Container, w.ResourceID, w.SubscriptionID, w.Hour = b.Container, b.Path.ResourceID, Sub, b.Path.Hour
		if b.Path != w {
			t.Errorf("%s/%s parsed as\n  %+v\nwant\n  %+v", b.Container, b.Name, b.Path, w)
		}
	}
}

// testLowerCaseResourceID checks that the resource part of a name is read case-insensitively
// (docs/lake.md, "Layout") by every kind of listing: a lower-case "resourceid=/subscriptions/..." blob is
// found by hour windows and resource filters as its upper-case neighbour is, and parsed
// upper-case.
func testLowerCaseResourceID(t *testing.T, s Store) {
	day := Day()
	hour := day.Add(13 * time.Hour)
	ws := Workspace("RG-ML", "WS-LOWER")
	neighbour := BlobName(Workspace("RG-ML", "WS-UPPER"), hour)
	lower := func(h time.Time) string {
		return fmt.Sprintf("resourceid=%s/y=%04d/m=%02d/d=%02d/h=%02d/m=00/PT1H.json",
			strings.ToLower(ws), h.Year(), int(h.Month()), h.Day(), h.Hour())
	}
	for _, name := range []string{neighbour, lower(hour), lower(hour.Add(time.Hour))} {
		Put(t, s, JobEvents, name, []byte("{}\n"))
	}
	// "resourceId=" sorts before "resourceid=" ('I' < 'i').
	for _, c := range []struct {
		what string
		w    archive.Window
		want []string
	}{
		{"the hour", archive.Window{From: hour, To: hour.Add(time.Hour)}, []string{neighbour, lower(hour)}},
		{"the day", archive.Window{From: day, To: day.Add(24 * time.Hour)}, []string{neighbour, lower(hour), lower(hour.Add(time.Hour))}},
		{"everything", archive.Window{}, []string{neighbour, lower(hour), lower(hour.Add(time.Hour))}},
		{"by name", archive.Window{From: hour, To: hour.Add(time.Hour), Resources: []string{"ws-lower"}}, []string{lower(hour)}},
		{"by ID", archive.Window{From: hour, To: hour.Add(time.Hour), Resources: []string{ws}}, []string{lower(hour)}},
		{"by lower-case group", archive.Window{From: hour, To: hour.Add(time.Hour),
			Resources: []string{strings.ToLower("/SUBSCRIPTIONS/" + Sub + "/RESOURCEGROUPS/RG-ML")}}, []string{neighbour, lower(hour)}},
	} {
		want := make([]string, len(c.want))
		for i, name := range c.want {
			want[i] = JobEvents + "/" + name
		}
		got := List(t, s, c.w)
		wantKeys(t, c.what, got, want...)
		for _, b := range got {
			if b.Err != nil {
				t.Errorf("%s: %s: %v", c.what, b.Name, b.Err)
				continue
			}
			if b.Name == neighbour {
				continue
			}
			if b.Path.ResourceID != ws || b.Path.ResourceName != "WS-LOWER" || b.Path.SubscriptionID != Sub ||
				b.Path.Category != "amlcomputejobevent" || (b.Name == lower(hour)) != b.Path.Hour.Equal(hour) {
				t.Errorf("%s: %s parsed as %+v", c.what, b.Name, b.Path)
			}
		}
	}
}

func testUnrecognised(t *testing.T, s Store) {
	day := Day()
	ws := Workspace("RG-ML", "WS-PROD")
	good := BlobName(ws, day)
	bad := []string{
		strings.Replace(good, "/m=11/", "/m=13/", 1),
		strings.Replace(good, "/m=00/", "/", 1),
		strings.Replace(good, "PT1H.json", "notes.txt", 1),
		"resourceId=/SUBSCRIPTIONS/" + Sub + "/y=2026/m=11/d=25/h=00/m=00/PT1H.json",
		"manifest.json",
	}
	Put(t, s, JobEvents, good, []byte("{}\n"))
	for _, name := range bad {
		Put(t, s, JobEvents, name, []byte("{}\n"))
	}
	want := append([]string{good}, bad...)
	slices.Sort(want)
	for i := range want {
		want[i] = JobEvents + "/" + want[i]
	}
	got := List(t, s, archive.Window{})
	wantKeys(t, "everything", got, want...)
	for _, b := range got {
		if b.Name == good {
			if b.Err != nil {
				t.Errorf("%s: %v", b.Name, b.Err)
			}
			continue
		}
		if !errors.Is(b.Err, archive.ErrUnrecognised) {
			t.Errorf("%s: Err = %v, want ErrUnrecognised", b.Name, b.Err)
		}
		if b.Size != 3 {
			t.Errorf("%s: size %d, want 3", b.Name, b.Size)
		}
	}
}

func testRangedReads(t *testing.T, s Store) {
	day := Day()
	name := BlobName(Workspace("RG-ML", "WS-PROD"), day)
	data := make([]byte, 10_000)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	data[4999] = '\n'
	Put(t, s, JobEvents, name, data)
	if got := List(t, s, archive.Window{From: day, To: day.Add(time.Hour)}); len(got) != 1 || got[0].Size != int64(len(data)) {
		t.Fatalf("listed %+v, want one blob of %d bytes", got, len(data))
	}
	size := int64(len(data))
	for _, r := range [][2]int64{
		{0, -1}, {0, size}, {0, 1}, {0, 10}, {4999, 5000}, {1234, 8765}, {5000, -1},
		{size - 1, -1}, {size - 1, size}, {size, -1}, {size, size}, {0, 0}, {777, 777},
	} {
		end := r[1]
		if end < 0 {
			end = size
		}
		if got, want := Read(t, s, JobEvents, name, r[0], r[1]), data[r[0]:end]; !bytes.Equal(got, want) {
			t.Errorf("range [%d,%d): got %d bytes, want %d", r[0], r[1], len(got), len(want))
		}
	}
}

func testGrows(t *testing.T, s Store) {
	day := Day()
	name := BlobName(Workspace("RG-ML", "WS-PROD"), day)
	first, more := "{\"a\":1}\n", "{\"b\":2}\n{\"c\":3}\n"
	Put(t, s, JobEvents, name, []byte(first))
	listed := List(t, s, archive.Window{From: day, To: day.Add(time.Hour)})
	if len(listed) != 1 || listed[0].Size != int64(len(first)) {
		t.Fatalf("listed %+v, want one blob of %d bytes", listed, len(first))
	}
	if err := s.Append(context.Background(), JobEvents, name, []byte(more)); err != nil {
		t.Fatalf("append: %v", err)
	}
	b := listed[0]
	if got := string(Read(t, s, JobEvents, name, 0, -1)); got != first+more {
		t.Errorf("to the end: %q, want %q", got, first+more)
	}
	if got := string(Read(t, s, JobEvents, name, 0, b.Size)); got != first {
		t.Errorf("the listed bytes: %q, want %q", got, first)
	}
	if got := string(Read(t, s, JobEvents, name, b.Size, -1)); got != more {
		t.Errorf("past the listed bytes: %q, want %q", got, more)
	}
	again := List(t, s, archive.Window{})
	if len(again) != 1 || again[0].Size != int64(len(first+more)) || again[0].ETag == b.ETag {
		t.Errorf("relisted %+v, want %d bytes and an ETag other than %s", again, len(first+more), b.ETag)
	}
}

func testDeleted(t *testing.T, s Store) {
	day := Day()
	ctx := context.Background()
	ws := Workspace("RG-ML", "WS-PROD")
	name := BlobName(ws, day)
	Put(t, s, JobEvents, name, []byte("{}\n"))
	if got := List(t, s, archive.Window{}); len(got) != 1 {
		t.Fatalf("listed %d blobs, want 1", len(got))
	}
	if err := s.Delete(ctx, JobEvents, name); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if rc, err := s.Open(ctx, JobEvents, name, 0, -1); !errors.Is(err, archive.ErrNotFound) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("open after delete: %v, want ErrNotFound", err)
	}
	if rc, err := s.Open(ctx, JobEvents, BlobName(ws, day.Add(time.Hour)), 0, 3); !errors.Is(err, archive.ErrNotFound) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("open a blob that never was: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, JobEvents, name); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("delete twice: %v, want ErrNotFound", err)
	}
	if got := List(t, s, archive.Window{From: day, To: day.Add(time.Hour)}); len(got) != 0 {
		t.Errorf("listed %q after delete", keys(got))
	}
}

func testEmpty(t *testing.T, s Store) {
	day := Day()
	name := BlobName(Workspace("RG-ML", "WS-PROD"), day)
	Put(t, s, JobEvents, name, nil)
	got := List(t, s, archive.Window{From: day, To: day.Add(time.Hour)})
	if len(got) != 1 || got[0].Size != 0 || got[0].Err != nil {
		t.Fatalf("listed %+v, want one empty blob", got)
	}
	if data := Read(t, s, JobEvents, name, 0, -1); len(data) != 0 {
		t.Errorf("read %d bytes of an empty blob", len(data))
	}
	if data := Read(t, s, JobEvents, name, 0, 0); len(data) != 0 {
		t.Errorf("read %d bytes of an empty range", len(data))
	}
}

func testListStops(t *testing.T, s Store) {
	day := Day()
	ws := Workspace("RG-ML", "WS-PROD")
	for h := range 3 {
		Put(t, s, JobEvents, BlobName(ws, day.Add(time.Duration(h)*time.Hour)), []byte("{}\n"))
	}
	stop := errors.New("enough")
	calls := 0
	err := s.List(context.Background(), archive.Window{}, func(archive.Blob) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List = %v after %d calls, want the callback's error after one call", err, calls)
	}
}

// largeSize is big enough that holding a blob whole would show, small enough to stay quick.
const largeSize = 64 << 20

// maxChunk bounds one Read of a streamed blob: a store that buffers the whole blob reads with
// a buffer as large as the blob.
const maxChunk = 16 << 20

func testLarge(t *testing.T, s Store) {
	day := Day()
	name := BlobName(Workspace("RG-ML", "WS-PROD"), day)
	gen := &countingReader{r: io.LimitReader(rand.NewChaCha8([32]byte{1, 2, 3}), largeSize)}
	sum := sha256.New()
	err := s.Put(context.Background(), JobEvents, name, archive.AppendBlob, io.TeeReader(gen, sum))
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	if gen.n != largeSize {
		t.Fatalf("put read %d bytes of %d", gen.n, largeSize)
	}
	if gen.max > maxChunk {
		t.Errorf("put read %d bytes at once, want a stream of chunks of at most %d", gen.max, maxChunk)
	}
	got := List(t, s, archive.Window{From: day, To: day.Add(time.Hour)})
	if len(got) != 1 || got[0].Size != largeSize {
		t.Fatalf("listed %+v, want one blob of %d bytes", got, largeSize)
	}

	rc, err := s.Open(context.Background(), JobEvents, name, 0, -1)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer rc.Close()
	back := &countingReader{r: rc}
	readSum := sha256.New()
	if _, err := io.CopyBuffer(readSum, back, make([]byte, 64<<10)); err != nil {
		t.Fatalf("read: %v", err)
	}
	if back.n != largeSize {
		t.Errorf("read back %d bytes of %d", back.n, largeSize)
	}
	if !bytes.Equal(readSum.Sum(nil), sum.Sum(nil)) {
		t.Errorf("read back other bytes than were put")
	}

	// A range deep inside the blob.
	start := int64(largeSize - 5<<20 + 3)
	rc2, err := s.Open(context.Background(), JobEvents, name, start, start+100)
	if err != nil {
		t.Fatalf("open range: %v", err)
	}
	defer rc2.Close()
	part, err := io.ReadAll(rc2)
	if err != nil {
		t.Fatalf("read range: %v", err)
	}
	regen := rand.NewChaCha8([32]byte{1, 2, 3})
	if _, err := io.CopyN(io.Discard, regen, start); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 100)
	if _, err := io.ReadFull(regen, want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(part, want) {
		t.Errorf("range [%d,%d) differs", start, start+100)
	}
}

// countingReader counts the bytes read through it and the largest single read.
type countingReader struct {
	r   io.Reader
	n   int64
	max int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.max = max(c.max, n)
	return n, err
}

// FuncSource is a Source made of functions, for the faults a real store cannot be made to
// produce on demand.
type FuncSource struct {
	ListFn func(ctx context.Context, w archive.Window, fn func(archive.Blob) error) error
	OpenFn func(ctx context.Context, container, name string, offset, end int64) (io.ReadCloser, error)
}

var _ archive.Source = FuncSource{}

// List calls ListFn.
func (f FuncSource) List(ctx context.Context, w archive.Window, fn func(archive.Blob) error) error {
	return f.ListFn(ctx, w, fn)
}

// Open calls OpenFn.
func (f FuncSource) Open(ctx context.Context, container, name string, offset, end int64) (io.ReadCloser, error) {
	return f.OpenFn(ctx, container, name, offset, end)
}
