package local

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/asyncjobs/asyncjobs/handlers"
)

// loggedAccess is h with an access line for each request, on route, in the
// API's format (handlers.LogAccess); h authenticates no one.
func loggedAccess(logger *slog.Logger, route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveLogged(logger, route, w, r, func(w http.ResponseWriter, r *http.Request) string {
			h.ServeHTTP(w, r)
			return ""
		})
	})
}

// serveLogged serves r with serve, which returns the principal it
// authenticated ("" if none), and writes the request's access line on route.
func serveLogged(logger *slog.Logger, route string, w http.ResponseWriter, r *http.Request,
	serve func(http.ResponseWriter, *http.Request) (principal string)) {
	start := time.Now()
	rw := &recordingWriter{ResponseWriter: w}
	who := serve(rw, r)
	if handler := logger.Handler(); handler.Enabled(r.Context(), slog.LevelInfo) {
		handlers.LogAccess(handler, r, handlers.Access{Route: route, Status: rw.status(), Bytes: rw.bytes, Start: start, Principal: who})
	}
}

// recordingWriter remembers the status and counts the body bytes written.
type recordingWriter struct {
	http.ResponseWriter
	code  int
	bytes int
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Flush flushes what was written: the console streams events.
func (w *recordingWriter) Flush() {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the writer's deadlines.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// status is the status answered: 200 when the handler wrote nothing.
func (w *recordingWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
