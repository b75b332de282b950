// Package local assembles the one-process system that jobsd runs: the bbolt
// store, the in-process invoker with Lambda's async semantics, the processor
// and error handler, the local archive, and the HTTP API.
package local

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/localarchive"
	"github.com/asyncjobs/asyncjobs/handlers"
	"github.com/asyncjobs/asyncjobs/internal/eventskey"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/jobs/localinvoker"
	"github.com/asyncjobs/asyncjobs/local/localaddr"
	"github.com/asyncjobs/asyncjobs/push"
	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// The local account and the names jobsd gives its parts in failure records.
const (
	Account          = "000000000000"
	ProcessorName    = "jobs-processor"
	ErrorHandlerName = "jobs-error-handler"
	FailureBusName   = "jobs-failures"
)

// Config is everything jobsd can be told.
type Config struct {
	Addr            string // where the HTTP API listens
	EventsAddr      string // where the AppSync-Events-compatible endpoint listens (HTTPS and WSS)
	EventsAPIKey    string // the API key the events endpoint accepts; empty: the one in <DataDir>/events-api-key, made on first start
	EventsNamespace string // the channel namespace of job events
	Auth            bool   // verify SigV4 signatures on the API, as API Gateway's AWS_IAM auth does
	Credentials     []sigv4.Credential
	DataDir         string        // where the store and the archive live
	Region          string        // the AWS region that records and ARNs name
	Retention       time.Duration // how long jobs are kept
	SweepEvery      time.Duration // how often expired jobs are deleted
	Workers         int           // jobs that run at once
	QueueSize       int           // jobs accepted and not finished, beyond which POST answers 503
	MaxRetries      int           // processor retries, 0 to 2
	RetryDelay      time.Duration // before the first retry; doubled before the second
	MaxEventAge     time.Duration // an invocation older than this is not run again
	MaxBodyBytes    int64         // the largest POST body
	BodyReadTimeout time.Duration // how long a request's body may take to arrive once its head has (0: no limit)
	MaxConnections  int           // API connections served at once; beyond them a 503 (0: no limit)
	ShutdownTimeout time.Duration // how long running jobs may take to finish at shutdown
	JobTypes        jobtypes.Config
	Clock           jobs.Clock
	Logger          *slog.Logger
	// EventsMaxConnections bounds the events endpoint's open WebSocket
	// connections; beyond them an upgrade gets 503.
	EventsMaxConnections int
	// Metrics measures the system and serves GET /metrics (MetricsPath)
	// to loopback peers.
	Metrics bool
}

// DefaultConfig is jobsd's configuration when nothing is set.
func DefaultConfig() Config {
	return Config{
		Addr:            localaddr.API,
		EventsAddr:      localaddr.Events,
		EventsNamespace: push.DefaultNamespace,
		Auth:            true,
		Credentials: []sigv4.Credential{{
			AccessKeyID: sigv4.DevAccessKeyID, SecretAccessKey: sigv4.DevSecretAccessKey, Principal: sigv4.DevPrincipal,
		}},
		DataDir:              "./data",
		Region:               "us-east-1",
		Retention:            7 * 24 * time.Hour,
		SweepEvery:           time.Minute,
		Workers:              128,
		QueueSize:            10000,
		MaxRetries:           0,
		RetryDelay:           time.Second,
		MaxEventAge:          6 * time.Hour,
		MaxBodyBytes:         64 << 10,
		BodyReadTimeout:      10 * time.Second,
		MaxConnections:       4096,
		EventsMaxConnections: localevents.DefaultMaxConnections,
		ShutdownTimeout:      10 * time.Second,
		JobTypes:             jobtypes.DefaultConfig(),
		Clock:                jobs.SystemClock{},
		Logger:               slog.Default(),
		Metrics:              true,
	}
}

// System is a running jobsd.
type System struct {
	cfg      Config
	store    *boltstore.Store
	archive  *localarchive.Archive
	invoker  *localinvoker.Invoker
	server   *http.Server
	listener net.Listener
	events   *eventsEndpoint
	keyFile  string // where the events API key comes from; empty when it was configured
	pusher   *push.Notifier
	handler  *errorhandling.Handler // the error handler, which archive replays go to
	metrics  *systemMetrics         // nil when Config.Metrics is off
	stop     context.CancelFunc     // at shutdown: ends the sweeper, the re-drive and waiting requests
	served   chan error
}

// Start opens the data directory, re-drives unfinished jobs and serves the API.
func Start(cfg Config) (sys *System, err error) {
	auth, err := authenticator(cfg)
	if err != nil {
		return nil, err
	}
	types, err := jobtypes.New(cfg.JobTypes)
	if err != nil {
		return nil, err
	}
	metrics := newSystemMetrics(cfg.Metrics, types)
	store, archive, err := openData(cfg.DataDir, time.Second, metrics.commits(cfg.Logger))
	if err != nil {
		return nil, err
	}
	s := &System{cfg: cfg, store: store, archive: archive, metrics: metrics, served: make(chan error, 2)}
	defer func() {
		if err != nil {
			s.abort()
		}
	}()
	if cfg.EventsAPIKey == "" {
		// Read or made while the store's lock is held: no other jobsd on
		// this data directory makes a key at the same time.
		if cfg.EventsAPIKey, s.keyFile, err = eventskey.Load(cfg.DataDir); err != nil {
			return nil, err
		}
		s.cfg = cfg
	}
	cursorKey, err := eventskey.LoadCursorKey(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s.events, err = startEvents(cfg, s.served)
	if err != nil {
		return nil, err
	}
	s.pusher = push.NewNotifier(push.NotifierConfig{Publisher: s.events.server, Namespace: cfg.EventsNamespace, Logger: cfg.Logger})
	hub := jobs.NewHub()
	notifier := jobs.Notifiers{hub, s.pusher, logNotifier{cfg.Logger}}
	processor, err := s.functions(types, hub, notifier)
	if err != nil {
		return nil, err
	}
	jobInvoker := localinvoker.JobInvoker{Processor: processor}
	service := jobs.NewService(jobs.ServiceConfig{
		Store: store, Types: types, Invoker: jobInvoker, Notifier: notifier, Watcher: hub,
		Clock: cfg.Clock, Retention: cfg.Retention, NewID: newJobID, Logger: cfg.Logger, Encode: jobjson.Append,
		CursorKey: cursorKey, Meter: metrics.jobs(),
	})
	s.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.MaxConnections > 0 {
		s.listener = newLimitListener(s.listener, cfg.MaxConnections, time.Second)
	}
	ctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	routes := http.NewServeMux()
	routes.Handle("/", handlers.New(handlers.Config{
		Service: service, Authenticator: auth, Logger: cfg.Logger, MaxBodyBytes: cfg.MaxBodyBytes,
		Requests: metrics.requests(),
	}))
	archiveRoutes := &archiveAPI{auth: auth, service: service, archive: s.archive, handle: s.handler.Handle,
		maxBody: cmp.Or(cfg.MaxBodyBytes, handlers.DefaultMaxBodyBytes), logger: cfg.Logger}
	routes.Handle(ArchivePath, metrics.route(ArchivePath, archiveRoutes))
	routes.Handle(ArchiveReplayPath, metrics.route(ArchiveReplayPath, archiveRoutes))
	metrics.serve(routes, cfg.Logger)
	api, err := s.withConsole(routes)
	if err != nil {
		stop()
		s.listener.Close()
		return nil, err
	}
	s.server = &http.Server{
		Handler:           checkHost(limitBodyTime(api, cfg.BodyReadTimeout), cfg.Addr),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// Requests see the end of ctx at shutdown, so long waits answer at once.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	s.server.RegisterOnShutdown(stop)
	metrics.read(s)
	go s.redrive(ctx, jobInvoker)
	go store.RunSweeper(ctx, cfg.SweepEvery, cfg.Clock, cfg.Logger)
	go func() { s.served <- s.server.Serve(s.listener) }()
	return s, nil
}

// authenticator verifies SigV4 as API Gateway does, or, with Auth off, takes
// every caller for the first configured principal.
func authenticator(cfg Config) (handlers.Authenticator, error) {
	if !cfg.Auth {
		principal := ""
		if len(cfg.Credentials) > 0 {
			principal = cfg.Credentials[0].Principal
		}
		return handlers.Anonymous(principal), nil
	}
	v, err := sigv4.NewVerifier(sigv4.Config{Region: cfg.Region, Credentials: cfg.Credentials})
	if err != nil {
		return nil, fmt.Errorf("configure SigV4: %w", err)
	}
	return handlers.AuthenticatorFunc(v.Verify), nil
}

// functions wires the processor and the error handler into the invoker the
// way the AWS stack wires the Lambdas: processor → error handler → archive.
func (s *System) functions(types *jobs.Registry, hub *jobs.Hub, notifier jobs.Notifier) (*localinvoker.Function, error) {
	cfg := s.cfg
	inv, err := localinvoker.New(localinvoker.Config{
		Workers: cfg.Workers, QueueSize: cfg.QueueSize, Region: cfg.Region, Account: Account,
		Clock: cfg.Clock, NewID: uuid.NewString, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	s.invoker = inv
	errorHandler := &errorhandling.Handler{Store: s.store, Notifier: notifier, Clock: cfg.Clock, Logger: cfg.Logger, Meter: s.metrics.jobs()}
	s.handler = errorHandler
	archiveDest := &errorhandling.ArchiveDestination{
		Archive: s.metrics.archive(s.archive), Region: cfg.Region, Account: Account, NewID: uuid.NewString,
		Resources: []string{fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", cfg.Region, Account, FailureBusName)},
	}
	errorFn, err := inv.Function(localinvoker.FunctionConfig{
		Name: ErrorHandlerName, Handler: s.metrics.runs(localinvoker.HandlerOf(s.metrics.receives(errorHandler.Handle))),
		MaxEventAge: cfg.MaxEventAge, OnFailure: archiveDest,
	})
	if err != nil {
		return nil, err
	}
	archiveDest.Resources = append(archiveDest.Resources, errorFn.Arn())
	processor := &jobs.Processor{Store: s.store, Types: types, Notifier: notifier, Watcher: hub, Clock: cfg.Clock, Logger: cfg.Logger, Meter: s.metrics.jobs()}
	return inv.Function(localinvoker.FunctionConfig{
		Name: ProcessorName, Handler: s.metrics.runs(localinvoker.JobHandler(processor.Handle)),
		MaxRetries: cfg.MaxRetries, RetryDelay: cfg.RetryDelay, MaxEventAge: cfg.MaxEventAge, OnFailure: errorFn,
	})
}

// redrive queues again every job that was Pending or Running when the
// previous process stopped, so nothing acknowledged is lost.
func (s *System) redrive(ctx context.Context, ji localinvoker.JobInvoker) {
	unfinished, err := s.store.Unfinished(ctx)
	if err != nil {
		s.cfg.Logger.Error("list unfinished jobs", "err", err)
		return
	}
	if len(unfinished) == 0 {
		return
	}
	n, err := ji.Redrive(ctx, unfinished)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, jobs.ErrUnavailable) {
		s.cfg.Logger.Error("re-drive unfinished jobs", "err", err, "queued", n, "of", len(unfinished))
		return
	}
	s.cfg.Logger.Info("re-drove unfinished jobs", "queued", n, "of", len(unfinished))
}

// Addr is the address the API listens on.
func (s *System) Addr() string { return s.listener.Addr().String() }

// EventsAddr is the address the events endpoint listens on.
func (s *System) EventsAddr() string { return s.events.listener.Addr().String() }

// EventsAPIKey is the API key the events endpoint accepts.
func (s *System) EventsAPIKey() string { return s.cfg.EventsAPIKey }

// EventsAPIKeyFile is the file the events API key was read from or written
// to, or "" when the key was configured.
func (s *System) EventsAPIKeyFile() string { return s.keyFile }

// CAFile is the certificate of the local CA that clients of the events
// endpoint must trust.
func (s *System) CAFile() string { return s.events.caFile }

// Done reports the HTTP server's end: an error if it failed while serving.
func (s *System) Done() <-chan error { return s.served }

// Shutdown stops accepting requests, lets running jobs finish until the
// shutdown timeout (the rest are re-driven at the next start) and closes the
// data files.
func (s *System) Shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ShutdownTimeout)
	defer cancel()
	httpErr := s.server.Shutdown(ctx)
	if httpErr != nil {
		httpErr = fmt.Errorf("stop the API: %w", httpErr)
	}
	invErr := s.invoker.Close(ctx)
	pushErr := s.pusher.Close(ctx)
	if pushErr != nil {
		pushErr = fmt.Errorf("publish the last job events: %w", pushErr)
	}
	return errors.Join(httpErr, invErr, pushErr, s.events.close(ctx), s.closeData())
}

// abort stops what a failed Start had started.
func (s *System) abort() {
	ctx := context.Background()
	if s.invoker != nil {
		s.invoker.Close(ctx)
	}
	if s.pusher != nil {
		s.pusher.Close(ctx)
	}
	if s.events != nil {
		s.events.close(ctx)
	}
	s.closeData()
}

func (s *System) closeData() error {
	return errors.Join(s.store.Close(), s.archive.Close())
}

// openData opens the store and the archive in dir, creating dir if needed.
func openData(dir string, lockTimeout time.Duration, commits boltstore.CommitObserver) (*boltstore.Store, *localarchive.Archive, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, nil, fmt.Errorf("create data directory: %w", err)
	}
	store, err := boltstore.Open(filepath.Join(dir, "jobs.db"), boltstore.Options{Timeout: lockTimeout, Commits: commits})
	if err != nil {
		return nil, nil, err
	}
	archive, err := localarchive.Open(filepath.Join(dir, "archive.db"), lockTimeout)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, archive, nil
}

// newJobID returns a time-ordered UUID (v7): a valid AppSync channel segment
// that keeps new keys at the end of the store's B+tree.
func newJobID() string { return uuid.Must(uuid.NewV7()).String() }

// logNotifier logs every change of a job at debug level.
type logNotifier struct{ logger *slog.Logger }

func (n logNotifier) Notify(j jobs.Job) {
	// Checked first: the attributes of a line that is not logged cost
	// allocations on every change of every job.
	if !n.logger.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	n.logger.LogAttrs(context.Background(), slog.LevelDebug, "job changed",
		slog.String("job", j.ID), slog.String("type", j.Type), slog.String("status", string(j.Status)), slog.Int64("seq", j.Seq))
}
