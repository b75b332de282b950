// Package awslocal runs the synthesized AWS stack on this machine: each
// Lambda function's bootstrap, built for this machine, under AWS's Lambda
// Runtime Interface Emulator with the environment, memory and timeout of the
// template; DynamoDB (dynalite) with the template's table; the REST API's
// stage behind a SigV4-checking front; Lambda's Invoke API with the async
// settings and destinations of the template; and the EventBridge failure
// bus with its archive and rules. References in the template resolve to
// these local endpoints (internal/awsstack).
package awslocal

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
	"github.com/asyncjobs/asyncjobs/internal/emulator"
)

// Config says where the stack comes from and where it runs.
type Config struct {
	ModuleDir string // the repository's root: bootstraps and the emulator are built there
	CDKOut    string // the cloud assembly `cdk synth` wrote (infra/cdk.out)
	// DataDir keeps the table (dynalite's files), the failure archive and
	// the events endpoint's CA and API key.
	DataDir    string
	Addr       string // the API (API Gateway's stage)
	EventsAddr string // the AppSync Events endpoint, HTTPS
	// EventsAPIKey is the key the events endpoint accepts; empty: the one in
	// <DataDir>/events-api-key, made on the first start (as jobsd's).
	EventsAPIKey string
	// EventBridgeAddr serves EventBridge's PutEvents, StartReplay and
	// DescribeReplay for the stack's buses.
	EventBridgeAddr string
	// Credentials are the principals the API accepts (SigV4, execute-api).
	Credentials []sigv4.Credential
	Region      string
	Account     string
	// Parameters override the template parameters' defaults.
	Parameters map[string]string
	// Concurrency is how many invocations of a function run at once
	// (emulators per function), at most its reserved concurrency.
	Concurrency int
	// RetryDelay is the pause before an async invocation's first retry,
	// doubled before the second.
	RetryDelay time.Duration
	// FunctionLog receives the emulators' and functions' output.
	FunctionLog io.Writer
	Logger      *slog.Logger
}

// Stack is the running stack.
type Stack struct {
	Template *awsstack.Stack
	// Functions are the running functions by logical id.
	Functions map[string]*emulator.Function
	// Bootstraps are the bootstraps built for this machine, by logical id.
	Bootstraps map[string]string

	cfg      Config
	services *services
	events   *eventsEndpoint
	closers  []func(context.Context) error // in the order they run at Close
	served   chan error
}

// Start builds and starts everything; Close stops it.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	if cfg.Concurrency < 1 {
		return nil, errors.New("awslocal: concurrency must be at least 1")
	}
	s := &Stack{cfg: cfg, Functions: map[string]*emulator.Function{}, Bootstraps: map[string]string{}, served: make(chan error, 4)}
	defer func() {
		if err != nil { // s, not the nil Stack returned
			s.Close(context.Background())
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("awslocal: data directory: %w", err)
	}
	events, err := listenEvents(cfg)
	if err != nil {
		return nil, err
	}
	s.events = events
	s.closers = append(s.closers, events.close)

	sf, err := awsstack.OnlyStack(cfg.CDKOut)
	if err != nil {
		return nil, err
	}
	s.Template, err = awsstack.Load(sf, awsstack.Local{Region: cfg.Region, Account: cfg.Account, EventsHost: events.addr, Parameters: cfg.Parameters})
	if err != nil {
		return nil, err
	}
	if s.services, err = startServices(ctx, cfg, s.Template); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.services.close)

	if err := s.startFunctions(ctx, events.caFile); err != nil {
		return nil, err
	}
	if err := s.services.wire(s.Template, s.Functions, cfg, s.served); err != nil {
		return nil, err
	}
	if err := events.serve(cfg, s.Template.Events, s.services.functionRole, s.served); err != nil {
		return nil, err
	}
	api, err := s.startAPI()
	if err != nil {
		return nil, err
	}
	s.closers = append([]func(context.Context) error{api.Shutdown}, s.closers...)
	return s, nil
}

// APIURL is the stage's base URL: http://<addr>/<stage>/.
func (s *Stack) APIURL() string {
	return "http://" + s.services.apiListener.Addr().String() + "/" + s.Template.API.Stage + "/"
}

// Done reports a server's failure while serving.
func (s *Stack) Done() <-chan error { return s.served }

// Close stops the API, lets queued invocations finish until ctx ends, then
// stops the functions and the services.
func (s *Stack) Close(ctx context.Context) error {
	var errs []error
	for _, closeFn := range s.closers {
		errs = append(errs, closeFn(ctx))
	}
	for _, f := range s.Functions {
		errs = append(errs, f.Close())
	}
	s.closers, s.Functions = nil, nil
	return errors.Join(errs...)
}

// startFunctions builds each function's main package for this machine and
// starts its emulators.
func (s *Stack) startFunctions(ctx context.Context, caFile string) error {
	binDir := filepath.Join(s.cfg.DataDir, "bin")
	emulatorPath, err := s.services.builder.Emulator(ctx, binDir)
	if err != nil {
		return err
	}
	role := functionCredential(s.cfg.Account)
	s.services.functionRole = role
	for _, f := range s.Template.Functions {
		pkg, err := f.MainPackage()
		if err != nil {
			return err
		}
		bootstrap, err := s.services.builder.Bootstrap(ctx, binDir, pkg)
		if err != nil {
			return err
		}
		s.Bootstraps[f.LogicalID] = bootstrap
		instances := s.cfg.Concurrency
		if f.ReservedConcurrency != nil {
			if *f.ReservedConcurrency == 0 {
				return fmt.Errorf("awslocal: function %s has a reserved concurrency of 0, which is not emulated: set the parameter to -1 or more", f.LogicalID)
			}
			instances = min(instances, *f.ReservedConcurrency)
		}
		// The template's variables, then what Lambda sets and the local endpoints.
		env := maps.Clone(f.Env)
		maps.Copy(env, map[string]string{
			"AWS_ACCESS_KEY_ID":            role.AccessKeyID,
			"AWS_SECRET_ACCESS_KEY":        role.SecretAccessKey,
			"AWS_SESSION_TOKEN":            role.SessionToken,
			"AWS_ENDPOINT_URL_DYNAMODB":    s.services.dynamo.Endpoint,
			"AWS_ENDPOINT_URL_LAMBDA":      s.services.lambdaURL,
			"AWS_ENDPOINT_URL_EVENTBRIDGE": s.EventBridgeURL(),
			"SSL_CERT_FILE":                caFile, // the local CA, for the events endpoint
		})
		fn, err := emulator.Start(ctx, emulator.Config{
			Emulator: emulatorPath, Bootstrap: bootstrap, Name: f.Name, Region: s.cfg.Region, Env: env,
			MemoryMB: f.MemoryMB, Timeout: f.Timeout, Instances: instances, Log: s.cfg.FunctionLog,
		})
		if err != nil {
			return err
		}
		s.Functions[f.LogicalID] = fn
	}
	return nil
}

// functionCredential is the temporary credential of the functions' role,
// new for each run, as Lambda hands its functions their role's session.
func functionCredential(account string) sigv4.Credential {
	return sigv4.Credential{
		AccessKeyID:     "ASIALOCAL" + rand.Text()[:11],
		SecretAccessKey: rand.Text() + rand.Text()[:14],
		SessionToken:    rand.Text() + rand.Text(),
		Principal:       "arn:aws:sts::" + account + ":assumed-role/local-functions/local",
	}
}

// serve runs srv on l until it is shut down, reporting a failure on served.
func serve(srv *http.Server, l net.Listener, what string, served chan<- error) {
	go func() {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			served <- fmt.Errorf("%s: %w", what, err)
		}
	}()
}

// EventBridgeURL is the URL of the EventBridge API of the stack's buses.
func (s *Stack) EventBridgeURL() string { return "http://" + s.services.eventsAPILn.Addr().String() }

// EventsAPIKey is the key the events endpoint accepts for API_KEY auth.
func (s *Stack) EventsAPIKey() string { return s.events.apiKey }

// EventsAPIKeyFile is the file the events API key was read from or written
// to; empty when the key was configured.
func (s *Stack) EventsAPIKeyFile() string { return s.events.apiKeyFile }

// CAFile is the local CA's certificate, which the events endpoint's clients trust.
func (s *Stack) CAFile() string { return s.events.caFile }

// DynamoDBEndpoint is dynalite's URL.
func (s *Stack) DynamoDBEndpoint() string { return s.services.dynamo.Endpoint }
