package handlers

import (
	"encoding/json"
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

// JobFrom converts a domain job into its JSON form.
func JobFrom(j jobs.Job) Job {
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

// timestamp formats t for the API; the zero time is the empty string.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}
