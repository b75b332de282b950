package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

func lookupIn(context map[string]any) func(*string) any {
	return func(key *string) any { return context[*key] }
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := configFrom(lookupIn(nil), testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		AssetsDir:           "../bin/lambda",
		LogRetention:        awslogs.RetentionDays_ONE_MONTH,
		ProcessorRetries:    0,
		ThrottleRate:        50,
		ThrottleBurst:       100,
		JobRetention:        168 * time.Hour,
		EventsAPIKeyExpires: time.Date(2027, 11, 20, 0, 0, 0, 0, time.UTC),
	}
	if cfg != want {
		t.Errorf("defaults\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestConfigFromContext(t *testing.T) {
	t.Parallel()
	// -c gives strings; cdk.json gives numbers.
	cfg, err := configFrom(lookupIn(map[string]any{
		keyAssetsDir: "/tmp/x", keyLogRetentionDays: float64(7), keyProcessorRetries: "2",
		keyArchiveRetention: "90", keyThrottleRate: "12.5", keyThrottleBurst: float64(20),
		keyJobRetention: "24h", keyEventsAPIKeyDays: "30", keyStage: "dev-2",
	}), testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		AssetsDir: "/tmp/x", LogRetention: awslogs.RetentionDays_ONE_WEEK, ProcessorRetries: 2,
		ArchiveRetentionDays: 90, ThrottleRate: 12.5, ThrottleBurst: 20, JobRetention: 24 * time.Hour,
		EventsAPIKeyExpires: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC), Stage: "dev-2",
	}
	if cfg != want {
		t.Errorf("config\n%+v\nwant\n%+v", cfg, want)
	}
	if cfg.StackName() != "AsyncJobs-dev-2" {
		t.Errorf("stack name %q, want AsyncJobs-dev-2", cfg.StackName())
	}
}

func TestDefaultStackKeepsItsName(t *testing.T) {
	t.Parallel()
	cfg, err := configFrom(lookupIn(nil), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StackName() != "AsyncJobs" || failureBusName(cfg.StackName()) != "jobs-failures" {
		t.Errorf("default stack %q with bus %q, want AsyncJobs with jobs-failures (what make deploy deployed before stages)",
			cfg.StackName(), failureBusName(cfg.StackName()))
	}
	if got := failureBusName("AsyncJobs-dev"); got != "AsyncJobs-dev-failures" {
		t.Errorf("bus of AsyncJobs-dev: %q, want AsyncJobs-dev-failures", got)
	}
}

func TestConfigRefusesBadValues(t *testing.T) {
	t.Parallel()
	for key, value := range map[string]any{
		keyProcessorRetries: "3", keyLogRetentionDays: "31", keyArchiveRetention: "-1",
		keyThrottleRate: "0", keyThrottleBurst: "x", keyJobRetention: "10m", keyEventsAPIKeyDays: "400",
	} {
		refusedIn(t, key, value)
	}
	for _, stage := range []string{"", "-dev", "dev-", "dev_1", "dev.1", "a b", strings.Repeat("a", 33)} {
		refusedIn(t, keyStage, stage)
	}
}

// refusedIn checks that configFrom refuses value for key, naming the key.
func refusedIn(t *testing.T, key string, value any) {
	t.Helper()
	_, err := configFrom(lookupIn(map[string]any{key: value}), testNow)
	if err == nil || !strings.Contains(err.Error(), key) {
		t.Errorf("%s=%q: error %v, want one naming the key", key, value, err)
	}
}

func TestShortDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		168 * time.Hour:              "168h",
		90 * time.Minute:             "1h30m",
		time.Hour + 10*time.Minute:   "1h10m",
		time.Hour + 10*time.Second:   "1h0m10s",
		2*time.Hour + 30*time.Second: "2h0m30s",
	} {
		got := shortDuration(d)
		if got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
		if parsed, err := time.ParseDuration(got); err != nil || parsed != d {
			t.Errorf("%q parses as %v, %v; want %v", got, parsed, err, d)
		}
	}
}

func TestCheckAssets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	err := Config{AssetsDir: dir}.checkAssets()
	if err == nil || !strings.Contains(err.Error(), "make lambdas") || !strings.Contains(err.Error(), filepath.Join(dir, "processor", "bootstrap")) {
		t.Errorf("no assets: error %v, want the missing bootstraps and the make target", err)
	}
	if err := dummyAssets(dir); err != nil {
		t.Fatal(err)
	}
	if err := (Config{AssetsDir: dir}).checkAssets(); err != nil {
		t.Errorf("with assets: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "api", "bootstrap")); err != nil {
		t.Fatal(err)
	}
	if err := (Config{AssetsDir: dir}).checkAssets(); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "api")) {
		t.Errorf("without the API's bootstrap: error %v", err)
	}
}

// TestContextReachesTheTemplate synthesizes a second stack with settings
// other than the defaults.
func TestContextReachesTheTemplate(t *testing.T) {
	dir := t.TempDir()
	if err := dummyAssets(dir); err != nil {
		t.Fatal(err)
	}
	tpl, err := synth(testConfig(t, dir, map[string]any{
		keyProcessorRetries: "2", keyArchiveRetention: "30", keyLogRetentionDays: "7",
		keyThrottleRate: "5", keyThrottleBurst: "10", keyJobRetention: "24h",
	}))
	if err != nil {
		t.Fatal(err)
	}
	processor := tpl.functionID(t, "Processor")
	for _, c := range tpl.ofType("AWS::Lambda::EventInvokeConfig") {
		retries := float64(0)
		if refID(c.Properties["FunctionName"]) == processor {
			retries = 2
		}
		if c.Properties["MaximumRetryAttempts"] != retries {
			t.Errorf("%s: retries %v, want %v", refID(c.Properties["FunctionName"]), c.Properties["MaximumRetryAttempts"], retries)
		}
	}
	if _, a := tpl.one(t, "AWS::Events::Archive", "FailureBusFailureArchive"); a.Properties["RetentionDays"] != float64(30) {
		t.Errorf("archive retention %v, want 30", a.Properties["RetentionDays"])
	}
	for id, g := range tpl.ofType("AWS::Logs::LogGroup") {
		if g.Properties["RetentionInDays"] != float64(7) {
			t.Errorf("log group %s kept %v days, want 7", id, g.Properties["RetentionInDays"])
		}
	}
	_, stage := tpl.one(t, "AWS::ApiGateway::Stage", "JobsApiDeploymentStage")
	settings := list(stage.Properties["MethodSettings"])[0].(map[string]any)
	if settings["ThrottlingRateLimit"] != float64(5) || settings["ThrottlingBurstLimit"] != float64(10) {
		t.Errorf("throttling %v, want 5/s, burst 10", settings)
	}
	env := tpl.Resources[tpl.functionID(t, "Api")].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if env["JOBS_RETENTION"] != "24h" {
		t.Errorf("JOBS_RETENTION = %v, want 24h", env["JOBS_RETENTION"])
	}
}
