package lambdainvoker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// fakeClient records the invocations it gets and answers with out or err.
type fakeClient struct {
	out   *lambda.InvokeOutput
	err   error
	calls []*lambda.InvokeInput
}

func (f *fakeClient) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.calls = append(f.calls, in)
	return f.out, f.err
}

func accepted() *lambda.InvokeOutput { return &lambda.InvokeOutput{StatusCode: http.StatusAccepted} }

func TestInvokeQueuesAnAsyncInvocation(t *testing.T) {
	t.Parallel()
	f := &fakeClient{out: accepted()}
	if err := New(f, "jobs-processor").Invoke(t.Context(), "job-1"); err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 1 {
		t.Fatalf("%d calls, want 1", len(f.calls))
	}
	in := f.calls[0]
	if *in.FunctionName != "jobs-processor" || in.InvocationType != types.InvocationTypeEvent {
		t.Errorf("invoked %s with type %q, want jobs-processor with Event", *in.FunctionName, in.InvocationType)
	}
	var inv jobs.Invocation
	if err := json.Unmarshal(in.Payload, &inv); err != nil || inv.JobID != "job-1" {
		t.Errorf("payload %s (%v), want the job's invocation", in.Payload, err)
	}
}

func TestInvokeWantsAccepted(t *testing.T) {
	t.Parallel()
	f := &fakeClient{out: &lambda.InvokeOutput{StatusCode: http.StatusOK}}
	err := New(f, "jobs-processor").Invoke(t.Context(), "job-1")
	if err == nil || !strings.Contains(err.Error(), "200") {
		t.Errorf("got %v, want an error naming status 200", err)
	}
}

func TestInvokeMapsErrorsToTheDomain(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err  error
		want error // nil: neither sentinel
	}{
		"TooManyRequestsException": {err: &types.TooManyRequestsException{}, want: jobs.ErrOverloaded},
		"a throttling code":        {err: &smithy.GenericAPIError{Code: "ThrottlingException"}, want: jobs.ErrOverloaded},
		"a client error":           {err: &types.ResourceNotFoundException{}},
		"cancelled":                {err: context.Canceled},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := New(&fakeClient{err: tt.err}, "jobs-processor").Invoke(t.Context(), "job-1")
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), "invoke jobs-processor for job job-1") {
				t.Errorf("got %v, want %v wrapped with context", err, tt.err)
			}
			for _, sentinel := range []error{jobs.ErrOverloaded, jobs.ErrUnavailable} {
				if got := errors.Is(err, sentinel); got != (sentinel == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %t", err, sentinel, got)
				}
			}
		})
	}
}
