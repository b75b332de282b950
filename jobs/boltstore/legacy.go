package boltstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// legacyRecord is how the first release stored a job: JSON, which the
// current code still reads (records it writes are binary, see record.go).
type legacyRecord struct {
	ID             string          `json:"id"`
	Owner          string          `json:"owner,omitempty"`
	Type           string          `json:"type"`
	Status         string          `json:"status"`
	Parameters     json.RawMessage `json:"parameters,omitempty"`
	Results        json.RawMessage `json:"results,omitempty"`
	Error          *errorRecord    `json:"error,omitempty"`
	Progress       *progressRecord `json:"progress,omitempty"`
	Attempts       int             `json:"attempts,omitempty"`
	CreatedAt      time.Time       `json:"createdAt,omitzero"`
	UpdatedAt      time.Time       `json:"updatedAt,omitzero"`
	StartedAt      time.Time       `json:"startedAt,omitzero"`
	FinishedAt     time.Time       `json:"finishedAt,omitzero"`
	ExpiresAt      time.Time       `json:"expiresAt,omitzero"`
	Seq            int64           `json:"seq"`
	IdempotencyKey string          `json:"idempotencyKey,omitempty"`
	RequestHash    string          `json:"requestHash,omitempty"`
}

// errorRecord is the stored form of jobs.ErrorInfo; it has its own tags so that
// the API's JSON can change without changing the data file.
type errorRecord struct {
	Type      string `json:"type"`
	Message   string `json:"message"`
	Condition string `json:"condition,omitempty"`
}

// progressRecord is the stored form of jobs.Progress.
type progressRecord struct {
	Step    string `json:"step,omitempty"`
	Current int    `json:"current"`
	Total   int    `json:"total"`
}

func fromLegacy(r legacyRecord) jobs.Job {
	j := jobs.Job{
		ID:             r.ID,
		Owner:          r.Owner,
		Type:           r.Type,
		Status:         jobs.Status(r.Status),
		Parameters:     r.Parameters,
		Results:        r.Results,
		Attempts:       r.Attempts,
		CreatedAt:      r.CreatedAt,
		UpdatedAt:      r.UpdatedAt,
		StartedAt:      r.StartedAt,
		FinishedAt:     r.FinishedAt,
		ExpiresAt:      r.ExpiresAt,
		Seq:            r.Seq,
		IdempotencyKey: r.IdempotencyKey,
		RequestHash:    r.RequestHash,
	}
	if e := r.Error; e != nil {
		j.Error = &jobs.ErrorInfo{Type: e.Type, Message: e.Message, Condition: e.Condition}
	}
	if p := r.Progress; p != nil {
		j.Progress = &jobs.Progress{Step: p.Step, Current: p.Current, Total: p.Total}
	}
	return j
}

// decodeLegacy returns the job stored as a legacy record. The job shares no
// memory with data, which bbolt owns.
func decodeLegacy(data []byte) (jobs.Job, error) {
	var r legacyRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return jobs.Job{}, fmt.Errorf("decode legacy record: %w", err)
	}
	return fromLegacy(r), nil
}
