package handlers

import (
	"net/http"
	"time"
)

// Gateway is what stands in front of the API and knows what a request does
// not carry itself: where the API is mounted and by when the request must be
// answered. API Gateway is one (cmd/api-lambda); jobsd has none (Direct).
type Gateway interface {
	// BasePath is the path the API is mounted at, "" for the root, without a
	// trailing slash: the links the API returns (Location, a problem's
	// instance) start with it.
	BasePath(r *http.Request) string
	// AnswerBy is when the request must be answered, by the service's clock:
	// a wait ends by then. Zero means no bound but the wait asked for.
	AnswerBy(r *http.Request) time.Time
}

// Direct is no gateway: the API is served at the root and a request has no
// deadline of its own.
type Direct struct{}

// BasePath is "": the API is at the root.
func (Direct) BasePath(*http.Request) string { return "" }

// AnswerBy is zero: no deadline.
func (Direct) AnswerBy(*http.Request) time.Time { return time.Time{} }
