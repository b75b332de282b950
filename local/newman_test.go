package local_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/newmantest"
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
	dir, err := filepath.Abs("../postman")
	if err != nil {
		t.Fatal(err)
	}
	checkEnvironment(t, filepath.Join(dir, newmantest.Environment))

	cfg := config(t.TempDir()) // a "second" of the sleep job lasts 10 ms; its message still says seconds
	cfg.Auth = true
	cfg.Credentials = []sigv4.Credential{principalA, principalB}
	_, base := start(t, cfg)
	newmantest.Run(t, dir, base, principalA, principalB)
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
