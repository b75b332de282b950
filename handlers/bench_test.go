package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
)

// BenchmarkAPI measures the CPU of the API's own path per request: the
// engine over a real Service, an in-memory store and an invoker that accepts
// everything, without a network in between.
func BenchmarkAPI(b *testing.B) {
	b.Run("store=memstore", func(b *testing.B) { benchmarkAPI(b, memstore.New()) })
	b.Run("store=encoded", func(b *testing.B) { benchmarkAPI(b, &encodingStore{Store: memstore.New()}) })
}

func benchmarkAPI(b *testing.B, store jobs.Store) {
	benchmarkRequests(b, setupRealOver(b, store, nil))
}

// benchmarkRequests measures h's GETs of stored jobs and its POSTs.
func benchmarkRequests(b *testing.B, h http.Handler) {
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

// encodingStore keeps each job's JSON as created, as the local stores keep
// it as committed; it serves jobs that never change after they are created.
type encodingStore struct {
	jobs.Store
	encoded sync.Map // id → jobs.Encoded
}

func (s *encodingStore) Create(ctx context.Context, j jobs.Job) (jobs.Job, error) {
	stored, err := s.Store.Create(ctx, j)
	if err == nil {
		s.encoded.Store(stored.ID, jobs.Encoded{ID: stored.ID, Owner: stored.Owner, Status: stored.Status,
			Seq: stored.Seq, ExpiresAt: stored.ExpiresAt, JSON: jobjson.Append(nil, stored)})
	}
	return stored, err
}

func (s *encodingStore) GetEncoded(_ context.Context, id string) (jobs.Encoded, error) {
	e, ok := s.encoded.Load(id)
	if !ok {
		return jobs.Encoded{}, jobs.ErrNotFound
	}
	return e.(jobs.Encoded), nil
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

// BenchmarkRequestLog measures a GET with its access line written as JSON
// (to io.Discard): the cost of the line when it is enabled.
func BenchmarkRequestLog(b *testing.B) {
	store := memstore.New()
	h := New(Config{Service: realService(b, store, nil), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	id := submitNoop(b, h).Header().Get("Location")
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, id, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", id, w.Code, w.Body)
		}
	}
}
