package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/spf13/pflag"

	"github.com/amlmon/amlmon/archive"
	"github.com/amlmon/amlmon/notify"
	"github.com/amlmon/amlmon/publish"
	"github.com/amlmon/amlmon/reports"
)

// DeliverOptions take a written report to people: --publish uploads it to a report site,
// --notify posts its headline to a channel.
type DeliverOptions struct {
	Publish      string
	PublishURL   string
	Notify       string
	NotifyFormat string
	// RetryDelay is the first wait before a publish or notify call is tried again; zero
	// takes the defaults (1 s for storage, 2 s for a webhook). Hidden: tests shorten it.
	RetryDelay time.Duration
}

// AddFlags registers --publish, --publish-url, --notify and --notify-format.
func (o *DeliverOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Publish, "publish", "", "upload the day's report to a report site: az://<account>/<container>[/prefix], https://<account>.blob.core.windows.net/<container>[/prefix][?SAS], or <container>[/prefix] on the account of $AZURE_STORAGE_CONNECTION_STRING ($web for a static website)")
	fs.StringVar(&o.PublishURL, "publish-url", "", "the address people open the published site at, for the link in --notify (default: the blob URL of --publish; a static website's is https://<account>.z<N>.web.core.windows.net/)")
	fs.StringVar(&o.Notify, "notify", "", "post the day's headline, alert incidents and report link to this webhook URL (a secret: never logged)")
	fs.Var(newChoice(&o.NotifyFormat, notify.Slack, notify.Formats()...), "notify-format", "the webhook's format: slack (incoming webhook), teams (Workflows webhook, Adaptive Card) or json (summary.json as it is)")
	fs.DurationVar(&o.RetryDelay, "retry-delay", 0, "first wait before a failed upload or post is tried again")
	_ = fs.MarkHidden("retry-delay")
}

// deliveryError is a report that was written but not delivered: the run exits 1 with it, and
// the next run delivers again.
type deliveryError struct {
	what string
	err  error
}

func (e *deliveryError) Error() string {
	return fmt.Sprintf("%s: %v (what was written locally stays; the next run tries again)", e.what, e.err)
}

func (e *deliveryError) Unwrap() error { return e.err }

// azureOptions are the storage credentials of the environment, for --source and the
// delivery targets alike; a retryDelay above zero shortens the retries (tests).
func azureOptions(st *streams, log *slog.Logger, retryDelay time.Duration) archive.AzureOptions {
	env := func(k string) string { v, _ := st.getenv(k); return v }
	opts := archive.AzureOptions{
		ConnectionString: env("AZURE_STORAGE_CONNECTION_STRING"),
		Account:          env("AZURE_STORAGE_ACCOUNT"),
		Key:              env("AZURE_STORAGE_KEY"),
		SAS:              env("AZURE_STORAGE_SAS_TOKEN"),
		Logger:           log,
	}
	if retryDelay > 0 {
		opts.Retry = policy.RetryOptions{MaxRetries: 4, RetryDelay: retryDelay, MaxRetryDelay: 8 * retryDelay}
	}
	return opts
}

// deliver publishes and announces the report of day d in out/<d>/. It returns the error of the
// report (reportErr, e.g. alerts fired with --fail-on-alert) unless delivering failed, which
// stops the job.
func (o *DeliverOptions) deliver(ctx context.Context, st *streams, log *slog.Logger, stdout io.Writer, out string, d time.Time, reportErr error) error {
	if o.Publish == "" && o.Notify == "" {
		return reportErr
	}
	if reportErr != nil && !errors.Is(reportErr, errAlertsFired) {
		return reportErr // no report to deliver
	}
	dir := filepath.Join(out, d.Format(time.DateOnly))
	link := ""
	var errs []error
	if o.Publish != "" {
		page, err := o.publish(ctx, st, log, d, dir)
		if err != nil {
			errs = append(errs, &deliveryError{"publish", err})
		} else {
			link = page
			fmt.Fprintf(stdout, "Published: %s\n", link)
		}
	}
	if o.Notify != "" {
		if err := o.notify(ctx, log, dir, link); err != nil {
			errs = append(errs, &deliveryError{"notify", err})
		}
	}
	return errors.Join(append(errs, reportErr)...)
}

// publish uploads the report folder and returns the address of its report.html.
func (o *DeliverOptions) publish(ctx context.Context, st *streams, log *slog.Logger, d time.Time, dir string) (string, error) {
	dest, err := archive.NewDest(o.Publish, azureOptions(st, log, o.RetryDelay))
	if err != nil {
		return "", err
	}
	started := time.Now()
	site := publish.Site{Store: dest, Index: reports.IndexPage}
	if err := site.Day(ctx, d, dir); err != nil {
		return "", fmt.Errorf("%s to %s: %w", d.Format(time.DateOnly), dest, err)
	}
	page := d.Format(time.DateOnly) + "/report.html"
	link := dest.URL(page)
	if o.PublishURL != "" {
		link = strings.TrimSuffix(o.PublishURL, "/") + "/" + page
	}
	log.Info("report published", "dest", dest.String(), "date", d.Format(time.DateOnly), "url", link,
		"duration", time.Since(started).Round(time.Millisecond))
	return link, nil
}

// notify posts the day's headline and incidents to the webhook.
func (o *DeliverOptions) notify(ctx context.Context, log *slog.Logger, dir, link string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return fmt.Errorf("read the day's summary: %w", err)
	}
	var sum reports.Summary
	if err := json.Unmarshal(raw, &sum); err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(dir, "summary.json"), err)
	}
	incidents, err := reports.ReadIncidents(dir)
	if err != nil {
		return err
	}
	m := notify.Message{
		Title:    "amlmon daily report: " + sum.Date,
		Headline: headline(sum),
		Link:     link,
		Summary:  raw,
	}
	for _, in := range incidents {
		m.Incidents = append(m.Incidents, incidentLine(in))
	}
	w := notify.Webhook{URL: o.Notify, Format: o.NotifyFormat, Delay: o.RetryDelay}
	if err := w.Post(ctx, m); err != nil {
		return err
	}
	log.Info("notified", "format", o.NotifyFormat, "incidents", len(incidents), "link", link)
	return nil
}

// headline is the day's headline, one figure a line, as the message tells it.
func headline(s reports.Summary) []string {
	rate := "no job finished"
	if s.FailureRate != nil {
		rate = "failure rate " + strconv.FormatFloat(math.Round(*s.FailureRate*10000)/100, 'f', -1, 64) + " %"
	}
	return []string{
		fmt.Sprintf("Jobs: %d submitted, %d succeeded, %d failed (%s)", s.JobsSubmitted, s.JobsSucceeded, s.JobsFailed, rate),
		fmt.Sprintf("Alerts: %d incidents", s.AlertsFired),
		fmt.Sprintf("Data: %d blobs, %d rejected lines, %d missing hours", s.Blobs, s.Rejected, s.MissingHours),
	}
}

// incidentLine tells one incident: "quota_utilization on MLW-DEV-WEU, fired 03:05, resolved
// 03:20, peak 97.5".
func incidentLine(in reports.Incident) string {
	var b strings.Builder
	b.WriteString(in.Rule)
	if in.Workspace != "" {
		b.WriteString(" on " + in.Workspace)
	}
	if in.FiredAt != "" {
		b.WriteString(", fired " + in.FiredAt)
	}
	if in.ResolvedAt != "" {
		b.WriteString(", resolved " + in.ResolvedAt)
	}
	if in.Value != "" {
		b.WriteString(", peak " + in.Value)
	}
	return b.String()
}

// publishLake mirrors the lake's tables to dest after a sync.
func publishLake(ctx context.Context, st *streams, log *slog.Logger, stdout io.Writer, dest, lake string, parallel int, retryDelay time.Duration) error {
	d, err := archive.NewDest(dest, azureOptions(st, log, retryDelay))
	if err != nil {
		return &deliveryError{"lake publish", err}
	}
	started := time.Now()
	stats, err := publish.Lake(ctx, d, lake, max(parallel, 4))
	if err != nil {
		return &deliveryError{"lake publish", fmt.Errorf("to %s: %w", d, err)}
	}
	log.Info("lake published", "dest", d.String(), "files", stats.Files, "uploaded", stats.Uploaded,
		"unchanged", stats.Unchanged, "deleted", stats.Deleted, "bytes", stats.Bytes,
		"duration", time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(stdout, "Lake:     published to %s: %d files, %d uploaded (%d bytes), %d unchanged, %d deleted\n",
		d, stats.Files, stats.Uploaded, stats.Bytes, stats.Unchanged, stats.Deleted)
	return nil
}

// addPublishLakeFlag registers --publish-lake, shared by run and sync.
func addPublishLakeFlag(fs *pflag.FlagSet, dest *string) {
	fs.StringVar(dest, "publish-lake", "", "after the sync, mirror the lake's tables (Hive-partitioned Parquet, not _amlmon/) to this container[/prefix], in the forms of --publish")
}

// check refuses, before any work, a destination or webhook the run could not deliver to.
// Nothing is called: a destination is parsed, a webhook URL is checked to be http(s).
func (o *DeliverOptions) check(st *streams) error {
	if o.Publish != "" {
		if err := checkDest(st, "--publish", o.Publish); err != nil {
			return err
		}
	}
	if o.Notify != "" {
		// The URL is a secret: the message never quotes it.
		u, err := url.Parse(o.Notify)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return usagef("--notify: the webhook URL is not an http(s) URL; copy the whole URL from the channel's webhook settings")
		}
	}
	return nil
}

// checkDest parses a destination flag's value.
func checkDest(st *streams, flag, dest string) error {
	if _, err := archive.NewDest(dest, azureOptions(st, nil, 0)); err != nil {
		return usagef("%s: %v", flag, err)
	}
	return nil
}
