package local_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/local"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// keyForm is the form of an AppSync API key: "da2-" and 26 base32 characters.
var keyForm = regexp.MustCompile(`^da2-[a-z2-7]{26}$`)

// TestEventsAPIKeyIsRandomAndKept starts jobsd with no key configured: it
// makes a random one in <data-dir>/events-api-key (mode 0600), the events
// endpoint accepts it, and the next start uses the same key. A configured
// key wins and leaves the file alone; another data directory gets another
// key; and no key is built in.
func TestEventsAPIKeyIsRandomAndKept(t *testing.T) {
	t.Parallel()
	if key := local.DefaultConfig().EventsAPIKey; key != "" {
		t.Fatalf("DefaultConfig has the events API key %q: every installation would share it", key)
	}
	dir := t.TempDir()
	cfg := config(dir)
	cfg.EventsAPIKey = ""
	sys, err := local.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	key, file := sys.EventsAPIKey(), filepath.Join(dir, local.EventsAPIKeyFile)
	if !keyForm.MatchString(key) || sys.EventsAPIKeyFile() != file {
		t.Fatalf("key %q from %q, want da2- and 26 base32 characters from %s", key, sys.EventsAPIKeyFile(), file)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600: the key is a secret", file, info.Mode().Perm())
	}
	if raw, _ := os.ReadFile(file); string(raw) != key+"\n" {
		t.Errorf("%s holds %q, want the key alone on one line", file, raw)
	}
	checkAcceptsKey(t, sys, key)
	sys.Shutdown(context.Background())

	again, _ := start(t, cfg)
	if again.EventsAPIKey() != key {
		t.Errorf("second start: key %q, want the first start's %q", again.EventsAPIKey(), key)
	}
	again.Shutdown(context.Background())

	cfg.EventsAPIKey = "da2-configuredbytheoperator0"
	configured, _ := start(t, cfg)
	if configured.EventsAPIKey() != cfg.EventsAPIKey || configured.EventsAPIKeyFile() != "" {
		t.Errorf("configured key: %q from %q, want %q from no file", configured.EventsAPIKey(), configured.EventsAPIKeyFile(), cfg.EventsAPIKey)
	}
	checkAcceptsKey(t, configured, cfg.EventsAPIKey)
	if raw, _ := os.ReadFile(file); string(raw) != key+"\n" {
		t.Errorf("a configured key changed %s to %q", file, raw)
	}

	other, _ := start(t, config(t.TempDir()))
	if other.EventsAPIKey() == key {
		t.Errorf("two data directories got the same key %q", key)
	}
}

// TestBrokenEventsAPIKeyFileIsReported starts on a key file that does not
// hold one key, and expects an error naming the file.
func TestBrokenEventsAPIKeyFileIsReported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, local.EventsAPIKeyFile)
	if err := os.WriteFile(file, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config(dir)
	cfg.EventsAPIKey = ""
	if sys, err := local.Start(cfg); err == nil {
		sys.Shutdown(context.Background())
		t.Fatal("jobsd started with an empty key file")
	} else if want := file + " does not hold one API key"; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want it to say %q", err, want)
	}
}

// checkAcceptsKey connects to sys's events endpoint with key, and with
// another key, which must be refused.
func checkAcceptsKey(t *testing.T, sys *local.System, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dial := func(key string) error {
		conn, err := appsync.Dial(ctx, appsync.ClientConfig{
			Endpoint: "https://" + sys.EventsAddr() + "/event", Auth: appsync.APIKey(key), HTTPClient: trustingClient(t, sys.CAFile()),
		})
		if err == nil {
			conn.Close()
		}
		return err
	}
	if err := dial(key); err != nil {
		t.Errorf("the events endpoint refused its key %q: %v", key, err)
	}
	if err := dial(key + "x"); err == nil {
		t.Errorf("the events endpoint accepted a key other than %q", key)
	}
}
