package jobjson

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// epoch is the fixed time of every test job.
var epoch = time.Date(2025, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

func TestFrom(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	failure := &jobs.ErrorInfo{Type: "Error", Message: "too long", Condition: jobs.ConditionRetriesExhausted}
	tests := []struct {
		name string
		job  jobs.Job
		want string
	}{
		{
			name: "pending, secrets kept",
			job: jobs.Job{ID: "a-1", Type: "sleep", Status: jobs.StatusPending, Parameters: json.RawMessage(`{"seconds":1}`),
				CreatedAt: epoch, UpdatedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 1,
				IdempotencyKey: "key", RequestHash: "hash"},
			want: `{"id":"a-1","type":"sleep","status":"Pending","parameters":{"seconds":1},"attempts":0,` +
				`"createdAt":"2025-01-02T03:04:05.678Z","updatedAt":"2025-01-02T03:04:05.678Z","seq":1,"expiresAt":"2025-01-02T04:04:05.678Z"}`,
		},
		{
			name: "failure in another zone",
			job: jobs.Job{ID: "a-2", Type: "sleep", Status: jobs.StatusFailure, Parameters: json.RawMessage(`{"seconds":301}`),
				Error: failure, Attempts: 1, CreatedAt: epoch.In(paris), UpdatedAt: epoch.In(paris),
				StartedAt: epoch.Add(time.Second).In(paris), FinishedAt: epoch.Add(2 * time.Second).In(paris),
				ExpiresAt: epoch.Add(time.Hour), Seq: 3},
			want: `{"id":"a-2","type":"sleep","status":"Failure","parameters":{"seconds":301},` +
				`"error":{"type":"Error","message":"too long","condition":"RetriesExhausted"},"attempts":1,` +
				`"createdAt":"2025-01-02T03:04:05.678Z","updatedAt":"2025-01-02T03:04:05.678Z",` +
				`"startedAt":"2025-01-02T03:04:06.678Z","finishedAt":"2025-01-02T03:04:07.678Z","seq":3,"expiresAt":"2025-01-02T04:04:05.678Z"}`,
		},
		{
			name: "success with progress, error only on failure",
			job: jobs.Job{ID: "a-3", Type: "order", Status: jobs.StatusSuccess, Parameters: json.RawMessage(`{"orderId":"o"}`),
				Results: json.RawMessage(`{}`), Error: failure, Progress: &jobs.Progress{Step: "DELIVERED", Current: 4, Total: 4},
				Attempts: 1, CreatedAt: epoch, UpdatedAt: epoch, StartedAt: epoch, FinishedAt: epoch, ExpiresAt: epoch, Seq: 6},
			want: `{"id":"a-3","type":"order","status":"Success","parameters":{"orderId":"o"},"results":{},` +
				`"progress":{"step":"DELIVERED","current":4,"total":4},"attempts":1,` +
				`"createdAt":"2025-01-02T03:04:05.678Z","updatedAt":"2025-01-02T03:04:05.678Z",` +
				`"startedAt":"2025-01-02T03:04:05.678Z","finishedAt":"2025-01-02T03:04:05.678Z","seq":6,"expiresAt":"2025-01-02T03:04:05.678Z"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(From(tt.job))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDomainReadsWhatFromWrote(t *testing.T) {
	t.Parallel()
	j := jobs.Job{ID: "a-3", Type: "order", Status: jobs.StatusRunning, Parameters: json.RawMessage(`{"orderId":"o"}`),
		Progress: &jobs.Progress{Step: "PAID", Current: 1, Total: 4}, Attempts: 1,
		CreatedAt: epoch, UpdatedAt: epoch, StartedAt: epoch, ExpiresAt: epoch.Add(time.Hour), Seq: 3}
	got, err := From(j).Domain()
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != j.ID || got.Status != j.Status || got.Seq != j.Seq || *got.Progress != *j.Progress ||
		!got.StartedAt.Equal(j.StartedAt) || !got.FinishedAt.IsZero() || !got.ExpiresAt.Equal(j.ExpiresAt) {
		t.Fatalf("round trip: %+v, want %+v", got, j)
	}
	if _, err := (Job{ID: "x", CreatedAt: "yesterday"}).Domain(); err == nil {
		t.Fatal("a malformed time was accepted")
	}
}
