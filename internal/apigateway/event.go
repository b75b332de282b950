package apigateway

import (
	"crypto/sha256"
	"encoding/base32"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// identity is what API Gateway's AWS_IAM auth puts in
// requestContext.identity.
type identity struct {
	UserArn, Caller, User, AccessKey, AccountID string
	CognitoPoolID, CognitoID                    string
}

// CognitoPrincipalPrefix starts a local principal that stands for a Cognito
// identity pool identity: cognito-identity:<pool id>/<identity id>. Its
// requests carry the identity as API Gateway gives it for the pool's
// credentials: the pool and identity ids, and the session of the pool's
// authenticated role.
const CognitoPrincipalPrefix = "cognito-identity:"

// identityOf is the identity of principal, an IAM ARN or a Cognito
// identity (CognitoPrincipalPrefix), signing with accessKey; account is the
// API's. API Gateway gives the caller's unique id (AIDA… for a user,
// AROA…:<session> for a role session); locally it is derived from the ARN,
// stable across runs.
func identityOf(principal, accessKey, account string) identity {
	if pool, identityID, ok := strings.Cut(strings.TrimPrefix(principal, CognitoPrincipalPrefix), "/"); ok && strings.HasPrefix(principal, CognitoPrincipalPrefix) {
		role := "arn:aws:iam::" + account + ":role/Cognito_AuthRole"
		caller := uniqueID("AROA", role) + ":CognitoIdentityCredentials"
		return identity{UserArn: "arn:aws:sts::" + account + ":assumed-role/Cognito_AuthRole/CognitoIdentityCredentials",
			Caller: caller, User: caller, AccessKey: accessKey, AccountID: account, CognitoPoolID: pool, CognitoID: identityID}
	}
	id := identity{UserArn: principal, AccessKey: accessKey}
	a, err := arn.Parse(principal)
	if err != nil {
		return id
	}
	id.AccountID = a.AccountID
	switch {
	case strings.HasPrefix(a.Resource, "assumed-role/"):
		role, session, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
		id.Caller = uniqueID("AROA", "arn:"+a.Partition+":iam::"+a.AccountID+":role/"+role) + ":" + session
	case a.Resource == "root":
		id.Caller = a.AccountID
	default:
		id.Caller = uniqueID("AIDA", principal)
	}
	id.User = id.Caller
	return id
}

// uniqueID is an IAM-style unique id for arn: prefix and 17 characters.
func uniqueID(prefix, arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return prefix + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// accessKeyOf is the access key id of an Authorization header's Credential=.
func accessKeyOf(authorization string) string {
	_, cred, ok := strings.Cut(authorization, "Credential=")
	if !ok {
		return ""
	}
	key, _, _ := strings.Cut(cred, "/")
	return key
}

// event is the Lambda proxy integration's event (payload format 1.0).
func (g *Gateway) event(r *http.Request, rt *route, params map[string]string, stagePath string, body []byte, requestID string, id identity) events.APIGatewayProxyRequest {
	now := g.cfg.Now().UTC()
	headers, multiHeaders := map[string]string{}, map[string][]string{}
	for name, values := range r.Header {
		headers[name] = values[len(values)-1]
		multiHeaders[name] = values
	}
	headers["Host"], multiHeaders["Host"] = r.Host, []string{r.Host}
	sourceIP, _, _ := net.SplitHostPort(r.RemoteAddr)
	headers["X-Forwarded-For"], multiHeaders["X-Forwarded-For"] = sourceIP, []string{sourceIP}
	path, err := url.PathUnescape(stagePath)
	if err != nil {
		path = stagePath
	}
	e := events.APIGatewayProxyRequest{
		Resource:          rt.Path,
		Path:              path,
		HTTPMethod:        r.Method,
		Headers:           headers,
		MultiValueHeaders: multiHeaders,
		Body:              string(body),
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:    g.cfg.Account,
			ResourceID:   strings.ToLower(uniqueID("", rt.Path))[:6],
			Stage:        g.cfg.API.Stage,
			DomainName:   r.Host,
			DomainPrefix: strings.Split(r.Host, ".")[0],
			RequestID:    requestID,
			Protocol:     r.Proto,
			Identity: events.APIGatewayRequestIdentity{
				AccountID: id.AccountID, Caller: id.Caller, AccessKey: id.AccessKey, SourceIP: sourceIP,
				UserArn: id.UserArn, UserAgent: r.UserAgent(), User: id.User,
				CognitoIdentityPoolID: id.CognitoPoolID, CognitoIdentityID: id.CognitoID,
			},
			ResourcePath:     rt.Path,
			Path:             "/" + g.cfg.API.Stage + path,
			HTTPMethod:       r.Method,
			RequestTime:      now.Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch: now.UnixMilli(),
			APIID:            strings.ToLower(g.cfg.API.LogicalID),
		},
	}
	if id.CognitoID != "" {
		e.RequestContext.Identity.CognitoAuthenticationType = "authenticated"
	}
	if len(params) > 0 {
		e.PathParameters = params
	}
	if q := r.URL.Query(); len(q) > 0 {
		e.QueryStringParameters, e.MultiValueQueryStringParameters = map[string]string{}, map[string][]string(q)
		for k, v := range q {
			e.QueryStringParameters[k] = v[len(v)-1]
		}
	}
	return e
}
