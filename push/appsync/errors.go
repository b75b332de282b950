package appsync

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Errors a caller can test for with errors.Is.
var (
	// ErrUnauthorized: AppSync refused the credentials (HTTP 401 or 403,
	// UnauthorizedException, or error code 401 or 403). An *Error wraps it.
	ErrUnauthorized = errors.New("appsync: unauthorized")
	// ErrEventTooLarge: an event is over push.MaxEventBytes; nothing was sent.
	ErrEventTooLarge = errors.New("appsync: event too large")
	// ErrClosed: the connection was closed by Close.
	ErrClosed = errors.New("appsync: connection closed")
	// ErrKeepAliveTimeout: the server sent nothing for connectionTimeoutMs.
	ErrKeepAliveTimeout = errors.New("appsync: no keep-alive from the server")
	// ErrSlowConsumer: a subscription's buffer of unread events overflowed
	// and the subscription was dropped.
	ErrSlowConsumer = errors.New("appsync: subscriber too slow, subscription dropped")
)

// Error is an error that AppSync reported for a whole request or message.
type Error struct {
	Status  int    // HTTP status; 0 for a realtime message
	Type    string // errorType of the first error, or the x-amzn-ErrorType header
	Code    int    // errorCode of the first error, when given
	Message string // the messages of all errors, joined with "; "
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("AppSync ")
	switch {
	case e.Type != "" && e.Message != "":
		b.WriteString(e.Type + ": " + e.Message)
	case e.Type != "":
		b.WriteString(e.Type)
	case e.Message != "":
		b.WriteString("error: " + e.Message)
	default:
		b.WriteString("error")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	return b.String()
}

// Is reports whether e is ErrUnauthorized.
func (e *Error) Is(target error) bool {
	return target == ErrUnauthorized && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden ||
		e.Type == "UnauthorizedException" || e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden)
}

// PublishError lists the events that AppSync refused one by one while it
// accepted the others, which are not sent again.
type PublishError struct {
	Channel string
	Failed  []FailedEvent
}

// FailedEvent is one event that AppSync refused.
type FailedEvent struct {
	Index      int    `json:"index"` // position in the events passed to Publish
	Identifier string `json:"identifier"`
	Code       string `json:"code"`
	Message    string `json:"message"`
}

func (e *PublishError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		parts[i] = fmt.Sprintf("event %d: %s: %s", f.Index, f.Code, f.Message)
	}
	return fmt.Sprintf("appsync: publish to %s: %d events refused: %s", e.Channel, len(e.Failed), strings.Join(parts, "; "))
}

// add records failures of a batch whose first event is events[offset].
func (e *PublishError) add(offset int, failed []FailedEvent) {
	for _, f := range failed {
		f.Index += offset
		e.Failed = append(e.Failed, f)
	}
}

// err is e, or nil when nothing failed.
func (e *PublishError) err() error {
	if len(e.Failed) == 0 {
		return nil
	}
	return e
}

// errorEntry is one element of AppSync's "errors".
type errorEntry struct {
	ErrorType string `json:"errorType"`
	ErrorCode int    `json:"errorCode"`
	Message   string `json:"message"`
}

// errorFromEntries turns AppSync's "errors" into an *Error.
func errorFromEntries(status int, entries []errorEntry) *Error {
	e := &Error{Status: status}
	msgs := make([]string, 0, len(entries))
	for _, en := range entries {
		if e.Type == "" {
			e.Type, e.Code = en.ErrorType, en.ErrorCode
		}
		if en.Message != "" {
			msgs = append(msgs, en.Message)
		}
	}
	e.Message = strings.Join(msgs, "; ")
	return e
}

// errorFromResponse turns a refused HTTP request into an *Error, from the
// body's "errors" or else from the x-amzn-ErrorType header and the body.
func errorFromResponse(status int, header http.Header, body []byte) *Error {
	var parsed struct {
		Errors []errorEntry `json:"errors"`
	}
	if json.Unmarshal(body, &parsed) == nil && len(parsed.Errors) > 0 {
		return errorFromEntries(status, parsed.Errors)
	}
	// AWS may append ":<url>" to the header's error type.
	typ, _, _ := strings.Cut(header.Get("X-Amzn-Errortype"), ":")
	msg := strings.TrimSpace(string(body))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	return &Error{Status: status, Type: typ, Message: msg}
}
