// Package lambdareturn is how the processor and error handler functions end
// an invocation: publish the job's changes before Lambda freezes the
// process, then return the invocation's error as Lambda should record it.
package lambdareturn

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Flusher publishes what it holds; *push.Notifier is one.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Finish flushes f (push is best effort: a publish that fails is logged with
// logAttrs and fails nothing) and returns err as the Lambda runtime should
// report it.
func Finish(ctx context.Context, f Flusher, logger *slog.Logger, err error, logAttrs ...any) error {
	if ferr := f.Flush(ctx); ferr != nil {
		logger.Warn("job events not all published before the function returned", append(logAttrs, "err", ferr)...)
	}
	return FunctionError(err)
}

// FunctionError is err as the Lambda runtime reports it. aws-lambda-go names
// an error by its Go type (TypedError, wrapError…) unless it is a
// messages.InvokeResponse_Error, so the job's error type goes there: the
// failure record's responsePayload.errorType then says SecondsAboveLimit,
// Timeout, Panic… and the error handler records it on the job.
func FunctionError(err error) error {
	if err == nil {
		return nil
	}
	return messages.InvokeResponse_Error{Message: err.Error(), Type: jobs.ErrorType(err)}
}
