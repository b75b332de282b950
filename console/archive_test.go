package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive/archivetest"
)

// TestConsoleArchiveIsItsPrincipals: the console signs as A; B's archived
// failure is neither listed nor replayed through it.
func TestConsoleArchiveIsItsPrincipals(t *testing.T) {
	cfg := config(t, time.Minute) // the re-driven jobs stay Running
	archivetest.Seed(t, cfg.DataDir, archivetest.Failure{Job: "job-a", Owner: principalA.Principal, Event: "evt-job-a"},
		archivetest.Failure{Job: "job-b", Owner: principalB.Principal, Event: "evt-job-b"})
	base := start(t, cfg)

	code, body := send(t, "GET", base+"/console/api/local/archive", "")
	if code != http.StatusOK || !strings.Contains(body, `"evt-job-a"`) || strings.Contains(body, "job-b") {
		t.Fatalf("GET the archive through the console: %d %s, want A's failure and not B's", code, body)
	}
	if code, body := send(t, "POST", base+"/console/api/local/archive/replay", `{"ids":["evt-job-b"]}`); code != http.StatusForbidden {
		t.Errorf("replay without X-Console: %d %s, want 403", code, body)
	}
	code, body = send(t, "POST", base+"/console/api/local/archive/replay", `{"ids":["evt-job-b","evt-job-a"]}`,
		"X-Console", "1", "Content-Type", "application/json")
	if code != http.StatusOK || body != `{"replayed":["evt-job-a"],"refusedAgain":[],"ignored":["evt-job-b"]}`+"\n" {
		t.Fatalf("replay through the console: %d %s, want A's replayed and B's ignored", code, body)
	}
	if got := getAs(t, base, principalB, "job-b"); got.Status != "Running" {
		t.Errorf("B's job is %s after the console's replay, want it untouched", got.Status)
	}
	if got := getAs(t, base, principalA, "job-a"); got.Status != "Failure" {
		t.Errorf("A's job is %s after the console's replay, want its Failure", got.Status)
	}
}

// TestConsoleArchiveInChromium: the console lists the principal's archived
// failure; its Replay button records the failure, shown with its reason.
func TestConsoleArchiveInChromium(t *testing.T) {
	cfg := config(t, time.Minute) // the re-driven job stays Running
	archivetest.Seed(t, cfg.DataDir, archivetest.Failure{Job: "job-a", Owner: principalA.Principal, Event: "evt-job-a"})
	base := start(t, cfg)
	ctx := browser(t)

	const replay = `#archive-events tr[data-event="evt-job-a"] button[aria-label^="Replay"]`
	run(t, ctx, "see the archived failure and replay it",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(replay)),
		chromedp.Click(chromedp.CSS(replay)),
		poll(`document.querySelector('#archive-result').textContent !== '' || document.querySelector('#message').textContent !== ''`),
	)
	if result := value(t, ctx, "the replay", chromedp.Evaluate[string](`document.querySelector('#archive-result').textContent + document.querySelector('#message').textContent`)); result != "Replayed the failure of job job-a" {
		t.Fatalf("Replay answered %q, want the failure replayed", result)
	}
	run(t, ctx, "see the job's failure", chromedp.WaitVisible(chromedp.CSS(`#detail-error:not([hidden])`)))
	fields := value(t, ctx, "the job", chromedp.Text(chromedp.CSS(`#detail-fields`)))
	reason := value(t, ctx, "its failure", chromedp.Text(chromedp.CSS(`#error-fields`)))
	if !strings.Contains(fields, "Status\nFailure\n") || !strings.Contains(reason, "boom in job-a") {
		t.Errorf("the replayed job shows %q with failure %q, want status Failure and the reason boom in job-a", fields, reason)
	}
	if got := getAs(t, base, principalA, "job-a"); got.Status != "Failure" {
		t.Errorf("job-a is %s after Replay, want Failure", got.Status)
	}
}
