package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hook is a webhook on 127.0.0.1 that answers each post with the next status of its script
// (then 200) and keeps what it received and when.
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	script []int
	bodies [][]byte
	times  []time.Time
	types  []string
}

func newHook(t *testing.T, script ...int) *hook {
	h := &hook{script: script}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.bodies = append(h.bodies, b)
		h.times = append(h.times, time.Now())
		h.types = append(h.types, r.Header.Get("Content-Type"))
		status := http.StatusOK
		if len(h.script) > 0 {
			status, h.script = h.script[0], h.script[1:]
		}
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		w.WriteHeader(status)
		// A service that echoes the request in its error, as some do.
		if status >= 400 {
			io.WriteString(w, "error for "+r.URL.String())
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// secret is the part of a webhook URL that lets anyone post: a Slack webhook's path, a
// Teams Workflows webhook's sig query parameter.
const secret = "T000/B000/XXXXsecretXXXX"

func (h *hook) url() string { return h.srv.URL + "/services/" + secret + "?sig=sigSECRET" }

var message = Message{
	Title:     "amlmon daily report: 2026-11-24",
	Headline:  []string{"Jobs: 51 submitted, 34 succeeded, 16 failed (failure rate 32 %)", "Alerts: 2 incidents"},
	Incidents: []string{"quota_utilization on MLW-DEV-WEU, fired 2026-11-24T03:05:00Z, peak 97.5", "unusable_nodes on <b>&WS</b>"},
	Link:      "https://acct.z6.web.core.windows.net/2026-11-24/report.html",
	Summary:   []byte(`{"date":"2026-11-24","jobs_failed":16}`),
}

// TestPostRetriesThrottledAndFailed answers 429 (Retry-After: 1) and then 500: the third
// post goes through, the second waited the second the service asked for.
func TestPostRetriesThrottledAndFailed(t *testing.T) {
	h := newHook(t, http.StatusTooManyRequests, http.StatusInternalServerError)
	w := Webhook{URL: h.url(), Format: Slack, Delay: 10 * time.Millisecond}
	if err := w.Post(context.Background(), message); err != nil {
		t.Fatal(err)
	}
	if len(h.bodies) != 3 {
		t.Fatalf("%d posts, want 3", len(h.bodies))
	}
	if gap := h.times[1].Sub(h.times[0]); gap < time.Second {
		t.Errorf("the retry after a 429 with Retry-After: 1 came %v later", gap)
	}
	if gap := h.times[2].Sub(h.times[1]); gap > 900*time.Millisecond {
		t.Errorf("the retry after a 500 waited %v, want the short delay", gap)
	}
	for i, typ := range h.types {
		if typ != "application/json" {
			t.Errorf("post %d: Content-Type %q", i, typ)
		}
	}
}

// TestSlackPayload checks the shape of an incoming-webhook message
// (https://api.slack.com/messaging/webhooks, Block Kit): text, and blocks of known types.
func TestSlackPayload(t *testing.T) {
	h := newHook(t)
	if err := (Webhook{URL: h.url(), Format: Slack}).Post(context.Background(), message); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
			Elements []struct {
				Type string `json:"type"`
				URL  string `json:"url"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(h.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.Text, message.Title) || !strings.Contains(got.Text, message.Link) {
		t.Errorf("text = %q", got.Text)
	}
	var types []string
	for _, b := range got.Blocks {
		types = append(types, b.Type)
	}
	if strings.Join(types, ",") != "header,section,section,actions" {
		t.Fatalf("blocks = %v", types)
	}
	if got.Blocks[0].Text.Type != "plain_text" || got.Blocks[0].Text.Text != message.Title {
		t.Errorf("header = %+v", got.Blocks[0].Text)
	}
	inc := got.Blocks[2].Text.Text
	if !strings.Contains(inc, "Alert incidents (2)") || !strings.Contains(inc, "unusable_nodes on &lt;b&gt;&amp;WS&lt;/b&gt;") {
		t.Errorf("incidents = %q (mrkdwn needs &, < and > escaped)", inc)
	}
	if e := got.Blocks[3].Elements; len(e) != 1 || e[0].Type != "button" || e[0].URL != message.Link {
		t.Errorf("actions = %+v", e)
	}
}

// TestTeamsPayload checks the message a Teams Workflows webhook takes: type "message" with one
// attachment of contentType application/vnd.microsoft.card.adaptive holding an AdaptiveCard
// (learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook,
// "Send Adaptive Cards using an Incoming Webhook").
func TestTeamsPayload(t *testing.T) {
	h := newHook(t)
	if err := (Webhook{URL: h.url(), Format: Teams}).Post(context.Background(), message); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string           `json:"contentType"`
			ContentURL  *string          `json:"contentUrl"`
			Content     *json.RawMessage `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(h.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "message" || len(got.Attachments) != 1 || got.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || got.Attachments[0].ContentURL != nil {
		t.Fatalf("envelope = %s", h.bodies[0])
	}
	var card struct {
		Schema  string `json:"$schema"`
		Type    string `json:"type"`
		Version string `json:"version"`
		Body    []struct {
			Type  string `json:"type"`
			Text  string `json:"text"`
			Facts []struct{ Title, Value string }
		} `json:"body"`
		Actions []struct{ Type, Title, URL string } `json:"actions"`
	}
	if err := json.Unmarshal(*got.Attachments[0].Content, &card); err != nil {
		t.Fatal(err)
	}
	if card.Type != "AdaptiveCard" || card.Version != "1.4" || card.Schema != "http://adaptivecards.io/schemas/adaptive-card.json" {
		t.Errorf("card = %+v", card)
	}
	if card.Body[0].Type != "TextBlock" || card.Body[0].Text != message.Title {
		t.Errorf("first block = %+v", card.Body[0])
	}
	if f := card.Body[1].Facts; card.Body[1].Type != "FactSet" || len(f) != 2 || f[0].Title != "Jobs" || f[1].Value != "2 incidents" {
		t.Errorf("facts = %+v", card.Body[1])
	}
	if last := card.Body[len(card.Body)-1]; last.Text != "unusable_nodes on <b>&WS</b>" {
		t.Errorf("last incident = %q: a TextBlock takes text as it is", last.Text)
	}
	if len(card.Actions) != 1 || card.Actions[0].Type != "Action.OpenUrl" || card.Actions[0].URL != message.Link {
		t.Errorf("actions = %+v", card.Actions)
	}
}

func TestJSONPayloadIsSummary(t *testing.T) {
	h := newHook(t)
	if err := (Webhook{URL: h.url(), Format: JSON}).Post(context.Background(), message); err != nil {
		t.Fatal(err)
	}
	if string(h.bodies[0]) != string(message.Summary) {
		t.Errorf("posted %s, want summary.json as it is", h.bodies[0])
	}
}

// TestFailureKeepsTheURLSecret lets every post fail, in each way, and checks that the error
// names the status but never the URL, its path or its signature.
func TestFailureKeepsTheURLSecret(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []int
		posts  int
		want   string
	}{
		{"server errors until the last try", []int{500, 502, 503}, 3, "HTTP 503"},
		{"refused", []int{404}, 1, "HTTP 404"},
		{"bad request", []int{400}, 1, "HTTP 400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHook(t, tc.script...)
			err := Webhook{URL: h.url(), Format: Teams, Tries: 3, Delay: time.Millisecond}.Post(context.Background(), message)
			if err == nil {
				t.Fatal("no error")
			}
			if len(h.bodies) != tc.posts {
				t.Errorf("%d posts, want %d", len(h.bodies), tc.posts)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "teams webhook: ") {
				t.Errorf("error %q lacks %q", msg, tc.want)
			}
			for _, s := range []string{"secret", "SECRET", "/services/", h.url()} {
				if strings.Contains(msg, s) {
					t.Errorf("error %q reveals %q", msg, s)
				}
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		h := newHook(t)
		u := h.url()
		h.srv.Close()
		err := Webhook{URL: u, Format: Slack, Tries: 2, Delay: time.Millisecond}.Post(context.Background(), message)
		if err == nil || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("error = %v", err)
		}
	})
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"Tue, 01 Dec 2026 12:00:05 GMT": 5 * time.Second,
		"Tue, 01 Dec 2026 11:00:00 GMT": 0,
		"soon":                          0,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}
