package main

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// The context keys the app reads (`cdk synth -c key=value`, or "context" in
// cdk.json). Every key is optional; defaults are below.
const (
	keyAssetsDir          = "assetsDir"
	keyLogRetentionDays   = "logRetentionDays"
	keyProcessorRetries   = "processorRetries"
	keyArchiveRetention   = "failureArchiveRetentionDays"
	keyThrottleRate       = "apiThrottleRate"
	keyThrottleBurst      = "apiThrottleBurst"
	keyJobRetention       = "jobRetention"
	keyEventsAPIKeyDays   = "eventsApiKeyDays"
	keyStage              = "stage"
	defaultAssetsDir      = "../bin/lambda"
	defaultLogRetention   = 30
	defaultThrottleRate   = 50
	defaultThrottleBurst  = 100
	defaultJobRetention   = 168 * time.Hour
	defaultAPIKeyLifetime = 365
)

// defaultStackName is the stack of the default stage (no stage context):
// `make deploy` deploys it.
const defaultStackName = "AsyncJobs"

// stagePattern is what a stage may be: it ends the stack's name and, through
// it, the names of the resources that need one unique in the account.
var stagePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)

// The functions built by the root Makefile's `make lambdas`: each is a
// directory under the assets directory holding a `bootstrap` executable.
const (
	apiAsset          = "api"
	processorAsset    = "processor"
	errorHandlerAsset = "errorhandler"
)

// logRetentions are the retention periods CloudWatch Logs accepts, in days
// (0: never expire).
var logRetentions = map[int]awslogs.RetentionDays{
	0: awslogs.RetentionDays_INFINITE, 1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS,
	30: awslogs.RetentionDays_ONE_MONTH, 60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS,
	365: awslogs.RetentionDays_ONE_YEAR, 400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS,
	2192: awslogs.RetentionDays_SIX_YEARS, 2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

// Config is what the stack is built from: the context values, checked, with
// their defaults filled in.
type Config struct {
	// Stage names a deployment: stack AsyncJobs-<stage>, so that several can
	// live in one account; empty is the default stack, AsyncJobs.
	Stage string
	// AssetsDir holds api/, processor/ and errorhandler/, each with a bootstrap.
	AssetsDir string
	// LogRetention applies to the functions' logs and the API's access log.
	LogRetention awslogs.RetentionDays
	// ProcessorRetries is Lambda's async retry count for the processor, 0 to 2.
	ProcessorRetries int
	// ArchiveRetentionDays keeps archived failures this long; 0 is forever.
	ArchiveRetentionDays int
	// ThrottleRate (requests/s) and ThrottleBurst limit the API stage.
	ThrottleRate  float64
	ThrottleBurst int
	// JobRetention is how long a job is kept after it is created (JOBS_RETENTION).
	JobRetention time.Duration
	// EventsAPIKeyExpires is when the events API key expires: AppSync allows
	// 1 to 365 days. It is renewed on every deploy.
	EventsAPIKeyExpires time.Time
}

// configFrom reads the context through lookup (a construct node's
// TryGetContext) and checks it. now dates the API key's expiry; it is
// truncated to the day so that a synth is the same all day long.
func configFrom(lookup func(key *string) any, now time.Time) (Config, error) {
	c := Config{
		AssetsDir:     defaultAssetsDir,
		ThrottleRate:  defaultThrottleRate,
		ThrottleBurst: defaultThrottleBurst,
		JobRetention:  defaultJobRetention,
	}
	var errs []error
	read := func(key string, parse func(string) error) {
		v := lookup(&key)
		if v == nil {
			return
		}
		s := fmt.Sprint(v) // -c gives strings, cdk.json numbers
		if err := parse(s); err != nil {
			errs = append(errs, fmt.Errorf("context %s=%q: %w", key, s, err))
		}
	}

	read(keyAssetsDir, func(s string) error { c.AssetsDir = s; return nil })
	read(keyStage, func(s string) error {
		if !stagePattern.MatchString(s) {
			return errors.New("want 1 to 32 letters, digits and inner hyphens, such as dev")
		}
		c.Stage = s
		return nil
	})
	logDays := defaultLogRetention
	read(keyLogRetentionDays, intIn(&logDays, 0, math.MaxInt))
	read(keyProcessorRetries, intIn(&c.ProcessorRetries, 0, 2))
	read(keyArchiveRetention, intIn(&c.ArchiveRetentionDays, 0, math.MaxInt))
	read(keyThrottleRate, func(s string) error {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 {
			return errors.New("want a positive number of requests per second")
		}
		c.ThrottleRate = f
		return nil
	})
	read(keyThrottleBurst, intIn(&c.ThrottleBurst, 1, 5000))
	read(keyJobRetention, func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Hour {
			return errors.New("want a Go duration of at least 1h, such as 168h")
		}
		c.JobRetention = d
		return nil
	})
	keyDays := defaultAPIKeyLifetime
	read(keyEventsAPIKeyDays, intIn(&keyDays, 2, 365))

	retention, ok := logRetentions[logDays]
	if !ok {
		valid := slices.Sorted(maps.Keys(logRetentions))
		errs = append(errs, fmt.Errorf("context %s=%d: CloudWatch Logs accepts only %v", keyLogRetentionDays, logDays, valid))
	}
	c.LogRetention = retention
	day := now.UTC().Truncate(24 * time.Hour)
	c.EventsAPIKeyExpires = day.AddDate(0, 0, keyDays)
	return c, errors.Join(errs...)
}

// intIn parses an integer from lo to hi into dst.
func intIn(dst *int, lo, hi int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			if hi == math.MaxInt {
				return fmt.Errorf("want an integer ≥ %d", lo)
			}
			return fmt.Errorf("want an integer from %d to %d", lo, hi)
		}
		*dst = n
		return nil
	}
}

// StackName is the CloudFormation stack's name: AsyncJobs, or
// AsyncJobs-<stage> for a named stage.
func (c Config) StackName() string {
	if c.Stage == "" {
		return defaultStackName
	}
	return defaultStackName + "-" + c.Stage
}

// assetPath is the directory of one function's bootstrap.
func (c Config) assetPath(function string) string {
	return filepath.Join(c.AssetsDir, function)
}

// checkAssets reports the bootstrap files that are missing, so that a synth
// without `make lambdas` fails with a hint rather than deep inside CDK.
func (c Config) checkAssets() error {
	var errs []error
	for _, function := range []string{apiAsset, processorAsset, errorHandlerAsset} {
		path := filepath.Join(c.assetPath(function), "bootstrap")
		if info, err := os.Stat(path); err != nil || !info.Mode().IsRegular() {
			errs = append(errs, fmt.Errorf("no Lambda bootstrap at %s", path))
		}
	}
	if len(errs) > 0 {
		errs = append(errs, fmt.Errorf("build them with `make lambdas` at the repository root, or pass -c %s=DIR", keyAssetsDir))
	}
	return errors.Join(errs...)
}
