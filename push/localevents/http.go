package localevents

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// maxRequestBytes is AppSync's 1.2 MB limit on a publish request, taken
// as 1,200 KiB (5 events of 240 KiB). It also bounds WebSocket messages.
const maxRequestBytes = 1200 * 1024

// servePublish handles POST /event.
func (s *Server) servePublish(w http.ResponseWriter, r *http.Request) {
	corsHeaders(w.Header(), r.Header.Get("Origin"))
	// An API key is checked before the body is read; a signature, which
	// covers the body, after.
	mode := credentialMode(r.Header)
	if mode != AuthIAM {
		if m, e := s.authenticate(r, nil); e != nil || m == "" {
			writeError(w, http.StatusUnauthorized, unauthorized())
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			writeError(w, http.StatusBadRequest, badRequest("the request is larger than 1.2 MB"))
			return
		}
		writeError(w, http.StatusBadRequest, badRequest("reading the request: %s", err))
		return
	}
	if mode == AuthIAM {
		if _, e := s.authenticate(r, body); e != nil {
			writeError(w, http.StatusUnauthorized, e)
			return
		}
	}
	var req struct {
		Channel string          `json:"channel"`
		Events  json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, badRequest("the request is not a valid JSON object: %s", err))
		return
	}
	res, e := s.publishWire(req.Channel, mode, req.Events)
	if e != nil {
		status := http.StatusBadRequest
		if e.ErrorType == errUnauthorized {
			status = http.StatusUnauthorized
		}
		writeError(w, status, e)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// writeError writes {"errors":[e]} with AppSync's x-amzn-ErrorType header.
func writeError(w http.ResponseWriter, status int, e *apiError) {
	w.Header().Set("x-amzn-ErrorType", e.ErrorType)
	writeJSON(w, status, struct {
		Errors []apiError `json:"errors"`
	}{[]apiError{*e}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client has gone if this fails
}
