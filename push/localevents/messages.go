package localevents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

// Error types of the AppSync Events protocol.
const (
	errBadRequest          = "BadRequestException"
	errUnauthorized        = "UnauthorizedException"
	errUnsupported         = "UnsupportedOperation"
	errDuplicatedOperation = "DuplicatedOperationError"
	errUnknownOperation    = "UnknownOperationError"
	// errMaxSubscriptions is not documented for Events; it is the error type
	// AppSync's GraphQL realtime endpoint uses for the same limit.
	errMaxSubscriptions = "MaxSubscriptionsReachedError"
	// errForbidden answers a WebSocket upgrade from a foreign web origin.
	errForbidden          = "ForbiddenException"
	errServiceUnavailable = "ServiceUnavailableException"
)

// unauthorizedMessage is AppSync's message for a missing or wrong key.
const unauthorizedMessage = "You are not authorized to make this call."

// operationID is the pattern of subscribe and publish ids.
var operationID = regexp.MustCompile(`^[a-zA-Z0-9-_+]{1,128}$`)

// apiError is one entry of an "errors" array.
type apiError struct {
	ErrorType string `json:"errorType"`
	ErrorCode int    `json:"errorCode,omitempty"`
	Message   string `json:"message"`
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{ErrorType: errBadRequest, Message: fmt.Sprintf(format, args...)}
}

func unauthorized() *apiError {
	return &apiError{ErrorType: errUnauthorized, Message: unauthorizedMessage}
}

// publishResult is the body of an HTTP publish response and of publish_success.
type publishResult struct {
	Failed     []failedEvent    `json:"failed"`
	Successful []publishedEvent `json:"successful"`
}

type publishedEvent struct {
	Identifier string `json:"identifier"`
	Index      int    `json:"index"`
}

type failedEvent struct {
	Code       string `json:"code"`
	Identifier string `json:"identifier"`
	Index      int    `json:"index"`
	Message    string `json:"message"`
}

// inbound is a message from a WebSocket client. Unknown fields (Amplify
// adds payload) are ignored.
type inbound struct {
	Type          string          `json:"type"`
	ID            string          `json:"id"`
	Channel       string          `json:"channel"`
	Events        json.RawMessage `json:"events"`
	Authorization json.RawMessage `json:"authorization"`
}

// outbound is a message to a WebSocket client, except data messages (see dataMessage).
type outbound struct {
	Type                string      `json:"type"`
	ID                  string      `json:"id,omitempty"`
	ConnectionTimeoutMs int64       `json:"connectionTimeoutMs,omitempty"`
	Payload             *ackPayload `json:"payload,omitempty"`
	Errors              []apiError  `json:"errors,omitempty"`
	*publishResult
}

type ackPayload struct {
	ConnectionTimeoutMs int64 `json:"connectionTimeoutMs"`
}

// encode marshals m; it cannot fail, m holding only strings, numbers and slices of them.
func encode(m outbound) []byte {
	b, _ := json.Marshal(m)
	return b
}

var kaMessage = encode(outbound{Type: "ka"})

// ackMessage carries the timeout both at the top level (Amplify) and in
// payload (the Swift client).
func ackMessage(timeoutMs int64) []byte {
	return encode(outbound{
		Type:                "connection_ack",
		ConnectionTimeoutMs: timeoutMs,
		Payload:             &ackPayload{ConnectionTimeoutMs: timeoutMs},
	})
}

func errorMessage(typ, id string, e *apiError) []byte {
	return encode(outbound{Type: typ, ID: id, Errors: []apiError{*e}})
}

// dataMessage is {"type":"data","id":id,"event":event}, built by hand as it
// is sent once per event and subscriber. id matches operationID and needs
// no escaping; event is already a JSON string.
func dataMessage(id string, event []byte) []byte {
	const head, mid = `{"type":"data","id":"`, `","event":`
	b := make([]byte, 0, len(head)+len(id)+len(mid)+len(event)+1)
	b = append(b, head...)
	b = append(b, id...)
	b = append(b, mid...)
	b = append(b, event...)
	return append(b, '}')
}

// quote encodes s as a JSON string, leaving <, > and & unescaped. Printable
// ASCII, which a job's JSON usually is all of, is quoted here in one pass;
// anything else by encoding/json.
func quote[T ~string | ~[]byte](s T) []byte {
	if b, ok := quotePrintable(s); ok {
		return b
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(s)) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// quotePrintable quotes s as encoding/json would (without HTML escaping)
// if s is printable ASCII (0x20 to 0x7f): only '"' and '\\' are escaped.
func quotePrintable[T ~string | ~[]byte](s T) ([]byte, bool) {
	escapes := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7f:
			return nil, false
		case c == '"' || c == '\\':
			escapes++
		}
	}
	b := make([]byte, 0, len(s)+escapes+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, c)
		}
	}
	return append(b, '"'), true
}
