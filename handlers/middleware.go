package handlers

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
)

// problemType is the media type of every error response.
const problemType = "application/problem+json"

// unmatchedRoute is the route of a request that matched none (404, 405).
const unmatchedRoute = "unmatched"

// logRequests logs every request once it has been answered, as LogAccess
// does. The record is built only when its level is enabled, with one clock
// reading (its time is the answer's end).
func logRequests(logger *slog.Logger) gin.HandlerFunc {
	handler := logger.Handler()
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		if !handler.Enabled(c.Request.Context(), slog.LevelInfo) {
			return
		}
		route := c.FullPath()
		if route == "" {
			route = unmatchedRoute
		}
		LogAccess(handler, c.Request, Access{Route: route, Status: c.Writer.Status(), Bytes: c.Writer.Size(),
			Start: start, Principal: principal(c)})
	}
}

// Access is what the access line of one answered request says besides the
// request itself.
type Access struct {
	Route     string    // the route's template, such as /jobs/:id; "unmatched" for none
	Status    int       // the status answered
	Bytes     int       // the body bytes written; negative counts as 0
	Start     time.Time // when the request came
	Principal string    // the authenticated caller; "" (left out) for none
}

// LogAccess writes the access line of r at info level to handler, the one
// format of every route: method, route, path, status, latency, bytes, ip and
// principal. Its time is the answer's end, the one clock reading; the
// caller's program counter, which slog.Logger looks up for every record, is
// not. Callers check that the level is enabled before building a.
func LogAccess(handler slog.Handler, r *http.Request, a Access) {
	end := time.Now()
	rec := slog.NewRecord(end, slog.LevelInfo, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("route", a.Route),
		slog.String("path", r.URL.Path),
		slog.Int("status", a.Status),
		slog.Duration("latency", end.Sub(a.Start)),
		slog.Int("bytes", max(a.Bytes, 0)),
		slog.String("ip", clientIP(r)),
	)
	if a.Principal != "" {
		rec.AddAttrs(slog.String("principal", a.Principal))
	}
	_ = handler.Handle(r.Context(), rec) // slog.Logger ignores its handler's errors too
}

// clientIP is the address of the peer without its port. The Lambda proxy
// gives the bare source IP, which gin's ClientIP cannot read; forwarding
// headers are not trusted.
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// renderErrors answers with the problem for the last error a handler
// recorded with c.Error; its instance is the request's path under the
// gateway's base path. Server errors are logged with the real error, which
// the client never sees.
func renderErrors(logger *slog.Logger, gateway Gateway) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		last := c.Errors.Last()
		if last == nil {
			return
		}
		p := problem.For(last.Err)
		// A 503 with Retry-After (queue full, shutting down) is the server
		// working as designed: the request log line records it; logging
		// each one as an error would flood the log under the very load it sheds.
		if _, refusal := problem.RetryAfter(last.Err); p.Status >= http.StatusInternalServerError && !refusal {
			logger.ErrorContext(c.Request.Context(), "request failed",
				"method", c.Request.Method, "path", c.Request.URL.Path, "status", p.Status, "err", last.Err)
		}
		if c.Writer.Written() {
			return
		}
		p.Instance = gateway.BasePath(c.Request) + c.Request.URL.Path
		if seconds, ok := problem.RetryAfter(last.Err); ok {
			c.Header("Retry-After", strconv.Itoa(seconds))
		}
		c.Header("Content-Type", problemType)
		c.Status(p.Status)
		_ = json.NewEncoder(c.Writer).Encode(p) // a failed write means the client has gone
	}
}

// recoverPanics turns a panic in a handler into an error for renderErrors.
func recoverPanics() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			c.Abort()
			_ = c.Error(fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
		}()
		c.Next()
	}
}
