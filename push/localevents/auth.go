package localevents

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// AuthMode is an authorization type of AppSync Events that the endpoint
// accepts, spelt as in CloudFormation's AuthType.
type AuthMode string

const (
	// AuthAPIKey authorises with an API key (x-api-key), one of Config.APIKeys.
	AuthAPIKey AuthMode = "API_KEY"
	// AuthIAM authorises with a SigV4 signature (service "appsync") that
	// Config.IAM verifies.
	AuthIAM AuthMode = "AWS_IAM"
)

// NamespaceAuthModes are the auth modes one namespace accepts for publishing
// and for subscribing, as an AWS::AppSync::ChannelNamespace's
// PublishAuthModes and SubscribeAuthModes. An empty list takes the default
// (see Config.NamespaceAuthModes).
type NamespaceAuthModes struct {
	Publish   []AuthMode
	Subscribe []AuthMode
}

// operation is what a client asks to do with its credentials.
type operation string

const (
	opConnect   operation = "connect"
	opPublish   operation = "publish"
	opSubscribe operation = "subscribe"
)

// authModes resolves the auth modes of the connection and of every
// namespace from cfg and the defaults.
func authModes(cfg Config, namespaces map[string]bool) ([]AuthMode, map[string]NamespaceAuthModes) {
	both := []AuthMode{AuthAPIKey, AuthIAM}
	connect := orDefault(cfg.ConnectionAuthModes, both)
	publish := orDefault(cfg.DefaultPublishAuthModes, both)
	subscribe := orDefault(cfg.DefaultSubscribeAuthModes, both)
	modes := make(map[string]NamespaceAuthModes, len(namespaces))
	for ns, job := range namespaces {
		own := cfg.NamespaceAuthModes[ns]
		nsPublish := publish
		if job && len(cfg.DefaultPublishAuthModes) == 0 {
			nsPublish = []AuthMode{AuthIAM}
		}
		modes[ns] = NamespaceAuthModes{
			Publish:   orDefault(own.Publish, nsPublish),
			Subscribe: orDefault(own.Subscribe, subscribe),
		}
	}
	return connect, modes
}

func orDefault(modes, def []AuthMode) []AuthMode {
	if len(modes) == 0 {
		return def
	}
	return modes
}

// checkMode refuses an operation whose auth mode the namespace (or, to
// connect, the API) does not accept; ns is empty for opConnect.
func (s *Server) checkMode(op operation, ns string, mode AuthMode) *apiError {
	var accepted []AuthMode
	switch op {
	case opConnect:
		accepted = s.connectModes
	case opPublish:
		accepted = s.nsModes[ns].Publish
	case opSubscribe:
		accepted = s.nsModes[ns].Subscribe
	}
	if slices.Contains(accepted, mode) {
		return nil
	}
	where := "this API"
	if ns != "" {
		where = fmt.Sprintf("the %s namespace", ns)
	}
	return &apiError{ErrorType: errUnauthorized, Message: fmt.Sprintf(
		"%s with %s is not allowed in %s: it accepts %s", op, mode, where, joinModes(accepted))}
}

func joinModes(modes []AuthMode) string {
	names := make([]string, len(modes))
	for i, m := range modes {
		names[i] = string(m)
	}
	return strings.Join(names, " or ")
}

// credentialMode tells which credentials h carries: a SigV4 Authorization
// (AWS_IAM) or else an x-api-key (API_KEY); "" if neither.
func credentialMode(h http.Header) AuthMode {
	switch {
	case len(h.Values("Authorization")) > 0:
		return AuthIAM
	case len(h.Values("X-Api-Key")) > 0:
		return AuthAPIKey
	}
	return ""
}

// authenticate checks the credentials of r, a POST /event whose whole body
// is body, and returns their auth mode; "" with no error if r carries none.
// An IAM signature is verified over body; body is not looked at otherwise.
func (s *Server) authenticate(r *http.Request, body []byte) (AuthMode, *apiError) {
	switch mode := credentialMode(r.Header); mode {
	case AuthIAM:
		if s.cfg.IAM == nil {
			s.log.Info("localevents: refused a SigV4 signature: IAM is not configured", "remote", r.RemoteAddr)
			return "", unauthorized()
		}
		principal, err := s.cfg.IAM.Verify(r, body)
		if err != nil {
			s.log.Info("localevents: refused a SigV4 signature", "remote", r.RemoteAddr, "reason", err)
			return "", unauthorized()
		}
		s.log.Debug("localevents: IAM request", "principal", principal)
		return mode, nil
	case AuthAPIKey:
		if !s.validKey(r.Header.Get("X-Api-Key")) {
			return "", unauthorized()
		}
		return mode, nil
	}
	return "", nil
}

// validKey reports whether key is one of the configured API keys.
func (s *Server) validKey(key string) bool {
	ok := false
	for _, k := range s.cfg.APIKeys {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			ok = true
		}
	}
	return ok && key != ""
}

// authObject reads the authorization object of the realtime protocol (the
// header- subprotocol, or a subscribe or publish message's authorization)
// as the headers of the request it stands for. Names are matched without
// regard to case; an object that gives one header two different values is
// refused, whatever the order of its members, and so is one with a member
// that is not a string.
func authObject(raw []byte) (http.Header, bool) {
	var members map[string]string
	if json.Unmarshal(raw, &members) != nil {
		return nil, false
	}
	h := http.Header{}
	for name, value := range members {
		key := http.CanonicalHeaderKey(name)
		if prev, seen := h[key]; seen && prev[0] != value {
			return nil, false
		}
		h[key] = []string{value}
	}
	return h, true
}

// signedRequest is the request that an IAM authorization object signs:
// POST https://<its host>/event, with its members as headers. The body
// goes to Verify separately: "{}" to connect, {"channel":…} to subscribe,
// {"channel":…,"events":[…]} to publish.
func signedRequest(ctx context.Context, auth http.Header) *http.Request {
	r := &http.Request{
		Method:     http.MethodPost,
		URL:        &url.URL{Path: "/event"},
		RequestURI: "/event",
		Host:       auth.Get("Host"),
		Header:     auth,
	}
	return r.WithContext(ctx)
}

// authenticateObject checks an authorization object whose IAM signature, if
// it has one, covers the body that signedBody returns; see authenticate.
func (s *Server) authenticateObject(ctx context.Context, raw []byte, signedBody func() []byte, remote string) (AuthMode, *apiError) {
	auth, ok := authObject(raw)
	if !ok {
		return "", unauthorized()
	}
	r := signedRequest(ctx, auth)
	r.RemoteAddr = remote
	var body []byte
	if credentialMode(auth) == AuthIAM {
		body = signedBody()
	}
	return s.authenticate(r, body)
}
