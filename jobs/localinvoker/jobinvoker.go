package localinvoker

import (
	"context"
	"encoding/json"
	"fmt"

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

// jobEvent is the processor's event for a job.
func jobEvent(jobID string) (json.RawMessage, error) {
	payload, err := json.Marshal(jobs.Invocation{JobID: jobID})
	if err != nil {
		return nil, fmt.Errorf("encode invocation of job %s: %w", jobID, err)
	}
	return payload, nil
}
