package localevents

import (
	"net/http"
	"strings"
	"testing"
)

// TestJobNamespaceSubscriptionsNameOneJob checks that in a job namespace a
// subscription must name one job's channel: a wildcard or a channel of
// another depth would let an API-key holder hear of other principals' jobs.
func TestJobNamespaceSubscriptionsNameOneJob(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(*Config){
		"configured": nil,
		"default":    func(c *Config) { c.JobNamespaces, c.OpenNamespaces = nil, nil },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, edit, nil)
			c := e.connect(t)
			for _, channel := range []string{"/jobs/*", "jobs/*/", "/jobs", "/jobs/a/b", "/jobs/a/*", "/jobs/a/b/c/d"} {
				send(t, c, map[string]any{"type": "subscribe", "id": "s", "channel": channel})
				m := next(t, c)
				expectError(t, m, "subscribe_error", "s", errUnauthorized)
				if !strings.Contains(m.Errors[0].Message, "/jobs/<id>") {
					t.Errorf("subscribe to %s: message %q does not say which channel is allowed", channel, m.Errors[0].Message)
				}
			}
			subscribe(t, c, "one", "jobs/0198d6a8-1111-7000-8000-000000000001")
			if _, subs := e.srv.holds(); subs != 1 {
				t.Errorf("the server holds %d subscriptions, want the one job subscription", subs)
			}
		})
	}
}

// TestJobNamespaceRefusesClientPublishes forges a job's terminal event over
// HTTP and over the socket: both are refused as AppSync refuses an
// unauthorised publish, and the job's subscriber hears only the in-process
// publisher.
func TestJobNamespaceRefusesClientPublishes(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	c := e.connect(t)
	subscribe(t, c, "job", "/jobs/a")
	forged := `{"id":"a","status":"Success","seq":99}`

	resp, m := postEvent(t, e, testKey, `{"channel":"/jobs/a","events":`+events(forged)+`}`)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("x-amzn-ErrorType") != errUnauthorized {
		t.Fatalf("HTTP publish to a job channel: status %d, x-amzn-ErrorType %q; want 401 UnauthorizedException", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
	if len(m.Errors) != 1 || m.Errors[0].ErrorType != errUnauthorized || m.Errors[0].Message == "" {
		t.Fatalf("HTTP publish to a job channel: body %s", m.raw)
	}

	send(t, c, map[string]any{"type": "publish", "id": "p", "channel": "/jobs/a", "events": []string{forged}})
	expectError(t, next(t, c), "publish_error", "p", errUnauthorized)

	publish(t, e.srv, "/jobs/a", `{"id":"a","status":"Running","seq":2}`)
	if got := event(t, next(t, c), "job"); got != `{"id":"a","status":"Running","seq":2}` {
		t.Fatalf("the subscriber got %s, want only the in-process publisher's event", got)
	}
}
