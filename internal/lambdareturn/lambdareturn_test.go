package lambdareturn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/asyncjobs/asyncjobs/jobs"
)

func TestFunctionErrorNamesTheJobsErrorType(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err      error
		wantType string
	}{
		"typed":          {err: jobs.Errorf("Timeout", "job sleep exceeded its timeout of 5m10s"), wantType: "Timeout"},
		"typed, wrapped": {err: fmt.Errorf("run: %w", jobs.Errorf("Panic", "job panicked: boom")), wantType: "Panic"},
		"plain":          {err: errors.New("start job x: dynamo: throttled"), wantType: "Error"},
	}
	for name, tt := range tests {
		got := FunctionError(tt.err)
		ie, ok := got.(messages.InvokeResponse_Error) // the runtime checks with a type assertion, not errors.As
		if !ok || ie.Type != tt.wantType || ie.Message != tt.err.Error() {
			t.Errorf("%s: %#v, want type %s and message %q", name, got, tt.wantType, tt.err)
		}
		payload, _ := json.Marshal(ie)
		want := fmt.Sprintf(`{"errorMessage":%q,"errorType":%q}`, tt.err.Error(), tt.wantType)
		if string(payload) != want {
			t.Errorf("%s: response payload %s, want %s", name, payload, want)
		}
	}
	if FunctionError(nil) != nil {
		t.Error("FunctionError(nil) is not nil")
	}
}

// flusher fails its Flush with err and counts the calls.
type flusher struct {
	err   error
	calls int
}

func (f *flusher) Flush(context.Context) error { f.calls++; return f.err }

func TestFinishFlushesFirstAndAFailedFlushFailsNothing(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	f := &flusher{err: errors.New("appsync: unavailable")}
	if err := Finish(t.Context(), f, logger, nil, "job", "job-1"); err != nil || f.calls != 1 {
		t.Fatalf("Finish = %v after %d flushes, want nil after 1", err, f.calls)
	}
	if got := logs.String(); !strings.Contains(got, "job=job-1") || !strings.Contains(got, "appsync: unavailable") {
		t.Errorf("log %q, want the job and the flush error", got)
	}
	var ie messages.InvokeResponse_Error
	if err := Finish(t.Context(), &flusher{}, logger, jobs.Errorf("Timeout", "late")); !errors.As(err, &ie) || ie.Type != "Timeout" {
		t.Errorf("Finish = %#v, want the function error of type Timeout", err)
	}
}
