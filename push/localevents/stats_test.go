package localevents

import "testing"

func TestStatsCountConnectionsAndSubscriptions(t *testing.T) {
	t.Parallel()
	e := setup(t, nil, nil)
	if st := e.srv.Stats(); st != (Stats{}) {
		t.Fatalf("a new server's Stats: %+v, want zeros", st)
	}
	a, b := e.connect(t), e.connect(t)
	subscribe(t, a, "one", "/jobs/x")
	subscribe(t, a, "two", "/open/*")
	subscribe(t, b, "three", "/jobs/y")
	send(t, a, map[string]any{"type": "unsubscribe", "id": "two"})
	expect(t, next(t, a), "unsubscribe_success")
	publish(t, e.srv, "/jobs/x", `{"a":1}`, `{"b":2}`)
	expect(t, next(t, a), "data")
	expect(t, next(t, a), "data")
	if st := e.srv.Stats(); st != (Stats{Connections: 2, Subscriptions: 2, Published: 2}) {
		t.Errorf("Stats: %+v, want 2 connections, 2 subscriptions and 2 events published", st)
	}
	e.srv.Close() // returns once every connection's handler has ended
	if st := e.srv.Stats(); st != (Stats{Published: 2}) {
		t.Errorf("Stats after Close: %+v, want no connection or subscription", st)
	}
}
