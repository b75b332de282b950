package awslocal

import (
	"net/http"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/apigateway"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
)

// TestIsolationBetweenIdentities: the API function takes each job's owner
// from the identity the gateway verified, as in AWS: IAM users apart, the
// invoke role's sessions apart, another role's sessions together, Cognito
// identities apart although they share the pool's role.
func TestIsolationBetweenIdentities(t *testing.T) {
	principal := func(name, arn string) sigv4.Credential {
		return sigv4.Credential{AccessKeyID: "AKIA" + strings.ToUpper(name), SecretAccessKey: name + "-secret", Principal: arn}
	}
	invokeRole := invokeRoleName(t)
	var (
		bob        = principal("bob", "arn:aws:iam::000000000000:user/bob")
		aliceRole  = principal("aliceinvoke", "arn:aws:sts::000000000000:assumed-role/"+invokeRole+"/alice")
		bobRole    = principal("bobinvoke", "arn:aws:sts::000000000000:assumed-role/"+invokeRole+"/bob")
		ciSession1 = principal("cione", "arn:aws:sts::000000000000:assumed-role/ci/run-1")
		ciSession2 = principal("citwo", "arn:aws:sts::000000000000:assumed-role/ci/run-2")
		cognitoA   = principal("cognitoa", apigateway.CognitoPrincipalPrefix+"us-east-1:pool/us-east-1:identity-a")
		cognitoB   = principal("cognitob", apigateway.CognitoPrincipalPrefix+"us-east-1:pool/us-east-1:identity-b")
		cognitoA2  = principal("cognitoatoo", apigateway.CognitoPrincipalPrefix+"us-east-1:pool/us-east-1:identity-a")
	)
	s, _ := setup(t, bob, aliceRole, bobRole, ciSession1, ciSession2, cognitoA, cognitoB, cognitoA2)
	cases := []struct {
		name          string
		owner, reader sigv4.Credential
		status        int
	}{
		{"another IAM user", caller, bob, http.StatusNotFound},
		{"the same IAM user", caller, caller, http.StatusOK},
		{"another session of the invoke role", aliceRole, bobRole, http.StatusNotFound},
		{"the IAM user, not its invoke role session", caller, aliceRole, http.StatusNotFound},
		{"another session of any other role", ciSession1, ciSession2, http.StatusOK},
		{"another Cognito identity of the pool", cognitoA, cognitoB, http.StatusNotFound},
		{"the same Cognito identity with other keys", cognitoA, cognitoA2, http.StatusOK},
	}
	for _, c := range cases {
		resp, job := callAs(t, c.owner, "POST", s.APIURL()+"jobs", `{"type":"noop","parameters":{}}`)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: POST %d %v", c.name, resp.StatusCode, job)
		}
		resp, got := callAs(t, c.reader, "GET", s.APIURL()+"jobs/"+job["id"].(string), "")
		if resp.StatusCode != c.status {
			t.Errorf("%s: GET %d %v, want %d", c.name, resp.StatusCode, got, c.status)
		}
	}
}

// invokeRoleName is the name of the template's invoke role, which the API
// function is told (JOBS_INVOKE_ROLE_ARN), as the local stack resolves it.
func invokeRoleName(t *testing.T) string {
	t.Helper()
	sf, err := awsstack.OnlyStack(needStack(t))
	if err != nil {
		t.Fatal(err)
	}
	stack, err := awsstack.Load(sf, awsstack.Local{Region: "us-east-1", Account: "000000000000", EventsHost: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range stack.Functions {
		if arn := f.Env["JOBS_INVOKE_ROLE_ARN"]; arn != "" {
			return arn[strings.LastIndex(arn, "/")+1:]
		}
	}
	t.Fatal("no function is told JOBS_INVOKE_ROLE_ARN")
	return ""
}
