package sigv4

// Credential is one set of keys the API accepts and the principal it stands for.
type Credential struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	// SessionToken, when set, marks temporary credentials: requests must
	// carry it in X-Amz-Security-Token.
	SessionToken string `json:"sessionToken,omitempty"`
	// Principal names the caller, like API Gateway's identity.userArn.
	Principal string `json:"principal"`
}

// Local development credentials, documented in the README.
const (
	DevAccessKeyID     = "AKIALOCALDEVELOPMENT"
	DevSecretAccessKey = "localdevelopmentsecretaccesskey000000000"
	DevPrincipal       = "arn:aws:iam::000000000000:user/local-dev"
)

// LocalCredential is the local principal's credential: the dev keys, or the
// keys in JOBS_ACCESS_KEY_ID and JOBS_SECRET_ACCESS_KEY as lookup finds them
// (pass os.LookupEnv).
func LocalCredential(lookup func(string) (string, bool)) Credential {
	c := Credential{AccessKeyID: DevAccessKeyID, SecretAccessKey: DevSecretAccessKey, Principal: DevPrincipal}
	if v, ok := lookup("JOBS_ACCESS_KEY_ID"); ok {
		c.AccessKeyID = v
	}
	if v, ok := lookup("JOBS_SECRET_ACCESS_KEY"); ok {
		c.SecretAccessKey = v
	}
	return c
}
