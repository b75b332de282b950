package sigv4

import "strings"

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
)

// authorization is a parsed Authorization header:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex
type authorization struct {
	credential    string // the whole Credential= value
	accessKeyID   string
	date          string // the credential scope's parts
	region        string
	service       string
	terminator    string
	signedHeaders []string
	signature     string
}

// parseAuthorization parses header strictly, refusing it as API Gateway
// does. dated tells whether the request carries X-Amz-Date or Date, whose
// absence API Gateway reports together with the header's missing parts.
func parseAuthorization(header string, dated bool) (authorization, error) {
	alg, params, _ := strings.Cut(strings.TrimSpace(header), " ")
	if strings.Contains(alg, "=") {
		return authorization{}, refuse(msgAlgorithmEquals)
	}
	fields := map[string]string{}
	for param := range strings.SplitSeq(params, ",") {
		param = strings.TrimSpace(param)
		if param == "" {
			continue
		}
		key, value, ok := strings.Cut(param, "=")
		if !ok {
			return authorization{}, refuse("Invalid key=value pair (missing equal-sign) in Authorization header "+
				"(hashed with SHA-256 and encoded with Base64): '%s'.", headerHash(header))
		}
		fields[key] = value // the last one wins, as in AWS
	}
	var missing []string
	for _, key := range []string{"Credential", "Signature", "SignedHeaders"} {
		if _, ok := fields[key]; !ok {
			missing = append(missing, "Authorization header requires '"+key+"' parameter.")
		}
	}
	if !dated {
		missing = append(missing, msgNoDate)
	}
	if len(missing) > 0 {
		return authorization{}, incomplete(header, missing)
	}
	if alg != algorithm {
		return authorization{}, refuse("Unsupported AWS 'algorithm': '%s' (only %s for now).", alg, algorithm)
	}
	a := authorization{
		credential:    fields["Credential"],
		signedHeaders: strings.Split(fields["SignedHeaders"], ";"),
		signature:     fields["Signature"],
	}
	scope := strings.Split(a.credential, "/")
	if len(scope) != 5 {
		return authorization{}, refuse("Credential must have exactly 5 slash-delimited elements, "+
			"e.g. keyid/date/region/service/term, got '%s'", a.credential)
	}
	a.accessKeyID, a.date, a.region, a.service, a.terminator = scope[0], scope[1], scope[2], scope[3], scope[4]
	return a, nil
}
