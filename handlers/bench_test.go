package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkAPI measures the CPU of the API's own path per request: the
// engine over a real Service, an in-memory store and an invoker that accepts
// everything, without a network in between.
func BenchmarkAPI(b *testing.B) {
	h, _ := setupReal(b, nil)
	const stored = 1000
	ids := make([]string, stored)
	for i := range ids {
		ids[i] = submitNoop(b, h).Header().Get("Location")
	}
	b.Run("req=GET", func(b *testing.B) {
		i := 0
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, ids[i%stored], nil))
			if w.Code != http.StatusOK {
				b.Fatalf("GET %s: %d %s", ids[i%stored], w.Code, w.Body)
			}
			i++
		}
	})
	b.Run("req=POST", func(b *testing.B) {
		for b.Loop() {
			submitNoop(b, h)
		}
	})
}

// submitNoop submits a noop job and checks that it is accepted.
func submitNoop(b testing.TB, h http.Handler) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/jobs", strings.NewReader(`{"type":"noop"}`))
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(w, r)
	if w.Code != http.StatusAccepted {
		b.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	return w
}
