// Package jobjson is the JSON form of a job that clients see: in responses of
// the HTTP API and as events on push channels.
package jobjson

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// timeLayout is RFC 3339 with milliseconds; times are written in UTC.
const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// Job is the JSON of a job that clients see. It never carries the job's
// idempotency key or request hash.
type Job struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Status     jobs.Status     `json:"status"`
	Parameters json.RawMessage `json:"parameters"`
	Results    json.RawMessage `json:"results,omitempty"`
	Error      *jobs.ErrorInfo `json:"error,omitempty"`
	Progress   *jobs.Progress  `json:"progress,omitempty"`
	Attempts   int             `json:"attempts"`
	CreatedAt  string          `json:"createdAt"`
	UpdatedAt  string          `json:"updatedAt"`
	StartedAt  string          `json:"startedAt,omitempty"`
	FinishedAt string          `json:"finishedAt,omitempty"`
	Seq        int64           `json:"seq"`
	ExpiresAt  string          `json:"expiresAt"`
}

// From converts a domain job into its JSON form.
func From(j jobs.Job) Job {
	out := Job{
		ID:         j.ID,
		Type:       j.Type,
		Status:     j.Status,
		Parameters: j.Parameters,
		Results:    j.Results,
		Progress:   j.Progress,
		Attempts:   j.Attempts,
		CreatedAt:  timestamp(j.CreatedAt),
		UpdatedAt:  timestamp(j.UpdatedAt),
		StartedAt:  timestamp(j.StartedAt),
		FinishedAt: timestamp(j.FinishedAt),
		Seq:        j.Seq,
		ExpiresAt:  timestamp(j.ExpiresAt),
	}
	if j.Status == jobs.StatusFailure {
		out.Error = j.Error
	}
	return out
}

// Domain converts the JSON form back into a domain job, as far as it goes:
// the idempotency key and request hash are not in it.
func (j Job) Domain() (jobs.Job, error) {
	out := jobs.Job{
		ID: j.ID, Type: j.Type, Status: j.Status, Parameters: j.Parameters, Results: j.Results,
		Error: j.Error, Progress: j.Progress, Attempts: j.Attempts, Seq: j.Seq,
	}
	for _, f := range []struct {
		dst *time.Time
		src string
	}{
		{&out.CreatedAt, j.CreatedAt}, {&out.UpdatedAt, j.UpdatedAt}, {&out.StartedAt, j.StartedAt},
		{&out.FinishedAt, j.FinishedAt}, {&out.ExpiresAt, j.ExpiresAt},
	} {
		if f.src == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.src)
		if err != nil {
			return jobs.Job{}, fmt.Errorf("jobjson: job %s: %w", j.ID, err)
		}
		*f.dst = t
	}
	return out, nil
}

// timestamp formats t for the API; the zero time is the empty string.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}
