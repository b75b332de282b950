package localevents

import (
	"crypto/tls"
	"fmt"
	"net/http"

	"github.com/asyncjobs/asyncjobs/internal/loopback"
)

// What keeps other sites and other machines' names away from the endpoint.
// The API key authorises a client, but a web page could otherwise reach a
// local endpoint through the browser: by a DNS name rebound to 127.0.0.1
// (refused by the Host check), by a cross-site WebSocket (refused by the
// Origin check) or by a cross-origin publish (CORS is given only to
// loopback origins).

// serveHTTP refuses requests whose Host header does not name this
// endpoint, then serves the routes.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopback.HostHeader(r.Host, s.cfg.Addr) {
		writeError(w, http.StatusMisdirectedRequest, badRequest(
			"host %q is not this endpoint's: use an IP address, localhost or the configured address", r.Host))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// foreignOrigin reports whether a request comes from a web page that is
// not served from this machine. Requests without an Origin header come
// from programs (Node, Go, the command line), not from a browser's page.
func foreignOrigin(h http.Header) bool {
	origins, sent := h["Origin"]
	return sent && (len(origins) != 1 || !loopback.Origin(origins[0]))
}

// corsHeaders lets a page served from this machine call /event and read
// x-amzn-ErrorType, from which Amplify names the error; other origins get
// no CORS headers, so browsers keep their pages out.
func corsHeaders(h http.Header, origin string) {
	h.Add("Vary", "Origin")
	if loopback.Origin(origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "x-amzn-ErrorType")
	}
}

// servePreflight answers a CORS preflight of POST /event.
func servePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	corsHeaders(h, r.Header.Get("Origin"))
	if foreignOrigin(r.Header) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "content-type, x-api-key, authorization, x-amz-date, x-amz-security-token, x-amz-user-agent")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// HTTPServer returns an http.Server for the endpoint, with the read and idle
// timeouts of the Config, serving TLS with tlsConfig.
func (s *Server) HTTPServer(tlsConfig *tls.Config) *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: s.cfg.ReadTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
	}
}

// tooManyConnections is the answer to an upgrade beyond MaxConnections.
func (s *Server) tooManyConnections() *apiError {
	return &apiError{ErrorType: errServiceUnavailable, Message: fmt.Sprintf(
		"the endpoint has %d open WebSocket connections, its limit: try again later", s.cfg.MaxConnections)}
}
