package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
)

// Error is a refusal, worded as API Gateway words it for AWS_IAM auth. API
// Gateway answers every one of them with 403 Forbidden.
type Error struct {
	Message string
}

func (e *Error) Error() string { return e.Message }

// The refusals that take no detail from the request.
const (
	msgMissingToken = "Missing Authentication Token"
	msgInvalidToken = "The security token included in the request is invalid."
	msgMismatch     = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgHostNotSigned   = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgAlgorithmEquals = "Authorization header must begin with the algorithm name, which cannot include an equal-sign"
	msgNoDate          = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
	msgRegion          = "Credential should be scoped to a valid region."
)

func refuse(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// incomplete refuses an Authorization header that lacks parts. Like API
// Gateway, it names the header by its hash, so a refusal never echoes a
// token that someone sent by mistake.
func incomplete(header string, missing []string) *Error {
	return refuse("%s (Hashed with SHA-256 and encoded with Base64) Authorization=%s",
		strings.Join(missing, " "), headerHash(header))
}

func headerHash(header string) string {
	sum := sha256.Sum256([]byte(header))
	return base64.StdEncoding.EncodeToString(sum[:])
}
