package boltstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// The buckets of the data file.
var (
	bucketJobs        = []byte("jobs")        // id → JSON of a record
	bucketIdempotency = []byte("idempotency") // idempotencyKey(job) → id
	bucketExpiry      = []byte("expiry")      // expiryKey(ExpiresAt, id) → empty
	bucketUnfinished  = []byte("unfinished")  // id → empty, for jobs not in a terminal status
)

// record is how a job is stored. The RawMessage fields must hold valid JSON and
// come back compacted (HTML characters are left as they are), so canonical JSON
// round-trips byte for byte. Times keep their nanoseconds.
type record struct {
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

func toRecord(j jobs.Job) record {
	r := record{
		ID:             j.ID,
		Owner:          j.Owner,
		Type:           j.Type,
		Status:         string(j.Status),
		Parameters:     j.Parameters,
		Results:        j.Results,
		Attempts:       j.Attempts,
		CreatedAt:      j.CreatedAt,
		UpdatedAt:      j.UpdatedAt,
		StartedAt:      j.StartedAt,
		FinishedAt:     j.FinishedAt,
		ExpiresAt:      j.ExpiresAt,
		Seq:            j.Seq,
		IdempotencyKey: j.IdempotencyKey,
		RequestHash:    j.RequestHash,
	}
	if e := j.Error; e != nil {
		r.Error = &errorRecord{Type: e.Type, Message: e.Message, Condition: e.Condition}
	}
	if p := j.Progress; p != nil {
		r.Progress = &progressRecord{Step: p.Step, Current: p.Current, Total: p.Total}
	}
	return r
}

func fromRecord(r record) jobs.Job {
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

// encode returns the stored form of j.
func encode(j jobs.Job) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(toRecord(j)); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// decode returns the job stored as data. The job shares no memory with data,
// which bbolt owns.
func decode(data []byte) (jobs.Job, error) {
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return jobs.Job{}, fmt.Errorf("decode: %w", err)
	}
	return fromRecord(r), nil
}

// idempotencyKey is the key of j's entry in the idempotency bucket: keys are
// per owner, so the owner comes first, then a NUL, which no principal holds.
func idempotencyKey(j jobs.Job) []byte {
	return []byte(j.Owner + "\x00" + j.IdempotencyKey)
}

// expiryKey is the key of a job's entry in the expiry bucket: the expiry time
// as 8 bytes that sort like the time itself, then the id.
func expiryKey(expiresAt time.Time, id string) []byte {
	return append(expiryPrefix(expiresAt), id...)
}

// expiryPrefix encodes t in 8 bytes that sort as t does, times before 1970
// included: big-endian unix nanoseconds with the sign bit flipped.
func expiryPrefix(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 64), uint64(t.UnixNano())^(1<<63))
}
