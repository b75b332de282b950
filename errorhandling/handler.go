package errorhandling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// Handler is the error handler: it commits the Failure of a job whose
// processing failed for good (the domain's Fail transition) and announces it.
type Handler struct {
	Store    jobs.Store
	Notifier jobs.Notifier
	Meter    jobs.Meter // optional: counts the failures it records
	Clock    jobs.Clock
	Logger   *slog.Logger
}

// Handle records the failure the destination record describes. A job that is
// already terminal or gone needs nothing; a record it cannot read, or a store
// it cannot write, is an error, so the record goes on to the archive.
func (h *Handler) Handle(ctx context.Context, rec destination.Record) error {
	rec, jobID, ok := FailedJob(rec)
	if !ok {
		return fmt.Errorf("error handler: record %s has no job id in its request payload", rec.RequestContext.RequestID)
	}
	info := failureOf(rec)
	commits := jobs.Committer{Store: h.Store, Clock: h.Clock, Notifier: h.Notifier, Meter: h.Meter}
	j, err := commits.Commit(ctx, jobID, func(j *jobs.Job, now time.Time) error { return j.Fail(info, now) })
	switch {
	case errors.Is(err, jobs.ErrTerminal), errors.Is(err, jobs.ErrNotFound):
		h.Logger.Info("failure record needs nothing", "job", jobID, "type", j.Type, "reason", err) // a gone job's type is ""
		return nil
	case err != nil:
		return fmt.Errorf("error handler: record failure of job %s: %w", jobID, err)
	}
	h.Logger.Info("job failed", "job", j.ID, "type", j.Type, "condition", info.Condition, "errorType", info.Type, "attempts", j.Attempts)
	return nil
}

// FailedJob is the processor's failure record inside rec, looking through
// the error handler's own failure records that wrap it, and the id of the
// job it records; false when it names no job.
func FailedJob(rec destination.Record) (destination.Record, string, bool) {
	rec = original(rec)
	var inv jobs.Invocation
	if err := json.Unmarshal(rec.RequestPayload, &inv); err != nil || inv.JobID == "" {
		return rec, "", false
	}
	return rec, inv.JobID, true
}

// maxNesting bounds how many records original looks through.
const maxNesting = 8

// original is the processor's failure record inside rec. A record that
// reaches the archive is the error handler's own failure, whose
// requestPayload is the record it failed to handle; a replay delivers it as
// it is, and each failed replay wraps it once more.
func original(rec destination.Record) destination.Record {
	for range maxNesting {
		var inner destination.Record
		if json.Unmarshal(rec.RequestPayload, &inner) != nil ||
			inner.RequestContext.FunctionArn == "" || inner.RequestContext.Condition == "" {
			return rec
		}
		rec = inner
	}
	return rec
}

// failureOf turns a destination record into the job's error.
func failureOf(rec destination.Record) jobs.ErrorInfo {
	info := jobs.ErrorInfo{Condition: rec.RequestContext.Condition}
	if p := rec.ResponsePayload; p != nil && p.ErrorMessage != "" {
		info.Type, info.Message = p.ErrorType, p.ErrorMessage
		return info
	}
	switch info.Condition {
	case jobs.ConditionEventAgeExceeded:
		info.Type = jobs.ConditionEventAgeExceeded
		info.Message = "the job waited longer than the maximum event age and was not run again"
	default:
		info.Type = "Error"
		info.Message = fmt.Sprintf("processing failed (%s) after %d attempts", info.Condition, rec.RequestContext.ApproximateInvokeCount)
	}
	return info
}
