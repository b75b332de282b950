package sigv4

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Defaults for Config.
const (
	DefaultService = "execute-api"
	DefaultMaxSkew = 5 * time.Minute
)

// amzDate is the layout of X-Amz-Date: ISO 8601 basic format, UTC.
const amzDate = "20060102T150405Z"

// Config says what Verify accepts.
type Config struct {
	Region      string // the region credential scopes must name
	Service     string // the service credential scopes must name; DefaultService if empty
	Credentials []Credential
	Now         func() time.Time // time.Now if nil
	MaxSkew     time.Duration    // how far X-Amz-Date may be from Now; DefaultMaxSkew if zero
}

// Verifier checks AWS Signature Version 4 on requests. It is safe for
// concurrent use.
type Verifier struct {
	region  string
	service string
	now     func() time.Time
	maxSkew time.Duration
	keys    map[string]key
}

// key is one credential with its own signer: the SDK's signer caches derived
// keys by access key id and date, not by secret, so signers are never shared
// between credentials.
type key struct {
	Credential
	signer *v4.Signer
}

// NewVerifier checks cfg and returns a Verifier for it.
func NewVerifier(cfg Config) (*Verifier, error) {
	v := &Verifier{
		region:  cfg.Region,
		service: cmp.Or(cfg.Service, DefaultService),
		now:     cfg.Now,
		maxSkew: cfg.MaxSkew,
		keys:    make(map[string]key, len(cfg.Credentials)),
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.maxSkew == 0 {
		v.maxSkew = DefaultMaxSkew
	}
	var errs []error
	if v.region == "" {
		errs = append(errs, errors.New("no region"))
	}
	if v.maxSkew < 0 {
		errs = append(errs, fmt.Errorf("negative max skew %v", v.maxSkew))
	}
	if len(cfg.Credentials) == 0 {
		errs = append(errs, errors.New("no credentials"))
	}
	for i, c := range cfg.Credentials {
		switch _, dup := v.keys[c.AccessKeyID]; {
		case c.AccessKeyID == "":
			errs = append(errs, fmt.Errorf("credential %d: no access key id", i))
		case dup:
			errs = append(errs, fmt.Errorf("credential %d: access key id %s given twice", i, c.AccessKeyID))
		case c.SecretAccessKey == "":
			errs = append(errs, fmt.Errorf("credential %s: no secret access key", c.AccessKeyID))
		case c.Principal == "":
			errs = append(errs, fmt.Errorf("credential %s: no principal", c.AccessKeyID))
		}
		v.keys[c.AccessKeyID] = key{Credential: c, signer: v4.NewSigner()}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("sigv4: %w", err)
	}
	return v, nil
}

// Verify checks the signature of r, whose whole body is body, and returns
// the principal of the credential that signed it. Of r it reads only the
// method, host, request target, headers, content length and context, never
// r.Body. A refusal is an *Error; any other error is a fault of the verifier.
func (v *Verifier) Verify(r *http.Request, body []byte) (principal string, err error) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return "", refuse(msgMissingToken)
	}
	stamp := cmp.Or(r.Header.Get("X-Amz-Date"), r.Header.Get("Date"))
	auth, err := parseAuthorization(header, stamp != "")
	if err != nil {
		return "", err
	}
	signedAt, err := time.Parse(amzDate, stamp)
	if err != nil || signedAt.Format(amzDate) != stamp {
		return "", refuse("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", stamp)
	}
	if err := v.checkTime(signedAt); err != nil {
		return "", err
	}
	if !slices.Contains(auth.signedHeaders, "host") {
		return "", refuse(msgHostNotSigned)
	}
	if err := v.checkScope(auth, stamp); err != nil {
		return "", err
	}
	if r.Header.Get("X-Amz-Date") == "" { // dated by Date, which the SDK's signer cannot sign
		return "", refuse(msgMismatch)
	}
	k, ok := v.keys[auth.accessKeyID]
	if !ok || !tokenValid(k.SessionToken, r.Header.Values("X-Amz-Security-Token")) {
		return "", refuse(msgInvalidToken)
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if claimed := r.Header.Values("X-Amz-Content-Sha256"); len(claimed) > 0 && claimed[0] != payloadHash {
		return "", refuse(msgMismatch)
	}
	want, err := k.sign(r, auth.signedHeaders, payloadHash, v.service, v.region, signedAt)
	if err != nil {
		return "", err
	}
	if !slices.Equal(auth.signedHeaders, want.signedHeaders) ||
		subtle.ConstantTimeCompare([]byte(auth.signature), []byte(want.signature)) != 1 {
		return "", refuse(msgMismatch)
	}
	return k.Principal, nil
}

// checkTime refuses a signing time more than MaxSkew from now.
func (v *Verifier) checkTime(signedAt time.Time) error {
	now := v.now().UTC()
	minutes := strconv.FormatFloat(v.maxSkew.Minutes(), 'f', -1, 64)
	if earliest := now.Add(-v.maxSkew); signedAt.Before(earliest) {
		return refuse("Signature expired: %s is now earlier than %s (%s - %s min.)",
			signedAt.Format(amzDate), earliest.Format(amzDate), now.Format(amzDate), minutes)
	}
	if latest := now.Add(v.maxSkew); signedAt.After(latest) {
		return refuse("Signature not yet current: %s is still later than %s (%s + %s min.)",
			signedAt.Format(amzDate), latest.Format(amzDate), now.Format(amzDate), minutes)
	}
	return nil
}

// checkScope refuses a credential scope for another region, service or day,
// naming every difference as AWS does.
func (v *Verifier) checkScope(auth authorization, stamp string) error {
	var wrong []string
	if auth.region != v.region {
		wrong = append(wrong, msgRegion)
	}
	if auth.service != v.service {
		wrong = append(wrong, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", v.service))
	}
	if auth.terminator != terminator {
		wrong = append(wrong, fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, auth.terminator))
	}
	if day := stamp[:len("20060102")]; auth.date != day {
		wrong = append(wrong, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", auth.date, day, stamp))
	}
	if len(wrong) > 0 {
		return refuse("%s", strings.Join(wrong, " "))
	}
	return nil
}

// tokenValid tells whether the X-Amz-Security-Token values sent are right
// for a credential with this session token: exactly it, or none without one.
func tokenValid(want string, sent []string) bool {
	if want == "" || len(sent) != 1 {
		return want == "" && len(sent) == 0
	}
	return subtle.ConstantTimeCompare([]byte(sent[0]), []byte(want)) == 1
}
