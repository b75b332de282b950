package handlers

import (
	"net/http"
	"testing"
	"time"
)

// stage is a Gateway that mounts the API under a stage and gives every
// request the same deadline.
type stage struct {
	base     string
	answerBy time.Time
}

func (s stage) BasePath(*http.Request) string    { return s.base }
func (s stage) AnswerBy(*http.Request) time.Time { return s.answerBy }

func TestLinksAndDeadlinesComeFromTheGateway(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		gateway  Gateway // nil: jobsd's, Direct
		base     string
		answerBy time.Time
	}{
		{name: "jobsd, at the root", base: ""},
		{name: "API Gateway stage prod", gateway: stage{base: "/prod", answerBy: epoch.Add(25 * time.Second)},
			base: "/prod", answerBy: epoch.Add(25 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			h := New(Config{Service: f, Gateway: tt.gateway})

			rec := serve(t, h, http.MethodPost, "/jobs", `{"seconds":1}`, with(jsonType, "Prefer", "wait=3"))
			if got, want := rec.Header().Get("Location"), tt.base+"/jobs/job-1"; rec.Code != http.StatusAccepted || got != want {
				t.Errorf("status %d, Location %q, want 202 with Location %q", rec.Code, got, want)
			}
			rec = serve(t, h, http.MethodGet, "/jobs/pending-1?wait=2", "", nil)
			if rec.Code != http.StatusOK {
				t.Errorf("GET ?wait: status %d, body %s", rec.Code, rec.Body)
			}
			if _, waits := f.counts(); len(waits) != 2 || len(f.bys) != 2 || !f.bys[0].Equal(tt.answerBy) || !f.bys[1].Equal(tt.answerBy) {
				t.Errorf("waits %v until %v, want two waits until %v", waits, f.bys, tt.answerBy)
			}

			rec = serve(t, h, http.MethodGet, "/jobs/missing", "", nil)
			if p := assertProblem(t, rec, http.StatusNotFound, "", ""); p.Instance != tt.base+"/jobs/missing" {
				t.Errorf("instance %q, want %q", p.Instance, tt.base+"/jobs/missing")
			}
		})
	}
}
