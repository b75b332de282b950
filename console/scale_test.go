package console_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/asyncjobs/asyncjobs/internal/sigv4test"
)

// TestConsoleAtScale: with 10,000 jobs (1,000 in -short) the console pages
// through the list, each page the API's next slice; then 50 orders change
// about 100 times a second on screen and the page never freezes: no long
// task over 200 ms, every row reaches Success.
func TestConsoleAtScale(t *testing.T) {
	total := 10000
	if testing.Short() {
		total = 1000
	}
	cfg := config(t, time.Minute)
	cfg.Workers, cfg.QueueSize = 50, total+100
	// 50 orders, each Running, four steps 750 ms apart and Success: six
	// changes each in about 2.3 s, over 100 a second.
	cfg.JobTypes.OrderStep = 750 * time.Millisecond
	base := start(t, cfg)

	began := time.Now()
	submitMany(t, base, total, `{"type":"noop"}`)
	t.Logf("submitted %d noop jobs in %v", total, time.Since(began).Round(time.Millisecond))
	want := listIDs(t, base, 200, 4) // the API's first four pages of 200, newest first
	ctx := browser(t)

	read := func(what string) []string {
		return value(t, ctx, what, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#jobs tbody tr')].map(tr => tr.dataset.id)`))
	}
	pageShown := func(page int) chromedp.Action[chromedp.Void] {
		return poll(fmt.Sprintf(`document.querySelector('#page-number').textContent === 'Page %d' && document.querySelectorAll('#jobs tbody tr').length === 200`, page))
	}
	run(t, ctx, "first page of 200",
		chromedp.Navigate(base+"/"),
		poll(`document.querySelector('#page-number').textContent === 'Page 1'`),
		chromedp.SetValue(chromedp.CSS(`#filter-limit`), "200"),
		change(`#filter-limit`),
		pageShown(1),
	)
	checkPage(t, 1, read("page 1"), want)
	for page := 2; page <= 4; page++ {
		run(t, ctx, fmt.Sprintf("older: page %d", page), chromedp.Click(chromedp.CSS(`#page-next`)), pageShown(page))
		checkPage(t, page, read(fmt.Sprintf("page %d", page)), want)
	}
	for page := 3; page >= 2; page-- {
		run(t, ctx, fmt.Sprintf("newer: page %d", page), chromedp.Click(chromedp.CSS(`#page-prev`)), pageShown(page))
		checkPage(t, page, read(fmt.Sprintf("page %d", page)), want)
	}

	// 50 sleep jobs hold the 50 workers, so the orders wait Pending until
	// the page follows them all; the frame watch runs from before the
	// orders exist until they are all done.
	var blockers []string
	for range 50 {
		blockers = append(blockers, submitAs(t, base, principalA, `{"seconds":1}`).ID)
	}
	for _, id := range blockers {
		waitStatus(t, base, id, "Running")
	}
	run(t, ctx, "show the orders and watch the frames",
		chromedp.SetValue(chromedp.CSS(`#filter-type`), "order"),
		chromedp.SetValue(chromedp.CSS(`#filter-limit`), "50"),
		change(`#filter-limit`),
		poll(`document.querySelector('#page-number').textContent === 'Page 1' && document.querySelector('#jobs tbody td.muted') !== null`),
		discard(chromedp.Evaluate[bool](watchFrames)),
	)
	submitMany(t, base, 50, `{"type":"order","parameters":{"orderId":"o","items":1}}`)
	run(t, ctx, "50 pending orders on screen, followed",
		chromedp.Click(chromedp.CSS(`#refresh`)),
		poll(`document.querySelectorAll('#jobs tbody td.status-Pending').length === 50`),
		poll(`window.frameWatch.arrived() >= 50`), // each order's Pending state (again, if the stream reconnected)
	)
	for _, id := range blockers {
		req, _ := http.NewRequest(http.MethodDelete, base+"/jobs/"+id, nil)
		if resp, raw := sigv4test.Do(t, req, nil, principalA, "us-east-1"); resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE /jobs/%s: %d %s", id, resp.StatusCode, raw)
		}
	}
	run(t, ctx, "every order reaches Success", poll(`document.querySelectorAll('#jobs tbody td.status-Success').length === 50`))
	watch := value(t, ctx, "the frame watch", chromedp.Evaluate[frameWatch](`window.frameWatch.stop()`))
	t.Logf("%d job states arrived in %.0f ms (%.0f a second), %d changes of a row seen; longest frame gap %.0f ms; %d long tasks, the longest %.0f ms",
		watch.Arrived, watch.Millis, float64(watch.Arrived)/watch.Millis*1000, watch.Changes, watch.WorstGap, watch.LongTasks, watch.WorstLongTask)
	// Each order's Pending state when followed, then Running, its four
	// steps and Success; on screen at least each step.
	if watch.Arrived < 50*7 || watch.Changes < 50*4 {
		t.Errorf("%d states arrived and %d row changes were seen, want each order's seven (350) and on screen its steps (≥ 200)", watch.Arrived, watch.Changes)
	}
	if watch.WorstLongTask > 200 {
		t.Errorf("a task held the page for %.0f ms while the orders changed, want none over 200 ms", watch.WorstLongTask)
	}
}

// frameWatch is what watchFrames measured.
type frameWatch struct {
	Arrived       int     `json:"arrived"`  // job states the page's stream received
	Changes       int     `json:"changes"`  // changes of a row's status or progress seen
	Millis        float64 `json:"millis"`   // how long it watched
	WorstGap      float64 `json:"worstGap"` // the longest gap between two animation frames, ms
	LongTasks     int     `json:"longTasks"`
	WorstLongTask float64 `json:"worstLongTask"` // ms
}

// watchFrames starts window.frameWatch in the page: a count of the job
// states its streams receive, a longtask observer, an animation frame loop that also counts the changes of the rows' status
// and progress from one frame to the next; frameWatch.stop() ends it and answers a frameWatch.
const watchFrames = `(() => {
  const w = { arrived: 0, changes: 0, millis: 0, worstGap: 0, longTasks: 0, worstLongTask: 0 };
  const begin = performance.now();
  let last = begin, running = true;
  const tasks = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) { w.longTasks++; w.worstLongTask = Math.max(w.worstLongTask, e.duration); }
  });
  tasks.observe({ type: 'longtask' });
  const shown = new Map(); // job → its status and progress on screen
  const frame = (now) => {
    w.worstGap = Math.max(w.worstGap, now - last);
    last = now;
    for (const row of document.querySelectorAll('#jobs tbody tr[data-id]')) {
      const seen = row.cells[2].textContent + ' ' + row.cells[3].textContent;
      if (shown.has(row.dataset.id) && shown.get(row.dataset.id) !== seen) w.changes++;
      shown.set(row.dataset.id, seen);
    }
    if (running) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // The console opens its next stream with this EventSource.
  window.EventSource = class extends EventSource {
    constructor(...args) { super(...args); this.addEventListener('message', () => w.arrived++); }
  };
  window.frameWatch = { arrived: () => w.arrived, stop: () => {
    running = false; tasks.disconnect();
    w.millis = performance.now() - begin;
    return w;
  } };
  return true;
})()`

// waitStatus waits, up to 10 s, until job id has status.
func waitStatus(t *testing.T, base, id, status string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); getAs(t, base, principalA, id).Status != status; {
		if time.Now().After(deadline) {
			t.Fatalf("job %s is not %s after 10 s", id, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkPage wants the page's rows to be the page'th slice of want, the
// API's list: distinct, newest first, where the previous page ended.
func checkPage(t *testing.T, page int, got, want []string) {
	t.Helper()
	from, to := (page-1)*len(got), page*len(got)
	distinct := slices.Compact(slices.Sorted(slices.Values(got)))
	if len(got) != 200 || len(distinct) != len(got) || !slices.Equal(got, want[from:to]) {
		t.Errorf("page %d shows %d jobs (%d distinct), want the API's jobs %d to %d in order", page, len(got), len(distinct), from+1, to)
	}
}

// submitMany posts body as principal A n times, eight at once.
func submitMany(t *testing.T, base string, n int, body string) {
	t.Helper()
	todo := make(chan struct{}, n)
	for range n {
		todo <- struct{}{}
	}
	close(todo)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range todo {
				req, _ := http.NewRequest(http.MethodPost, base+"/jobs", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				sigv4test.Sign(t, req, []byte(body), principalA, "us-east-1")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusAccepted {
					errs <- fmt.Sprintf("POST /jobs: %d %s", resp.StatusCode, raw)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// listIDs reads pages pages of limit of principal A's jobs from the API
// and returns their ids; it wants them newest first.
func listIDs(t *testing.T, base string, limit, pages int) []string {
	t.Helper()
	var ids []string
	var created []time.Time
	cursor := ""
	for range pages {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/jobs?limit=%d&cursor=%s", base, limit, url.QueryEscape(cursor)), nil)
		resp, raw := sigv4test.Do(t, req, nil, principalA, "us-east-1")
		var page struct {
			Jobs []struct {
				ID        string    `json:"id"`
				CreatedAt time.Time `json:"createdAt"`
			} `json:"jobs"`
			Next string `json:"next"`
		}
		if err := json.Unmarshal(raw, &page); resp.StatusCode != http.StatusOK || err != nil || page.Next == "" {
			t.Fatalf("GET /jobs: %d %s (%v), want a full page and a next cursor", resp.StatusCode, raw, err)
		}
		for _, j := range page.Jobs {
			ids, created = append(ids, j.ID), append(created, j.CreatedAt)
		}
		cursor = page.Next
	}
	if !slices.IsSortedFunc(created, func(a, b time.Time) int { return b.Compare(a) }) {
		t.Fatalf("the API lists the jobs out of order: want newest first")
	}
	return ids
}
