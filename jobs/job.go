// Package jobs is the domain of the async jobs API: the Job and its Status, the
// sentinel errors, the ports its adapters implement (Store, Invoker, Notifier,
// Clock), the registry of job types, and the rules that move a job from Pending
// to a terminal status. It knows nothing of HTTP, bbolt, DynamoDB or Lambda.
package jobs

import (
	"encoding/json"
	"time"
)

// Status is where a job is in its life. The terminal ones never change again.
type Status string

// The job statuses of the public contract.
const (
	StatusPending   Status = "Pending"
	StatusRunning   Status = "Running"
	StatusSuccess   Status = "Success"
	StatusFailure   Status = "Failure"
	StatusCancelled Status = "Cancelled"
)

// Terminal reports whether a job in this status is finished for good.
func (s Status) Terminal() bool {
	return s == StatusSuccess || s == StatusFailure || s == StatusCancelled
}

// Conditions say why a job failed; the first two are Lambda's own words.
const (
	ConditionRetriesExhausted = "RetriesExhausted"
	ConditionEventAgeExceeded = "EventAgeExceeded"
	// ConditionPermanentError marks a failure the job declared final with Permanent.
	ConditionPermanentError = "PermanentError"
)

// Job is one unit of asynchronous work and everything known about its outcome.
type Job struct {
	ID         string
	Owner      string // the principal who submitted it; nobody else sees it
	Type       string
	Status     Status
	Parameters json.RawMessage // canonical JSON of the type's parameter struct
	Results    json.RawMessage // set on Success
	Error      *ErrorInfo      // set on Failure
	Progress   *Progress       // the last progress report, if any
	Attempts   int             // how many times processing started
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  time.Time // zero until the first attempt
	FinishedAt time.Time // zero until terminal
	ExpiresAt  time.Time // the store may forget the job from then on
	Seq        int64     // +1 on every committed change; the store's write condition

	IdempotencyKey string // the client's Idempotency-Key, if any; unique per Owner
	RequestHash    string // identifies the request that created the job, for idempotency
}

// ErrorInfo is why a job failed.
type ErrorInfo struct {
	Type      string `json:"type"`
	Message   string `json:"message"`
	Condition string `json:"condition"`
}

// Progress is a job's latest report of how far it has come.
type Progress struct {
	Step    string `json:"step"`
	Current int    `json:"current"`
	Total   int    `json:"total"`
}

// Expired reports whether the job's retention has run out at now.
func (j Job) Expired(now time.Time) bool {
	return !j.ExpiresAt.IsZero() && !now.Before(j.ExpiresAt)
}

// Invocation is the payload of an asynchronous invocation of the processor.
type Invocation struct {
	JobID string `json:"jobId"`
}
