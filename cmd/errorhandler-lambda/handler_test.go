package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// TestFailureRecordsThroughTheLambdaHandler runs the handler with
// aws-lambda-go's own machinery on the record as each route delivers it:
// the processor's on-failure destination, and the failure bus's re-drive
// rule replaying an archived event.
func TestFailureRecordsThroughTheLambdaHandler(t *testing.T) {
	t.Parallel()
	tests := map[string]func(t *testing.T) []byte{
		"destination record": func(t *testing.T) []byte { return fixture(t, "destination-record.json") },
		"re-driven, InputPath $.detail": func(t *testing.T) []byte {
			return inputPath(t, fixture(t, "eventbridge-failure.json"), "$.detail")
		},
		"re-driven, InputPath $.detail.requestPayload": func(t *testing.T) []byte {
			return inputPath(t, fixture(t, "eventbridge-failure.json"), "$.detail.requestPayload")
		},
		"re-driven twice": func(t *testing.T) []byte {
			// A re-drive that failed again: the function's failure record of the $.detail above.
			detail := inputPath(t, fixture(t, "eventbridge-failure.json"), "$.detail")
			return []byte(`{"version":"1.0","timestamp":"2026-11-23T08:00:00.000Z","requestContext":{"requestId":"r2",
				"functionArn":"arn:aws:lambda:us-east-1:123456789012:function:jobs-error-handler:$LATEST",
				"condition":"RetriesExhausted","approximateInvokeCount":1},"requestPayload":` + string(detail) + `,
				"responsePayload":{"errorMessage":"still down","errorType":"Error"}}`)
		},
	}
	for name, payload := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, store, rec := setup(t)
			if _, err := lambda.NewHandler(h.handle).Invoke(t.Context(), payload(t)); err != nil {
				t.Fatalf("handler failed: %v", err)
			}
			j, err := store.Get(t.Context(), jobID)
			if err != nil {
				t.Fatal(err)
			}
			want := jobs.ErrorInfo{Type: "SecondsAboveLimit", Condition: jobs.ConditionRetriesExhausted,
				Message: "cannot sleep for 301 seconds: the processing limit is 300 seconds"}
			if j.Status != jobs.StatusFailure || j.Error == nil || *j.Error != want || !j.FinishedAt.Equal(fixedClock{}.Now()) {
				t.Fatalf("stored %s with error %+v finished at %s, want Failure with %+v", j.Status, j.Error, j.FinishedAt, want)
			}
			// Published before the handler returned: Lambda freezes the process after.
			chans, events := rec.published()
			if len(events) != 1 || chans[0] != "/jobs/"+jobID || events[0].Status != jobs.StatusFailure ||
				events[0].Seq != j.Seq || events[0].Error == nil || events[0].Error.Type != "SecondsAboveLimit" {
				t.Errorf("published %v %+v, want the Failure at seq %d on /jobs/%s", chans, events, j.Seq, jobID)
			}
		})
	}
}

func TestAFinishedJobNeedsNothing(t *testing.T) {
	t.Parallel()
	h, store, rec := setup(t)
	if _, err := store.Update(t.Context(), jobID, func(j *jobs.Job) error {
		j.Status = jobs.StatusCancelled
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := lambda.NewHandler(h.handle).Invoke(t.Context(), fixture(t, "destination-record.json")); err != nil {
		t.Errorf("got %v, want nil: the cancellation stands", err)
	}
	if j, _ := store.Get(t.Context(), jobID); j.Status != jobs.StatusCancelled {
		t.Errorf("stored %s, want Cancelled", j.Status)
	}
	if _, events := rec.published(); len(events) != 0 {
		t.Errorf("published %+v", events)
	}
}

// TestAFailureToRecordGoesToTheBus checks the error that Lambda's on-failure
// destination puts on the bus: a messages.InvokeResponse_Error, so that the
// record's errorType is not a Go type name.
func TestAFailureToRecordGoesToTheBus(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		payload func(t *testing.T) []byte
		before  func(t *testing.T, h *handler)
		message string
	}{
		"store down": {
			payload: func(t *testing.T) []byte { return fixture(t, "destination-record.json") },
			before: func(t *testing.T, h *handler) {
				if err := h.errors.Store.(interface{ Close() error }).Close(); err != nil {
					t.Fatal(err)
				}
			},
			message: "error handler: record failure of job " + jobID,
		},
		"no job id": {
			payload: func(t *testing.T) []byte {
				var rec map[string]any
				if err := json.Unmarshal(fixture(t, "destination-record.json"), &rec); err != nil {
					t.Fatal(err)
				}
				rec["requestPayload"] = map[string]any{}
				data, _ := json.Marshal(rec)
				return data
			},
			before:  func(*testing.T, *handler) {},
			message: "has no job id",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, _, rec := setup(t)
			tt.before(t, h)
			_, err := lambda.NewHandler(h.handle).Invoke(t.Context(), tt.payload(t))
			var ie messages.InvokeResponse_Error
			if !errors.As(err, &ie) || ie.Type != "Error" || !strings.Contains(ie.Message, tt.message) {
				t.Fatalf("error %#v, want a messages.InvokeResponse_Error of type Error with %q", err, tt.message)
			}
			if _, events := rec.published(); len(events) != 0 {
				t.Errorf("published %+v", events)
			}
		})
	}
}
