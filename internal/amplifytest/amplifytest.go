// Package amplifytest runs interop/amplify/interop.mjs — the unmodified
// aws-amplify events client — against a running system, for the tests of
// both shapes (jobsd and the AWS stack run locally).
package amplifytest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Run runs interop.mjs in dir (the interop/amplify folder) with env added to
// the process's environment (NODE_EXTRA_CA_CERTS, EVENTS_ENDPOINT,
// EVENTS_API_KEY, API_URL and, for signed API calls, ACCESS_KEY_ID and
// SECRET_ACCESS_KEY). It fails t unless the script reports success.
func Run(t *testing.T, dir string, env ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Node")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "aws-amplify")); err != nil {
		t.Fatalf("the Node packages are not installed: run `npm ci` in %s (make test does it)", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the interop test needs Node 20 or later")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "interop.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("interop.mjs: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("interop.mjs did not report success:\n%s", out)
	}
	t.Logf("interop.mjs: %s", strings.TrimSpace(string(out)))
}
