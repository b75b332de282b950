package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/handlers"
)

// cognitoOwnerPrefix starts the owner of a Cognito identity pool caller:
// cognito-identity:<pool id>/<identity id>.
const cognitoOwnerPrefix = "cognito-identity:"

// invokeRole is the stack's JobsAPIInvokeRole. Its trust policy lets only
// IAM users of its account assume it, each with their own user name as the
// session name, so a session ARN of this role names one IAM user.
type invokeRole struct {
	account string
	name    string
}

// parseInvokeRole reads the role's ARN, arn:<partition>:iam::<account>:role/[<path>/]<name>.
func parseInvokeRole(s string) (invokeRole, error) {
	a, err := arn.Parse(s)
	resource, isRole := strings.CutPrefix(a.Resource, "role/")
	if err != nil || a.Service != "iam" || !isRole || a.AccountID == "" {
		return invokeRole{}, fmt.Errorf("%q is not the ARN of an IAM role", s)
	}
	return invokeRole{account: a.AccountID, name: resource[strings.LastIndex(resource, "/")+1:]}, nil
}

// ownerOf is who owns the jobs of the caller that API Gateway's AWS_IAM auth
// verified: never a name the caller chose.
//   - a Cognito identity pool identity: cognito-identity:<pool id>/<identity id>;
//   - an IAM user, or the account root: its ARN;
//   - a session of the invoke role: its ARN, whose session name is the IAM user's;
//   - a session of any other role: the role (arn:…:sts::<account>:assumed-role/<role>),
//     since whoever may assume a role chooses the session name.
//
// Anything else (federated users, no identity) is refused.
func (r invokeRole) ownerOf(id events.APIGatewayRequestIdentity) (string, error) {
	if id.CognitoIdentityID != "" {
		if id.CognitoIdentityPoolID == "" {
			return "", refusal("the Cognito identity %s comes with no identity pool", id.CognitoIdentityID)
		}
		return cognitoOwnerPrefix + id.CognitoIdentityPoolID + "/" + id.CognitoIdentityID, nil
	}
	if id.UserArn == "" {
		return "", refusal("the request carries no caller identity")
	}
	a, err := arn.Parse(id.UserArn)
	if err != nil {
		return "", refusal("the caller %q is not an ARN", id.UserArn)
	}
	switch {
	case a.Service == "iam" && (a.Resource == "root" || strings.HasPrefix(a.Resource, "user/")):
		return id.UserArn, nil
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		role, session, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
		if role == "" || session == "" {
			return "", refusal("the caller %q is not a role session", id.UserArn)
		}
		if role == r.name && a.AccountID == r.account {
			return id.UserArn, nil
		}
		return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s", a.Partition, a.AccountID, role), nil
	}
	return "", refusal("the caller %s cannot own jobs: call as an IAM user, a role session or a Cognito identity", id.UserArn)
}

// refusal is a 403 whose detail the caller sees.
func refusal(format string, args ...any) *sigv4.Error {
	return &sigv4.Error{Message: fmt.Sprintf(format, args...)}
}

// callerIdentity takes the owner of each request from the request context
// that the Lambda proxy adapter (ginadapter's ProxyWithContext) fills, and
// logs every caller it refuses.
func callerIdentity(role invokeRole, logger *slog.Logger) handlers.Authenticator {
	return handlers.AuthenticatorFunc(func(r *http.Request, _ []byte) (string, error) {
		rc, ok := core.GetAPIGatewayContextFromContext(r.Context())
		if !ok {
			return "", refusal("Missing Authentication Token")
		}
		owner, err := role.ownerOf(rc.Identity)
		if err != nil {
			logger.WarnContext(r.Context(), "caller refused", "requestId", rc.RequestID,
				"userArn", rc.Identity.UserArn, "cognitoIdentityId", rc.Identity.CognitoIdentityID, "reason", err.Error())
			return "", err
		}
		return owner, nil
	})
}
