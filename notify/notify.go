// Package notify posts a day's headline, its alert incidents and the link to its published
// report to a team's channel through a webhook: a Slack incoming webhook, a Microsoft Teams
// Workflows webhook (an Adaptive Card), or any endpoint that takes summary.json as it is.
//
// A webhook URL is a secret (whoever holds it can post to the channel), so it never appears
// in an error this package returns: errors name the format and the HTTP status only.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Formats a webhook takes.
const (
	Slack = "slack"
	Teams = "teams"
	JSON  = "json"
)

// Formats lists the formats Post knows.
func Formats() []string { return []string{Slack, Teams, JSON} }

// Message is what a notification tells.
type Message struct {
	Title string // "amlmon daily report: 2026-11-24"
	// Headline is the day's headline, one line a figure ("Jobs: 51 submitted, 16 failed").
	Headline []string
	// Incidents are the alert incidents of the day, one line each.
	Incidents []string
	// Link is the published report's address; empty when it was not published.
	Link string
	// Summary is summary.json, posted as it is in the json format.
	Summary []byte
}

// maxIncidents is how many incidents a message lists; the report has them all.
const maxIncidents = 20

// Webhook posts messages to one URL in one format.
type Webhook struct {
	URL    string
	Format string
	// Tries is how many times a post is tried (throttled, failed with a 5xx status, or not
	// answered); zero means 5.
	Tries int
	// Delay is the wait before the second try, doubled for each further one unless the
	// service asks for another wait with Retry-After; zero means 2 s.
	Delay time.Duration
	// MaxDelay bounds one wait, Retry-After included; zero means 1 min.
	MaxDelay time.Duration
	// Client sends the requests; nil means a client with a 30 s timeout.
	Client *http.Client
}

// Body returns the request body of m in the webhook's format.
func (w Webhook) Body(m Message) ([]byte, error) {
	switch w.Format {
	case Slack:
		return json.Marshal(slackMessage(m))
	case Teams:
		return json.Marshal(teamsMessage(m))
	case JSON:
		if !json.Valid(m.Summary) {
			return nil, errors.New("notify: summary.json is not valid JSON")
		}
		return m.Summary, nil
	default:
		return nil, fmt.Errorf("notify: unknown format %q; use one of %s", w.Format, strings.Join(Formats(), ", "))
	}
}

// Post sends m, retrying a throttled (429) or failed (5xx) post and one that got no answer,
// with a growing wait, or the wait a Retry-After header asks for.
func (w Webhook) Post(ctx context.Context, m Message) error {
	body, err := w.Body(m)
	if err != nil {
		return err
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%s webhook: the URL is not an http(s) URL", w.Format)
	}
	tries, delay, maxDelay := w.Tries, w.Delay, w.MaxDelay
	if tries <= 0 {
		tries = 5
	}
	if delay <= 0 {
		delay = 2 * time.Second
	}
	if maxDelay <= 0 {
		maxDelay = time.Minute
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	var last error
	for try := 1; ; try++ {
		wait, err := w.try(ctx, client, body)
		if err == nil {
			return nil
		}
		last = err
		var perm *permanentError
		if errors.As(err, &perm) || try >= tries {
			break
		}
		if wait <= 0 {
			wait = delay
		}
		wait = min(wait, maxDelay)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s webhook: %w (after %d tries: %v)", w.Format, ctx.Err(), try, last)
		case <-t.C:
		}
		delay *= 2
	}
	return fmt.Errorf("%s webhook: %w", w.Format, last)
}

// permanentError is an answer that another try would not change (a 4xx other than 429).
type permanentError struct{ msg string }

func (e *permanentError) Error() string { return e.msg }

// try posts body once. It returns the wait the service asked for, if any.
func (w Webhook) try(ctx context.Context, client *http.Client, body []byte) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, &permanentError{"cannot build the request"}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		// A *url.Error quotes the URL, secret and all: only its cause is told.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, errors.New(scrub(err.Error(), w.URL))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return 0, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return retryAfter(resp.Header.Get("Retry-After"), time.Now()), fmt.Errorf("HTTP %d %s", resp.StatusCode, scrub(strings.TrimSpace(string(answer)), w.URL))
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized:
		return 0, &permanentError{fmt.Sprintf("HTTP %d: the webhook refused the post; check that the webhook URL is current (it is never shown: whoever holds it can post)", resp.StatusCode)}
	default:
		return 0, &permanentError{fmt.Sprintf("HTTP %d %s", resp.StatusCode, scrub(strings.TrimSpace(string(answer)), w.URL))}
	}
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// scrub removes the webhook URL, and its path and query, wherever they show up in s (an
// answer that echoes the request, an error that quotes it).
func scrub(s, webhook string) string {
	const hidden = "<webhook>"
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	s = strings.ReplaceAll(s, webhook, hidden)
	if u, err := url.Parse(webhook); err == nil {
		for _, part := range []string{u.RawQuery, u.EscapedPath(), u.Path} {
			if len(part) > 1 {
				s = strings.ReplaceAll(s, part, hidden)
			}
		}
	}
	return s
}
