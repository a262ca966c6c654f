package gen

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// blobPath is the layout of docs/lake.md, parsed here on its own terms.
var blobPath = regexp.MustCompile(`^resourceId=(/SUBSCRIPTIONS/[0-9A-F-]{36}/RESOURCEGROUPS/[A-Z0-9-]+/PROVIDERS/[A-Z.]+/[A-Z]+/[A-Z0-9-]+(?:/[A-Z]+/[A-Z0-9-]+)?)/y=(\d{4})/m=(\d{2})/d=(\d{2})/h=(\d{2})/m=00/PT1H\.json$`)

var containerPattern = regexp.MustCompile(`^insights-(logs-[a-z]+|metrics-pt1m)$`)

func quirkOptions() Options {
	return Options{
		Seed: 24, Start: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), Hours: 48,
		Workspaces: 3, ClustersPerWorkspace: 2, JobsPerHour: 2, ClusterEventsPerHour: 2,
		MetricsPerHour: 2, Quirks: true, ExtraCategories: true,
	}
}

func cleanOptions() Options {
	o := quirkOptions()
	o.Quirks = false
	o.Hours = 12
	return o
}

func collect(t testing.TB, o Options) []Blob {
	t.Helper()
	var blobs []Blob
	if err := Generate(o, func(b Blob) error { blobs = append(blobs, b); return nil }); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(blobs) == 0 {
		t.Fatal("Generate produced no blobs")
	}
	return blobs
}

// blobHour parses the hour of a blob name, failing the test on a name off the layout.
func blobHour(t *testing.T, b Blob) (string, time.Time) {
	t.Helper()
	m := blobPath.FindStringSubmatch(b.Name)
	if m == nil {
		t.Fatalf("%s/%s: not the archive layout", b.Container, b.Name)
	}
	h, err := time.Parse("2006-01-02T15", m[2]+"-"+m[3]+"-"+m[4]+"T"+m[5])
	if err != nil {
		t.Fatalf("%s: %v", b.Name, err)
	}
	return m[1], h
}

var timeLayouts = map[string]*regexp.Regexp{
	layout7:     regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$`),
	layoutMilli: regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`),
	layoutSpace: regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$`),
	layoutUS:    regexp.MustCompile(`^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M \+00:00$`),
}

// parseTime reads the timestamps the archive may hold and names the layout found.
func parseTime(s string) (time.Time, string, bool) {
	for layout, re := range timeLayouts {
		if re.MatchString(s) {
			t, err := time.Parse(layout, s)
			return t, layout, err == nil
		}
	}
	return time.Time{}, "", false
}

// line is one line of a blob as a reader sees it.
type line struct {
	raw    string
	rec    map[string]any // nil unless an object with a parseable time
	last   bool
	hasEOL bool
}

// split cuts a blob into lines the way docs/lake.md ("Records") describes, unwrapping the old format.
func split(t *testing.T, b Blob) (lines []line, wrapped bool) {
	t.Helper()
	data := bytes.TrimPrefix(b.Data, []byte("\xEF\xBB\xBF"))
	if bytes.HasPrefix(data, []byte(`{"records"`)) {
		var doc struct{ Records []json.RawMessage }
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: wrapped blob does not parse: %v", b.Name, err)
		}
		for i, r := range doc.Records {
			lines = append(lines, parseLine(string(r), i == len(doc.Records)-1, true))
		}
		return lines, true
	}
	text := string(data)
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			lines = append(lines, parseLine(text, true, false))
			break
		}
		lines = append(lines, parseLine(strings.TrimSuffix(text[:i], "\r"), i == len(text)-1, true))
		text = text[i+1:]
	}
	return lines, false
}

func parseLine(raw string, last, eol bool) line {
	l := line{raw: raw, last: last, hasEOL: eol}
	var rec map[string]any
	if json.Unmarshal([]byte(raw), &rec) != nil {
		return l
	}
	if s, ok := rec["time"].(string); ok {
		if _, _, ok := parseTime(s); ok {
			l.rec = rec
		}
	}
	return l
}

// field looks a per-category field up as a reader must: properties first, then top level,
// names case-insensitively.
func field(rec map[string]any, name string) (any, bool) {
	for _, m := range []any{rec["properties"], rec} {
		obj, _ := m.(map[string]any)
		for k, v := range obj {
			if strings.EqualFold(k, name) {
				return v, true
			}
		}
	}
	return nil, false
}

func resourceIDOf(rec map[string]any) string {
	if s, ok := rec["resourceId"].(string); ok {
		return s
	}
	s, _ := rec["resourceid"].(string)
	return s
}

func TestDeterministic(t *testing.T) {
	o := quirkOptions()
	o.Hours = 8
	a, b := collect(t, o), collect(t, o)
	if len(a) != len(b) {
		t.Fatalf("same seed: %d blobs, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Container != b[i].Container || a[i].Name != b[i].Name || !a[i].Modified.Equal(b[i].Modified) || !bytes.Equal(a[i].Data, b[i].Data) {
			t.Fatalf("same seed, blob %d differs: %s/%s", i, a[i].Container, a[i].Name)
		}
	}
	o.Seed++
	c := collect(t, o)
	same := 0
	for i := range c {
		if i < len(a) && c[i].Name == a[i].Name && bytes.Equal(c[i].Data, a[i].Data) {
			same++
		}
	}
	if same == len(c) {
		t.Fatal("a different seed gave the same archive")
	}
}

func TestBlobNamesFollowLayout(t *testing.T) {
	for name, o := range map[string]Options{"quirks": quirkOptions(), "clean": cleanOptions()} {
		t.Run(name, func(t *testing.T) {
			seen := map[string]bool{}
			end := o.Start.Add(time.Duration(o.Hours) * time.Hour)
			var last Blob
			var lastHour time.Time
			for _, b := range collect(t, o) {
				_, h := blobHour(t, b)
				if h.Before(lastHour) || h.Equal(lastHour) && (b.Container < last.Container || b.Container == last.Container && b.Name <= last.Name) {
					t.Errorf("%s/%s emitted after %s/%s", b.Container, b.Name, last.Container, last.Name)
				}
				last, lastHour = b, h
				if !containerPattern.MatchString(b.Container) {
					t.Errorf("container %q", b.Container)
				}
				if h.Before(o.Start) || !h.Before(end) {
					t.Errorf("%s: hour %v outside [%v, %v)", b.Name, h, o.Start, end)
				}
				if sealed := h.Add(time.Hour); b.Modified.Before(sealed) || b.Modified.After(sealed.Add(10*time.Minute)) {
					t.Errorf("%s: modified %v, want a few minutes after %v", b.Name, b.Modified, sealed)
				}
				key := b.Container + "/" + b.Name
				if seen[key] {
					t.Errorf("%s emitted twice", key)
				}
				seen[key] = true
			}
			for _, c := range containerNames {
				found := false
				for k := range seen {
					found = found || strings.HasPrefix(k, c+"/")
				}
				if !found {
					t.Errorf("no blob in %s", c)
				}
			}
		})
	}
}

// TestQuirks scans a two-day archive for every quirk the package comment promises.
func TestQuirks(t *testing.T) {
	o := quirkOptions()
	found := map[string]int{}
	hours := map[string]map[time.Time]bool{} // container + resource → hours with a blob
	failures := map[string]int{}             // job ID → JobFailed events
	clusterWorkspaces := map[string]map[string]bool{}
	errorChars := map[string]bool{}
	for _, b := range collect(t, o) {
		res, h := blobHour(t, b)
		key := b.Container + " " + res
		if hours[key] == nil {
			hours[key] = map[time.Time]bool{}
		}
		hours[key][h] = true
		if strings.Contains(res, "/ONLINEENDPOINTS/") {
			found["online endpoint"]++
		}
		if !strings.Contains(res, "MICROSOFT.MACHINELEARNINGSERVICES") {
			found["foreign provider"]++
		}
		if len(b.Data) == 0 {
			found["empty blob"]++
			continue
		}
		if bytes.HasPrefix(b.Data, []byte("\xEF\xBB\xBF")) {
			found["BOM"]++
		}
		if bytes.Contains(b.Data, []byte("\r\n")) {
			found["CRLF"]++
		}
		lines, wrapped := split(t, b)
		if wrapped {
			found["records wrapper"]++
		}
		for _, l := range lines {
			if l.last && !l.hasEOL {
				if l.rec == nil {
					t.Errorf("%s ends with an unparseable line without newline: %q", b.Name, l.raw)
				}
				found["final line without newline"]++
			}
			if strings.TrimSpace(l.raw) == "" {
				found["blank line"]++
				continue
			}
			if strings.TrimSpace(l.raw) != l.raw && !wrapped {
				found["padded line"]++
			}
			if l.rec == nil {
				classifyBad(l.raw, found)
				continue
			}
			rec := l.rec
			rt, layout, _ := parseTime(rec["time"].(string))
			found["time "+layout]++
			if rt.Before(h) {
				found["late record"]++
				if h.Sub(rt) > 24*time.Hour {
					found["record over a day late"]++
				}
			}
			rid := resourceIDOf(rec)
			if _, ok := rec["resourceid"]; ok {
				found["resourceid key"]++
			}
			if rid == strings.ToLower(rid) {
				found["lower-case resource ID"]++
			}
			if strings.HasSuffix(rid, "/") {
				found["trailing slash"]++
			}
			if _, ok := rec["Tenant"]; ok {
				found["non-standard top-level field"]++
			}
			if name, ok := rec["metricName"].(string); ok {
				if s, ok := rec["total"].(string); ok && s != "" {
					found["metric number as string"]++
				}
				found["metric "+strings.ToLower(name)]++
				if _, ok := rec["dimensions"]; ok {
					found["metric with an extra top-level key"]++
				}
				continue
			}
			if _, ok := rec["properties"]; !ok {
				found["fields at top level"]++
			} else {
				for k := range rec {
					if !standardTop[k] {
						found["some fields at top level"]++
						break
					}
				}
			}
			props, _ := rec["properties"].(map[string]any)
			for k := range props {
				switch k {
				case "jobId", "clusterName", "nodeId":
					found["camelCase key"]++
				case "jobid", "clustername", "nodeid":
					found["lower-case key"]++
				}
			}
			for _, name := range []string{"QuotaAllocated", "CurrentNodeCount", "TotalE2ETimeInSeconds"} {
				if v, ok := field(rec, name); ok {
					if s, ok := v.(string); ok && s != "n/a" {
						found["number as string"]++
					}
				}
			}
			for _, name := range []string{"RunInContainer", "IsResizeGrow"} {
				if v, ok := field(rec, name); ok {
					if _, ok := v.(string); ok {
						found["boolean as string"]++
					}
				}
			}
			for _, name := range []string{"NodeAllocationTime", "AllocationStateTransitionTime"} {
				if v, ok := field(rec, name); ok {
					if _, layout, ok := parseTime(v.(string)); ok && layout != layout7 {
						found["property time in another layout"]++
					}
				}
			}
			switch rec["category"] {
			case "AmlComputeClusterEvent":
				if v, _ := field(rec, "QuotaUtilized"); v == "n/a" {
					found["QuotaUtilized n/a"]++
				}
				if v, _ := field(rec, "QuotaAllocated"); v == 0.0 || v == "0" {
					found["QuotaAllocated 0"]++
				}
				if _, ok := field(rec, "CurrentNodeCount"); !ok {
					found["no CurrentNodeCount"]++
				}
				name, _ := field(rec, "ClusterName")
				ws := strings.ToUpper(strings.TrimSuffix(rid, "/"))
				if clusterWorkspaces[name.(string)] == nil {
					clusterWorkspaces[name.(string)] = map[string]bool{}
				}
				clusterWorkspaces[name.(string)][ws] = true
			case "AmlComputeJobEvent":
				et, ok := field(rec, "EventType")
				if !ok {
					found["no EventType"]++
					et = rec["operationName"]
				}
				if et == "jobfailed" || et == "jobsubmitted" || et == "jobrunning" || et == "jobsucceeded" {
					found["lower-case EventType"]++
				}
				if strings.EqualFold(et.(string), "JobFailed") {
					id, _ := field(rec, "JobId")
					failures[id.(string)]++
					msg, okM := field(rec, "JobErrorMessage")
					det, okD := field(rec, "ErrorDetails")
					if !okM && !okD {
						found["failure without error text"]++
					}
					for _, v := range []any{msg, det} {
						s, _ := v.(string)
						for _, c := range []string{",", `"`, "|", "`", "\n", "<script>"} {
							if strings.Contains(s, c) {
								errorChars[c] = true
							}
						}
					}
				}
			}
		}
	}
	for _, n := range failures {
		if n > 1 {
			found["job failed twice"]++
		}
	}
	shared := 0
	for _, ws := range clusterWorkspaces {
		if len(ws) > 1 {
			shared++
		}
	}
	if shared == 0 {
		t.Error("no cluster name is used in two workspaces")
	}
	for key, hs := range hours {
		for h := o.Start; h.Before(o.Start.Add(time.Duration(o.Hours) * time.Hour)); h = h.Add(time.Hour) {
			if !hs[h] && (strings.Contains(key, "clusterevent ") || strings.Contains(key, "metrics")) {
				found["missing hour"]++
			}
		}
	}
	if len(errorChars) != 6 {
		t.Errorf("error texts hold only %v of , \" | ` newline <script>", errorChars)
	}

	want := []string{
		"BOM", "CRLF", "records wrapper", "blank line", "padded line", "final line without newline",
		"bad: not JSON", "bad: array", "bad: string", "bad: no time", "bad: unparseable time",
		"time " + layout7, "time " + layoutMilli, "time " + layoutSpace, "time " + layoutUS,
		"property time in another layout",
		"late record", "record over a day late", "empty blob", "missing hour",
		"resourceid key", "lower-case resource ID", "trailing slash", "non-standard top-level field",
		"fields at top level", "some fields at top level", "camelCase key", "lower-case key",
		"number as string", "boolean as string", "metric number as string", "QuotaUtilized n/a",
		"QuotaAllocated 0", "no CurrentNodeCount", "no EventType", "lower-case EventType",
		"job failed twice", "failure without error text",
		"online endpoint", "foreign provider",
		"metric quota utilization percentage", "metric model deploy failed", "metric unusable nodes",
		"metric active nodes", "metric idle nodes", "metric completed runs", "metric failed runs",
		"metric started runs", "metric cpuutilization", "metric with an extra top-level key",
	}
	for _, q := range want {
		if found[q] < 2 {
			t.Errorf("quirk %q occurs %d times, want several", q, found[q])
		}
	}
}

// standardTop are the top-level members of a log record that are not per-category fields.
var standardTop = map[string]bool{
	"time": true, "resourceId": true, "resourceid": true, "category": true, "operationName": true,
	"operationVersion": true, "level": true, "resultType": true, "correlationId": true,
	"location": true, "properties": true, "callerIpAddress": true, "durationMs": true,
	"identity": true, "Tenant": true, "ingestionSource": true, "resultSignature": true,
}

func classifyBad(raw string, found map[string]int) {
	var v any
	if json.Unmarshal([]byte(raw), &v) != nil {
		found["bad: not JSON"]++
		return
	}
	switch v := v.(type) {
	case []any:
		found["bad: array"]++
	case string:
		found["bad: string"]++
	case map[string]any:
		if _, ok := v["time"]; ok {
			found["bad: unparseable time"]++
		} else {
			found["bad: no time"]++
		}
	}
}

func TestCleanHasNoQuirks(t *testing.T) {
	o := cleanOptions()
	records := 0
	for _, b := range collect(t, o) {
		_, h := blobHour(t, b)
		if len(b.Data) == 0 {
			t.Fatalf("%s: empty blob", b.Name)
		}
		if bytes.HasPrefix(b.Data, []byte("\xEF\xBB\xBF")) || bytes.ContainsRune(b.Data, '\r') || b.Data[len(b.Data)-1] != '\n' {
			t.Fatalf("%s: BOM, CR or no final newline", b.Name)
		}
		for _, raw := range strings.Split(strings.TrimSuffix(string(b.Data), "\n"), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(raw), &rec); err != nil {
				t.Fatalf("%s: line is not a JSON object: %q", b.Name, raw)
			}
			s, _ := rec["time"].(string)
			rt, err := time.Parse(layout7, s)
			if err != nil || !timeLayouts[layout7].MatchString(s) {
				t.Fatalf("%s: time %q is not the canonical layout", b.Name, s)
			}
			if rt.Before(h) || !rt.Before(h.Add(time.Hour)) {
				t.Fatalf("%s: record at %v outside the blob's hour", b.Name, rt)
			}
			rid, ok := rec["resourceId"].(string)
			if !ok || rid != strings.ToUpper(rid) || strings.HasSuffix(rid, "/") || !strings.Contains(b.Name, rid+"/") {
				t.Fatalf("%s: resourceId %q", b.Name, rid)
			}
			if _, ok := rec["metricName"]; !ok {
				props, ok := rec["properties"].(map[string]any)
				if !ok {
					t.Fatalf("%s: no properties object: %q", b.Name, raw)
				}
				for k, v := range props {
					if k[0] < 'A' || k[0] > 'Z' {
						t.Fatalf("%s: key %q not PascalCase", b.Name, k)
					}
					if s, ok := v.(string); ok && (k == "CurrentNodeCount" || k == "QuotaAllocated" || k == "QuotaUtilized" || k == "RunInContainer") {
						t.Fatalf("%s: %s as string %q", b.Name, k, s)
					}
				}
				if _, ok := props["EventType"]; !ok && rec["category"] == "AmlComputeJobEvent" {
					t.Fatalf("%s: no EventType: %q", b.Name, raw)
				}
			}
			records++
		}
	}
	if records < 300 {
		t.Fatalf("only %d records", records)
	}
}

// TestExtraCategories checks that run status changes follow the job events and that
// utilisation samples name the cluster's nodes.
func TestExtraCategories(t *testing.T) {
	o := cleanOptions()
	jobs := map[string]bool{}
	runs := map[string][]string{}
	devices := map[string]int{}
	for _, b := range collect(t, o) {
		lines, _ := split(t, b)
		for _, l := range lines {
			rec := l.rec
			if rec == nil {
				t.Fatalf("%s: bad line %q", b.Name, l.raw)
			}
			switch b.Container {
			case "insights-logs-amlcomputejobevent":
				id, _ := field(rec, "JobId")
				jobs[id.(string)] = true
			case "insights-logs-amlrunstatuschangedevent":
				if rec["category"] != "AmlRunStatusChangedEvent" {
					t.Fatalf("%s: category %v", b.Name, rec["category"])
				}
				id, _ := field(rec, "RunId")
				status, _ := field(rec, "Status")
				runs[id.(string)] = append(runs[id.(string)], status.(string))
			case "insights-logs-amlcomputecpugpuutilization":
				u, _ := field(rec, "Utilization")
				node, _ := field(rec, "NodeId")
				if v, ok := u.(float64); !ok || v < 0 || v > 100 || !strings.HasPrefix(node.(string), "tvmps_") {
					t.Fatalf("%s: utilization %v of node %v", b.Name, u, node)
				}
				typ, _ := field(rec, "DeviceType")
				devices[typ.(string)]++
			}
		}
	}
	if len(runs) == 0 || devices["CPU"] == 0 || devices["GPU"] == 0 {
		t.Fatalf("%d runs, devices %v", len(runs), devices)
	}
	for id, statuses := range runs {
		if !jobs[id] {
			t.Errorf("run %s has no job events", id)
		}
		for _, s := range statuses {
			if s != "Queued" && s != "Running" && s != "Completed" && s != "Failed" {
				t.Errorf("run %s: status %q", id, s)
			}
		}
	}
}

var clusterName = regexp.MustCompile(`"ClusterName":"([^"]+)"`)

// TestTargetBytes requires the archive to hold the bytes asked for, within 5 %, in the line mix
// of a busy account: a modest one, and one so busy per workspace and hour that it needs more
// clusters than asked for and online endpoints beside the workspace metrics.
func TestTargetBytes(t *testing.T) {
	for _, c := range []struct {
		name   string
		o      Options
		busier bool
	}{
		{"modest", Options{Seed: 3, Start: time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC), Hours: 8, Workspaces: 2, TargetBytes: 8 << 20}, false},
		{"busy", Options{Seed: 5, Start: time.Date(2026, 11, 18, 6, 0, 0, 0, time.UTC), Hours: 2, Workspaces: 2, ClustersPerWorkspace: 3, TargetBytes: 32 << 20}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			bytesIn, lines := map[string]float64{}, map[string]float64{}
			total, all := 0.0, 0.0
			endpoints, clusters := map[string]bool{}, 0
			for _, b := range collect(t, c.o) {
				n := float64(bytes.Count(b.Data, []byte("\n")))
				bytesIn[b.Container] += float64(len(b.Data))
				lines[b.Container] += n
				total += float64(len(b.Data))
				all += n
				if strings.Contains(b.Name, "/ONLINEENDPOINTS/") {
					endpoints[b.Name[:strings.Index(b.Name, "/y=")]] = true
				}
				if b.Container == containerNames[ciCluster] {
					names := map[string]bool{}
					for _, m := range clusterName.FindAllSubmatch(b.Data, -1) {
						names[string(m[1])] = true
					}
					clusters = max(clusters, len(names))
				}
			}
			want := float64(c.o.TargetBytes)
			if total < 0.95*want || total > 1.05*want {
				t.Errorf("archive holds %.0f bytes, want %.0f ± 5 %%", total, want)
			}
			share := func(containers ...int) float64 {
				s := 0.0
				for _, ci := range containers {
					s += lines[containerNames[ci]]
				}
				return s / all
			}
			for _, m := range []struct {
				name      string
				got, want float64
			}{
				{"metric records", share(ciMetrics), 0.45},
				{"cluster and node events", share(ciCluster, ciNode), 0.35},
				{"job events", share(ciJob), 0.20},
			} {
				if m.got < m.want-0.03 || m.got > m.want+0.03 {
					t.Errorf("%s are %.1f %% of the lines, want %.0f ± 3 %%", m.name, 100*m.got, 100*m.want)
				}
			}
			// A blob of cluster events holds the status events of all its workspace's clusters.
			asked := c.o.ClustersPerWorkspace
			if asked == 0 {
				asked = 2
			}
			if busier := clusters > asked && len(endpoints) > 0; busier != c.busier {
				t.Errorf("%d clusters per workspace (%d asked for), %d online endpoints; want a busier account: %v",
					clusters, asked, len(endpoints), c.busier)
			}
		})
	}
}

func TestWriteDir(t *testing.T) {
	o := quirkOptions()
	o.Start, o.Hours = o.Start.Add(6*time.Hour), 6 // hod 9 has an empty blob
	dir := t.TempDir()
	st, err := WriteDir(o, dir)
	if err != nil {
		t.Fatalf("WriteDir: %v", err)
	}
	want := map[string]Blob{}
	for _, b := range collect(t, o) {
		want[filepath.Join(dir, b.Container, filepath.FromSlash(b.Name))] = b
	}
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, ok := want[path]
		if !ok {
			t.Errorf("unexpected file %s", path)
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.ModTime().Equal(b.Modified) {
			t.Errorf("%s: mtime %v, want %v", path, info.ModTime(), b.Modified)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Equal(data, b.Data) {
			t.Errorf("%s: content differs from Generate", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != len(want) || st.Blobs != files {
		t.Fatalf("%d files, %d blobs generated, Stats.Blobs %d", files, len(want), st.Blobs)
	}
	if st.EmptyBlobs == 0 || st.BadLines == 0 || st.Records == 0 || st.Bytes == 0 {
		t.Fatalf("stats %+v", st)
	}
	var records int64
	for c, n := range st.ContainerRecords {
		if n == 0 || st.Containers[c] == 0 {
			t.Errorf("%s: %d records in %d bytes", c, n, st.Containers[c])
		}
		records += n
	}
	if records != st.Records {
		t.Errorf("records per container add up to %d, Stats.Records is %d", records, st.Records)
	}
}

func TestOptionsRejected(t *testing.T) {
	for _, o := range []Options{{Hours: -1}, {MetricsPerHour: 61}, {TargetBytes: -5},
		{Workspaces: 2, CurrentWorkspaces: 3}, {Workspaces: 2, IdleWorkspaces: 3}, {IdleWorkspaces: -1}} {
		if err := Generate(o, func(Blob) error { return nil }); err == nil {
			t.Errorf("Generate(%+v) accepted", o)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	o := Options{Seed: 1, Hours: 4, Workspaces: 2, TargetBytes: 32 << 20}
	var n int64
	for b.Loop() {
		n = 0
		err := Generate(o, func(bl Blob) error { n += int64(len(bl.Data)); return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(n)
}
