package local

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
	"github.com/asyncjobs/asyncjobs/internal/loopback"
)

// checkHost answers 421 Misdirected Request, before next sees the request,
// when its Host is neither an IP address, a loopback name nor the host of
// listenAddr: a web page whose DNS name was rebound to 127.0.0.1 sends its
// own name, so the browser's same-origin rule does not let it read the API.
func checkHost(next http.Handler, listenAddr string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if loopback.HostHeader(r.Host, listenAddr) {
			next.ServeHTTP(w, r)
			return
		}
		writeProblem(w, r, http.StatusMisdirectedRequest,
			fmt.Sprintf("Host %q is refused: this server answers only requests addressed to an IP address, "+
				"a loopback name or the host it listens on (%s), so that no web page can reach it through a DNS name the page controls (DNS rebinding)",
				r.Host, listenAddr))
	})
}

// limitBodyTime gives a request body timeout to arrive, counted from the
// start of the handler: a client that sends the head of a request and then
// its body slowly, or not at all, gets an error from the body's Read (which
// the API answers with a 400) and loses its connection, instead of holding
// it for ever. net/http lifts the deadline when the body has been read to
// its end, so a long wait that follows (Prefer: wait=N) is not cut short.
// Requests without a body are not limited: the server's header and idle
// timeouts cover them.
func limitBodyTime(next http.Handler, timeout time.Duration) http.Handler {
	if timeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			// Only a ResponseWriter without a connection refuses, and
			// then there is nothing to limit.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
		}
		next.ServeHTTP(w, r)
	})
}

// writeProblem answers a problem+json of status about r's path.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := problem.Details{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Instance: r.URL.Path}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p) // a failed write means the client has gone
}
