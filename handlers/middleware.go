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

// RouteUnmatched is the route of a request that matched no route (404, 405).
const RouteUnmatched = "unmatched"

// observeRequests tells meter (if set) of every answered request and logs it
// as LogAccess does. It comes before the other middleware, so that it hears
// the status that renderErrors writes. The log record is built only when its
// level is enabled; the end of the answer is one clock reading for both.
func observeRequests(logger *slog.Logger, meter RequestMeter) gin.HandlerFunc {
	handler := logger.Handler()
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		logged := handler.Enabled(c.Request.Context(), slog.LevelInfo)
		if meter == nil && !logged {
			return
		}
		route := c.FullPath()
		if route == "" {
			route = RouteUnmatched
		}
		end := time.Now()
		if meter != nil {
			meter.Answered(c.Request.Method, route, c.Writer.Status(), end.Sub(start))
		}
		if logged {
			logAccess(handler, c.Request, Access{Route: route, Status: c.Writer.Status(), Bytes: c.Writer.Size(),
				Start: start, Principal: principal(c)}, end)
		}
	}
}

// Access is what the access line of one answered request says besides the
// request itself.
type Access struct {
	Route     string    // the route's template, such as /jobs/:id; RouteUnmatched for none
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
	logAccess(handler, r, a, time.Now())
}

func logAccess(handler slog.Handler, r *http.Request, a Access, end time.Time) {
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
