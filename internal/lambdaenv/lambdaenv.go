// Package lambdaenv reads the environment that the AWS stack gives the
// Lambda functions and connects them to the services it names: DynamoDB and
// AppSync Events, signed with the function's IAM role.
package lambdaenv

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/dynamostore"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
	"github.com/asyncjobs/asyncjobs/push"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// Config is what every function is told.
type Config struct {
	Region         string // AWS_REGION, set by Lambda
	TableName      string // JOBS_TABLE_NAME
	EventsEndpoint string // JOBS_EVENTS_HTTP_ENDPOINT: https://host/event
	Namespace      string // JOBS_EVENTS_NAMESPACE, default jobs
	// MetricsNamespace is the CloudWatch namespace of the EMF metrics:
	// JOBS_METRICS_NAMESPACE, default AsyncJobs.
	MetricsNamespace string
}

// Reader reads variables from lookup (os.LookupEnv) and collects what is wrong.
type Reader struct {
	lookup   func(string) (string, bool)
	problems []string
}

// NewReader reads with lookup.
func NewReader(lookup func(string) (string, bool)) *Reader { return &Reader{lookup: lookup} }

// Get is the variable, trimmed; "" when unset.
func (r *Reader) Get(name string) string {
	v, _ := r.lookup(name)
	return strings.TrimSpace(v)
}

// Problem records what is wrong with the configuration.
func (r *Reader) Problem(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// URL reads a variable that must be a URL of scheme.
func (r *Reader) URL(name, scheme, what string) string {
	v := r.Get(name)
	if u, err := url.Parse(v); err != nil || u.Scheme != scheme || u.Host == "" {
		r.Problem("%s must be the %s:// URL of %s, not %q", name, scheme, what, v)
	}
	return v
}

// Shared reads what every function is told.
func (r *Reader) Shared() Config {
	cfg := Config{
		Region:           r.Get("AWS_REGION"),
		TableName:        r.Get("JOBS_TABLE_NAME"),
		EventsEndpoint:   r.URL("JOBS_EVENTS_HTTP_ENDPOINT", "https", "the AppSync Events API"),
		Namespace:        r.Get("JOBS_EVENTS_NAMESPACE"),
		MetricsNamespace: r.Get("JOBS_METRICS_NAMESPACE"),
	}
	if cfg.Namespace == "" {
		cfg.Namespace = push.DefaultNamespace
	}
	if cfg.MetricsNamespace == "" {
		cfg.MetricsNamespace = emf.DefaultNamespace
	}
	if cfg.Region == "" {
		r.Problem("AWS_REGION is not set")
	}
	if cfg.TableName == "" {
		r.Problem("JOBS_TABLE_NAME is not set: the name of the jobs table")
	}
	if !emf.ValidNamespace(cfg.MetricsNamespace) {
		r.Problem("JOBS_METRICS_NAMESPACE must be a CloudWatch namespace (up to 255 letters, digits or . - _ / # : space, not under AWS/), not %q", cfg.MetricsNamespace)
	}
	if !push.ValidNamespace(cfg.Namespace) {
		r.Problem("JOBS_EVENTS_NAMESPACE must be one channel segment (1 to 50 letters, digits or '-'), not %q", cfg.Namespace)
	}
	return cfg
}

// Err is every problem found, or nil.
func (r *Reader) Err() error {
	if len(r.problems) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration: %s", strings.Join(r.problems, "; "))
}

// Load reads the shared configuration, for functions that need no more.
func Load(lookup func(string) (string, bool)) (Config, error) {
	r := NewReader(lookup)
	cfg := r.Shared()
	return cfg, r.Err()
}

// Services are the AWS services a function works with.
type Services struct {
	AWS       aws.Config
	Store     *dynamostore.Store
	Auth      appsync.Auth // IAM, for AppSync Events
	Publisher *appsync.Publisher
}

// Connect loads the function's AWS configuration and makes its clients.
func Connect(ctx context.Context, cfg Config, clock jobs.Clock) (Services, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
	if err != nil {
		return Services{}, fmt.Errorf("load the AWS configuration: %w", err)
	}
	auth := appsync.IAM(awsCfg.Credentials, cfg.Region)
	publisher, err := appsync.NewPublisher(appsync.PublisherConfig{Endpoint: cfg.EventsEndpoint, Auth: auth})
	if err != nil {
		return Services{}, err
	}
	return Services{
		AWS:       awsCfg,
		Store:     dynamostore.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName, clock),
		Auth:      auth,
		Publisher: publisher,
	}, nil
}
