package handlers

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestSubmitAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header map[string]string
		body   string
		typ    string
		params string
	}{
		{"seed form", jsonType, `{"seconds":1}`, "sleep", `{"seconds":1}`},
		{"envelope form", jsonType, `{"type":"sleep","parameters":{"seconds":2}}`, "sleep", `{"seconds":2}`},
		{"envelope without parameters", jsonType, `{"type":"noop"}`, "noop", `{}`},
		{"envelope with null parameters", jsonType, `{"parameters":null,"type":"noop"}`, "noop", `{}`},
		{"charset parameter", map[string]string{"Content-Type": "application/json; charset=utf-8"}, `{"seconds":3}`, "sleep", `{"seconds":3}`},
		{"structured suffix", map[string]string{"Content-Type": "application/vnd.jobs+json"}, `{"seconds":4}`, "sleep", `{"seconds":4}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := setupReal(t, nil)
			rec := serve(t, h, http.MethodPost, "/jobs", tt.body, tt.header)
			if rec.Code != http.StatusAccepted {
				t.Fatalf("status = %d, want 202; body %s", rec.Code, rec.Body)
			}
			job := decodeJob(t, rec)
			if got, want := rec.Header().Get("Location"), "/jobs/"+job["id"].(string); got != want || job["id"] != "0000-1" {
				t.Errorf("Location = %q for id %v, want %q", got, job["id"], want)
			}
			if got := rec.Header().Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After = %q, want 1", got)
			}
			if rec.Header().Get("Idempotent-Replayed") != "" {
				t.Error("a new job must not be marked as replayed")
			}
			params, _ := json.Marshal(job["parameters"])
			if job["type"] != tt.typ || string(params) != tt.params || job["status"] != "Pending" {
				t.Errorf("job type, parameters, status = %v, %s, %v; want %s, %s, Pending", job["type"], params, job["status"], tt.typ, tt.params)
			}
			want := map[string]any{"attempts": 0.0, "seq": 1.0,
				"createdAt": "2025-01-02T03:04:05.678Z", "updatedAt": "2025-01-02T03:04:05.678Z", "expiresAt": "2025-01-02T04:04:05.678Z"}
			for k, v := range want {
				if job[k] != v {
					t.Errorf("%s = %v, want %v", k, job[k], v)
				}
			}
			for _, absent := range []string{"results", "error", "progress", "startedAt", "finishedAt", "idempotencyKey", "requestHash"} {
				if _, ok := job[absent]; ok {
					t.Errorf("a new job has %q", absent)
				}
			}
		})
	}
}

func TestSubmitRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		header      map[string]string
		body        string
		status      int
		field, rule string
		says        string // a part of the detail or of a field message, when it matters
	}{
		{"no seconds", jsonType, `{}`, 400, "seconds", "required", ""},
		{"zero seconds", jsonType, `{"seconds":0}`, 400, "seconds", "min", ""},
		{"string seconds", jsonType, `{"seconds":"x"}`, 400, "seconds", "type", ""},
		{"fractional seconds", jsonType, `{"seconds":1.5}`, 400, "seconds", "type", ""},
		{"unknown parameter", jsonType, `{"seconds":1,"colour":"red"}`, 400, "colour", "unknown", ""},
		{"broken JSON", jsonType, `{"seconds":`, 400, "", "json", "not valid JSON"},
		{"trailing data", jsonType, `{"seconds":1} {}`, 400, "", "json", ""},
		{"empty body", jsonType, ``, 400, "", "json", ""},
		{"array", jsonType, `[]`, 400, "", "type", "JSON object"},
		{"null", jsonType, `null`, 400, "", "type", "JSON object"},
		{"string", jsonType, `"sleep"`, 400, "", "type", "JSON object"},
		{"unknown envelope member", jsonType, `{"type":"sleep","parameters":{"seconds":1},"priority":9}`, 400, "priority", "unknown", ""},
		{"unknown type", jsonType, `{"type":"teleport","parameters":{}}`, 400, "type", "oneof", ""},
		{"type not a string", jsonType, `{"type":5}`, 400, "type", "type", ""},
		{"parameters not an object", jsonType, `{"type":"sleep","parameters":[1]}`, 400, "parameters", "type", ""},
		{"envelope without required parameters", jsonType, `{"type":"sleep"}`, 400, "seconds", "required", ""},
		{"key too long", with(jsonType, "Idempotency-Key", strings.Repeat("k", 256)), `{"seconds":1}`, 400, "Idempotency-Key", "max", "255"},
		{"empty key", with(jsonType, "Idempotency-Key", ""), `{"seconds":1}`, 400, "Idempotency-Key", "required", ""},
		{"key not ASCII", with(jsonType, "Idempotency-Key", "clé"), `{"seconds":1}`, 400, "Idempotency-Key", "printascii", ""},
		{"text/plain", map[string]string{"Content-Type": "text/plain"}, `{"seconds":1}`, 415, "", "", "application/json"},
		{"no Content-Type", nil, `{"seconds":1}`, 415, "", "", ""},
		{"bare +json", map[string]string{"Content-Type": "application/+json"}, `{"seconds":1}`, 415, "", "", ""},
		{"1 MB body", jsonType, `{"seconds":1,"pad":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "", "", "65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, store := setupReal(t, nil)
			rec := serve(t, h, http.MethodPost, "/jobs", tt.body, tt.header)
			p := assertProblem(t, rec, tt.status, tt.field, tt.rule)
			text := p.Detail
			for _, fe := range p.Errors {
				text += "\n" + fe.Message
			}
			if !strings.Contains(text, tt.says) {
				t.Errorf("problem says %q, want %q in it", text, tt.says)
			}
			if store.Len() != 0 {
				t.Errorf("a refused request stored %d jobs", store.Len())
			}
		})
	}
}

func TestSubmitIdempotency(t *testing.T) {
	t.Parallel()
	h, _ := setupReal(t, nil)
	keyed := with(jsonType, "Idempotency-Key", "order-42")
	first := serve(t, h, http.MethodPost, "/jobs", `{"seconds":1}`, keyed)
	if first.Code != http.StatusAccepted || first.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: status %d, Idempotent-Replayed %q", first.Code, first.Header().Get("Idempotent-Replayed"))
	}
	id := decodeJob(t, first)["id"]
	// The envelope form of the same parameters is the same request.
	for _, body := range []string{`{"seconds":1}`, `{"type":"sleep","parameters":{"seconds":1}}`} {
		again := serve(t, h, http.MethodPost, "/jobs", body, keyed)
		if again.Code != http.StatusAccepted || decodeJob(t, again)["id"] != id {
			t.Errorf("replay of %s: status %d, body %s; want 202 with id %v", body, again.Code, again.Body, id)
		}
		if got := again.Header().Get("Idempotent-Replayed"); got != "true" {
			t.Errorf("replay of %s: Idempotent-Replayed = %q, want true", body, got)
		}
	}
	other := serve(t, h, http.MethodPost, "/jobs", `{"seconds":2}`, keyed)
	assertProblem(t, other, http.StatusUnprocessableEntity, "", "")
	fresh := serve(t, h, http.MethodPost, "/jobs", `{"seconds":1}`, with(jsonType, "Idempotency-Key", "order-43"))
	if decodeJob(t, fresh)["id"] == id {
		t.Error("another key gave the same job")
	}
}

func TestSubmitOverloaded(t *testing.T) {
	t.Parallel()
	h, store := setupReal(t, jobs.ErrOverloaded)
	rec := serve(t, h, http.MethodPost, "/jobs", `{"seconds":1}`, jsonType)
	assertProblem(t, rec, http.StatusServiceUnavailable, "", "")
	if got := rec.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	if store.Len() != 0 {
		t.Errorf("a job that could not be dispatched was kept")
	}
}

func TestSubmitForwards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, key string
		want            jobs.SubmitRequest
	}{
		{"seed form", `{"seconds": 7}`, "", jobs.SubmitRequest{Type: "sleep", Parameters: json.RawMessage(`{"seconds": 7}`)}},
		{"envelope form", `{"type":"fullname","parameters":{"name":"Ada","surname":"Lovelace"}}`, "k-1",
			jobs.SubmitRequest{Type: "fullname", Parameters: json.RawMessage(`{"name":"Ada","surname":"Lovelace"}`), IdempotencyKey: "k-1"}},
		{"envelope without parameters", `{"type":"noop"}`, "", jobs.SubmitRequest{Type: "noop", Parameters: json.RawMessage(`{}`)}},
		{"longest key", `{"seconds":1}`, strings.Repeat("~", 255),
			jobs.SubmitRequest{Type: "sleep", Parameters: json.RawMessage(`{"seconds":1}`), IdempotencyKey: strings.Repeat("~", 255)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			h, _ := setup(t, f)
			header := jsonType
			if tt.key != "" {
				header = with(jsonType, "Idempotency-Key", tt.key)
			}
			if rec := serve(t, h, http.MethodPost, "/jobs", tt.body, header); rec.Code != http.StatusAccepted {
				t.Fatalf("status = %d, want 202; body %s", rec.Code, rec.Body)
			}
			got := f.lastSubmit(t)
			if got.Type != tt.want.Type || string(got.Parameters) != string(tt.want.Parameters) || got.IdempotencyKey != tt.want.IdempotencyKey {
				t.Errorf("Submit got %+v (parameters %s), want %+v (parameters %s)", got, got.Parameters, tt.want, tt.want.Parameters)
			}
		})
	}
}

func TestSubmitPreferWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		prefer   string
		finish   bool
		replay   string // the id of the job Submit replays
		status   int
		applied  string
		waited   []time.Duration
		jobState string
	}{
		{"finishes in time", "wait=5", true, "", 200, "wait=5", []time.Duration{5 * time.Second}, "Success"},
		{"still running", "wait=2", false, "", 202, "wait=2", []time.Duration{2 * time.Second}, "Pending"},
		{"clamped", "wait=100", false, "", 202, "wait=25", []time.Duration{jobs.MaxWait}, "Pending"},
		{"among other preferences", "respond-async, Wait = 3; x=y", true, "", 200, "wait=3", []time.Duration{3 * time.Second}, "Success"},
		{"quoted", `wait="4"`, true, "", 200, "wait=4", []time.Duration{4 * time.Second}, "Success"},
		{"first wait counts", "wait=1, wait=9", true, "", 200, "wait=1", []time.Duration{time.Second}, "Success"},
		{"malformed is ignored", "wait=abc", true, "", 202, "", nil, "Pending"},
		{"negative is ignored", "wait=-1", true, "", 202, "", nil, "Pending"},
		{"other preference", "handling=lenient", true, "", 202, "", nil, "Pending"},
		{"no preference", "", true, "", 202, "", nil, "Pending"},
		{"replay waits", "wait=1", true, "pending-1", 200, "wait=1", []time.Duration{time.Second}, "Success"},
		{"replay of a pending job", "", true, "pending-1", 202, "", nil, "Pending"},
		{"replay of a finished job", "", false, "done-1", 200, "", nil, "Success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			f.finish, f.replay = tt.finish, tt.replay
			h, _ := setup(t, f)
			header := jsonType
			if tt.prefer != "" {
				header = with(jsonType, "Prefer", tt.prefer)
			}
			rec := serve(t, h, http.MethodPost, "/jobs", `{"seconds":1}`, header)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.status, rec.Body)
			}
			if got := rec.Header().Get("Preference-Applied"); got != tt.applied {
				t.Errorf("Preference-Applied = %q, want %q", got, tt.applied)
			}
			if _, waits := f.counts(); len(waits) != len(tt.waited) || len(waits) > 0 && waits[0] != tt.waited[0] {
				t.Errorf("Wait got %v, want %v", waits, tt.waited)
			}
			if got := decodeJob(t, rec)["status"]; got != tt.jobState {
				t.Errorf("job status = %v, want %s", got, tt.jobState)
			}
			if got, want := rec.Header().Get("Location"), "/jobs/"+cmp.Or(tt.replay, "job-1"); got != want {
				t.Errorf("Location = %q, want %q", got, want)
			}
			if retry := rec.Header().Get("Retry-After"); (retry == "1") != (tt.status == 202) {
				t.Errorf("Retry-After = %q with status %d", retry, tt.status)
			}
			if replayed := rec.Header().Get("Idempotent-Replayed"); (replayed == "true") != (tt.replay != "") {
				t.Errorf("Idempotent-Replayed = %q, want it only on a replay", replayed)
			}
		})
	}
}

func TestSubmitWaitFails(t *testing.T) {
	t.Parallel()
	f := newFake()
	f.waitErr = errors.New("watch broke")
	h, logs := setup(t, f)
	rec := serve(t, h, http.MethodPost, "/jobs", `{"seconds":1}`, with(jsonType, "Prefer", "wait=3"))
	if rec.Code != http.StatusAccepted || decodeJob(t, rec)["id"] != "job-1" || rec.Header().Get("Location") != "/jobs/job-1" {
		t.Fatalf("status %d, body %s; want 202 with the accepted job", rec.Code, rec.Body)
	}
	if entry := logEntry(t, logs, "wait for a submitted job"); entry["level"] != "WARN" || entry["err"] != "watch broke" {
		t.Errorf("log entry = %v, want WARN with the error", entry)
	}
}
