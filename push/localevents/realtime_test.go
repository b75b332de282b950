package localevents

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestConnectionAckThenKeepAlive(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *Config) { c.KeepAlive = 20 * time.Millisecond }, nil)
	c, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: e.amplifyProtocols(t, testKey)})
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]any{"type": "connection_init"})
	ack := expect(t, read(t, c), "connection_ack")
	if ack.ConnectionTimeoutMs != 300000 || ack.Payload.ConnectionTimeoutMs != 300000 {
		t.Errorf("ack %s, want connectionTimeoutMs 300000 at the top and in payload", ack.raw)
	}
	expect(t, read(t, c), "ka")
	expect(t, read(t, c), "ka") // from the ticker

	// A second connection_init gets no second ack.
	send(t, c, map[string]any{"type": "connection_init"})
	send(t, c, map[string]any{"type": "subscribe", "id": "s1", "channel": "/jobs/a"})
	expect(t, next(t, c), "subscribe_success")
}

func TestWithoutConnectionInit(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	c, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: e.amplifyProtocols(t, testKey)})
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]any{"type": "subscribe", "id": "s1", "channel": "/jobs/a"})
	expect(t, read(t, c), "connection_ack")
	expect(t, read(t, c), "ka")
	expect(t, read(t, c), "subscribe_success")
	publish(t, e.srv, "/jobs/a", `{"n":1}`)
	if got := event(t, read(t, c), "s1"); got != `{"n":1}` {
		t.Errorf("event %s", got)
	}
}

func TestDelivery(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	c := e.connect(t)
	subscribe(t, c, "s1", "open/abc") // Amplify's form: no leading slash

	publish(t, e.srv, "/open/abc", `{"status":"Running","msg":"<&>"}`)
	if got := event(t, next(t, c), "s1"); got != `{"status":"Running","msg":"<&>"}` {
		t.Errorf("in-process publish delivered %s", got)
	}

	body := `{"channel":"/open/abc","events":["{\"status\":\"Success\"}","\"text\"","42"]}`
	resp, _ := postEvent(t, e, testKey, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP publish: %d", resp.StatusCode)
	}
	for _, want := range []string{`{"status":"Success"}`, `"text"`, `42`} {
		if got := event(t, next(t, c), "s1"); got != want {
			t.Errorf("HTTP publish delivered %s, want %s", got, want)
		}
	}
}

func TestWildcard(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	c := e.connect(t)
	subscribe(t, c, "all", "/open/*")
	for _, ch := range []string{"/open/a", "/other/a", "/open", "/open/a/b"} {
		publish(t, e.srv, ch, fmt.Sprintf(`{"channel":%q}`, ch))
	}
	// Events on one connection arrive in publish order, so /other/a and
	// /open (not matched) would have come between these two.
	for _, want := range []string{"/open/a", "/open/a/b"} {
		if got := event(t, next(t, c), "all"); got != fmt.Sprintf(`{"channel":%q}`, want) {
			t.Fatalf("got %s, want the event of %s", got, want)
		}
	}
}

func TestSubscribeErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	c := e.connect(t)
	for i, tc := range []struct {
		channel, id, errorType string
		auth                   map[string]string
	}{
		{channel: "/jobs/bad_channel", errorType: errBadRequest},
		{channel: "/jobs/-x", errorType: errBadRequest},
		{channel: "/jobs/a/b/c/d/e", errorType: errBadRequest},
		{channel: "/jobs/*/a", errorType: errBadRequest},
		{channel: "/jobs/a/b/c/d/*", errorType: errBadRequest},
		{channel: "/nope/a", errorType: errBadRequest},
		{channel: "/jobs/a", id: "not valid!", errorType: errBadRequest},
		{channel: "/jobs/a", id: strings.Repeat("x", 129), errorType: errBadRequest},
		{channel: "/jobs/a", auth: map[string]string{"x-api-key": "da2-wrong"}, errorType: errUnauthorized},
	} {
		id := tc.id
		if id == "" {
			id = fmt.Sprintf("s%d", i)
		}
		msg := map[string]any{"type": "subscribe", "id": id, "channel": tc.channel}
		if tc.auth != nil {
			msg["authorization"] = tc.auth
		}
		send(t, c, msg)
		expectError(t, next(t, c), "subscribe_error", id, tc.errorType)
	}
	// The connection is still usable, and a valid key in authorization is accepted.
	send(t, c, map[string]any{"type": "subscribe", "id": "ok", "channel": "/jobs/a", "authorization": map[string]string{"x-api-key": testKey}})
	expect(t, next(t, c), "subscribe_success")
}

func TestPublishOverSocket(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	c := e.connect(t)
	subscribe(t, c, "s", "/open/p")
	events := func(n int) []string {
		evs := make([]string, n)
		for i := range evs {
			evs[i] = fmt.Sprintf(`{"i":%d}`, i)
		}
		return evs
	}

	send(t, c, map[string]any{"type": "publish", "id": "p6", "channel": "/open/p", "events": events(6)})
	expectError(t, next(t, c), "publish_error", "p6", errBadRequest)

	for _, bad := range []map[string]any{
		{"type": "publish", "id": "nojson", "channel": "/open/p", "events": []string{"{"}},
		{"type": "publish", "id": "nostring", "channel": "/open/p", "events": []any{map[string]int{"a": 1}}},
		{"type": "publish", "id": "none", "channel": "/open/p", "events": []string{}},
		{"type": "publish", "id": "badch", "channel": "/open/a_b", "events": events(1)},
		{"type": "publish", "id": "wild", "channel": "/open/*", "events": events(1)},
	} {
		send(t, c, bad)
		expectError(t, next(t, c), "publish_error", bad["id"].(string), errBadRequest)
	}
	send(t, c, map[string]any{"type": "publish", "channel": "/open/p", "events": events(1)})
	expectError(t, next(t, c), "publish_error", "", errBadRequest)

	send(t, c, map[string]any{"type": "publish", "id": "p5", "channel": "/open/p", "events": events(5)})
	for i := range 5 {
		if got := event(t, next(t, c), "s"); got != fmt.Sprintf(`{"i":%d}`, i) {
			t.Fatalf("event %d: %s", i, got)
		}
	}
	ok := expect(t, next(t, c), "publish_success")
	if ok.ID != "p5" || len(ok.Successful) != 5 || len(ok.Failed) != 0 || !strings.Contains(ok.raw, `"failed":[]`) {
		t.Fatalf("got %s, want 5 successful and an empty failed", ok.raw)
	}
	for i, s := range ok.Successful {
		if s.Index != i || s.Identifier == "" {
			t.Errorf("successful[%d] = %+v", i, s)
		}
	}

	big := fmt.Sprintf(`{"pad":%q}`, strings.Repeat("x", 240*1024))
	send(t, c, map[string]any{"type": "publish", "id": "big", "channel": "/open/p", "events": []string{`{"small":true}`, big}})
	if got := event(t, next(t, c), "s"); got != `{"small":true}` {
		t.Fatalf("got %s, want only the small event", got)
	}
	res := expect(t, next(t, c), "publish_success")
	if len(res.Successful) != 1 || res.Successful[0].Index != 0 ||
		len(res.Failed) != 1 || res.Failed[0].Index != 1 || res.Failed[0].Code != "EventTooLargeException" || res.Failed[0].Identifier == "" {
		t.Fatalf("got %.300s, want event 1 failed with EventTooLargeException", res.raw)
	}
}

func TestSubscriptionRules(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	c := e.connect(t)

	subscribe(t, c, "dup", "/jobs/a")
	send(t, c, map[string]any{"type": "subscribe", "id": "dup", "channel": "/jobs/b"})
	expectError(t, next(t, c), "subscribe_error", "dup", errDuplicatedOperation)

	for i := 1; i < 200; i++ {
		send(t, c, map[string]any{"type": "subscribe", "id": fmt.Sprintf("s%d", i), "channel": fmt.Sprintf("/jobs/c%d", i)})
	}
	send(t, c, map[string]any{"type": "subscribe", "id": "s200", "channel": "/jobs/a"})
	for i := 1; i < 200; i++ {
		expect(t, next(t, c), "subscribe_success")
	}
	expectError(t, next(t, c), "subscribe_error", "s200", errMaxSubscriptions)
	if _, subs := e.srv.holds(); subs != 200 {
		t.Errorf("the server holds %d subscriptions, want 200", subs)
	}

	// After an unsubscribe there is room again, and no more data for it.
	send(t, c, map[string]any{"type": "unsubscribe", "id": "dup"})
	expect(t, next(t, c), "unsubscribe_success")
	send(t, c, map[string]any{"type": "unsubscribe", "id": "dup"})
	expectError(t, next(t, c), "unsubscribe_error", "dup", errUnknownOperation)
	subscribe(t, c, "marker", "/jobs/m")
	publish(t, e.srv, "/jobs/a", `{"gone":true}`)
	publish(t, e.srv, "/jobs/m", `{"marker":true}`)
	if got := event(t, next(t, c), "marker"); got != `{"marker":true}` {
		t.Fatalf("got %s, want only the marker", got)
	}
}

func TestBadMessages(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	c := e.connect(t)
	send(t, c, map[string]any{"type": "start", "id": "x"})
	expectError(t, next(t, c), "error", "x", errUnsupported)
	if err := c.Write(t.Context(), websocket.MessageText, []byte("not json")); err != nil {
		t.Fatal(err)
	}
	expectError(t, next(t, c), "error", "", errBadRequest)
	subscribe(t, c, "still", "/jobs/a") // the connection survives both
}
