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
// through the list, older and back newer, each page of 200 the API's slice
// in the API's order.
func TestConsoleAtScale(t *testing.T) {
	total := 10000
	if testing.Short() {
		total = 1000
	}
	cfg := config(t, time.Minute)
	cfg.QueueSize = total
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
