package awslocal

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAmplifyClientAgainstTheStack runs interop/amplify/interop.mjs — the
// unmodified aws-amplify events client, as against jobsd — against the stack:
// it follows its own job's channel in seq order and is refused on /jobs/*,
// on publishes and with a wrong key. Its API calls are signed with SigV4.
// One processor environment runs one job at a time, as the script needs.
func TestAmplifyClientAgainstTheStack(t *testing.T) {
	dir := filepath.Join(moduleDir, "interop", "amplify")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "aws-amplify")); err != nil {
		t.Fatalf("the Node packages are not installed: run `npm ci` in %s (make test does it)", dir)
	}
	s, _ := setupWith(t, func(c *Config) { c.Concurrency = 1 })
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "interop.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"NODE_EXTRA_CA_CERTS="+s.CAFile(),
		"EVENTS_ENDPOINT="+s.Template.Events.HTTPEndpoint,
		"EVENTS_API_KEY="+s.EventsAPIKey(),
		"API_URL="+strings.TrimSuffix(s.APIURL(), "/"),
		"ACCESS_KEY_ID="+caller.AccessKeyID,
		"SECRET_ACCESS_KEY="+caller.SecretAccessKey,
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("interop.mjs: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"ok":true`) {
		t.Fatalf("interop.mjs did not report success:\n%s", out)
	}
	t.Logf("interop.mjs: %s", strings.TrimSpace(string(out)))
}
