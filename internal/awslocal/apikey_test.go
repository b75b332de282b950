package awslocal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEventsAPIKeyIsKeptInTheDataDirectory: as jobsd, the events endpoint's
// key is made on the first start in <data-dir>/events-api-key and read from
// there on the next; a configured key wins and leaves no file.
func TestEventsAPIKeyIsKeptInTheDataDirectory(t *testing.T) {
	dir := t.TempDir()
	listen := func(configured string) *eventsEndpoint {
		t.Helper()
		e, err := listenEvents(Config{DataDir: dir, EventsAddr: "127.0.0.1:0", EventsAPIKey: configured})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.close(context.Background()) })
		return e
	}
	first := listen("")
	file := filepath.Join(dir, "events-api-key")
	raw, err := os.ReadFile(file)
	if err != nil || strings.TrimSpace(string(raw)) != first.apiKey || !strings.HasPrefix(first.apiKey, "da2-") || first.apiKeyFile != file {
		t.Fatalf("key %q from %q; %s holds %q (%v)", first.apiKey, first.apiKeyFile, file, raw, err)
	}
	if again := listen(""); again.apiKey != first.apiKey {
		t.Errorf("the next start's key %q, want the kept %q", again.apiKey, first.apiKey)
	}
	if configured := listen("da2-configured"); configured.apiKey != "da2-configured" || configured.apiKeyFile != "" {
		t.Errorf("configured: key %q from %q, want da2-configured from no file", configured.apiKey, configured.apiKeyFile)
	}
}
