package localevents

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"
)

const (
	// wsProtocol is the subprotocol a client must offer and the server selects.
	wsProtocol = "aws-appsync-event-ws"
	// authGrace bounds how long an unauthorised connection waits for the
	// client's first message before it is sent connection_error anyway.
	authGrace = time.Second
	// writeTimeout bounds one WebSocket write; a client that takes longer
	// to take a message is treated as a slow consumer.
	writeTimeout = 10 * time.Second
)

// serveRealtime upgrades GET /event/realtime to a WebSocket connection.
func (s *Server) serveRealtime(w http.ResponseWriter, r *http.Request) {
	if foreignOrigin(r.Header) {
		writeError(w, http.StatusForbidden, &apiError{ErrorType: errForbidden, Message: fmt.Sprintf(
			"origin %q may not connect: only pages served from this machine may", r.Header.Get("Origin"))})
		return
	}
	protocols := offeredProtocols(r.Header)
	if !slices.Contains(protocols, wsProtocol) {
		writeError(w, http.StatusBadRequest, badRequest("the WebSocket subprotocol %q must be offered", wsProtocol))
		return
	}
	if e := s.enter(); e != nil {
		writeError(w, http.StatusServiceUnavailable, e)
		return
	}
	handedOff := false
	defer func() {
		if !handedOff {
			s.leave()
		}
	}()
	hijacked := &compactBuffers{ResponseWriter: w}
	ws, err := websocket.Accept(hijacked, r, &websocket.AcceptOptions{
		Subprotocols: []string{wsProtocol},
		// The Origin was checked above against loopback, a wider rule than
		// the library's same-host one (a page on localhost:5173 may connect
		// to 127.0.0.1:8443).
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.log.Debug("localevents: upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	ws.SetReadLimit(maxRequestBytes)
	mode, e := s.authenticateUpgrade(r, protocols)
	if e != nil {
		s.log.Info("localevents: unauthorised connection", "remote", r.RemoteAddr, "reason", e.Message)
		s.refuse(ws, e)
		return
	}
	c := newConn(s, ws, newParker(hijacked.conn, hijacked.reader), r.RemoteAddr, mode)
	if !s.register(c) {
		c.closeGoingAway()
		return
	}
	// The connection is served on its own goroutine and this handler
	// returns, so that net/http lets go of what it holds for the request
	// (its buffers, the request, a deep stack) while the connection lives.
	handedOff = true
	go func() {
		defer s.leave()
		defer s.unregister(c)
		s.log.Debug("localevents: connection opened", "remote", c.remote)
		c.run()
		s.log.Debug("localevents: connection closed", "remote", c.remote)
	}()
}

// offeredProtocols lists the subprotocols of a WebSocket upgrade request.
func offeredProtocols(h http.Header) []string {
	var protocols []string
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			protocols = append(protocols, strings.TrimSpace(p))
		}
	}
	return protocols
}

// connectBody is the body that an IAM connection's signature covers.
func connectBody() []byte { return []byte("{}") }

// authenticateUpgrade checks the credentials of a WebSocket upgrade: the
// authorization object of the "header-<base64url JSON>" subprotocol
// (Amplify), or else the upgrade request's own headers (the Swift and
// Kotlin clients), and whether their auth mode may connect. An IAM
// signature covers POST https://<host>/event with body "{}".
func (s *Server) authenticateUpgrade(r *http.Request, protocols []string) (AuthMode, *apiError) {
	var mode AuthMode
	var e *apiError
	if encoded, ok := headerSubprotocol(protocols); ok {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(encoded, "="))
		if err != nil {
			return "", unauthorized()
		}
		mode, e = s.authenticateObject(r.Context(), raw, connectBody, r.RemoteAddr)
	} else {
		h := r.Header.Clone()
		h.Set("Host", r.Host)
		signed := signedRequest(r.Context(), h)
		signed.RemoteAddr = r.RemoteAddr
		mode, e = s.authenticate(signed, connectBody())
	}
	switch {
	case e != nil:
		return "", e
	case mode == "":
		return "", unauthorized()
	}
	return mode, s.checkMode(opConnect, "", mode)
}

// headerSubprotocol returns the encoded part of the first "header-" subprotocol.
func headerSubprotocol(protocols []string) (string, bool) {
	for _, p := range protocols {
		if encoded, ok := strings.CutPrefix(p, "header-"); ok {
			return encoded, true
		}
	}
	return "", false
}

// refuse answers a connection without valid credentials. The upgrade is
// accepted and the client is sent connection_error (e, an
// UnauthorizedException, with code 401) and then closed: Amplify reports that as UnauthorizedException
// and does not retry, whereas a refused upgrade looks like a network error
// that it retries for ever. The error is sent in reply to the client's first
// message (Amplify's connection_init), or after authGrace if none comes,
// because Amplify listens for it only once it has sent connection_init and
// may lose a message that arrives earlier.
func (s *Server) refuse(ws *websocket.Conn, e *apiError) {
	first := make(chan struct{})
	go func() {
		defer close(first)
		_, _, _ = ws.Read(context.Background()) // ends when ws is closed below
	}()
	grace := time.NewTimer(authGrace)
	defer grace.Stop()
	select {
	case <-first:
	case <-grace.C:
	case <-s.done:
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	e.ErrorCode = http.StatusUnauthorized
	_ = ws.Write(ctx, websocket.MessageText, errorMessage("connection_error", "", e))
	_ = ws.Close(websocket.StatusPolicyViolation, "unauthorized")
	<-first
}
