package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is the path of Debian's chromium. Without it the browser test
// skips, except in CI (CI=true), where it fails: .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install -y chromium); the console's browser test needs it")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium)")
	return ""
}

// browser opens a headless chromium for the test, ended with it.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.WindowSize(1400, 1000))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 40*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
}

// TestConsoleInChromium drives the console in a real browser: submits an
// order from its form and sees its steps arrive live in order, cancels a
// sleep job, reads a failure's reason and pages through the list.
func TestConsoleInChromium(t *testing.T) {
	base := setupOneWorker(t)
	ctx := browser(t)
	// The only worker sleeps, so the order submitted next waits Pending
	// until the page follows it.
	sleeper := submitAs(t, base, principalA, `{"seconds":1}`)

	run(t, ctx, "open the console and submit an order",
		chromedp.Navigate(base+"/"),
		poll(`document.querySelector('#submit-type option[value="order"]') !== null`),
		chromedp.SetValue(chromedp.CSS(`#submit-type`), "order"),
		change(`#submit-type`),
		chromedp.WaitVisible(chromedp.CSS(`#param-orderId`)),
		chromedp.SendKeys(chromedp.CSS(`#param-orderId`), "order-42"),
		chromedp.SendKeys(chromedp.CSS(`#param-items`), "3"),
		chromedp.Click(chromedp.CSS(`#submit-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#submit-result[data-job]`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail[data-live="true"]`)),
	)
	order := value(t, ctx, "the submitted job's id", chromedp.AttributeValue(chromedp.CSS(`#submit-result`), "data-job")).Value
	if got := getAs(t, base, principalA, order); got.Type != "order" || got.Status != "Pending" {
		t.Fatalf("the form submitted %+v, want a Pending order", got)
	}

	run(t, ctx, "cancel the sleep job from its row",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-id=%q] button.cancel`, sleeper.ID))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-id=%q] td.status-Cancelled`, sleeper.ID))),
	)
	if got := getAs(t, base, principalA, sleeper.ID); got.Status != "Cancelled" {
		t.Errorf("the sleep job is %s after Cancel, want Cancelled", got.Status)
	}

	run(t, ctx, "see the order's steps arrive", poll(`document.querySelector('#detail-cancel').hidden`))
	timeline := value(t, ctx, "the timeline", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#timeline li')].map(li => li.textContent)`))
	checkTimeline(t, timeline)
	screenshot(t, ctx)

	run(t, ctx, "submit a sleep of 301 s and read why it failed",
		chromedp.SetValue(chromedp.CSS(`#submit-type`), "sleep"),
		change(`#submit-type`),
		chromedp.SendKeys(chromedp.CSS(`#param-seconds`), "301"),
		chromedp.Click(chromedp.CSS(`#submit-button`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-error:not([hidden])`)),
	)
	errorText := value(t, ctx, "the failure", chromedp.Text(chromedp.CSS(`#error-fields`)))
	if !strings.Contains(errorText, "SecondsAboveLimit") {
		t.Errorf("the failure shows %q, want its error type SecondsAboveLimit", errorText)
	}

	for range 20 {
		submitAs(t, base, principalA, `{"type":"noop"}`)
	}
	var pages [][]string
	read := func() []string {
		return value(t, ctx, "the page's jobs", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#jobs tbody tr')].map(tr => tr.dataset.id)`))
	}
	run(t, ctx, "first page of 10",
		chromedp.SetValue(chromedp.CSS(`#filter-limit`), "10"),
		change(`#filter-limit`),
		chromedp.WaitVisible(chromedp.CSS(`#page-number`)),
		poll(`document.querySelectorAll('#jobs tbody tr').length === 10 && document.querySelector('#page-prev').disabled`),
	)
	pages = append(pages, read())
	for page := 2; page <= 3; page++ {
		run(t, ctx, fmt.Sprintf("page %d", page),
			chromedp.Click(chromedp.CSS(`#page-next`)),
			poll(fmt.Sprintf(`document.querySelector('#page-number').textContent === 'Page %d'`, page)),
		)
		pages = append(pages, read())
	}
	lastDisabled := value(t, ctx, "the last page", chromedp.Evaluate[bool](`document.querySelector('#page-next').disabled`))
	// 23 jobs: the sleeper, the order, the failed sleep and 20 noops.
	seen := slices.Concat(pages...)
	if len(pages[0]) != 10 || len(pages[1]) != 10 || len(pages[2]) != 3 || !lastDisabled {
		t.Errorf("pages of %d, %d, %d jobs (last page's next disabled: %v), want 10, 10, 3 and the end", len(pages[0]), len(pages[1]), len(pages[2]), lastDisabled)
	}
	slices.Sort(seen)
	if len(slices.Compact(seen)) != 23 || !slices.Contains(seen, order) || !slices.Contains(seen, sleeper.ID) {
		t.Errorf("the pages list %v, want 23 distinct jobs with the order and the sleeper", seen)
	}
}

// checkTimeline wants the order's states with increasing seq, its four
// steps in order and its success last.
func checkTimeline(t *testing.T, timeline []string) {
	t.Helper()
	var seqs []int
	var steps []string
	for _, line := range timeline {
		var seq int
		var status string
		fmt.Sscanf(line, "seq %d %s", &seq, &status)
		seqs = append(seqs, seq)
		for _, step := range []string{"PAID", "PREPARING", "OUT_FOR_DELIVERY", "DELIVERED"} {
			if strings.Contains(line, " "+step+" ") && status == "Running" {
				steps = append(steps, step)
			}
		}
	}
	if !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
		t.Errorf("timeline %q: seqs not increasing", timeline)
	}
	if want := []string{"PAID", "PREPARING", "OUT_FOR_DELIVERY", "DELIVERED"}; !slices.Equal(steps, want) {
		t.Errorf("timeline %q: steps %v, want %v live in order", timeline, steps, want)
	}
	if len(timeline) == 0 || !strings.Contains(timeline[len(timeline)-1], "Success") {
		t.Errorf("timeline %q does not end with Success", timeline)
	}
}

// screenshot saves the page as console.png in $CONSOLE_SCREENSHOT_DIR, or
// in the test's temporary directory.
func screenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	dir := os.Getenv("CONSOLE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	png := value(t, ctx, "screenshot", chromedp.FullScreenshot(100))
	file := filepath.Join(dir, "console.png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}

// run runs steps in the page; the test fails at the first that fails.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	value(t, ctx, what, chromedp.Steps(steps...))
}

// value runs action in the page and returns what it gives.
func value[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// change tells the page that the select sel changed, as a user's choice does.
func change(sel string) chromedp.Action[chromedp.Void] {
	return discard(chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event('change'))`, sel)))
}

// poll waits until the expression is true in the page.
func poll(expression string) chromedp.Action[chromedp.Void] {
	return discard(chromedp.Poll[bool](expression))
}

func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := a(ctx, t)
		return err
	})
}
