package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// statuses lists the channel, status and seq of each published event.
func statuses(events []published) string {
	var s string
	for _, e := range events {
		s += fmt.Sprintf("%s %s@%d; ", e.channel, e.job.Status, e.job.Seq)
	}
	return s
}

// TestAsyncInvocationThroughTheLambdaHandler decodes the fixture payload and
// runs the handler with aws-lambda-go's own machinery (lambda.NewHandler), as
// the runtime does.
func TestAsyncInvocationThroughTheLambdaHandler(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		params    string
		errorType string // of the returned error; "" for none
		message   string
		status    jobs.Status
		events    string
	}{
		"success": {
			params: `{"seconds":1}`, status: jobs.StatusSuccess,
			events: "/jobs/" + jobID + " Running@2; /jobs/" + jobID + " Success@3; ",
		},
		"above the processing limit": {
			params: `{"seconds":301}`, errorType: "SecondsAboveLimit", status: jobs.StatusRunning,
			message: "cannot sleep for 301 seconds: the processing limit is 300 seconds",
			events:  "/jobs/" + jobID + " Running@2; ",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, store, rec := setup(t)
			seed(t, store, tt.params)

			_, err := lambda.NewHandler(h.handle).Invoke(t.Context(), fixture(t, "async-invocation.json"))

			if tt.errorType == "" && err != nil {
				t.Fatalf("handler failed: %v", err)
			}
			if tt.errorType != "" {
				var ie messages.InvokeResponse_Error
				if !errors.As(err, &ie) || ie.Type != tt.errorType || ie.Message != tt.message {
					t.Fatalf("error %#v, want a messages.InvokeResponse_Error of type %s: %s", err, tt.errorType, tt.message)
				}
			}
			j, err := store.Get(t.Context(), jobID)
			if err != nil {
				t.Fatal(err)
			}
			if j.Status != tt.status || j.Attempts != 1 {
				t.Errorf("stored %s after %d attempts, want %s after 1", j.Status, j.Attempts, tt.status)
			}
			if tt.status == jobs.StatusSuccess && string(j.Results) != `{"message":"I slept for 1 seconds"}` {
				t.Errorf("results %s", j.Results)
			}
			// Published before the handler returned: Lambda freezes the process after.
			if got := statuses(rec.published()); got != tt.events {
				t.Errorf("published %s, want %s", got, tt.events)
			}
		})
	}
}

func TestAnInvocationOfAJobThatIsGoneNeedsNothing(t *testing.T) {
	t.Parallel()
	h, _, rec := setup(t)
	if _, err := lambda.NewHandler(h.handle).Invoke(t.Context(), fixture(t, "async-invocation.json")); err != nil {
		t.Errorf("got %v, want nil: nothing to retry", err)
	}
	if got := rec.published(); len(got) != 0 {
		t.Errorf("published %s", statuses(got))
	}
}

// failingStore fails the write that would make a job Success, as a full disk would.
type failingStore struct{ jobs.Store }

const storeSecret = "dynamo: table arn:aws:dynamodb:us-east-1:123456789012:table/secret-jobs throttled"

func (s failingStore) Update(ctx context.Context, id string, fn func(*jobs.Job) error) (jobs.Job, error) {
	return s.Store.Update(ctx, id, func(j *jobs.Job) error {
		if err := fn(j); err != nil {
			return err
		}
		if j.Status == jobs.StatusSuccess {
			return errors.New(storeSecret)
		}
		return nil
	})
}

// What the function returns becomes the destination record's errorMessage,
// which the error handler stores on the job: a store error's text must not.
func TestAStoreErrorIsReportedGenerically(t *testing.T) {
	t.Parallel()
	store := openStore(t, t.TempDir())
	t.Cleanup(func() { store.Close() })
	seed(t, store, `{"seconds":1}`)
	h := newTestHandler(t, failingStore{store}, &recorder{}, &syncbuf.Buffer{})
	err := h.handle(t.Context(), jobs.Invocation{JobID: jobID})
	ie, ok := err.(messages.InvokeResponse_Error)
	if !ok || ie.Type != jobs.ErrorTypeInternal || strings.Contains(ie.Message, "secret-jobs") ||
		!strings.Contains(ie.Message, "(job "+jobID+")") {
		t.Fatalf("function error %#v, want a generic InternalError", err)
	}
}
