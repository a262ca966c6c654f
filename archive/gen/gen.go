package gen

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ErrOptions is wrapped by the error for Options out of range.
var ErrOptions = errors.New("invalid generator options")

// Options shape an archive. The zero value of a scale knob means its default.
type Options struct {
	// Seed selects the archive: the same Options give the same bytes.
	Seed int64
	// Start is the first hour, truncated to the hour in UTC; zero means 2026-11-24T00:00Z.
	Start time.Time
	// Hours is how many hours the archive covers, one blob per resource, container and hour
	// in which the resource logged something; default 24.
	Hours int
	// Workspaces is the number of Azure ML workspaces; default 2. With Quirks, the metrics
	// container also holds an online endpoint of the first workspace and a storage account.
	Workspaces int
	// ClustersPerWorkspace is the number of AmlCompute clusters per workspace; default 2.
	ClustersPerWorkspace int
	// JobsPerHour is the mean number of jobs submitted per workspace in the busiest hour of
	// the day; at night about a third as many; default 6.
	JobsPerHour int
	// ClusterEventsPerHour is the number of status events per cluster and hour; default 4.
	ClusterEventsPerHour int
	// MetricsPerHour is the number of records per metric, resource and hour (at most 60, one
	// a minute, as the PT1M export writes); default 60.
	MetricsPerHour int
	// TargetBytes, when > 0, overrides the three rates above so that the archive holds this
	// many bytes (within a few percent) in the mix of lines of a busy account: about 45 %
	// metric records, 35 % cluster and node events, 20 % job events. Where the rates alone
	// would be implausible, the account grows as a busier one would: more clusters per
	// workspace than ClustersPerWorkspace (at most 360 status events per cluster and hour),
	// all workspace metrics, and then online endpoints whose metrics share the metrics
	// container.
	TargetBytes int64
	// Quirks adds every irregularity that the package comment lists; without it the archive
	// is clean JSON Lines.
	Quirks bool
	// ExtraCategories adds the AmlComputeCpuGpuUtilization and AmlRunStatusChangedEvent
	// categories.
	ExtraCategories bool
	// CurrentWorkspaces is how many of the last workspaces belong to an account whose
	// diagnostic settings no longer offer AmlComputeClusterNodeEvent (Microsoft deprecated it
	// in February 2022): they log no node events.
	CurrentWorkspaces int
	// IdleWorkspaces is how many of the last workspaces have run nothing for over a week: they
	// log nothing, and export metrics every two hours only, as Azure Monitor does for a
	// resource idle that long.
	IdleWorkspaces int
}

// Blob is one archive blob.
type Blob struct {
	Container string
	Name      string // "resourceId=/SUBSCRIPTIONS/.../y=2026/m=11/d=25/h=13/m=00/PT1H.json"
	// Modified is a few minutes after the end of the path hour, as for a blob that is sealed.
	Modified time.Time
	Data     []byte
}

// Version changes whenever the same Options give different bytes, so that an archive kept from
// an earlier generator can be told apart.
const Version = 3

// Stats sum up a generated archive.
type Stats struct {
	Blobs      int              // written, empty ones included
	EmptyBlobs int              // of size 0
	Bytes      int64            // in all blobs
	Records    int64            // complete records, wrapped ones included
	BadLines   int64            // lines a reader must reject
	Containers map[string]int64 // bytes per container
	// ContainerRecords are the complete records per container, wrapped ones included.
	ContainerRecords map[string]int64
}

func (s *Stats) add(b Blob, c counts) {
	if s.Containers == nil {
		s.Containers = make(map[string]int64)
		s.ContainerRecords = make(map[string]int64)
	}
	s.Blobs++
	if len(b.Data) == 0 {
		s.EmptyBlobs++
	}
	s.Bytes += int64(len(b.Data))
	s.Containers[b.Container] += int64(len(b.Data))
	s.ContainerRecords[b.Container] += c.records
	s.Records += c.records
	s.BadLines += c.bad
}

type counts struct{ records, bad int64 }

// generator holds one archive's world; every record is a pure function of it and the seed.
type generator struct {
	o          Options
	start      time.Time
	workspaces []*workspace
	resources  []*resource // workspaces first; an index keys a resource's random streams
	byName     []*resource // the same, in the order of their blob names

	jobRate     float64
	clusters    int // per workspace
	slots       int
	points      int
	metricNames int
	endpoints   int // online endpoints with metrics, in all

	// recordSize is the mean rendered size of a record per container so far, to size a blob's
	// buffer once.
	recordSize [numContainers]int
}

const (
	coreMetrics = 9
	maxPoints   = 60
	maxSlots    = 1800
)

func newGenerator(o Options) (*generator, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Hours, 24)
	def(&o.Workspaces, 2)
	def(&o.ClustersPerWorkspace, 2)
	def(&o.JobsPerHour, 6)
	def(&o.ClusterEventsPerHour, 4)
	def(&o.MetricsPerHour, maxPoints)
	switch {
	case o.Hours < 0, o.Workspaces < 0, o.ClustersPerWorkspace < 0, o.JobsPerHour < 0,
		o.ClusterEventsPerHour < 0, o.MetricsPerHour < 0, o.TargetBytes < 0,
		o.CurrentWorkspaces < 0, o.IdleWorkspaces < 0:
		return nil, fmt.Errorf("%w: a count or size is negative", ErrOptions)
	case o.CurrentWorkspaces > o.Workspaces, o.IdleWorkspaces > o.Workspaces:
		return nil, fmt.Errorf("%w: %d current and %d idle workspaces of %d", ErrOptions,
			o.CurrentWorkspaces, o.IdleWorkspaces, o.Workspaces)
	case o.MetricsPerHour > maxPoints:
		return nil, fmt.Errorf("%w: MetricsPerHour %d: at most %d, one a minute", ErrOptions, o.MetricsPerHour, maxPoints)
	case o.ClusterEventsPerHour > maxSlots:
		return nil, fmt.Errorf("%w: ClusterEventsPerHour %d: at most %d", ErrOptions, o.ClusterEventsPerHour, maxSlots)
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	}
	g := &generator{
		o:           o,
		start:       o.Start.UTC().Truncate(time.Hour),
		jobRate:     float64(o.JobsPerHour),
		clusters:    o.ClustersPerWorkspace,
		slots:       o.ClusterEventsPerHour,
		points:      o.MetricsPerHour,
		metricNames: coreMetrics,
	}
	g.buildWorld()
	if o.TargetBytes > 0 {
		g.calibrate()
	}
	g.byName = slices.Clone(g.resources)
	// The order of the blob names of one hour, which continue the ID with "/y=".
	slices.SortFunc(g.byName, func(a, b *resource) int { return strings.Compare(a.id+"/y=", b.id+"/y=") })
	return g, nil
}

// Groups of containers in the mix of TargetBytes.
const (
	groupMetrics = iota
	groupCluster // status and node events, and utilisation samples, which follow the nodes
	groupJobs    // job events, and run status changes, which follow the jobs
	groupOther
	numGroups
)

func groupOf(ci int) int {
	switch ci {
	case ciMetrics:
		return groupMetrics
	case ciCluster, ciNode, ciUtilization:
		return groupCluster
	case ciJob, ciRunStatus:
		return groupJobs
	}
	return groupOther
}

// mixShares are the shares of lines per group that TargetBytes aims at: the mix of a busy
// account.
var mixShares = [numGroups]float64{groupMetrics: 0.45, groupCluster: 0.35, groupJobs: 0.20}

// busySlots is the most status events per cluster and hour that calibrate lets a cluster log;
// beyond it, a busier account has more clusters.
const busySlots = 360

// calibrate shapes the account so that the archive holds o.TargetBytes in the mix of lines of
// mixShares. It measures the lines and bytes per workspace and hour of each group (probe),
// derives how many lines of each the target takes at the measured record sizes, and scales the
// rates by wanted over measured lines; a few passes settle it, as record sizes and the
// counting metrics' empty minutes shift a little with the rates, until the rates change by less
// than 1 %.
func (g *generator) calibrate() {
	perHour := float64(g.o.TargetBytes) / float64(g.o.Hours*g.o.Workspaces)
	g.jobRate, g.slots, g.points, g.metricNames = 10, 6, 10, coreMetrics
	for pass := 0; pass < 5; pass++ {
		lines, size := g.probe()
		var perLine float64
		for k, share := range mixShares {
			if lines[k] > 0 {
				perLine += share * size[k] / lines[k]
			}
		}
		total := max(0, perHour-size[groupOther]) / max(1, perLine)
		scale := func(k int) float64 { return mixShares[k] * total / max(1, lines[k]) }
		settled := true
		for k := range mixShares[:groupOther] {
			settled = settled && math.Abs(scale(k)-1) < 0.01
		}
		if settled {
			return
		}
		g.jobRate *= scale(groupJobs)
		g.reshape(float64(g.clusters*g.slots)*scale(groupCluster), g.series()*scale(groupMetrics))
	}
}

// series is the number of metric records per workspace and hour before the counting metrics
// drop their empty minutes, the endpoints' included.
func (g *generator) series() float64 {
	return float64(g.points*g.metricNames) + float64(g.endpoints*maxPoints*len(servingMetrics))/float64(len(g.workspaces))
}

// reshape sets clusters and status events for statuses status events per workspace and hour,
// and metric points, names and endpoints for series metric records per workspace and hour. It
// rebuilds the world when its clusters or endpoints change.
func (g *generator) reshape(statuses, series float64) {
	clusters := max(g.o.ClustersPerWorkspace, int(math.Ceil(statuses/busySlots)))
	g.slots = min(maxSlots, max(1, int(math.Round(statuses/float64(clusters)))))
	all := len(metricNames) * maxPoints
	endpoints := 0
	switch {
	case series <= coreMetrics*maxPoints:
		g.points, g.metricNames = min(maxPoints, max(1, int(math.Round(series/coreMetrics)))), coreMetrics
	case series <= float64(all):
		g.points, g.metricNames = maxPoints, int(math.Round(series/maxPoints))
	default:
		g.points, g.metricNames = maxPoints, len(metricNames)
		endpoints = int(math.Round((series - float64(all)) * float64(g.o.Workspaces) / float64(maxPoints*len(servingMetrics))))
	}
	if clusters != g.clusters || endpoints != g.endpoints {
		g.clusters, g.endpoints = clusters, endpoints
		g.buildWorld()
	}
}

// probe returns the mean lines and bytes per workspace and hour of each group. It renders a
// dozen hours spread over the archive, each of another workspace (load follows the time of day,
// and the workspaces' clusters differ), the first busy endpoint's metrics for those hours,
// weighted by the endpoints per workspace, and the first workspace's online endpoint and the
// registry, shared by all workspaces. The job events of a dozen hours vary more than the
// target's tolerance, as the number of jobs is drawn per hour; so they are scaled by the jobs of
// all hours over those of the probed ones, which costs two random draws an hour.
func (g *generator) probe() (lines, size [numGroups]float64) {
	var buf []byte
	measure := func(ci int, res *resource, h time.Time, weight float64) {
		for _, rec := range g.records(ci, res, h) {
			buf = appendRecord(buf[:0], &rec, res.id)
			lines[groupOf(ci)] += weight
			size[groupOf(ci)] += weight * float64(len(buf)+1)
		}
	}
	var serving *resource
	var shared []*resource // of all workspaces
	for _, res := range g.resources {
		switch {
		case res.kind == kindServing && serving == nil:
			serving = res
		case res.kind == kindEndpoint, res.kind == kindRegistry:
			shared = append(shared, res)
		}
	}
	jobCount := func(w *workspace, h time.Time) float64 {
		return float64(g.jobCount(g.rng("jobs", int64(w.idx), hourKey(h)), h))
	}
	n := len(g.workspaces)
	probes := min(g.o.Hours*n, 12)
	var probed float64
	for i := 0; i < probes; i++ {
		h := g.start.Add(time.Duration(i*g.o.Hours/probes) * time.Hour)
		res := g.resources[i%n]
		for ci := 0; ci < numContainers; ci++ {
			measure(ci, res, h, 1)
		}
		if serving != nil {
			measure(ciMetrics, serving, h, float64(g.endpoints)/float64(n))
		}
		for _, res := range shared {
			for ci := 0; ci < numContainers; ci++ {
				measure(ci, res, h, 1/float64(n))
			}
		}
		// A job logs its submission and start in its hour, its end mostly in the next.
		probed += 0.75*jobCount(res.ws, h) + 0.25*jobCount(res.ws, h.Add(-time.Hour))
	}
	var all float64
	for i := 0; i < g.o.Hours; i++ {
		for _, w := range g.workspaces {
			all += jobCount(w, g.start.Add(time.Duration(i)*time.Hour))
		}
	}
	for k := range lines {
		lines[k] /= float64(probes)
		size[k] /= float64(probes)
	}
	if probed > 0 && all > 0 {
		f := all / float64(g.o.Hours*n) / (probed / float64(probes))
		lines[groupJobs] *= f
		size[groupJobs] *= f
	}
	return lines, size
}

// records are the records of one container and resource whose time is in hour h.
func (g *generator) records(ci int, res *resource, h time.Time) []record {
	switch {
	case ci == ciMetrics:
	case res.kind == kindEndpoint:
		if ci != ciTraffic && ci != ciConsole && ci != ciEvent {
			return nil
		}
	case res.kind == kindRegistry:
		if ci != ciRegistryRead && ci != ciRegistryWrite {
			return nil
		}
	case res.kind != kindWorkspace, res.ws.idle, ci == ciNode && !res.ws.nodeEvents,
		ci == ciTraffic, ci == ciConsole, ci == ciEvent, ci == ciRegistryRead, ci == ciRegistryWrite:
		return nil
	}
	if (ci == ciUtilization || ci == ciRunStatus) && !g.o.ExtraCategories {
		return nil
	}
	var recs []record
	switch ci {
	case ciCluster:
		recs = g.clusterRecords(res.ws, h)
	case ciNode:
		recs = g.nodeRecords(res.ws, h)
	case ciJob:
		recs = g.jobRecords(res.ws, h)
	case ciAudit:
		recs = g.auditRecords(res.ws, h)
	case ciMetrics:
		recs = g.metricRecords(res, h)
	case ciUtilization:
		recs = g.utilizationRecords(res.ws, h)
	case ciRunStatus:
		recs = g.runStatusRecords(res.ws, h)
	case ciTraffic:
		recs = g.trafficRecords(res, h)
	case ciConsole:
		recs = g.consoleRecords(res, h)
	case ciEvent:
		recs = g.endpointEventRecords(res, h)
	case ciRegistryRead, ciRegistryWrite:
		recs = g.registryRecords(ci, res, h)
	default:
		recs = g.workspaceEventRecords(ci, res.ws, h)
	}
	slices.SortStableFunc(recs, func(a, b record) int { return a.t.Compare(b.t) })
	return recs
}

// Generate produces the archive blob by blob, deterministically from o.Seed; emit is called
// once per blob in a fixed order: hour by hour, and within an hour by container and blob
// name. A blob whose resource logged nothing that hour is not produced, as in Azure. An error
// from emit stops generation and is returned.
func Generate(o Options, emit func(Blob) error) error {
	g, err := newGenerator(o)
	if err != nil {
		return err
	}
	return g.run(func(b Blob, _ counts) error { return emit(b) })
}

func (g *generator) run(emit func(Blob, counts) error) error {
	// The previous hour's records of each container and resource: their late ones belong
	// in this hour's blob.
	prev := make(map[[2]int][]record)
	for i := 0; i < g.o.Hours; i++ {
		h := g.start.Add(time.Duration(i) * time.Hour)
		for _, ci := range containerOrder {
			for _, res := range g.byName {
				key := [2]int{ci, res.idx}
				cur := g.records(ci, res, h)
				b, c, ok := g.blob(ci, res, h, cur, prev[key])
				prev[key] = cur
				if !ok {
					continue
				}
				if err := emit(b, c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// blobName is the name of a blob inside its container (docs/lake.md, "Layout").
func blobName(resourceID string, h time.Time) string {
	return fmt.Sprintf("resourceId=%s/y=%04d/m=%02d/d=%02d/h=%02d/m=00/PT1H.json",
		resourceID, h.Year(), int(h.Month()), h.Day(), h.Hour())
}

// blob assembles the blob of hour h: the late records of the previous hour, then this hour's
// own. ok is false when there is no blob.
func (g *generator) blob(ci int, res *resource, h time.Time, cur, prev []record) (Blob, counts, bool) {
	p := g.plan(ci, res, h)
	if p.missing {
		return Blob{}, counts{}, false
	}
	var recs []record
	for _, rec := range prev {
		if rec.late {
			recs = append(recs, rec)
		}
	}
	for _, rec := range cur {
		if !rec.late {
			recs = append(recs, rec)
		}
	}
	if p.replay {
		recs = append(g.replayRecords(res.ws, h), recs...)
	}
	if len(recs) == 0 && !p.empty {
		return Blob{}, counts{}, false
	}
	r := g.rng("blob", int64(ci), int64(res.idx), hourKey(h))
	b := Blob{
		Container: containerNames[ci],
		Name:      blobName(res.id, h),
		Modified:  h.Add(time.Hour + time.Duration(120+r.IntN(420))*time.Second),
	}
	if p.empty {
		return b, counts{}, true
	}
	var c counts
	b.Data, c = g.render(p, recs, res, ci, h)
	if len(recs) > 0 {
		g.recordSize[ci] = len(b.Data) / len(recs)
	}
	return b, c, true
}

// replayRecords are job events that arrive a day or two late: a job submitted 26 to 45 hours
// before hour h.
func (g *generator) replayRecords(w *workspace, h time.Time) []record {
	r := g.rng("replay", int64(w.idx), hourKey(h))
	then := h.Add(-time.Duration(26+r.IntN(20)) * time.Hour)
	j := g.newJob(r, w, then, -hourKey(h))
	var recs []record
	for i, e := range j.events() {
		rec := g.jobRecord(j, e.typ, e.t, g.rng("replay-event", int64(w.idx), hourKey(h), int64(i)))
		rec.late = false
		recs = append(recs, rec)
	}
	return recs
}

// plan says which blob-level quirks a blob gets. They follow the hour of day, so that every
// day of an archive has each of them.
type plan struct {
	missing, empty, wrapper, bom, crlf, noEOL, replay bool
	bad                                               int // kind of bad line to add; -1: none
}

func (g *generator) plan(ci int, res *resource, h time.Time) plan {
	p := plan{bad: -1}
	if !g.o.Quirks {
		return p
	}
	// Rotations run over the workspaces that log: not over idle ones, and for node events not
	// over those of a current account.
	hod, d, ri, c, w, wn := int64(h.Hour()), dayKey(h), int64(res.idx), int64(ci), int64(g.active()), int64(g.withNodes())
	p.missing = (ci == ciCluster && hod == 14 && ri == w-1) ||
		(ci == ciMetrics && hod == 4 && ri == 0) ||
		(ci == ciJob && hod == (5+d)%24 && ri == 1%w)
	p.empty = (ci == ciNode && hod == 9 && ri == wn-1) || (ci == ciAudit && hod == 17 && ri == 0)
	p.wrapper = (ci == ciJob && hod == 3 && ri == d%w) ||
		(ci == ciMetrics && hod == 15 && ri == (d+1)%w) ||
		(ci == ciCluster && hod == 10 && ri == (d+2)%w)
	p.bom = (hod+ri+c+d)%10 == 4
	p.crlf = (hod*3+ri+c+d)%8 == 1
	p.noEOL = (hod+2*ri+c)%6 == 2
	if (hod*7+ri*3+c+d)%9 == 0 {
		p.bad = int((hod + ri + c + d) % numBadKinds)
	}
	p.replay = ci == ciJob && hod == 2 && ri == d%w && res.kind == kindWorkspace
	return p
}

// render writes the records as the blob's bytes, with the blob's quirks.
func (g *generator) render(p plan, recs []record, res *resource, ci int, h time.Time) ([]byte, counts) {
	r := g.rng("render", int64(ci), int64(res.idx), hourKey(h))
	eol := "\n"
	if p.crlf {
		eol = "\r\n"
	}
	b := make([]byte, 0, len(recs)*(g.recordSize[ci]+g.recordSize[ci]/8+64))
	if p.bom {
		b = append(b, 0xEF, 0xBB, 0xBF)
	}
	c := counts{records: int64(len(recs))}
	if p.wrapper {
		// The format before November 2018: one JSON object per blob.
		b = append(b, `{"records": [`...)
		b = append(b, eol...)
		for i := range recs {
			b = appendRecord(b, &recs[i], res.id)
			if i < len(recs)-1 {
				b = append(b, ',')
			}
			b = append(b, eol...)
		}
		b = append(b, "]}"...)
		return append(b, eol...), c
	}
	badAt := -1
	if p.bad >= 0 {
		badAt = r.IntN(len(recs) + 1)
		c.bad = 1
	}
	writeBad := func() {
		b = append(b, badLine(p.bad, r, h, res.id, categoryNames[ci])...)
		b = append(b, eol...)
	}
	for i := range recs {
		if i == badAt {
			writeBad()
		}
		if g.o.Quirks && r.IntN(100) < 2 {
			b = append(b, []string{"", "   ", "\t"}[r.IntN(3)]...)
			b = append(b, eol...)
		}
		pad := g.o.Quirks && r.IntN(100) < 3
		if pad {
			b = append(b, "  "...)
		}
		b = appendRecord(b, &recs[i], res.id)
		if pad {
			b = append(b, " \t"...)
		}
		// Never drop the newline after a bad line: whether such a line is incomplete or
		// rejected depends on whether the blob is sealed.
		if i < len(recs)-1 || !p.noEOL || badAt == len(recs) {
			b = append(b, eol...)
		}
	}
	if badAt == len(recs) {
		writeBad()
	}
	return b, c
}

// WriteDir writes the archive under dir in the archive layout (<dir>/<container>/<name>),
// setting each file's modification time to Blob.Modified.
func WriteDir(o Options, dir string) (Stats, error) {
	g, err := newGenerator(o)
	if err != nil {
		return Stats{}, err
	}
	var st Stats
	err = g.run(func(b Blob, c counts) error {
		path := filepath.Join(dir, b.Container, filepath.FromSlash(b.Name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create folder for %s/%s: %w", b.Container, b.Name, err)
		}
		if err := os.WriteFile(path, b.Data, 0o644); err != nil {
			return fmt.Errorf("write %s/%s: %w", b.Container, b.Name, err)
		}
		if err := os.Chtimes(path, b.Modified, b.Modified); err != nil {
			return fmt.Errorf("set mtime of %s/%s: %w", b.Container, b.Name, err)
		}
		st.add(b, c)
		return nil
	})
	return st, err
}
