package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/jobs/memstore"
)

// FuzzSubmit sends an arbitrary body and Idempotency-Key as POST /jobs to
// the gin engine over a real *jobs.Service with the shipped job types and
// an in-memory store. It asserts that
//   - the answer is 202 or 400 (413 only for a body over the limit): never
//     a 500, so no panic and no unmapped error;
//   - 400 exactly when the key, the envelope or the parameters are refused,
//     always for a body that is not one JSON object, and then as
//     problem+json listing every broken rule, with nothing stored;
//   - 202 carries Location /jobs/{id}, Retry-After and a Pending job at seq 1
//     whose type is the envelope's (sleep without one) and whose parameters
//     are what the store holds and re-validate to themselves;
//   - the job round-trips: POSTing {"type": T, "parameters": P} of the
//     accepted job is accepted with the same request hash, and with the
//     first request's Idempotency-Key it replays the first job.
func FuzzSubmit(f *testing.F) {
	for _, seed := range []struct{ body, key string }{
		{`{"seconds":1}`, ""}, {`{"seconds":1}`, "order-42"}, {`{"type":"sleep","parameters":{"seconds":2}}`, ""},
		{`{"type":"noop"}`, ""}, {`{"parameters":null,"type":"noop"}`, ""}, {`{"type":"noop","parameters":[]}`, ""},
		{`{"type":"order","parameters":{"orderId":"o-1","items":0}}`, "k"}, {`{"type":"fullname","parameters":{"name":"Ada","surname":"<b>"}}`, ""},
		{`{"type":"nope"}`, ""}, {`{"type":7}`, ""}, {`{"type":"noop","extra":1}`, ""}, {`{"type":"noop","parameters":" {}"}`, ""},
		{`{}`, ""}, {`{"seconds":0}`, ""}, {`{"seconds":"1"}`, ""}, {`[]`, ""}, {`null`, ""}, {`"x"`, ""}, {``, ""},
		{`{"seconds":1} {}`, ""}, {`{"seconds":1`, ""}, {`{"Type":"noop"}`, ""}, {`{"seconds":1}`, " "}, {`{"seconds":1}`, "é"},
		{`{"seconds":1}`, "\x7f"}, {"{\"type\":\"noop\",\"parameters\":{}}\x00", ""},
	} {
		f.Add([]byte(seed.body), seed.key)
	}
	types, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		h, store := fuzzAPI(types)
		rec := post(h, body, key)
		if rec.Code >= 500 {
			t.Fatalf("POST %q (key %q): %d %s", body, key, rec.Code, rec.Body)
		}
		wantErr := expectedRefusal(types, body, key)
		switch rec.Code {
		case http.StatusBadRequest:
			if wantErr == nil {
				t.Fatalf("POST %q (key %q): 400 %s, but the request is valid", body, key, rec.Body)
			}
			checkProblem(t, rec)
			if n := store.Len(); n != 0 {
				t.Fatalf("POST %q: refused, yet %d jobs were stored", body, n)
			}
			return
		case http.StatusRequestEntityTooLarge:
			if len(body) <= DefaultMaxBodyBytes {
				t.Fatalf("413 for a body of %d bytes", len(body))
			}
			return
		case http.StatusAccepted:
		default:
			t.Fatalf("POST %q (key %q): status %d %s, want 202 or 400", body, key, rec.Code, rec.Body)
		}
		if wantErr != nil {
			t.Fatalf("POST %q (key %q): 202, but it must be refused: %v", body, key, wantErr)
		}
		first := acceptedJob(t, rec, store, types)
		if typ, ok := envelopeType(body); ok && typ != first.Type || !ok && first.Type != jobtypes.Sleep {
			t.Fatalf("POST %q: job type %q", body, first.Type)
		}

		envelope, err := json.Marshal(map[string]any{"type": first.Type, "parameters": first.Parameters})
		if err != nil {
			t.Fatal(err)
		}
		again := acceptedJob(t, post(h, envelope, "round-trip"), store, types)
		if again.ID == first.ID || !bytes.Equal(again.Parameters, first.Parameters) || again.RequestHash != first.RequestHash {
			t.Fatalf("%s did not round-trip: %s %s %s, want a new job with %s", body, again.ID, again.Parameters, again.RequestHash, first.Parameters)
		}
		if key == "" {
			return
		}
		replay := post(h, envelope, key)
		if replay.Code != http.StatusAccepted || replay.Header().Get("Idempotent-Replayed") != "true" ||
			replay.Header().Get("Location") != "/jobs/"+first.ID {
			t.Fatalf("%s under the first key %q: %d %v, want a replay of %s", envelope, key, replay.Code, replay.Header(), first.ID)
		}
	})
}

// fuzzAPI returns the API over a real Service with types and a new memstore.Store.
func fuzzAPI(types *jobs.Registry) (http.Handler, *memstore.Store) {
	store := memstore.New()
	var ids atomic.Int64
	svc := jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: types, Invoker: invoker{}, Notifier: quiet{}, Watcher: quiet{},
		Clock: fixedClock{}, Retention: time.Hour, Encode: jobjson.Append,
		NewID: func() string { return fmt.Sprintf("fuzz-%d", ids.Add(1)) },
	})
	return New(Config{Service: svc}), store
}

func post(h http.Handler, body []byte, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/jobs", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header["Idempotency-Key"] = []string{key}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// expectedRefusal is why the request must be refused, or nil: the key,
// then the envelope, then the parameters, each checked on its own. Beyond
// that, a body that is not one JSON object is always refused.
func expectedRefusal(types *jobs.Registry, body []byte, key string) error {
	if key != "" {
		if _, err := idempotencyKey(http.Header{"Idempotency-Key": {key}}); err != nil {
			return err
		}
	}
	req, err := parseSubmit(body)
	if err != nil {
		return err
	}
	if _, err := types.Parameters(req.Type, req.Parameters); err != nil {
		return err
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); !json.Valid(body) || len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("%q is not one JSON object, yet parseSubmit and the registry took it", body)
	}
	return nil
}

// envelopeType is the string "type" member of the body, if it has one.
func envelopeType(body []byte) (string, bool) {
	var members map[string]json.RawMessage
	if json.Unmarshal(body, &members) != nil {
		return "", false
	}
	raw, ok := members["type"]
	if !ok {
		return "", false
	}
	var typ string
	return typ, json.Unmarshal(raw, &typ) == nil
}

// checkProblem asserts a 400 problem+json listing at least one broken rule.
func checkProblem(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	var p problem.Details
	if ct := rec.Header().Get("Content-Type"); ct != problemType {
		t.Fatalf("400 with Content-Type %q", ct)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != http.StatusBadRequest || len(p.Errors) == 0 {
		t.Fatalf("400 problem %s (%v): want status 400 and at least one field error", rec.Body, err)
	}
	for _, fe := range p.Errors {
		if fe.Rule == "" || fe.Message == "" {
			t.Fatalf("field error %+v has no rule or no message", fe)
		}
	}
}

// acceptedJob asserts a 202 for a new Pending job and returns it as stored,
// after checking that the response shows the stored parameters and that
// they re-validate to themselves.
func acceptedJob(t *testing.T, rec *httptest.ResponseRecorder, store *memstore.Store, types *jobs.Registry) jobs.Job {
	t.Helper()
	var got struct {
		ID         string          `json:"id"`
		Type       string          `json:"type"`
		Status     string          `json:"status"`
		Seq        int64           `json:"seq"`
		Parameters json.RawMessage `json:"parameters"`
	}
	if rec.Code != http.StatusAccepted || json.Unmarshal(rec.Body.Bytes(), &got) != nil {
		t.Fatalf("%d %s, want 202 with a job", rec.Code, rec.Body)
	}
	if rec.Header().Get("Location") != "/jobs/"+got.ID || rec.Header().Get("Retry-After") != "1" ||
		got.Status != string(jobs.StatusPending) || got.Seq != 1 {
		t.Fatalf("202 %v %s: want Location /jobs/{id}, Retry-After 1, a Pending job at seq 1", rec.Header(), rec.Body)
	}
	stored, err := store.Get(t.Context(), got.ID)
	if err != nil {
		t.Fatalf("job %s answered 202 but is not stored: %v", got.ID, err)
	}
	if stored.Type != got.Type || !bytes.Equal(stored.Parameters, got.Parameters) {
		t.Fatalf("response %s %s, stored %s %s", got.Type, got.Parameters, stored.Type, stored.Parameters)
	}
	if !slices.Contains(types.Names(), stored.Type) {
		t.Fatalf("stored job type %q is not registered", stored.Type)
	}
	if again, err := types.Parameters(stored.Type, stored.Parameters); err != nil || !bytes.Equal(again, stored.Parameters) {
		t.Fatalf("stored parameters %s do not re-validate to themselves: %s, %v", stored.Parameters, again, err)
	}
	return stored
}
