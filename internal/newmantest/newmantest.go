// Package newmantest runs the Postman collection with newman against a
// running API, for the tests of both shapes (jobsd and the AWS stack run
// locally): every request signed with SigV4 by Postman's awsv4 auth.
package newmantest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
)

// Collection and Environment are the collection and the environment file
// users choose for local mode, in the postman directory.
const (
	Collection  = "asyncjobs.postman_collection.json"
	Environment = "local.postman_environment.json"
)

// Run runs the collection in postmanDir with newman against baseURL, with
// the environment file and, given as newman does (--env-var), a's keys for
// every request and b's for the isolation checks. It fails t on any failed
// request or assertion, on a skipped assertion and on an empty run.
func Run(t *testing.T, postmanDir, baseURL string, a, b sigv4.Credential) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Node")
	}
	newman := filepath.Join(postmanDir, "node_modules", "newman", "bin", "newman.js")
	if _, err := os.Stat(newman); err != nil {
		t.Fatalf("newman is not installed: run `npm ci` in %s (make test does it)", postmanDir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the Postman test needs Node 20 or later")
	}

	report := filepath.Join(t.TempDir(), "newman.json")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, newman, "run", Collection,
		"--environment", Environment,
		"--env-var", "baseUrl="+baseURL,
		"--env-var", "authOn=true",
		"--env-var", "accessKey="+a.AccessKeyID,
		"--env-var", "secretKey="+a.SecretAccessKey,
		"--env-var", "sessionToken="+a.SessionToken,
		"--env-var", "accessKeyB="+b.AccessKeyID,
		"--env-var", "secretKeyB="+b.SecretAccessKey,
		"--reporters", "cli,json", "--reporter-json-export", report,
		"--color", "off", "--timeout-request", "30000",
	)
	cmd.Dir = postmanDir
	cmd.Env = append(os.Environ(), "FORCE_COLOR=0") // --color off leaves the failure table coloured
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("newman: %v\n%s", err, out)
	}

	// newman exits 0 only without failures; make sure that is because
	// everything ran, not because nothing did.
	var summary struct {
		Run struct {
			Stats map[string]struct {
				Total   int `json:"total"`
				Pending int `json:"pending"`
				Failed  int `json:"failed"`
			} `json:"stats"`
			Failures []json.RawMessage `json:"failures"`
		} `json:"run"`
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("newman's report: %v\n%s", err, out)
	}
	if err := json.Unmarshal(raw, &summary); err != nil {
		t.Fatalf("newman's report: %v", err)
	}
	requests, assertions := summary.Run.Stats["requests"], summary.Run.Stats["assertions"]
	if len(summary.Run.Failures) > 0 || assertions.Failed > 0 || requests.Failed > 0 {
		t.Fatalf("newman reported failures:\n%s", out)
	}
	if requests.Total == 0 || assertions.Total == 0 {
		t.Fatalf("newman ran %d requests and %d assertions:\n%s", requests.Total, assertions.Total, out)
	}
	if assertions.Pending > 0 {
		t.Fatalf("%d assertions were skipped; with SigV4 on and two principals every check must run:\n%s", assertions.Pending, out)
	}
	t.Logf("newman: %d requests, %d assertions passed", requests.Total, assertions.Total)
}
