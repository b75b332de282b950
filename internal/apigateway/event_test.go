package apigateway

import (
	"strings"
	"testing"
)

func TestIdentityOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		principal                          string
		userArn, callerPrefix, callerAfter string
		account, pool, cognitoID           string
	}{
		{"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/alice", "AIDA", "", "111122223333", "", ""},
		{"arn:aws:sts::111122223333:assumed-role/ci/run-1", "arn:aws:sts::111122223333:assumed-role/ci/run-1", "AROA", ":run-1", "111122223333", "", ""},
		{"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root", "111122223333", "", "111122223333", "", ""},
		{"cognito-identity:us-east-1:pool-1/us-east-1:id-7", "arn:aws:sts::000000000000:assumed-role/Cognito_AuthRole/CognitoIdentityCredentials",
			"AROA", ":CognitoIdentityCredentials", "000000000000", "us-east-1:pool-1", "us-east-1:id-7"},
	}
	for _, c := range cases {
		id := identityOf(c.principal, "AKIAX", "000000000000")
		if id.UserArn != c.userArn || !strings.HasPrefix(id.Caller, c.callerPrefix) || !strings.HasSuffix(id.Caller, c.callerAfter) ||
			id.User != id.Caller || id.AccountID != c.account || id.CognitoPoolID != c.pool || id.CognitoID != c.cognitoID || id.AccessKey != "AKIAX" {
			t.Errorf("%s: %+v", c.principal, id)
		}
	}
	if a, b := identityOf("arn:aws:sts::1:assumed-role/ci/run-1", "", ""), identityOf("arn:aws:sts::1:assumed-role/ci/run-2", "", ""); strings.Split(a.Caller, ":")[0] != strings.Split(b.Caller, ":")[0] {
		t.Errorf("two sessions of one role have role ids %s and %s", a.Caller, b.Caller)
	}
}
