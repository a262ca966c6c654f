package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/archive/azuritetest"
	"github.com/amlmon/amlmon/reports"
)

// sampleFlags are the flags every delivery test on the sample archive shares.
var sampleFlags = []string{"--now", sampleNow, "--progress", "never", "--retry-delay", "5ms"}

// webhook is a channel's webhook on 127.0.0.1: it answers with the statuses of its script
// (then 200) and keeps every body it got.
type webhook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	script []int
	bodies [][]byte
}

// webhookSecret is the part of the URL that lets anyone post to the channel.
const webhookSecret = "B0SECRETb0"

func newWebhook(t *testing.T, script ...int) *webhook {
	w := &webhook{script: script}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.bodies = append(w.bodies, b)
		status := http.StatusAccepted
		if len(w.script) > 0 {
			status, w.script = w.script[0], w.script[1:]
		}
		if status == http.StatusTooManyRequests {
			rw.Header().Set("Retry-After", "0")
		}
		rw.WriteHeader(status)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *webhook) url() string {
	return w.srv.URL + "/workflows/" + webhookSecret + "/triggers/manual/run?api-version=2016-06-01&sig=" + webhookSecret
}

// published lists the blobs of a destination with their content, by name.
func published(t *testing.T, d *archive.Dest) map[string]archive.DestObject {
	t.Helper()
	got := map[string]archive.DestObject{}
	if err := d.List(context.Background(), "", func(o archive.DestObject) error { got[o.Name] = o; return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func get(t *testing.T, d *archive.Dest, name string) []byte {
	t.Helper()
	b, err := d.Get(context.Background(), name, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noSecrets fails the test if any output holds the webhook's secret or the account key.
func noSecrets(t *testing.T, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		for _, s := range []string{webhookSecret, azuritetest.Key, "/workflows/"} {
			if strings.Contains(o, s) {
				t.Errorf("output reveals %q:\n%s", s, o)
			}
		}
	}
}

// TestRunPublishesAndNotifies is the nightly job with delivery, end to end on Azurite: the
// report of the sample day is published (every file with its content type, latest/, and
// index.html), and a Teams Workflows webhook that answers 429 and 500 first gets the card.
// A second day, published later from the same lake, joins the index.
func TestRunPublishesAndNotifies(t *testing.T) {
	az := azuritetest.Start(t)
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", az.ConnectionString())
	hook := newWebhook(t, http.StatusTooManyRequests, http.StatusInternalServerError)
	lake, out := t.TempDir(), t.TempDir()

	args := append([]string{"run", "--source", sampleArchive, "--lake", lake, "--out", out, "--date", sampleDay,
		"--publish", "reports/daily", "--notify", hook.url(), "--notify-format", "teams"}, sampleFlags...)
	stdout, stderr := mustRun(t, exitOK, args...)
	noSecrets(t, stdout, stderr)

	dest, err := archive.NewDest("reports/daily", archive.AzureOptions{ConnectionString: az.ConnectionString()})
	if err != nil {
		t.Fatal(err)
	}
	link := dest.URL(sampleDay + "/report.html")
	if !strings.Contains(stdout, "Published: "+link) {
		t.Errorf("stdout does not say where the report is published (%s):\n%s", link, stdout)
	}
	dir := filepath.Join(out, sampleDay)
	local, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	blobs := published(t, dest)
	types := map[string]string{".html": "text/html; charset=utf-8", ".md": "text/markdown; charset=utf-8",
		".csv": "text/csv; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json"}
	for _, f := range local {
		want, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, folder := range []string{sampleDay + "/", "latest/"} {
			o, ok := blobs[folder+f.Name()]
			if !ok {
				t.Errorf("%s%s was not published", folder, f.Name())
				continue
			}
			if o.ContentType != types[filepath.Ext(f.Name())] {
				t.Errorf("%s%s: content type %q", folder, f.Name(), o.ContentType)
			}
			if got := get(t, dest, folder+f.Name()); string(got) != string(want) {
				t.Errorf("%s%s differs from the local file", folder, f.Name())
			}
		}
	}
	if len(blobs) != 2*len(local)+1 {
		t.Errorf("published %d blobs, want the day's %d files twice and index.html", len(blobs), len(local))
	}
	// The sample's error text holds a script tag: the published page shows it as text.
	page := string(get(t, dest, sampleDay+"/report.html"))
	if strings.Contains(strings.ToLower(page), "<script") || !strings.Contains(page, "&lt;script&gt;alert(") {
		t.Error("the published report.html does not hold the sample's <script> error text as escaped text")
	}
	index := string(get(t, dest, "index.html"))
	if !strings.Contains(index, `href="`+sampleDay+`/report.html"`) || !strings.Contains(index, `href="latest/report.html"`) {
		t.Errorf("index.html does not link the day and latest/:\n%s", index)
	}

	// The webhook: two refusals, then the card.
	if len(hook.bodies) != 3 {
		t.Fatalf("the webhook got %d posts, want 3 (429, 500, then accepted)", len(hook.bodies))
	}
	var sum reports.Summary
	if err := json.Unmarshal(get(t, dest, sampleDay+"/summary.json"), &sum); err != nil {
		t.Fatal(err)
	}
	incidents, err := reports.ReadIncidents(dir)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Type        string
		Attachments []struct {
			ContentType string
			Content     struct {
				Type    string
				Body    []map[string]any
				Actions []struct{ Type, URL string }
			}
		}
	}
	if err := json.Unmarshal(hook.bodies[2], &msg); err != nil {
		t.Fatal(err)
	}
	if msg.Type != "message" || len(msg.Attachments) != 1 || msg.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" {
		t.Fatalf("not a Workflows message: %s", hook.bodies[2])
	}
	card := msg.Attachments[0].Content
	if card.Type != "AdaptiveCard" || len(card.Actions) != 1 || card.Actions[0].URL != link {
		t.Errorf("card %+v does not open %s", card, link)
	}
	text, _ := json.Marshal(card.Body)
	for _, want := range []string{
		fmt.Sprintf("%d submitted, %d succeeded, %d failed", sum.JobsSubmitted, sum.JobsSucceeded, sum.JobsFailed),
		fmt.Sprintf("Alert incidents (%d)", len(incidents)),
		incidentLine(incidents[0]),
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the card lacks %q: %s", want, text)
		}
	}

	// The day before, from the same lake, published later through a URL with a SAS: the
	// index lists both, newest first, and latest/ stays the newest day.
	sas := az.SAS(t, time.Now().Add(time.Hour))
	q, err := url.ParseQuery(sas)
	if err != nil {
		t.Fatal(err)
	}
	args = []string{"report", "--lake", lake, "--out", out, "--date", "2026-11-23", "--now", sampleNow,
		"--publish", az.BlobEndpoint() + "/reports/daily?" + sas, "--log-level", "debug"}
	stdout, stderr = mustRun(t, exitOK, args...)
	for _, secret := range []string{q.Get("sig"), url.QueryEscape(q.Get("sig"))} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("the SAS signature is in the output:\n%s\n%s", stdout, stderr)
		}
	}
	if !strings.Contains(stdout, "Published: "+dest.URL("2026-11-23/report.html")) {
		t.Errorf("stdout does not name the published page:\n%s", stdout)
	}
	index = string(get(t, dest, "index.html"))
	first, second := strings.Index(index, `href="2026-11-24/report.html"`), strings.Index(index, `href="2026-11-23/report.html"`)
	if first < 0 || second < 0 || first > second {
		t.Errorf("index.html does not list 2026-11-24 then 2026-11-23:\n%s", index)
	}
	if err := json.Unmarshal(get(t, dest, "latest/summary.json"), &sum); err != nil || sum.Date != sampleDay {
		t.Errorf("latest/ holds %s (%v), want %s", sum.Date, err, sampleDay)
	}
}

// faultyAzurite is Azurite behind a proxy on 127.0.0.1 that answers 500 to every upload of a
// blob whose name ends in failing, and 503 to the first two uploads of each blob whose name
// ends in flaky: server faults a real Azurite cannot be made to produce. It returns a
// connection string through the proxy.
func faultyAzurite(t *testing.T, az *azuritetest.Azurite, failing, flaky string) string {
	t.Helper()
	target, err := url.Parse(az.BlobEndpoint())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	var mu sync.Mutex
	tries := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && failing != "" && strings.HasSuffix(r.URL.Path, failing) {
			http.Error(w, "injected fault", http.StatusInternalServerError)
			return
		}
		if r.Method == http.MethodPut && flaky != "" && strings.HasSuffix(r.URL.Path, flaky) {
			mu.Lock()
			tries[r.URL.Path]++
			n := tries[r.URL.Path]
			mu.Unlock()
			if n <= 2 {
				http.Error(w, "injected fault", http.StatusServiceUnavailable)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return "DefaultEndpointsProtocol=http;AccountName=" + azuritetest.Account + ";AccountKey=" + azuritetest.Key +
		";BlobEndpoint=" + srv.URL + target.Path + ";"
}

// TestDeliveryFailureKeepsTheReport: an upload that keeps failing, or a webhook that keeps
// answering 500, ends the run with exit 1 and a message that says what failed, after the
// report was written; alerts firing with --fail-on-alert do not hide it. The next run
// publishes.
func TestDeliveryFailureKeepsTheReport(t *testing.T) {
	az := azuritetest.Start(t)
	lake, out := t.TempDir(), t.TempDir()
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", faultyAzurite(t, az, "/report.html", ""))

	hook := newWebhook(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
	args := append([]string{"run", "--source", sampleArchive, "--lake", lake, "--out", out, "--date", sampleDay,
		"--publish", "reports", "--notify", hook.url(), "--fail-on-alert"}, sampleFlags...)
	stdout, stderr := mustRun(t, exitFailed, args...)
	noSecrets(t, stdout, stderr)
	for _, want := range []string{"publish: 2026-11-24 to reports", "report.html", "HTTP 500",
		"notify: slack webhook: HTTP 500", "the next run tries again"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, f := range []string{"report.md", "report.html", "summary.json", "alerts.csv"} {
		if _, err := os.Stat(filepath.Join(out, sampleDay, f)); err != nil {
			t.Errorf("the local report lost %s: %v", f, err)
		}
	}
	if len(hook.bodies) != 5 {
		t.Errorf("the webhook got %d posts, want 5 tries", len(hook.bodies))
	}

	// Without the lasting fault, the next run publishes the day whole, every upload of
	// summary.json tried three times (and exits 3: alerts fired).
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", faultyAzurite(t, az, "", ".json"))
	args = append([]string{"run", "--source", sampleArchive, "--lake", lake, "--out", out, "--date", sampleDay,
		"--publish", "reports", "--fail-on-alert"}, sampleFlags...)
	mustRun(t, exitAlerts, args...)
	dest, err := archive.NewDest("reports", archive.AzureOptions{ConnectionString: az.ConnectionString()})
	if err != nil {
		t.Fatal(err)
	}
	blobs := published(t, dest)
	for _, name := range []string{sampleDay + "/report.html", sampleDay + "/summary.json", "latest/report.html", "latest/summary.json", "index.html"} {
		if _, ok := blobs[name]; !ok {
			t.Errorf("%s missing after the second run", name)
		}
	}
}

// tableDigests reads every table folder of a lake with DuckDB: its rows and a hash of them.
func tableDigests(t *testing.T, db *sql.DB, lake string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(lake)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		files := filepath.Join(lake, e.Name(), "*", "*.parquet")
		var n int64
		var h sql.NullString
		q := fmt.Sprintf("SELECT count(*), sum(hash(t))::VARCHAR FROM read_parquet('%s', hive_partitioning = true, union_by_name = true) t", files)
		if err := db.QueryRow(q).Scan(&n, &h); err != nil {
			t.Fatalf("read %s: %v", files, err)
		}
		got[e.Name()] = fmt.Sprintf("%d rows, hash %s", n, h.String)
	}
	return got
}

// TestSyncPublishesTheLake mirrors the sample's lake on Azurite, downloads the mirror again
// and reads it with DuckDB: the same tables, rows and values as the local lake. A second sync
// sends nothing.
func TestSyncPublishesTheLake(t *testing.T) {
	az := azuritetest.Start(t)
	t.Setenv("AZURE_STORAGE_CONNECTION_STRING", az.ConnectionString())
	lake := t.TempDir()
	args := append([]string{"sync", "--source", sampleArchive, "--lake", lake, "--publish-lake", "lake/amlmon"}, sampleFlags[:4]...)
	stdout, _ := mustRun(t, exitOK, args...)
	if !strings.Contains(stdout, "Lake:     published to lake/amlmon") {
		t.Errorf("stdout lacks the mirror's summary:\n%s", stdout)
	}

	dest, err := archive.NewDest("lake/amlmon", archive.AzureOptions{ConnectionString: az.ConnectionString()})
	if err != nil {
		t.Fatal(err)
	}
	mirror := t.TempDir()
	var names []string
	for name := range published(t, dest) {
		if strings.HasPrefix(name, "_") {
			t.Errorf("the mirror holds the lake's own %s", name)
		}
		names = append(names, name)
		p := filepath.Join(mirror, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, get(t, dest, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(names) == 0 {
		t.Fatal("nothing was mirrored")
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want, got := tableDigests(t, db, lake), tableDigests(t, db, mirror)
	if len(want) < 4 {
		t.Fatalf("the local lake has only the tables %v", want)
	}
	for table, w := range want {
		if got[table] != w {
			t.Errorf("%s: mirror %q, lake %q", table, got[table], w)
		}
	}
	var extra []string
	for table := range got {
		if _, ok := want[table]; !ok {
			extra = append(extra, table)
		}
	}
	if slices.Sort(extra); len(extra) > 0 {
		t.Errorf("the mirror has tables the lake has not: %v", extra)
	}

	stdout, _ = mustRun(t, exitOK, args...)
	if !strings.Contains(stdout, " 0 uploaded (0 bytes), ") {
		t.Errorf("a second sync sent files again:\n%s", stdout)
	}
}

// TestCronJobDelivers checks that the CronJob publishes with its workload identity (an
// az:// destination, no key in the manifest) and takes the webhook URL from a Secret.
func TestCronJobDelivers(t *testing.T) {
	var cj map[string]any
	for _, d := range manifestDocs(t, "../../deploy/cronjob.yaml") {
		if d["kind"] == "CronJob" {
			cj = d
		}
	}
	container := dig(t, cj, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0)
	var publishTo string
	for _, a := range dig(t, container, "args").([]any) {
		if v, ok := strings.CutPrefix(a.(string), "--publish="); ok {
			publishTo = v
		}
	}
	if !strings.HasPrefix(publishTo, "az://") || !strings.HasSuffix(publishTo, "/$web") {
		t.Errorf("--publish=%q: want az://<account>/$web, authenticated by the workload identity", publishTo)
	}
	env := map[string]any{}
	for _, e := range dig(t, container, "env").([]any) {
		env[dig(t, e, "name").(string)] = e
	}
	notify, ok := env["AMLMON_NOTIFY"]
	if !ok {
		t.Fatal("no AMLMON_NOTIFY")
	}
	if _, literal := notify.(map[string]any)["value"]; literal {
		t.Error("AMLMON_NOTIFY holds the webhook URL in the manifest")
	}
	if dig(t, notify, "valueFrom", "secretKeyRef", "name") != "amlmon-webhook" || dig(t, notify, "valueFrom", "secretKeyRef", "key") != "url" {
		t.Errorf("AMLMON_NOTIFY = %v, want the Secret amlmon-webhook, key url", notify)
	}
	if f := dig(t, env["AMLMON_NOTIFY_FORMAT"], "value"); !slices.Contains([]string{"slack", "teams", "json"}, f.(string)) {
		t.Errorf("AMLMON_NOTIFY_FORMAT = %v", f)
	}
	for name := range env {
		if strings.Contains(name, "KEY") || strings.Contains(name, "CONNECTION_STRING") || strings.Contains(name, "SAS") {
			t.Errorf("the manifest sets %s: the workload identity needs no secret for storage", name)
		}
	}
}

func TestHeadlineAndIncidentLines(t *testing.T) {
	third, share := 0.3333, 0.32
	for _, tc := range []struct {
		rate *float64
		want string
	}{{nil, "(no job finished)"}, {&share, "(failure rate 32 %)"}, {&third, "(failure rate 33.33 %)"}} {
		h := headline(reports.Summary{JobsSubmitted: 5, JobsSucceeded: 2, JobsFailed: 1, FailureRate: tc.rate, AlertsFired: 2, Blobs: 9, Rejected: 1, MissingHours: 3})
		want := []string{"Jobs: 5 submitted, 2 succeeded, 1 failed " + tc.want, "Alerts: 2 incidents", "Data: 9 blobs, 1 rejected lines, 3 missing hours"}
		if !slices.Equal(h, want) {
			t.Errorf("headline = %q, want %q", h, want)
		}
	}
	for in, want := range map[reports.Incident]string{
		{Rule: "quota", Workspace: "WS1", FiredAt: "03:05", ResolvedAt: "03:20", Value: "97.5"}: "quota on WS1, fired 03:05, resolved 03:20, peak 97.5",
		{Rule: "unusable_nodes", Workspace: "WS2", FiredAt: "23:59"}:                            "unusable_nodes on WS2, fired 23:59",
	} {
		if got := incidentLine(in); got != want {
			t.Errorf("incidentLine = %q, want %q", got, want)
		}
	}
}
