package handlers

import (
	"time"

	"github.com/gin-gonic/gin"
)

// RequestMeter hears of every request the engine answers: its method, the
// template of the route that matched it (RouteUnmatched when none did, so a
// path never becomes a label), its status and how long the answer took. It
// is called on the request's goroutine, after the answer, and must not block.
type RequestMeter interface {
	Answered(method, route string, status int, took time.Duration)
}

// RouteUnmatched is the route of a request that matched no route (404, 405).
const RouteUnmatched = "unmatched"

// measure installs m, if set, around every handler the engine runs: it
// must come before the other middleware, so that it hears the status that
// renderErrors writes.
func measure(e *gin.Engine, m RequestMeter) {
	if m == nil {
		return
	}
	e.Use(func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = RouteUnmatched
		}
		m.Answered(c.Request.Method, route, c.Writer.Status(), time.Since(start))
	})
}
