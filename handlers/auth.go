package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
)

// Authenticator tells who sent a request, or refuses it with a *sigv4.Error.
// body is the whole request body, already read within the body limit.
type Authenticator interface {
	Authenticate(r *http.Request, body []byte) (principal string, err error)
}

// AuthenticatorFunc is a function that is an Authenticator, such as
// (*sigv4.Verifier).Verify.
type AuthenticatorFunc func(r *http.Request, body []byte) (string, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request, body []byte) (string, error) {
	return f(r, body)
}

// Anonymous takes every request as coming from principal: jobsd --auth=none.
func Anonymous(principal string) Authenticator {
	return AuthenticatorFunc(func(*http.Request, []byte) (string, error) { return principal, nil })
}

// principalKey and bodyKey are where authenticate leaves the caller and the
// request body in the gin context.
const (
	principalKey = "asyncjobs.principal"
	bodyKey      = "asyncjobs.body"
)

// authenticate reads the body, the one time it is read (within limit, so a
// refusal never costs more), asks a who sent the request, and hands the
// body on to the handler.
func authenticate(a Authenticator, limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		var body []byte // nil for net/http's request without a body (GET, DELETE): nothing to read
		var err error
		if r := c.Request; r.Body != nil && r.Body != http.NoBody {
			body, err = readBody(r, http.MaxBytesReader(c.Writer, r.Body, limit), limit)
		}
		if err != nil {
			c.Abort()
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				_ = c.Error(fmt.Errorf("%w: %w", problem.ErrBodyTooLarge, err))
				return
			}
			// The client went away or was too slow: its fault, not the server's.
			_ = c.Error(fmt.Errorf("%w: %w", problem.ErrBodyUnreadable, err))
			return
		}
		principal, err := a.Authenticate(c.Request, body)
		if err != nil {
			c.Abort()
			_ = c.Error(err)
			return
		}
		c.Set(principalKey, principal)
		c.Set(bodyKey, body)
		c.Next()
	}
}

// readBody reads the whole body of r from body (r.Body within limit) into a
// buffer of the size Content-Length announces, when it is within the limit,
// rather than io.ReadAll's 512 bytes and more.
func readBody(r *http.Request, body io.Reader, limit int64) ([]byte, error) {
	if r.ContentLength < 0 || r.ContentLength > limit {
		return io.ReadAll(body)
	}
	b := make([]byte, 0, r.ContentLength+1) // one more, to read the end without growing
	for {
		if len(b) == cap(b) { // the body is longer than announced
			b = append(b, 0)[:len(b)]
		}
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// principal is who sent the request: the one place handlers learn it.
func principal(c *gin.Context) string { return c.GetString(principalKey) }

// requestBody is the body authenticate read: the one place handlers get it.
func requestBody(c *gin.Context) []byte {
	body, _ := c.Get(bodyKey)
	b, _ := body.([]byte)
	return b
}
