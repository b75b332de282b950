package sigv4

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// sign computes, with the SDK's signer, the Authorization that k would give r
// as its client signed it: the same method, host, path and query, only the
// headers named in signedHeaders with their received values, the payload
// hash of the actual body, and the client's signing time. The signer adds
// X-Amz-Date (and X-Amz-Security-Token for temporary credentials) to the
// signed headers and leaves out some it never signs, such as User-Agent, so
// its SignedHeaders must be compared with the client's too.
//
// The signer escapes the path once more for the canonical URI, as SigV4
// asks of every service but S3 (execute-api included), so it is given the
// path exactly as it came on the wire.
func (k key) sign(r *http.Request, signedHeaders []string, payloadHash, service, region string, signedAt time.Time) (authorization, error) {
	req := &http.Request{
		Method: r.Method,
		// Opaque keeps the received escaping; the signer reads the path from it.
		URL:    &url.URL{Opaque: "//" + r.Host + wirePath(r), RawQuery: r.URL.RawQuery},
		Host:   r.Host, // as received: no scheme, so the signer strips no port
		Header: http.Header{},
	}
	for _, name := range signedHeaders {
		switch name {
		case "host": // from req.Host
		case "content-length": // the signer signs req.ContentLength itself, when above 0
			req.ContentLength = r.ContentLength
		default:
			if values := r.Header.Values(name); len(values) > 0 {
				req.Header[http.CanonicalHeaderKey(name)] = values
			}
		}
	}
	creds := aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: k.SessionToken}
	if err := k.signer.SignHTTP(r.Context(), creds, req, payloadHash, service, region, signedAt); err != nil {
		return authorization{}, fmt.Errorf("sigv4: sign: %w", err)
	}
	signed, err := parseAuthorization(req.Header.Get("Authorization"), true)
	if err != nil {
		return authorization{}, fmt.Errorf("sigv4: read the signer's Authorization header: %w", err)
	}
	return signed, nil
}

// wirePath is the path of r's request target as the client sent it, with
// its escaping: r.URL.EscapedPath may re-escape it differently.
func wirePath(r *http.Request) string {
	if path, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(path, "/") {
		return path
	}
	return r.URL.EscapedPath()
}
