// Package destination is the record Lambda sends to an on-failure
// destination after an asynchronous invocation failed for good. It depends on
// nothing else in the system, so the invokers that build records and the
// error handler that reads them share it without linking one another.
package destination

import (
	"encoding/json"
	"time"
)

// Record is what Lambda sends to an on-failure destination; jobsd's invoker
// sends the same.
type Record struct {
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
