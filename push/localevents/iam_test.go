package localevents

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/coder/websocket"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
)

var iamCred = sigv4.Credential{AccessKeyID: "AKIAFUNCTION", SecretAccessKey: "function-secret", Principal: "arn:aws:iam::000000000000:user/fn"}

// withIAM configures IAM for iamCred in us-east-1.
func withIAM(t *testing.T) func(*Config) {
	v, err := sigv4.NewVerifier(sigv4.Config{Region: "us-east-1", Service: "appsync", Credentials: []sigv4.Credential{iamCred}})
	if err != nil {
		t.Fatal(err)
	}
	return func(c *Config) { c.IAM = v }
}

// signedObject is an IAM authorization object in AppSync's realtime form:
// the headers of POST https://host/event with body, signed by cred with a
// fresh signer (one per credential set: the SDK caches keys by key id).
func signedObject(t *testing.T, host string, cred sigv4.Credential, body string) map[string]string {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "https://"+host+"/event", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("accept", "application/json, text/javascript")
	r.Header.Set("content-encoding", "amz-1.0")
	r.Header.Set("content-type", "application/json; charset=UTF-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, r, hex.EncodeToString(sum[:]), "appsync", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	auth := map[string]string{"host": host}
	for name := range r.Header {
		auth[strings.ToLower(name)] = r.Header.Get(name)
	}
	return auth
}

func (e *env) host() string { return strings.TrimPrefix(e.ts.URL, "https://") }

// connectIAM dials with a signed connect in the header- subprotocol and
// reads the ack, or returns the first reply.
func (e *env) connectIAM(t *testing.T, cred sigv4.Credential) (*websocket.Conn, wire) {
	t.Helper()
	c, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: []string{wsProtocol, headerProtocol(t, signedObject(t, e.host(), cred, "{}"), false)}})
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]any{"type": "connection_init"})
	return c, read(t, c)
}

func TestIAMConnection(t *testing.T) {
	t.Parallel()
	wrong := iamCred
	wrong.SecretAccessKey = "wrong"
	for _, tc := range []struct {
		name string
		edit func(*Config)
		cred sigv4.Credential
		ok   bool
	}{
		{"signed connect", withIAM(t), iamCred, true},
		{"wrong secret", withIAM(t), wrong, false},
		{"IAM not configured", nil, iamCred, false},
		{"IAM may not connect", func(c *Config) { withIAM(t)(c); c.ConnectionAuthModes = []AuthMode{AuthAPIKey} }, iamCred, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, m := setup(t, tc.edit, nil).connectIAM(t, tc.cred)
			if tc.ok {
				expect(t, m, "connection_ack")
				return
			}
			expectError(t, m, "connection_error", "", errUnauthorized)
		})
	}
}

// TestIAMUpgradeHeaders: the Swift and Kotlin clients put the signed
// headers on the upgrade request itself.
func TestIAMUpgradeHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t, withIAM(t), nil)
	h := http.Header{}
	for name, value := range signedObject(t, e.host(), iamCred, "{}") {
		if name != "host" {
			h.Set(name, value)
		}
	}
	c, _, err := e.dial(t, &websocket.DialOptions{Subprotocols: []string{wsProtocol}, HTTPHeader: h})
	if err != nil {
		t.Fatal(err)
	}
	send(t, c, map[string]any{"type": "connection_init"})
	expect(t, read(t, c), "connection_ack")
}

// TestIAMMessages signs subscribe and publish messages over their channel
// and events: the job namespace takes IAM publishes, and a signature over
// other events or another channel is refused.
func TestIAMMessages(t *testing.T) {
	t.Parallel()
	e := setup(t, withIAM(t), nil)
	c, m := e.connectIAM(t, iamCred)
	expect(t, m, "connection_ack")
	expect(t, read(t, c), "ka")
	sub := signedObject(t, e.host(), iamCred, `{"channel":"/jobs/a"}`)
	send(t, c, map[string]any{"type": "subscribe", "id": "s1", "channel": "/jobs/a", "authorization": sub})
	expect(t, read(t, c), "subscribe_success")
	send(t, c, map[string]any{"type": "subscribe", "id": "s2", "channel": "/jobs/b", "authorization": sub})
	expectError(t, read(t, c), "subscribe_error", "s2", errUnauthorized)

	pub := signedObject(t, e.host(), iamCred, `{"channel":"/jobs/a","events":["{\"seq\":1}"]}`)
	send(t, c, map[string]any{"type": "publish", "id": "p1", "channel": "/jobs/a", "events": []string{`{"seq":2}`}, "authorization": pub})
	expectError(t, read(t, c), "publish_error", "p1", errUnauthorized)
	send(t, c, map[string]any{"type": "publish", "id": "p2", "channel": "/jobs/a", "events": []string{`{"seq":1}`}, "authorization": pub})
	var got []string
	for range 2 {
		switch m := read(t, c); m.Type {
		case "publish_success":
		default:
			got = append(got, event(t, m, "s1"))
		}
	}
	if !slices.Equal(got, []string{`{"seq":1}`}) {
		t.Fatalf("events %q, want the one published", got)
	}
}

func TestAuthModeDefaults(t *testing.T) {
	t.Parallel()
	both := []AuthMode{AuthAPIKey, AuthIAM}
	iamOnly := []AuthMode{AuthIAM}
	for _, tc := range []struct {
		name    string
		cfg     Config
		connect []AuthMode
		jobs    NamespaceAuthModes
		open    NamespaceAuthModes
	}{
		{"defaults", Config{}, both, NamespaceAuthModes{iamOnly, both}, NamespaceAuthModes{both, both}},
		{"API defaults", Config{ConnectionAuthModes: iamOnly, DefaultPublishAuthModes: both, DefaultSubscribeAuthModes: iamOnly},
			iamOnly, NamespaceAuthModes{both, iamOnly}, NamespaceAuthModes{both, iamOnly}},
		{"namespace's own", Config{NamespaceAuthModes: map[string]NamespaceAuthModes{"open": {Publish: iamOnly}}},
			both, NamespaceAuthModes{iamOnly, both}, NamespaceAuthModes{iamOnly, both}},
	} {
		connect, modes := authModes(tc.cfg, map[string]bool{"jobs": true, "open": false})
		if !slices.Equal(connect, tc.connect) || !sameModes(modes["jobs"], tc.jobs) || !sameModes(modes["open"], tc.open) {
			t.Errorf("%s: connect %v, namespaces %v", tc.name, connect, modes)
		}
	}
}

func sameModes(a, b NamespaceAuthModes) bool {
	return slices.Equal(a.Publish, b.Publish) && slices.Equal(a.Subscribe, b.Subscribe)
}
