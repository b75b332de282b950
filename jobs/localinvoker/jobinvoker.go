package localinvoker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// JobInvoker dispatches jobs to the processor function: the jobs.Invoker of jobsd.
type JobInvoker struct{ Processor *Function }

var _ jobs.Invoker = JobInvoker{}

// Invoke queues the job for processing.
func (ji JobInvoker) Invoke(ctx context.Context, jobID string) error {
	payload, err := json.Marshal(jobs.Invocation{JobID: jobID})
	if err != nil {
		return fmt.Errorf("encode invocation of job %s: %w", jobID, err)
	}
	return ji.Processor.Invoke(ctx, payload)
}

// Redrive queues every given unfinished job again, as first sent when it was
// created, waiting for room in the queue. It returns how many it queued.
func (ji JobInvoker) Redrive(ctx context.Context, unfinished []jobs.Job) (int, error) {
	for n, j := range unfinished {
		payload, err := json.Marshal(jobs.Invocation{JobID: j.ID})
		if err != nil {
			return n, fmt.Errorf("encode invocation of job %s: %w", j.ID, err)
		}
		if err := ji.Processor.Redeliver(ctx, payload, j.CreatedAt); err != nil {
			return n, fmt.Errorf("re-drive job %s: %w", j.ID, err)
		}
	}
	return len(unfinished), nil
}
