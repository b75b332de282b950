package lambdaservice

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/localinvoker"
)

var cred = sigv4.Credential{AccessKeyID: "AKIAFUNCTIONS", SecretAccessKey: "functionsecret", Principal: "arn:aws:iam::000000000000:role/functions"}

type fnError struct{ typ, msg string }

func (e fnError) Error() string     { return e.msg }
func (e fnError) ErrorType() string { return e.typ }

// bus collects the records delivered to it.
type bus chan destination.Record

func (b bus) Deliver(_ context.Context, rec destination.Record) error {
	b <- rec
	return nil
}

type env struct {
	client   *lambda.Client
	calls    map[string]chan string // payloads each function got
	failures bus
}

// setup runs a stack of Processor → ErrorHandler → Bus, the processor
// failing with "JobFailed" for payloads other than "ok", the error
// handler always failing.
func setup(t *testing.T) env {
	t.Helper()
	stack := &awsstack.Stack{Functions: []*awsstack.Function{
		{LogicalID: "Processor", Name: "S-Processor", Arn: "arn:aws:lambda:us-east-1:000000000000:function:S-Processor",
			Async: awsstack.Async{MaxRetries: 1, MaxEventAge: time.Hour, OnFailure: awsstack.Destination{Function: "ErrorHandler"}}},
		{LogicalID: "ErrorHandler", Name: "S-ErrorHandler", Arn: "arn:aws:lambda:us-east-1:000000000000:function:S-ErrorHandler",
			Async: awsstack.Async{MaxEventAge: time.Hour, OnFailure: awsstack.Destination{Bus: "Bus"}}},
	}}
	e := env{calls: map[string]chan string{"Processor": make(chan string, 8), "ErrorHandler": make(chan string, 8)}, failures: make(bus, 8)}
	functions := map[string]Invoke{}
	for id, calls := range e.calls {
		functions[id] = func(_ context.Context, payload []byte) ([]byte, error) {
			calls <- string(payload)
			if string(payload) == `"ok"` {
				return []byte(`{"answer":42}`), nil
			}
			return nil, fnError{"JobFailed", "the job of " + id + " failed"}
		}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	inv, err := localinvoker.New(localinvoker.Config{Workers: 2, QueueSize: 8, Region: "us-east-1", Account: "000000000000",
		Clock: jobs.SystemClock{}, NewID: uuid.NewString, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inv.Close(context.Background()) })
	verifier, err := sigv4.NewVerifier(sigv4.Config{Region: "us-east-1", Service: "lambda", Credentials: []sigv4.Credential{cred}})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{Stack: stack, Functions: functions, Buses: map[string]localinvoker.Destination{"Bus": e.failures},
		Invoker: inv, RetryDelay: time.Millisecond, Verifier: verifier, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	e.client = lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, "")})
	return e
}

func next[T any](t *testing.T, c chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived")
		var zero T
		return zero
	}
}

func TestAsyncFailureGoesDownTheDestinations(t *testing.T) {
	t.Parallel()
	e := setup(t)
	out, err := e.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("S-Processor"),
		InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"jobId":"j1"}`)})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("Invoke Event: %v, %v; want 202", out, err)
	}
	for range 2 { // the attempt and its one retry
		if got := next(t, e.calls["Processor"]); got != `{"jobId":"j1"}` {
			t.Errorf("the processor got %s", got)
		}
	}
	var rec destination.Record
	if err := json.Unmarshal([]byte(next(t, e.calls["ErrorHandler"])), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.Condition != "RetriesExhausted" || rec.RequestContext.ApproximateInvokeCount != 2 ||
		rec.RequestContext.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:S-Processor:$LATEST" ||
		rec.ResponsePayload == nil || rec.ResponsePayload.ErrorType != "JobFailed" || string(rec.RequestPayload) != `{"jobId":"j1"}` {
		t.Errorf("the error handler's record: %+v", rec)
	}
	// The error handler fails too: its record goes to the bus.
	onBus := next(t, e.failures)
	if onBus.RequestContext.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:S-ErrorHandler:$LATEST" || onBus.ResponsePayload.ErrorMessage != "the job of ErrorHandler failed" {
		t.Errorf("the bus's record: %+v", onBus)
	}
}

func TestSyncInvoke(t *testing.T) {
	t.Parallel()
	e := setup(t)
	out, err := e.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:000000000000:function:S-Processor"), Payload: []byte(`"ok"`)})
	if err != nil || out.StatusCode != 200 || string(out.Payload) != `{"answer":42}` || out.FunctionError != nil {
		t.Fatalf("Invoke: %+v, %v", out, err)
	}
	out, err = e.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("S-Processor"), Payload: []byte(`"no"`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || string(out.Payload) != `{"errorMessage":"the job of Processor failed","errorType":"JobFailed"}` {
		t.Fatalf("failing Invoke: %+v %s, %v", out, out.Payload, err)
	}
	_, err = e.client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("Nope"), Payload: []byte(`"ok"`)})
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Errorf("Invoke of an unknown function: %v, want ResourceNotFoundException", err)
	}
}

func TestUnsignedCallsAreRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	client := lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: e.client.Options().BaseEndpoint,
		Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, "not the secret", "")})
	_, err := client.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("S-Processor"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{}`)})
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("Invoke with a wrong secret: %v, want InvalidSignatureException", err)
	}
	select {
	case p := <-e.calls["Processor"]:
		t.Errorf("the processor ran with %s", p)
	default:
	}
}
