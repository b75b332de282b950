// Package errorhandling is the failure path: the error handler that records a
// job's Failure from a Lambda destination record, the archive port for what
// the error handler cannot handle (in the EventBridge envelope), and the
// replay of archived events.
package errorhandling

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
)

// The source and detail type of a failure record delivered to EventBridge.
const (
	EventSource       = "lambda"
	DetailTypeFailure = "Lambda Function Invocation Result - Failure"
)

// Envelope wraps a record the way Lambda delivers it to an EventBridge bus.
func Envelope(rec destination.Record, id, region, account string, resources []string) (events.EventBridgeEvent, error) {
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
