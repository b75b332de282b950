package local_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/local"
)

// principalA and principalB are the principals of a credentials file
// (which replaces the dev credential), so that the collection can check
// that one principal's jobs are invisible to another.
var principalA = sigv4.Credential{
	AccessKeyID:     "AKIALOCALPRINCIPALA0",
	SecretAccessKey: "principalasecretaccesskey000000000000000",
	Principal:       "arn:aws:iam::000000000000:user/principal-a",
}

var principalB = sigv4.Credential{
	AccessKeyID:     "AKIALOCALPRINCIPALB0",
	SecretAccessKey: "principalbsecretaccesskey000000000000000",
	Principal:       "arn:aws:iam::000000000000:user/principal-b",
}

// TestPostmanCollection runs postman/asyncjobs.postman_collection.json with
// newman — every request signed with SigV4 by Postman's awsv4 auth — against
// a jobsd started here with SigV4 on and the two principals of a
// credentials file, using the environment file users choose for local mode
// with the first principal's keys given as newman does (--env-var).
func TestPostmanCollection(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Node")
	}
	dir, err := filepath.Abs("../postman")
	if err != nil {
		t.Fatal(err)
	}
	newman := filepath.Join(dir, "node_modules", "newman", "bin", "newman.js")
	if _, err := os.Stat(newman); err != nil {
		t.Fatalf("newman is not installed: run `npm ci` in %s (make test does it)", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the Postman test needs Node 20 or later")
	}
	const environment = "local.postman_environment.json"
	checkEnvironment(t, filepath.Join(dir, environment))

	cfg := config(t.TempDir()) // a "second" of the sleep job lasts 10 ms; its message still says seconds
	cfg.Auth = true
	cfg.Credentials = []sigv4.Credential{principalA, principalB}
	_, base := start(t, cfg)

	report := filepath.Join(t.TempDir(), "newman.json")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, newman, "run", "asyncjobs.postman_collection.json",
		"--environment", environment,
		"--env-var", "baseUrl="+base,
		"--env-var", "authOn="+strconv.FormatBool(cfg.Auth),
		"--env-var", "accessKey="+principalA.AccessKeyID,
		"--env-var", "secretKey="+principalA.SecretAccessKey,
		"--env-var", "accessKeyB="+principalB.AccessKeyID,
		"--env-var", "secretKeyB="+principalB.SecretAccessKey,
		"--reporters", "cli,json", "--reporter-json-export", report,
		"--color", "off", "--timeout-request", "30000",
	)
	cmd.Dir = dir
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

// checkEnvironment makes sure the environment file users choose for local
// mode still matches jobsd's defaults.
func checkEnvironment(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Values []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"values"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	got := map[string]string{}
	for _, v := range env.Values {
		got[v.Key] = v.Value
	}
	defaults := local.DefaultConfig()
	want := map[string]string{
		"baseUrl":      "http://" + defaults.Addr,
		"accessKey":    sigv4.DevAccessKeyID,
		"secretKey":    sigv4.DevSecretAccessKey,
		"sessionToken": "",
		"region":       defaults.Region,
		"service":      "execute-api",
		"authOn":       strconv.FormatBool(defaults.Auth),
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: %s is %q, want %q (jobsd's default)", filepath.Base(path), k, g, w)
		}
	}
}
