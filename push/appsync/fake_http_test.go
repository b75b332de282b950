package appsync

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// recorded is one request that the fake HTTP endpoint received.
type recorded struct {
	method, path, host string
	header             http.Header
	body               []byte
}

// httpFake is AppSync's HTTP publish endpoint: it records every request and
// answers with respond (n counts requests from 1), or 200 without failures.
type httpFake struct {
	mu      sync.Mutex
	reqs    []recorded
	respond func(n int, w http.ResponseWriter)
}

func (f *httpFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{method: r.Method, path: r.URL.Path, host: r.Host, header: r.Header.Clone(), body: body})
	n := len(f.reqs)
	f.mu.Unlock()
	if f.respond != nil {
		f.respond(n, w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"failed":[],"successful":[{"identifier":"x","index":0}]}`)
}

func (f *httpFake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func setupPublisher(t *testing.T, auth Auth, respond func(n int, w http.ResponseWriter)) (*Publisher, *httpFake) {
	t.Helper()
	f := &httpFake{respond: respond}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	p, err := NewPublisher(PublisherConfig{Endpoint: srv.URL + "/event", Auth: auth, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return p, f
}

func status(code int, body string) func(int, http.ResponseWriter) {
	return func(_ int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func numbered(n int) []json.RawMessage {
	events := make([]json.RawMessage, n)
	for i := range events {
		events[i] = json.RawMessage(fmt.Sprintf(`{"n":%d,"s":"<a & b>"}`, i))
	}
	return events
}
