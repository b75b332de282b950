package localevents

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/push"
)

var (
	_ push.Publisher = (*Server)(nil)
	_ push.Interest  = (*Server)(nil)
)

// Config configures a Server. Zero values take the defaults noted.
type Config struct {
	// APIKeys are the accepted values of x-api-key. With none, no request
	// or connection is authorised by API key.
	APIKeys []string
	// IAM, if set, verifies SigV4 signatures: build it with
	// sigv4.NewVerifier for Service "appsync", the region clients sign
	// for, and the credentials that may sign (a signature for another
	// service or region is refused). A request signs its credentials as
	// AppSync's do: POST /event over its actual body; the realtime
	// handshake and messages carry the headers of a signed POST
	// https://<host>/event whose body is {} to connect, {"channel":…} to
	// subscribe and {"channel":…,"events":[…]} to publish, with channel
	// and events exactly as in the message. Any credential IAM knows is
	// allowed every operation that the auth modes below let AWS_IAM do:
	// IAM policies are not evaluated. Nil: AWS_IAM is refused everywhere.
	IAM *sigv4.Verifier
	// ConnectionAuthModes are the auth modes that may open a WebSocket
	// connection, as an AWS::AppSync::Api's EventConfig.ConnectionAuthModes
	// (default: API_KEY and AWS_IAM).
	ConnectionAuthModes []AuthMode
	// DefaultPublishAuthModes and DefaultSubscribeAuthModes are the auth
	// modes that may publish (over HTTP or WebSocket) and subscribe in a
	// namespace that does not set its own in NamespaceAuthModes, as
	// EventConfig's DefaultPublishAuthModes and DefaultSubscribeAuthModes
	// (default: API_KEY and AWS_IAM; but a job namespace publishes with
	// AWS_IAM only unless DefaultPublishAuthModes is set).
	DefaultPublishAuthModes   []AuthMode
	DefaultSubscribeAuthModes []AuthMode
	// NamespaceAuthModes are, by namespace name, the auth modes of that
	// namespace, as an AWS::AppSync::ChannelNamespace's PublishAuthModes and
	// SubscribeAuthModes. The jobs namespace of this project's stack is
	// {Publish: {AWS_IAM}, Subscribe: {API_KEY, AWS_IAM}}.
	NamespaceAuthModes map[string]NamespaceAuthModes
	// JobNamespaces are the namespaces of job channels, /<ns>/<job id>
	// (default: push.DefaultNamespace). A subscription must name one job's
	// channel: wildcards, and channels of other depths, are refused with
	// UnauthorizedException, as the stack's onSubscribe handler does. By
	// default only AWS_IAM may publish to them (see
	// DefaultPublishAuthModes), besides the in-process publisher (Publish).
	JobNamespaces []string
	// OpenNamespaces are namespaces with AppSync's own rules: clients
	// publish to them and subscribe with wildcards. A namespace that is
	// also in JobNamespaces is a job namespace.
	OpenNamespaces []string
	// Addr is the host:port clients are given. Requests whose Host header
	// is neither an IP address, a loopback name nor Addr's host are
	// refused with 421, against DNS rebinding.
	Addr string
	// MaxConnections bounds the open WebSocket connections; beyond it an
	// upgrade is refused with 503 (default 10,000).
	MaxConnections int
	// ReadTimeout bounds reading one HTTP request, headers and body, on the
	// server that HTTPServer returns (default 30s). It does not apply to a
	// WebSocket connection once upgraded.
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive HTTP connection after this long
	// without a request, on the server that HTTPServer returns (default 2m).
	IdleTimeout time.Duration
	// KeepAlive is the interval of "ka" messages after connection_ack (default 60s).
	KeepAlive time.Duration
	// ConnectionTimeout is announced to clients as connectionTimeoutMs (default 5m).
	ConnectionTimeout time.Duration
	// SendQueue is the number of outbound messages queued per connection
	// before the connection is dropped as a slow consumer (default 256).
	SendQueue int
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger
	// NewID returns event identifiers (default: a random UUID). It is
	// called concurrently.
	NewID func() string
}

// Server is a local AppSync Events endpoint. Create it with New.
type Server struct {
	cfg        Config
	log        *slog.Logger
	namespaces map[string]bool // the namespaces that exist: true for a job namespace
	// connectModes and nsModes are the auth modes that may connect, and
	// publish and subscribe in each namespace.
	connectModes []AuthMode
	nsModes      map[string]NamespaceAuthModes
	ack          []byte // the connection_ack message
	mux          *http.ServeMux
	broker       broker
	// slowConsumers counts the connections dropped because their
	// outbound queue was full, with the message that did not fit.
	slowConsumers atomic.Uint64

	mu       sync.Mutex
	closed   bool
	done     chan struct{} // closed by Close
	conns    map[*conn]struct{}
	handlers int            // WebSocket handlers in progress: open connections, authorised or not
	wg       sync.WaitGroup // one per WebSocket handler in progress
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 60 * time.Second
	}
	if cfg.ConnectionTimeout <= 0 {
		cfg.ConnectionTimeout = 5 * time.Minute
	}
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.NewID == nil {
		cfg.NewID = uuid.NewString
	}
	if len(cfg.JobNamespaces) == 0 {
		cfg.JobNamespaces = []string{push.DefaultNamespace}
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 2 * time.Minute
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		namespaces: make(map[string]bool),
		ack:        ackMessage(cfg.ConnectionTimeout.Milliseconds()),
		mux:        http.NewServeMux(),
		broker:     newBroker(),
		done:       make(chan struct{}),
		conns:      make(map[*conn]struct{}),
	}
	for _, ns := range cfg.OpenNamespaces {
		s.namespaces[ns] = false
	}
	for _, ns := range cfg.JobNamespaces {
		s.namespaces[ns] = true
	}
	s.connectModes, s.nsModes = authModes(cfg, s.namespaces)
	s.mux.HandleFunc("POST /event", s.servePublish)
	s.mux.HandleFunc("OPTIONS /event", servePreflight)
	s.mux.HandleFunc("GET /event/realtime", s.serveRealtime)
	return s
}

// DefaultMaxConnections is Config.MaxConnections unless set.
const DefaultMaxConnections = 10000

// Handler serves POST /event, OPTIONS /event and GET /event/realtime to
// requests whose Host header names this endpoint.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Publish sends events, each one JSON document, to the subscribers of
// channel. It checks the channel and AppSync's limits, never blocks on a
// subscriber, and needs no authorisation: it is the in-process publisher.
func (s *Server) Publish(_ context.Context, channel string, events []json.RawMessage) error {
	ch, _, apiErr := s.channel(channel, false)
	if apiErr != nil {
		return fmt.Errorf("localevents: publish: %s", apiErr.Message)
	}
	if len(events) == 0 || len(events) > push.MaxEventsPerPublish {
		return fmt.Errorf("localevents: publish to %s: %d events, want 1 to %d", ch, len(events), push.MaxEventsPerPublish)
	}
	quoted := make([][]byte, len(events))
	for i, ev := range events {
		if len(ev) > push.MaxEventBytes {
			return fmt.Errorf("localevents: publish to %s: event %d is %d bytes, more than %d", ch, i, len(ev), push.MaxEventBytes)
		}
		if !json.Valid(ev) {
			return fmt.Errorf("localevents: publish to %s: event %d is not valid JSON", ch, i)
		}
		quoted[i] = quote(ev)
	}
	s.broker.publish(ch, quoted)
	return nil
}

// Subscribed reports whether a subscription matches channel, which must be
// normalised (as push.JobChannel returns it).
func (s *Server) Subscribed(channel string) bool { return s.broker.subscribed(channel) }

// publishWire publishes the events of an HTTP or WebSocket publish request:
// a JSON array of strings, each holding one JSON document. Events over the
// size limit are reported in failed; the others are published. mode is how
// the client was authorised, which the namespace must accept for publishing.
func (s *Server) publishWire(channel string, mode AuthMode, rawEvents json.RawMessage) (*publishResult, *apiError) {
	ch, _, apiErr := s.channel(channel, false)
	if apiErr != nil {
		return nil, apiErr
	}
	if apiErr := s.checkMode(opPublish, push.Namespace(ch), mode); apiErr != nil {
		return nil, apiErr
	}
	var events []json.RawMessage
	if err := json.Unmarshal(rawEvents, &events); err != nil || len(events) == 0 {
		return nil, badRequest("events must be an array of 1 to %d strings", push.MaxEventsPerPublish)
	}
	if len(events) > push.MaxEventsPerPublish {
		return nil, badRequest("%d events in one publish: at most %d are allowed", len(events), push.MaxEventsPerPublish)
	}
	texts := make([]string, len(events))
	for i, raw := range events {
		if err := json.Unmarshal(raw, &texts[i]); err != nil {
			return nil, badRequest("events[%d] must be a string holding JSON", i)
		}
		if !json.Valid([]byte(texts[i])) {
			return nil, badRequest("events[%d] is not valid JSON", i)
		}
	}
	res := &publishResult{Failed: []failedEvent{}, Successful: []publishedEvent{}}
	var quoted [][]byte
	for i, text := range texts {
		id := s.cfg.NewID()
		if len(text) > push.MaxEventBytes {
			res.Failed = append(res.Failed, failedEvent{
				Code: "EventTooLargeException", Identifier: id, Index: i,
				Message: "Transformed event is larger than 240KB",
			})
			continue
		}
		res.Successful = append(res.Successful, publishedEvent{Identifier: id, Index: i})
		quoted = append(quoted, quote(text))
	}
	if len(quoted) > 0 {
		s.broker.publish(ch, quoted)
	}
	return res, nil
}

// Close closes every WebSocket connection with status 1001 (going away),
// refuses new ones, and returns when their handlers have finished.
func (s *Server) Close() {
	s.mu.Lock()
	var conns []*conn
	if !s.closed {
		s.closed = true
		close(s.done)
		for c := range s.conns {
			conns = append(conns, c)
		}
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(c.closeGoingAway)
	}
	wg.Wait()
	s.wg.Wait()
}

// enter counts a WebSocket handler in, unless the server is closed or
// MaxConnections handlers are in; leave counts it out.
func (s *Server) enter() *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return &apiError{ErrorType: errServiceUnavailable, Message: "the server is shutting down"}
	}
	if s.handlers >= s.cfg.MaxConnections {
		return s.tooManyConnections()
	}
	s.handlers++
	s.wg.Add(1)
	return nil
}

func (s *Server) leave() {
	s.mu.Lock()
	s.handlers--
	s.mu.Unlock()
	s.wg.Done()
}

// Stats is what the endpoint holds and has dropped.
type Stats struct {
	Connections   int    // WebSocket connections accepted and open
	Subscriptions int    // subscriptions of those connections
	Published     uint64 // events published since the start (each to all its channel's subscribers)
	SlowConsumers uint64 // connections dropped since the start because their client read too slowly
}

// Stats reads the counts (each one consistent, not all of them together).
func (s *Server) Stats() Stats {
	s.mu.Lock()
	conns := len(s.conns)
	s.mu.Unlock()
	return Stats{Connections: conns, Subscriptions: s.broker.subscriptions(),
		Published: s.broker.events.Load(), SlowConsumers: s.slowConsumers.Load()}
}

// register adds an accepted connection, unless the server is closed.
func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}
