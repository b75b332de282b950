// Package errorhandling is the failure path: the error handler that records a
// job's Failure from a Lambda destination invocation record, the archive port
// for what the error handler cannot handle (in the EventBridge envelope), the
// replay of archived events, and the one table that turns errors into HTTP
// problems.
package errorhandling

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// InvocationRecord is what Lambda sends to an on-failure destination after an
// asynchronous invocation failed for good; jobsd's invoker sends the same.
type InvocationRecord struct {
	Version         string           `json:"version"`
	Timestamp       time.Time        `json:"timestamp"`
	RequestContext  RequestContext   `json:"requestContext"`
	RequestPayload  json.RawMessage  `json:"requestPayload"`
	ResponseContext *ResponseContext `json:"responseContext,omitempty"`
	ResponsePayload *ResponsePayload `json:"responsePayload,omitempty"`
}

// RequestContext says which function failed, why, and after how many attempts.
type RequestContext struct {
	RequestID              string `json:"requestId"`
	FunctionArn            string `json:"functionArn"`
	Condition              string `json:"condition"` // RetriesExhausted or EventAgeExceeded
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// ResponseContext describes the last attempt's response.
type ResponseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	FunctionError   string `json:"functionError"`
}

// ResponsePayload is the error the last attempt returned.
type ResponsePayload struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// The source and detail type of a failure record delivered to EventBridge.
const (
	EventSource       = "lambda"
	DetailTypeFailure = "Lambda Function Invocation Result - Failure"
)

// Envelope wraps a record the way Lambda delivers it to an EventBridge bus.
func Envelope(rec InvocationRecord, id, region, account string, resources []string) (events.EventBridgeEvent, error) {
	detail, err := json.Marshal(rec)
	if err != nil {
		return events.EventBridgeEvent{}, fmt.Errorf("encode invocation record: %w", err)
	}
	return events.EventBridgeEvent{
		Version:    "0",
		ID:         id,
		DetailType: DetailTypeFailure,
		Source:     EventSource,
		AccountID:  account,
		Time:       rec.Timestamp.UTC(),
		Region:     region,
		Resources:  resources,
		Detail:     detail,
	}, nil
}
