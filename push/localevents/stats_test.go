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
	if st := e.srv.Stats(); st != (Stats{Connections: 2, Subscriptions: 2}) {
		t.Errorf("Stats: %+v, want 2 connections and 2 subscriptions", st)
	}
	e.srv.Close() // returns once every connection's handler has ended
	if st := e.srv.Stats(); st != (Stats{}) {
		t.Errorf("Stats after Close: %+v, want zeros", st)
	}
}
