package localinvoker

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// JobInvoker dispatches jobs to the processor function: the jobs.Invoker of jobsd.
type JobInvoker struct{ Processor *Function }

var (
	_ jobs.Invoker  = JobInvoker{}
	_ jobs.Reserver = JobInvoker{}
)

// Invoke queues the job for processing.
func (ji JobInvoker) Invoke(ctx context.Context, jobID string) error {
	payload, err := jobEvent(jobID)
	if err != nil {
		return err
	}
	return ji.Processor.Invoke(ctx, payload)
}

// Reserve holds a place in the processor's queue for a job not stored yet.
func (ji JobInvoker) Reserve(context.Context) (jobs.Reservation, error) {
	r, err := ji.Processor.Reserve()
	if err != nil {
		return nil, err
	}
	return jobReservation{r}, nil
}

// jobReservation is a Reservation of the processor's queue for a job.
type jobReservation struct{ *Reservation }

// Invoke queues the job for processing in the reserved place.
func (r jobReservation) Invoke(_ context.Context, jobID string) error {
	payload, err := jobEvent(jobID)
	if err != nil {
		return err
	}
	return r.Reservation.Invoke(payload)
}

// Redrive queues every given unfinished job again, as first sent when it was
// created, waiting for room in the queue. It returns how many it queued.
func (ji JobInvoker) Redrive(ctx context.Context, unfinished []jobs.Job) (int, error) {
	for n, j := range unfinished {
		payload, err := jobEvent(j.ID)
		if err != nil {
			return n, err
		}
		if err := ji.Processor.Redeliver(ctx, payload, j.CreatedAt); err != nil {
			return n, fmt.Errorf("re-drive job %s: %w", j.ID, err)
		}
	}
	return len(unfinished), nil
}

// JobHandler is HandlerOf for the processor: it reads the job events that
// JobInvoker writes without reflection, and any other payload as HandlerOf does.
func JobHandler(handle func(context.Context, jobs.Invocation) error) Handler {
	decode := HandlerOf(handle)
	return func(ctx context.Context, payload json.RawMessage) error {
		if id, ok := strings.CutPrefix(string(payload), jobEventPrefix); ok {
			if id, ok := strings.CutSuffix(id, jobEventSuffix); ok && plainJSON(id) {
				return handle(ctx, jobs.Invocation{JobID: id})
			}
		}
		return decode(ctx, payload)
	}
}

// A job event for an id that JSON writes as it is, as json.Marshal of a
// jobs.Invocation writes it.
const jobEventPrefix, jobEventSuffix = `{"jobId":"`, `"}`

// jobEvent is the processor's event for a job.
func jobEvent(jobID string) (json.RawMessage, error) {
	if plainJSON(jobID) {
		payload := make([]byte, 0, len(jobEventPrefix)+len(jobID)+len(jobEventSuffix))
		return append(append(append(payload, jobEventPrefix...), jobID...), jobEventSuffix...), nil
	}
	payload, err := json.Marshal(jobs.Invocation{JobID: jobID})
	if err != nil {
		return nil, fmt.Errorf("encode invocation of job %s: %w", jobID, err)
	}
	return payload, nil
}

// plainJSON reports whether json.Marshal writes s between quotes as it is:
// printable ASCII, without the quote, the backslash and the HTML characters
// it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
