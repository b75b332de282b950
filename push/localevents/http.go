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
	corsHeaders(w.Header())
	if !s.validKey(r.Header.Get("x-api-key")) {
		writeError(w, http.StatusUnauthorized, unauthorized())
		return
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
	var req struct {
		Channel string          `json:"channel"`
		Events  json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, badRequest("the request is not a valid JSON object: %s", err))
		return
	}
	res, e := s.publishWire(req.Channel, req.Events)
	if e != nil {
		writeError(w, http.StatusBadRequest, e)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// servePreflight answers a CORS preflight of POST /event.
func servePreflight(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	corsHeaders(h)
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "content-type, x-api-key, authorization, x-amz-date, x-amz-security-token, x-amz-user-agent")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// corsHeaders lets any origin call /event and read x-amzn-ErrorType,
// from which Amplify names the error.
func corsHeaders(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "x-amzn-ErrorType")
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
