package awslocal

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/internal/amplifytest"
)

// TestAmplifyClientAgainstTheStack runs interop/amplify/interop.mjs — the
// unmodified aws-amplify events client, as against jobsd — against the stack:
// it follows its own job's channel in seq order and is refused on /jobs/*,
// on publishes and with a wrong key. Its API calls are signed with SigV4.
// One processor environment runs one job at a time, as the script needs.
func TestAmplifyClientAgainstTheStack(t *testing.T) {
	s, _ := setupWith(t, func(c *Config) { c.Concurrency = 1 })
	amplifytest.Run(t, filepath.Join(moduleDir, "interop", "amplify"),
		"NODE_EXTRA_CA_CERTS="+s.CAFile(),
		"EVENTS_ENDPOINT="+s.Template.Events.HTTPEndpoint,
		"EVENTS_API_KEY="+s.EventsAPIKey(),
		"API_URL="+strings.TrimSuffix(s.APIURL(), "/"),
		"ACCESS_KEY_ID="+caller.AccessKeyID,
		"SECRET_ACCESS_KEY="+caller.SecretAccessKey,
	)
}
