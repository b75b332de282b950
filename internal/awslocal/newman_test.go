package awslocal

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/newmantest"
)

// TestPostmanCollection runs the Postman collection with newman against the
// stack, as against jobsd: the same checks pass with the stage in the base
// URL, two IAM users apart.
func TestPostmanCollection(t *testing.T) {
	bob := sigv4.Credential{AccessKeyID: "AKIAAWSLOCALBOB00000", SecretAccessKey: "awslocalbobsecret", Principal: "arn:aws:iam::000000000000:user/bob"}
	s, _ := setup(t, bob)
	dir, err := filepath.Abs(filepath.Join(moduleDir, "postman"))
	if err != nil {
		t.Fatal(err)
	}
	newmantest.Run(t, dir, strings.TrimSuffix(s.APIURL(), "/"), caller, bob)
}
