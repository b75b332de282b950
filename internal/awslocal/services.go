package awslocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/internal/apigateway"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
	"github.com/asyncjobs/asyncjobs/internal/dynalite"
	"github.com/asyncjobs/asyncjobs/internal/emulator"
	"github.com/asyncjobs/asyncjobs/internal/eventbus"
	"github.com/asyncjobs/asyncjobs/internal/lambdabuild"
	"github.com/asyncjobs/asyncjobs/internal/lambdaservice"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/localinvoker"
)

// Queue bounds of the Lambda service's asynchronous invocations.
const (
	asyncWorkers   = 64
	asyncQueueSize = 10000
)

// services are the stack's services other than the functions.
type services struct {
	builder      lambdabuild.Builder
	dynamo       *dynalite.Server
	archive      *localarchive.Archive
	invoker      *localinvoker.Invoker
	lambda       *http.Server
	lambdaURL    string
	lambdaLn     net.Listener
	eventsAPI    *http.Server
	eventsAPILn  net.Listener
	apiListener  net.Listener
	buses        map[string]*eventbus.Bus
	lambdaSvc    *lambdaservice.Service
	functionRole sigv4.Credential
}

// startServices starts DynamoDB with the template's table, opens the
// archive and listens for the Lambda service and the API.
func startServices(ctx context.Context, cfg Config, t *awsstack.Stack) (sv *services, err error) {
	sv = &services{builder: lambdabuild.Builder{ModuleDir: cfg.ModuleDir}, buses: map[string]*eventbus.Bus{}}
	defer func() {
		if err != nil {
			sv.close(context.Background())
		}
	}()
	if sv.dynamo, err = dynalite.Start(ctx, dynalite.CLI(cfg.ModuleDir), filepath.Join(cfg.DataDir, "dynamodb")); err != nil {
		return nil, err
	}
	if err := dynalite.CreateTable(ctx, sv.dynamo.Client(cfg.Region), t.Table); err != nil {
		return nil, err
	}
	if sv.archive, err = localarchive.Open(filepath.Join(cfg.DataDir, "archive.db"), time.Second); err != nil {
		return nil, err
	}
	if sv.invoker, err = localinvoker.New(localinvoker.Config{
		Workers: asyncWorkers, QueueSize: asyncQueueSize, Region: cfg.Region, Account: cfg.Account,
		Clock: jobs.SystemClock{}, NewID: uuid.NewString, Logger: cfg.Logger,
	}); err != nil {
		return nil, err
	}
	if sv.lambdaLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("awslocal: listen for the Lambda service: %w", err)
	}
	sv.lambdaURL = "http://" + sv.lambdaLn.Addr().String()
	if sv.eventsAPILn, err = net.Listen("tcp", cfg.EventBridgeAddr); err != nil {
		return nil, fmt.Errorf("awslocal: listen on %s for EventBridge: %w", cfg.EventBridgeAddr, err)
	}
	if sv.apiListener, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("awslocal: listen on %s for the API: %w", cfg.Addr, err)
	}
	return sv, nil
}

// invokers adapts the running functions to the front ends.
func invokers(functions map[string]*emulator.Function) map[string]func(context.Context, []byte) ([]byte, error) {
	out := make(map[string]func(context.Context, []byte) ([]byte, error), len(functions))
	for id, f := range functions {
		out[id] = f.Invoke
	}
	return out
}

// wire connects the Lambda service and the buses to the running functions,
// and serves the Lambda service.
func (sv *services) wire(t *awsstack.Stack, functions map[string]*emulator.Function, cfg Config, served chan<- error) error {
	fns := invokers(functions)
	syncFns := make(map[string]lambdaservice.Invoke, len(fns))
	for id, f := range fns {
		syncFns[id] = f
	}
	verifier, err := sigv4.NewVerifier(sigv4.Config{Region: cfg.Region, Service: "lambda", Credentials: []sigv4.Credential{sv.functionRole}})
	if err != nil {
		return err
	}
	// The buses come first: they are destinations. Their rules' targets
	// are the functions' async entry points, made by the service below.
	var svc *lambdaservice.Service
	destinations := map[string]localinvoker.Destination{}
	for _, b := range t.Buses {
		targets := map[string]eventbus.Target{}
		for _, r := range b.Rules {
			for _, tg := range r.Targets {
				targets[tg.Function] = lateTarget{service: &svc, logicalID: tg.Function}
			}
		}
		bus, err := eventbus.New(eventbus.Config{Bus: b, Archive: sv.archive, Targets: targets,
			Region: cfg.Region, Account: cfg.Account, NewID: uuid.NewString, Logger: cfg.Logger})
		if err != nil {
			return err
		}
		sv.buses[b.LogicalID] = bus
		destinations[b.LogicalID] = bus
	}
	if err := sv.serveEventBridge(cfg, served); err != nil {
		return err
	}
	svc, err = lambdaservice.New(lambdaservice.Config{Stack: t, Functions: syncFns, Buses: destinations,
		Invoker: sv.invoker, RetryDelay: cfg.RetryDelay, Verifier: verifier, Logger: cfg.Logger})
	if err != nil {
		return err
	}
	sv.lambdaSvc = svc
	sv.lambda = &http.Server{Handler: svc, ReadHeaderTimeout: 10 * time.Second}
	serve(sv.lambda, sv.lambdaLn, "Lambda service", served)
	return nil
}

// lateTarget invokes a function's async entry point, which exists once the
// Lambda service does.
type lateTarget struct {
	service   **lambdaservice.Service
	logicalID string
}

func (t lateTarget) Invoke(ctx context.Context, payload json.RawMessage) error {
	fn, ok := (*t.service).Async(t.logicalID)
	if !ok {
		return fmt.Errorf("awslocal: function %s is not running", t.logicalID)
	}
	return fn.Invoke(ctx, payload)
}

// serveEventBridge serves the buses' API to the functions' role and to the
// API's principals (who replay archives).
func (sv *services) serveEventBridge(cfg Config, served chan<- error) error {
	verifier, err := sigv4.NewVerifier(sigv4.Config{Region: cfg.Region, Service: "events",
		Credentials: append([]sigv4.Credential{sv.functionRole}, cfg.Credentials...)})
	if err != nil {
		return err
	}
	buses := make([]*eventbus.Bus, 0, len(sv.buses))
	for _, b := range sv.buses {
		buses = append(buses, b)
	}
	sv.eventsAPI = &http.Server{Handler: eventbus.NewAPI(buses, verifier, cfg.Logger), ReadHeaderTimeout: 10 * time.Second}
	serve(sv.eventsAPI, sv.eventsAPILn, "EventBridge", served)
	return nil
}

func (sv *services) close(ctx context.Context) error {
	var errs []error
	if sv.eventsAPI != nil {
		errs = append(errs, sv.eventsAPI.Shutdown(ctx))
	} else if sv.eventsAPILn != nil {
		sv.eventsAPILn.Close()
	}
	if sv.lambda != nil {
		errs = append(errs, sv.lambda.Shutdown(ctx))
	} else if sv.lambdaLn != nil {
		sv.lambdaLn.Close()
	}
	if sv.invoker != nil {
		errs = append(errs, sv.invoker.Close(ctx))
	}
	if sv.archive != nil {
		errs = append(errs, sv.archive.Close())
	}
	if sv.dynamo != nil {
		errs = append(errs, sv.dynamo.Close())
	}
	return errors.Join(errs...)
}

// startAPI serves the REST API's stage on the API listener.
func (s *Stack) startAPI() (*http.Server, error) {
	verifier, err := sigv4.NewVerifier(sigv4.Config{Region: s.cfg.Region, Credentials: s.cfg.Credentials})
	if err != nil {
		return nil, fmt.Errorf("awslocal: API credentials: %w", err)
	}
	fns := map[string]apigateway.Invoke{}
	for id, f := range invokers(s.Functions) {
		fns[id] = f
	}
	gw, err := apigateway.New(apigateway.Config{API: s.Template.API, Account: s.cfg.Account, Functions: fns, Verifier: verifier, Logger: s.cfg.Logger})
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	serve(srv, s.services.apiListener, "API", s.served)
	return srv, nil
}
