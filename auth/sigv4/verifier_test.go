package sigv4

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

var (
	now  = time.Date(2026, 11, 22, 1, 15, 0, 0, time.UTC)
	dev  = Credential{AccessKeyID: DevAccessKeyID, SecretAccessKey: DevSecretAccessKey, Principal: DevPrincipal}
	temp = Credential{AccessKeyID: "ASIATEMPEXAMPLE", SecretAccessKey: "tempsecret", SessionToken: "session/token+1==", Principal: "arn:aws:sts::000000000000:assumed-role/r/s"}
)

const jsonBody = `{"seconds": 1}`

// setup returns a Verifier for region us-east-1 at now that knows dev and temp.
func setup(t *testing.T) *Verifier {
	t.Helper()
	v, err := NewVerifier(Config{Region: "us-east-1", Credentials: []Credential{dev, temp}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// request describes a request that a client signs with the SDK's signer.
type request struct {
	method, target, body string
	signed               []string // header name/value pairs present when signing
	unsigned             []string // header name/value pairs added after signing
	signContentLength    bool     // as the SDK's clients do; newman and curl don't
	cred                 Credential
	at                   time.Time
	region, service      string
}

// build signs the request with a fresh signer (one shared across secrets
// would sign a wrong secret with the key it cached for the right one).
func (q request) build(t *testing.T) *http.Request {
	t.Helper()
	r := httptest.NewRequest(cmp.Or(q.method, http.MethodGet), cmp.Or(q.target, "/jobs"), strings.NewReader(q.body))
	r.Host = "127.0.0.1:18080"
	setHeaders(r, q.signed)
	if !q.signContentLength {
		r.ContentLength = 0
	}
	sum := sha256.Sum256([]byte(q.body))
	cred := cmp.Or(q.cred, dev)
	creds := aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey, SessionToken: cred.SessionToken}
	err := v4.NewSigner().SignHTTP(t.Context(), creds, r, hex.EncodeToString(sum[:]),
		cmp.Or(q.service, "execute-api"), cmp.Or(q.region, "us-east-1"), cmp.Or(q.at, now))
	if err != nil {
		t.Fatal(err)
	}
	r.ContentLength = int64(len(q.body))
	if q.body != "" {
		r.Header.Set("Content-Length", strconv.Itoa(len(q.body)))
	}
	setHeaders(r, q.unsigned)
	return r
}

func setHeaders(r *http.Request, pairs []string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		r.Header.Set(pairs[i], pairs[i+1])
	}
}

var (
	newmanUnsigned = []string{"User-Agent", "PostmanRuntime/7.39.1", "Accept", "*/*", "Cache-Control", "no-cache", "Postman-Token", "5ca85e91-0626-4495-9b2e-372dbba9202e"}
	jsonSHA256     = "362723db3fa8f4e883d565582bfbf7b7015c78d66e824b9439e361525b791235" // of jsonBody
)

func TestVerify(t *testing.T) {
	t.Parallel()
	newmanPost := request{method: http.MethodPost, body: jsonBody, signed: []string{"Content-Type", "application/json", "X-Amz-Content-Sha256", jsonSHA256}, unsigned: newmanUnsigned}
	for _, tc := range []struct {
		name    string
		req     request
		tamper  func(r *http.Request) (body string)
		want    string // the principal; empty if refused
		refusal string
	}{
		{name: "newman GET", req: request{target: "/jobs/0b6f4c0e-1b0a-4c53-9a57-3f3c2a9f4d10", unsigned: newmanUnsigned}, want: DevPrincipal},
		{name: "newman POST JSON", req: newmanPost, want: DevPrincipal},
		{name: "curl POST JSON", req: request{method: http.MethodPost, body: jsonBody, signed: []string{"Content-Type", "application/json"}, unsigned: []string{"User-Agent", "curl/7.88.1"}}, want: DevPrincipal},
		{name: "SDK POST signing content-length", req: request{method: http.MethodPost, body: jsonBody, signContentLength: true, signed: []string{"Content-Type", "application/json"}}, want: DevPrincipal},
		{name: "query", req: request{target: "/jobs/x?wait=5"}, want: DevPrincipal},
		{name: "query with escapes", req: request{target: "/jobs?b=%2F&a=x%20y&a=%3D"}, want: DevPrincipal},
		{name: "escaped path", req: request{target: "/jobs/a%20b%40c%2Fd"}, want: DevPrincipal},
		{name: "session token", req: request{cred: temp}, want: temp.Principal},
		{name: "no Authorization", req: request{}, tamper: func(r *http.Request) string { r.Header.Del("Authorization"); return "" }, refusal: msgMissingToken},
		{name: "wrong secret", req: request{cred: Credential{AccessKeyID: DevAccessKeyID, SecretAccessKey: "not-the-secret"}}, refusal: msgMismatch},
		{name: "unknown key", req: request{cred: Credential{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: DevSecretAccessKey}}, refusal: msgInvalidToken},
		{name: "10 minutes old", req: request{at: now.Add(-10 * time.Minute)},
			refusal: "Signature expired: 20261122T010500Z is now earlier than 20261122T011000Z (20261122T011500Z - 5 min.)"},
		{name: "5 minutes old", req: request{at: now.Add(-5 * time.Minute)}, want: DevPrincipal},
		{name: "10 minutes ahead", req: request{at: now.Add(10 * time.Minute)},
			refusal: "Signature not yet current: 20261122T012500Z is still later than 20261122T012000Z (20261122T011500Z + 5 min.)"},
		{name: "body changed", req: newmanPost, tamper: func(*http.Request) string { return `{"seconds": 2}` }, refusal: msgMismatch},
		{name: "body changed, no content hash", req: request{method: http.MethodPost, body: jsonBody}, tamper: func(*http.Request) string { return `{"seconds": 2}` }, refusal: msgMismatch},
		{name: "content hash not the body's", req: request{method: http.MethodPost, body: jsonBody, signed: []string{"X-Amz-Content-Sha256", strings.Repeat("0", 64)}}, refusal: msgMismatch},
		{name: "signed header changed", req: newmanPost, tamper: func(r *http.Request) string { r.Header.Set("Content-Type", "text/plain"); return jsonBody }, refusal: msgMismatch},
		{name: "method changed", req: request{}, tamper: func(r *http.Request) string { r.Method = http.MethodDelete; return "" }, refusal: msgMismatch},
		{name: "token missing", req: request{cred: temp}, tamper: func(r *http.Request) string { r.Header.Del("X-Amz-Security-Token"); return "" }, refusal: msgInvalidToken},
		{name: "token wrong", req: request{cred: temp}, tamper: func(r *http.Request) string { r.Header.Set("X-Amz-Security-Token", "session/token+2=="); return "" }, refusal: msgInvalidToken},
		{name: "token twice", req: request{cred: temp}, tamper: func(r *http.Request) string { r.Header.Add("X-Amz-Security-Token", temp.SessionToken); return "" }, refusal: msgInvalidToken},
		{name: "token not signed", req: request{unsigned: []string{"X-Amz-Security-Token", temp.SessionToken}, cred: Credential{AccessKeyID: temp.AccessKeyID, SecretAccessKey: temp.SecretAccessKey}}, refusal: msgMismatch},
		{name: "token dropped from SignedHeaders", req: request{cred: temp}, tamper: func(r *http.Request) string {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-amz-security-token", "", 1))
			return ""
		}, refusal: msgMismatch},
		{name: "token for a key without one", req: request{cred: Credential{AccessKeyID: DevAccessKeyID, SecretAccessKey: DevSecretAccessKey, SessionToken: "t"}}, refusal: msgInvalidToken},
		{name: "other region", req: request{region: "eu-west-1"}, refusal: msgRegion},
		{name: "other service", req: request{service: "lambda"}, refusal: "Credential should be scoped to correct service: 'execute-api'."},
		{name: "other region and service", req: request{region: "eu-west-1", service: "s3"}, refusal: msgRegion + " Credential should be scoped to correct service: 'execute-api'."},
		{name: "scope of another day", req: request{}, tamper: func(r *http.Request) string {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20261122/", "/20261121/", 1))
			return ""
		}, refusal: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261121' != '20261122', from '20261122T011500Z'."},
		{name: "other terminator", req: request{}, tamper: func(r *http.Request) string {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "aws4_request", "aws5_request", 1))
			return ""
		}, refusal: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{name: "host not signed", req: request{}, tamper: func(r *http.Request) string {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;", "SignedHeaders=", 1))
			return ""
		}, refusal: msgHostNotSigned},
		{name: "x-amz-date not signed", req: request{}, tamper: func(r *http.Request) string {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";x-amz-date", "", 1))
			return ""
		}, refusal: msgMismatch},
		{name: "no date", req: request{}, tamper: func(r *http.Request) string { r.Header.Del("X-Amz-Date"); return "" },
			refusal: msgNoDate + " (Hashed with SHA-256 and encoded with Base64) Authorization="},
		{name: "Date instead of X-Amz-Date", req: request{}, tamper: func(r *http.Request) string {
			r.Header.Del("X-Amz-Date")
			r.Header.Set("Date", "Sun, 22 Nov 2026 01:15:00 GMT")
			return ""
		}, refusal: "Date must be in ISO-8601 'basic format'. Got 'Sun, 22 Nov 2026 01:15:00 GMT'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "Date in basic format instead of X-Amz-Date", req: request{}, tamper: func(r *http.Request) string {
			r.Header.Set("Date", r.Header.Get("X-Amz-Date"))
			r.Header.Del("X-Amz-Date")
			return ""
		}, refusal: msgMismatch},
		{name: "X-Amz-Date with fraction", req: request{}, tamper: func(r *http.Request) string { r.Header.Set("X-Amz-Date", "20261122T011500.5Z"); return "" },
			refusal: "Date must be in ISO-8601 'basic format'. Got '20261122T011500.5Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{name: "signature changed", req: request{}, tamper: func(r *http.Request) string {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:len(h)-1]+string("10"[h[len(h)-1]&1]))
			return ""
		}, refusal: msgMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.req.build(t)
			body := tc.req.body
			if tc.tamper != nil {
				body = tc.tamper(r)
			}
			got, err := setup(t).Verify(r, []byte(body))
			if tc.refusal == "" {
				if err != nil || got != tc.want {
					t.Fatalf("Verify = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if got != "" {
				t.Errorf("principal %q with a refusal", got)
			}
			if strings.HasSuffix(tc.refusal, "Authorization=") {
				tc.refusal += headerHash(r.Header.Get("Authorization"))
			}
			assertRefusal(t, err, tc.refusal)
		})
	}
}

// TestVerifierKeyCache signs with a wrong secret after a right one, on the
// same key and day, with one Verifier: its cached derived key must not
// make the wrong one pass.
func TestVerifierKeyCache(t *testing.T) {
	t.Parallel()
	v := setup(t)
	if got, err := v.Verify(request{}.build(t), nil); err != nil || got != DevPrincipal {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	wrong := request{cred: Credential{AccessKeyID: DevAccessKeyID, SecretAccessKey: DevSecretAccessKey + "x"}}.build(t)
	_, err := v.Verify(wrong, nil)
	assertRefusal(t, err, msgMismatch)
}

func TestVerifyExplicitPortAndPlainRequest(t *testing.T) {
	t.Parallel()
	// A request built by a caller, not parsed by a server: no RequestURI.
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:18080/jobs/a%20b?wait=5", nil)
	if err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: dev.AccessKeyID, SecretAccessKey: dev.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, r, hex.EncodeToString(sha256.New().Sum(nil)), "execute-api", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	if got, err := setup(t).Verify(r, nil); err != nil || got != DevPrincipal {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	r.Host = "127.0.0.1" // the port is part of the signed host
	_, err = setup(t).Verify(r, nil)
	assertRefusal(t, err, msgMismatch)
}

// TestVerifyPathAsSent sends characters that a client may leave unescaped in
// the path: the canonical URI escapes the path as sent, which
// r.URL.EscapedPath would have re-escaped first.
func TestVerifyPathAsSent(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodGet, "/jobs/caf\u00e9{x}", nil)
	r.Host = "127.0.0.1:18080"
	signing := r.Clone(t.Context())
	signing.URL.Opaque = "//" + r.Host + r.RequestURI // the signer then takes the path as it is
	creds := aws.Credentials{AccessKeyID: dev.AccessKeyID, SecretAccessKey: dev.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(t.Context(), creds, signing, hex.EncodeToString(sha256.New().Sum(nil)), "execute-api", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	r.Header = signing.Header
	if r.URL.EscapedPath() == r.RequestURI {
		t.Fatalf("the test needs a path that EscapedPath changes, not %q", r.RequestURI)
	}
	if got, err := setup(t).Verify(r, nil); err != nil || got != DevPrincipal {
		t.Fatalf("Verify = %q, %v", got, err)
	}
}
