package reports

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromium finds the browser the test drives: $AMLMON_CHROMIUM, else Debian's chromium or
// another Chrome on PATH.
func chromium() (string, error) {
	if p := os.Getenv("AMLMON_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found: install it (Debian: apt-get install chromium; `make test` does so when run as root), or point AMLMON_CHROMIUM at a Chrome binary")
}

// TestReportHTMLInBrowser opens report.html from disk in headless Chromium, as a person who
// received it would: no console error, no script run, every chart laid out with a size, the
// hostile job name shown as text. The screenshot is kept under the test's artifact directory
// (go test -artifacts -outputdir DIR keeps it: DIR/_artifacts/…/report.png; make test does).
func TestReportHTMLInBrowser(t *testing.T) {
	bin, err := chromium()
	if err != nil {
		t.Fatal(err)
	}
	l := fixtureLake(t)
	l.table("AmlComputeJobEvent", "2026-11-25", []row{
		job(rid1, "WS1", "gpu", "hostile", "JobSubmitted", "2026-11-25T00:20:00Z", row{"JobName": hostileJob}),
		job(rid1, "WS1", "gpu", "hostile", "JobFailed", "2026-11-25T00:30:00Z", row{"JobName": hostileJob, "JobErrorMessage": "<script>alert(2)</script>"}),
	})
	dir, _ := writeReport(t, l.open(), t.TempDir(), nil)
	svgs, _ := filepath.Glob(filepath.Join(dir, "*.svg"))
	if len(svgs) == 0 {
		t.Fatal("the fixture's report has no chart")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox, // tests run as root in CI containers, where the sandbox cannot start
		chromedp.WindowSize(1280, 1024),
		chromedp.Flag("disable-dev-shm-usage", true),
	)...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	// alert() is replaced before the page loads, so that a script that ran would leave a
	// mark rather than a dialog that stalls the page; the replacement is the browser's own
	// (DevTools), which the page's Content-Security-Policy does not govern.
	const markScripts = `window.__ran = []; for (const f of ['alert', 'confirm', 'prompt']) { window[f] = (m) => { window.__ran.push(f + ':' + m); }; }`
	var mu sync.Mutex
	var problems []string
	err = chromedp.Listen(browser, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			problems = append(problems, fmt.Sprintf("a script opened a %s dialog: %q", e.Type, e.Message))
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("chromium (%s): %v", bin, err)
	}
	console := chromedp.Console(browser)
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, "console: "+m.String()+" at "+m.URL)
				mu.Unlock()
			}
		}
	}()
	err = chromedp.Do(browser,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: markScripts})
			return err
		}),
		chromedp.Navigate("file://"+filepath.Join(dir, "report.html")),
		chromedp.WaitReady("body"),
	)
	if err != nil {
		t.Fatalf("chromium (%s): load report.html: %v", bin, err)
	}
	title, err := chromedp.Run(browser, chromedp.Title())
	check := func(what string, err error) {
		if err != nil {
			t.Fatalf("chromium: %s: %v", what, err)
		}
	}
	check("title", err)
	scripts, err := chromedp.Run(browser, chromedp.Evaluate[int](`document.scripts.length`))
	check("scripts", err)
	images, err := chromedp.Run(browser, chromedp.Evaluate[int](`document.images.length`))
	check("images", err)
	ran, err := chromedp.Run(browser, chromedp.Evaluate[[]string](`window.__ran`))
	check("script marks", err)
	hostileCell, err := chromedp.Run(browser, chromedp.Evaluate[bool](`Array.from(document.querySelectorAll('td')).some(td => td.textContent === `+"`"+hostileJob+"`"+`)`))
	check("hostile cell", err)
	chartSizes, err := chromedp.Run(browser, chromedp.Evaluate[[][2]float64](`Array.from(document.querySelectorAll('.chart svg')).map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })`))
	check("chart sizes", err)
	shot, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	check("screenshot", err)
	pdf, err := chromedp.Run(browser, chromedp.PrintToPDF())
	check("print", err)
	// Messages of the load may still be on their way; then stop reading.
	time.Sleep(300 * time.Millisecond)
	cancelBrowser()
	<-consoleDone

	art := t.ArtifactDir()
	png := filepath.Join(art, "report.png")
	if err := os.WriteFile(png, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", png, len(shot))

	mu.Lock()
	defer mu.Unlock()
	if len(ran) != 0 {
		t.Errorf("scripts ran in the page: %q", ran)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if title != "amlmon daily report: 2026-11-25" {
		t.Errorf("title = %q", title)
	}
	if scripts != 0 || images != 0 {
		t.Errorf("the page has %d scripts and %d images, want none", scripts, images)
	}
	if !hostileCell {
		t.Errorf("no table cell shows the job name %q as text", hostileJob)
	}
	if len(chartSizes) != len(svgs) {
		t.Errorf("%d charts laid out, %d SVG files in the report", len(chartSizes), len(svgs))
	}
	for i, s := range chartSizes {
		if s[0] <= 0 || s[1] <= 0 {
			t.Errorf("chart %d is laid out %v×%v", i, s[0], s[1])
		}
	}
	if len(shot) < 1000 || !strings.HasPrefix(string(shot), "\x89PNG") {
		t.Errorf("screenshot: %d bytes, not a PNG", len(shot))
	}
	if !strings.HasPrefix(string(pdf), "%PDF") {
		t.Errorf("printing the page gave %d bytes, not a PDF", len(pdf))
	}
}
