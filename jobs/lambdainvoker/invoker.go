// Package lambdainvoker is the jobs.Invoker of the AWS deployment: it invokes
// the processor function asynchronously (InvocationType Event) with the job's
// jobs.Invocation as the payload, and turns Lambda's errors into the domain's
// sentinels in one place.
package lambdainvoker

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// Client is the part of the Lambda API the invoker uses; *lambda.Client is one.
type Client interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ Client = (*lambda.Client)(nil)

// Invoker queues jobs for the processor function.
type Invoker struct {
	client   Client
	function string // name, ARN or partial ARN, optionally with a qualifier
}

var _ jobs.Invoker = (*Invoker)(nil)

// New returns an Invoker of function through client.
func New(client Client, function string) *Invoker {
	return &Invoker{client: client, function: function}
}

// Invoke queues the job: Lambda answers 202 once the event is in the
// function's asynchronous queue. Throttling comes back as jobs.ErrOverloaded,
// Lambda's own failures as jobs.ErrUnavailable; both keep the AWS error in
// their chain.
func (i *Invoker) Invoke(ctx context.Context, jobID string) error {
	payload, err := json.Marshal(jobs.Invocation{JobID: jobID})
	if err != nil {
		return fmt.Errorf("invoke %s for job %s: encode payload: %w", i.function, jobID, err)
	}
	out, err := i.client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(i.function),
		InvocationType: types.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return fmt.Errorf("invoke %s for job %s: %w", i.function, jobID, domainError(err))
	}
	if out.StatusCode != http.StatusAccepted {
		return fmt.Errorf("invoke %s for job %s: Lambda answered %d, not 202 Accepted", i.function, jobID, out.StatusCode)
	}
	return nil
}
