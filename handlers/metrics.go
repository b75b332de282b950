package handlers

import "time"

// RequestMeter hears of every request the engine answers: its method, the
// template of the route that matched it (RouteUnmatched when none did, so a
// path never becomes a label), its status and how long the answer took. It
// is called on the request's goroutine, after the answer, and must not block.
type RequestMeter interface {
	Answered(method, route string, status int, took time.Duration)
}
