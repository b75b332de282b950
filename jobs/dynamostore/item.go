package dynamostore

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// The table holds four kinds of item under its partition key "id" (S):
//
//   - a job (jobItem), under the job's id;
//   - an idempotency entry (keyItem), under keyID(owner, key), which starts
//     with keyPrefix, as no job id may;
//   - a fence (fenceItem), under the id of a job whose Create was abandoned
//     (see create.go), so that the job can never be written.
//   - the key of List's cursors (cursorKeyItem), under cursorKeyID.
//
// Every kind may carry expiresAt, a NUMBER of epoch seconds: the table's TTL
// attribute. TTL works to the second, so the exact instant is kept beside it
// in expiresAtExact.

// Attribute names used in expressions.
const (
	attrID        = "id"
	attrSeq       = "seq"
	attrJobID     = "jobId"
	attrExact     = "expiresAtExact"
	attrAbandoned = "abandoned"
)

// keyPrefix starts the id of every idempotency entry.
const keyPrefix = "idem#"

// jobItem is how a job is stored. Times are timeLayout strings, which
// keep the nanoseconds; the JSON fields are strings, so they stay readable in
// the console and round-trip byte for byte.
type jobItem struct {
	ID             string        `dynamodbav:"id"`
	Owner          string        `dynamodbav:"owner,omitempty"`
	Type           string        `dynamodbav:"type"`
	Status         string        `dynamodbav:"status"`
	Parameters     string        `dynamodbav:"parameters,omitempty"`
	Results        string        `dynamodbav:"results,omitempty"`
	Error          *errorItem    `dynamodbav:"error,omitempty"`
	Progress       *progressItem `dynamodbav:"progress,omitempty"`
	Attempts       int           `dynamodbav:"attempts"`
	CreatedAt      string        `dynamodbav:"createdAt,omitempty"`
	ListKey        string        `dynamodbav:"listKey,omitempty"` // the sort key of IndexByOwner
	UpdatedAt      string        `dynamodbav:"updatedAt,omitempty"`
	StartedAt      string        `dynamodbav:"startedAt,omitempty"`
	FinishedAt     string        `dynamodbav:"finishedAt,omitempty"`
	ExpiresAt      int64         `dynamodbav:"expiresAt,omitempty"`
	ExpiresAtExact string        `dynamodbav:"expiresAtExact,omitempty"`
	Seq            int64         `dynamodbav:"seq"`
	IdempotencyKey string        `dynamodbav:"idempotencyKey,omitempty"`
	RequestHash    string        `dynamodbav:"requestHash,omitempty"`
	// Rev is a random token of the write that stored this version, by which
	// a writer whose answer got lost recognises its own write.
	Rev string `dynamodbav:"rev"`
	// Abandoned is set on fences only, which read as a missing job.
	Abandoned bool `dynamodbav:"abandoned,omitempty"`
}

// errorItem is the stored form of jobs.ErrorInfo.
type errorItem struct {
	Type      string `dynamodbav:"type"`
	Message   string `dynamodbav:"message"`
	Condition string `dynamodbav:"condition,omitempty"`
}

// progressItem is the stored form of jobs.Progress.
type progressItem struct {
	Step    string `dynamodbav:"step,omitempty"`
	Current int    `dynamodbav:"current"`
	Total   int    `dynamodbav:"total"`
}

// keyItem is an idempotency entry: which job holds an owner's key, and until
// when (the holder's ExpiresAt when it was created).
type keyItem struct {
	ID             string `dynamodbav:"id"`
	JobID          string `dynamodbav:"jobId"`
	ExpiresAt      int64  `dynamodbav:"expiresAt,omitempty"`
	ExpiresAtExact string `dynamodbav:"expiresAtExact,omitempty"`
}

// fenceItem takes the id of a job whose Create was abandoned.
type fenceItem struct {
	ID        string `dynamodbav:"id"`
	Abandoned bool   `dynamodbav:"abandoned"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

// keyID is the id of the idempotency entry of an owner's key. Keys are per
// owner; the owner's length makes the id unambiguous whatever both contain.
func keyID(owner, key string) string {
	return keyPrefix + strconv.Itoa(len(owner)) + "#" + owner + "#" + key
}

// toJobItem returns the stored form of j with a new Rev, or an error for what
// DynamoDB or timeLayout cannot hold.
func toJobItem(j jobs.Job) (jobItem, error) {
	if !utf8.Valid(j.Parameters) || !utf8.Valid(j.Results) {
		return jobItem{}, errors.New("parameters or results are not valid UTF-8")
	}
	it := jobItem{
		ID:             j.ID,
		Owner:          j.Owner,
		Type:           j.Type,
		Status:         string(j.Status),
		Parameters:     string(j.Parameters),
		Results:        string(j.Results),
		Attempts:       j.Attempts,
		ExpiresAt:      ttl(j.ExpiresAt),
		Seq:            j.Seq,
		IdempotencyKey: j.IdempotencyKey,
		RequestHash:    j.RequestHash,
		Rev:            rand.Text(),
	}
	if e := j.Error; e != nil {
		it.Error = &errorItem{Type: e.Type, Message: e.Message, Condition: e.Condition}
	}
	if p := j.Progress; p != nil {
		it.Progress = &progressItem{Step: p.Step, Current: p.Current, Total: p.Total}
	}
	var err error
	for _, f := range []struct {
		to *string
		t  time.Time
	}{
		{&it.CreatedAt, j.CreatedAt}, {&it.UpdatedAt, j.UpdatedAt}, {&it.StartedAt, j.StartedAt},
		{&it.FinishedAt, j.FinishedAt}, {&it.ExpiresAtExact, j.ExpiresAt},
	} {
		*f.to, err = formatTime(f.t)
		if err != nil {
			return jobItem{}, err
		}
	}
	it.ListKey = listKey(it.CreatedAt, it.ID)
	return it, nil
}

// fromJobItem returns the job stored as it, in memory of its own.
func fromJobItem(it jobItem) (jobs.Job, error) {
	j := jobs.Job{
		ID:             it.ID,
		Owner:          it.Owner,
		Type:           it.Type,
		Status:         jobs.Status(it.Status),
		Attempts:       it.Attempts,
		Seq:            it.Seq,
		IdempotencyKey: it.IdempotencyKey,
		RequestHash:    it.RequestHash,
	}
	if it.Parameters != "" {
		j.Parameters = []byte(it.Parameters)
	}
	if it.Results != "" {
		j.Results = []byte(it.Results)
	}
	if e := it.Error; e != nil {
		j.Error = &jobs.ErrorInfo{Type: e.Type, Message: e.Message, Condition: e.Condition}
	}
	if p := it.Progress; p != nil {
		j.Progress = &jobs.Progress{Step: p.Step, Current: p.Current, Total: p.Total}
	}
	var err error
	for _, f := range []struct {
		to *time.Time
		s  string
	}{
		{&j.CreatedAt, it.CreatedAt}, {&j.UpdatedAt, it.UpdatedAt}, {&j.StartedAt, it.StartedAt},
		{&j.FinishedAt, it.FinishedAt}, {&j.ExpiresAt, it.ExpiresAtExact},
	} {
		*f.to, err = parseTime(f.s)
		if err != nil {
			return jobs.Job{}, err
		}
	}
	return j, nil
}

// toKeyItem returns the idempotency entry that gives j's key to j.
func toKeyItem(j jobs.Job) (keyItem, error) {
	exact, err := formatTime(j.ExpiresAt)
	if err != nil {
		return keyItem{}, err
	}
	return keyItem{ID: keyID(j.Owner, j.IdempotencyKey), JobID: j.ID, ExpiresAt: ttl(j.ExpiresAt), ExpiresAtExact: exact}, nil
}

// timeLayout is RFC 3339 in UTC with all nine digits of the nanoseconds: the
// strings sort as the times do, so conditions can compare them.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// formatTime returns t in timeLayout, "" for the zero time.
func formatTime(t time.Time) (string, error) {
	if t.IsZero() {
		return "", nil
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("time %v: year outside 0000-9999", t)
	}
	return t.UTC().Format(timeLayout), nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time: %w", err)
	}
	return t, nil
}

// ttl is the TTL attribute for an expiry at t: epoch seconds, rounded up so
// that DynamoDB never deletes an item before it expires; 0 (omitted) for never.
func ttl(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}
