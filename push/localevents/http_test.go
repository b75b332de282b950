package localevents

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/asyncjobs/asyncjobs/push"
)

// postEvent POSTs body to /event and decodes the response body.
func postEvent(t *testing.T, e *env, key, body string) (*http.Response, wire) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.ts.URL+"/event", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("content-type", "application/json")
	if key != "" {
		req.Header.Set("x-api-key", key)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	m := wire{raw: string(b)}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("status %d, body %q: %v", resp.StatusCode, b, err)
	}
	return resp, m
}

func events(evs ...string) string {
	b, _ := json.Marshal(evs)
	return string(b)
}

func TestHTTPPublishErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	six := events(`1`, `2`, `3`, `4`, `5`, `6`)
	for _, tc := range []struct {
		name, key, body string
		status          int
		errorType       string
	}{
		{"no key", "", `{"channel":"/open/a","events":["1"]}`, 401, errUnauthorized},
		{"wrong key", "da2-wrong", `{"channel":"/open/a","events":["1"]}`, 401, errUnauthorized},
		{"not JSON", testKey, `{"channel":`, 400, errBadRequest},
		{"bad channel", testKey, `{"channel":"/open/a_b","events":["1"]}`, 400, errBadRequest},
		{"wildcard channel", testKey, `{"channel":"/open/*","events":["1"]}`, 400, errBadRequest},
		{"unknown namespace", testKey, `{"channel":"/nope/a","events":["1"]}`, 400, errBadRequest},
		{"job namespace", testKey, `{"channel":"/jobs/a","events":["1"]}`, 401, errUnauthorized},
		{"six events", testKey, `{"channel":"/open/a","events":` + six + `}`, 400, errBadRequest},
		{"no events", testKey, `{"channel":"/open/a","events":[]}`, 400, errBadRequest},
		{"event not a string", testKey, `{"channel":"/open/a","events":[{"a":1}]}`, 400, errBadRequest},
		{"event not JSON", testKey, `{"channel":"/open/a","events":["{"]}`, 400, errBadRequest},
		{"over 1.2 MB", testKey, `{"channel":"/open/a","events":["` + strings.Repeat("1", maxRequestBytes) + `"]}`, 400, errBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, m := postEvent(t, e, tc.key, tc.body)
			if resp.StatusCode != tc.status || resp.Header.Get("x-amzn-ErrorType") != tc.errorType {
				t.Fatalf("status %d, x-amzn-ErrorType %q; want %d, %q", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), tc.status, tc.errorType)
			}
			if len(m.Errors) != 1 || m.Errors[0].ErrorType != tc.errorType || m.Errors[0].Message == "" {
				t.Fatalf("body %s", m.raw)
			}
			if tc.key != testKey && m.Errors[0].Message != "You are not authorized to make this call." {
				t.Errorf("message %q", m.Errors[0].Message)
			}
		})
	}
}

func TestHTTPPublish(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	e := setup(t, func(c *Config) {
		c.NewID = func() string { return fmt.Sprintf("id-%d", n.Add(1)) }
	}, nil)
	resp, m := postEvent(t, e, testKey, `{"channel":"open/a/","events":`+events(`1`, `"two"`, `{"3":3}`, `[4]`, `null`)+`}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(m.Successful) != 5 || len(m.Failed) != 0 || m.Successful[4].Index != 4 || m.Successful[4].Identifier != "id-5" {
		t.Fatalf("body %s", m.raw)
	}

	big := fmt.Sprintf(`{"pad":%q}`, strings.Repeat("x", push.MaxEventBytes))
	resp, m = postEvent(t, e, testKey, `{"channel":"/open/a","events":`+events(big, `{"ok":1}`)+`}`)
	if resp.StatusCode != http.StatusOK || len(m.Successful) != 1 || m.Successful[0].Index != 1 ||
		len(m.Failed) != 1 || m.Failed[0].Index != 0 || m.Failed[0].Code != "EventTooLargeException" || m.Failed[0].Message == "" {
		t.Fatalf("status %d, body %.300s; want event 0 failed", resp.StatusCode, m.raw)
	}
}

// TestCORS checks that only pages served from this machine get CORS
// headers, on the preflight and on the publish itself.
func TestCORS(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	do := func(method, origin string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, e.ts.URL+"/event", strings.NewReader(`{"channel":"/open/a","events":["1"]}`))
		if err != nil {
			t.Fatal(err)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-api-key")
		req.Header.Set("x-api-key", testKey)
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, tc := range []struct {
		origin          string
		preflightStatus int
		allowed         bool
	}{
		{origin: "http://localhost:5173", preflightStatus: http.StatusNoContent, allowed: true},
		{origin: "https://127.0.0.1:8443", preflightStatus: http.StatusNoContent, allowed: true},
		{origin: "", preflightStatus: http.StatusNoContent},
		{origin: "https://evil.example", preflightStatus: http.StatusForbidden},
		{origin: "null", preflightStatus: http.StatusForbidden},
		{origin: "http://localhost.evil.example", preflightStatus: http.StatusForbidden},
	} {
		t.Run("origin "+tc.origin, func(t *testing.T) {
			pre := do(http.MethodOptions, tc.origin)
			if pre.StatusCode != tc.preflightStatus {
				t.Fatalf("preflight status %d, want %d", pre.StatusCode, tc.preflightStatus)
			}
			post := do(http.MethodPost, tc.origin)
			if post.StatusCode != http.StatusOK {
				t.Fatalf("publish status %d", post.StatusCode)
			}
			for name, resp := range map[string]*http.Response{"preflight": pre, "publish": post} {
				h := resp.Header
				want := ""
				if tc.allowed {
					want = tc.origin
				}
				if got := h.Get("Access-Control-Allow-Origin"); got != want {
					t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", name, got, want)
				}
				if h.Get("Vary") != "Origin" {
					t.Errorf("%s: Vary %q, want Origin", name, h.Values("Vary"))
				}
				if exposed := strings.Contains(h.Get("Access-Control-Expose-Headers"), "x-amzn-ErrorType"); exposed != tc.allowed {
					t.Errorf("%s: x-amzn-ErrorType exposed: %v, want %v", name, exposed, tc.allowed)
				}
			}
			allowed := pre.Header.Get("Access-Control-Allow-Headers")
			if tc.preflightStatus == http.StatusForbidden {
				if allowed != "" || pre.Header.Get("Access-Control-Allow-Methods") != "" {
					t.Errorf("a foreign origin's preflight got allow headers: %v", pre.Header)
				}
				return
			}
			if !strings.Contains(pre.Header.Get("Access-Control-Allow-Methods"), "POST") {
				t.Errorf("Access-Control-Allow-Methods %q", pre.Header.Get("Access-Control-Allow-Methods"))
			}
			for _, name := range []string{"content-type", "x-api-key", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-user-agent"} {
				if !strings.Contains(allowed, name) {
					t.Errorf("Access-Control-Allow-Headers %q lacks %s", allowed, name)
				}
			}
		})
	}
}

func TestPublishInProcess(t *testing.T) {
	t.Parallel()
	srv := New(Config{})
	t.Cleanup(srv.Close)
	big := json.RawMessage(fmt.Sprintf(`{"pad":%q}`, strings.Repeat("x", push.MaxEventBytes)))
	for _, tc := range []struct {
		name    string
		channel string
		events  []json.RawMessage
		ok      bool
	}{
		{"five events", "jobs/a", make5(), true},
		{"six events", "/jobs/a", append(make5(), json.RawMessage(`6`)), false},
		{"no events", "/jobs/a", nil, false},
		{"unknown namespace", "/other/a", make5(), false},
		{"invalid channel", "/jobs/a_b", make5(), false},
		{"wildcard", "/jobs/*", make5(), false},
		{"invalid JSON", "/jobs/a", []json.RawMessage{json.RawMessage(`{`)}, false},
		{"too large", "/jobs/a", []json.RawMessage{big}, false},
	} {
		err := srv.Publish(context.Background(), tc.channel, tc.events)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Publish = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

func make5() []json.RawMessage {
	return []json.RawMessage{json.RawMessage(`1`), json.RawMessage(`"2"`), json.RawMessage(`{}`), json.RawMessage(`[]`), json.RawMessage(`null`)}
}
