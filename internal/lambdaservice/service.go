// Package lambdaservice is Lambda's Invoke API on this machine for the
// stack's functions, which the functions' SDK reaches through
// AWS_ENDPOINT_URL_LAMBDA. An asynchronous invocation (InvocationType
// Event) is answered 202 at once and queued in jobs/localinvoker, which has
// Lambda's async semantics: the retries, maximum event age and on-failure
// destination of the function's EventInvokeConfig, with destination records
// in Lambda's shape. A synchronous one (RequestResponse) runs the function
// and answers its response, with X-Amz-Function-Error when it failed.
package lambdaservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/localinvoker"
)

// Lambda's payload limits.
const (
	maxAsyncPayload = 256 << 10
	maxSyncPayload  = 6 << 20
)

// Invoke runs a function once, synchronously; a function error is an error
// with an ErrorType() method.
type Invoke func(ctx context.Context, payload []byte) ([]byte, error)

// Config is what the service runs.
type Config struct {
	Stack *awsstack.Stack
	// Functions run the stack's functions, by logical id.
	Functions map[string]Invoke
	// Buses receive the failure records of functions whose on-failure
	// destination is an event bus, by logical id.
	Buses map[string]localinvoker.Destination
	// Invoker queues the asynchronous invocations.
	Invoker *localinvoker.Invoker
	// RetryDelay is the pause before a function's first retry, doubled before
	// the second (Lambda waits about a minute, then two).
	RetryDelay time.Duration
	// Verifier checks the callers' SigV4 signatures (service lambda).
	Verifier *sigv4.Verifier
	Logger   *slog.Logger
}

// Service serves Invoke.
type Service struct {
	cfg   Config
	async map[string]*localinvoker.Function // by logical id
}

// New registers each function of the stack with the invoker, with its
// async settings and destination.
func New(cfg Config) (*Service, error) {
	s := &Service{cfg: cfg, async: map[string]*localinvoker.Function{}}
	// A function whose destination is a function comes after it: make the
	// destinations first (the stack's chains are short and acyclic).
	for range len(cfg.Stack.Functions) {
		for _, f := range cfg.Stack.Functions {
			if _, done := s.async[f.LogicalID]; done {
				continue
			}
			if err := s.register(f); err != nil {
				return nil, err
			}
		}
	}
	if len(s.async) != len(cfg.Stack.Functions) {
		return nil, errors.New("lambdaservice: the functions' on-failure destinations form a cycle")
	}
	return s, nil
}

// register adds f to the invoker once its destination is registered.
func (s *Service) register(f *awsstack.Function) error {
	invoke, ok := s.cfg.Functions[f.LogicalID]
	if !ok {
		return fmt.Errorf("lambdaservice: function %s is not running", f.LogicalID)
	}
	var dest localinvoker.Destination
	switch d := f.Async.OnFailure; {
	case d.Function != "":
		fn, ok := s.async[d.Function]
		if !ok {
			return nil // registered on a later pass
		}
		dest = fn
	case d.Bus != "":
		bus, ok := s.cfg.Buses[d.Bus]
		if !ok {
			return fmt.Errorf("lambdaservice: function %s sends its failures to bus %s, which is not running", f.LogicalID, d.Bus)
		}
		dest = bus
	}
	fn, err := s.cfg.Invoker.Function(localinvoker.FunctionConfig{
		Name: f.Name,
		Handler: func(ctx context.Context, payload json.RawMessage) error {
			_, err := invoke(ctx, payload)
			return err
		},
		MaxRetries:  f.Async.MaxRetries,
		RetryDelay:  s.cfg.RetryDelay,
		MaxEventAge: f.Async.MaxEventAge,
		OnFailure:   dest,
	})
	if err != nil {
		return fmt.Errorf("lambdaservice: %w", err)
	}
	s.async[f.LogicalID] = fn
	return nil
}

// Async is function logicalID's asynchronous entry point: what an
// EventBridge rule or an on-failure destination invokes.
func (s *Service) Async(logicalID string) (*localinvoker.Function, bool) {
	fn, ok := s.async[logicalID]
	return fn, ok
}

// invocationsPath is the Invoke API's path: /2015-03-31/functions/{name}/invocations.
const (
	invocationsPrefix = "/2015-03-31/functions/"
	invocationsSuffix = "/invocations"
)

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.EscapedPath(), invocationsPrefix)
	name, ok2 := strings.CutSuffix(name, invocationsSuffix)
	if r.Method != http.MethodPost || !ok || !ok2 {
		lambdaError(w, http.StatusNotFound, "UnknownOperationException", "only Invoke is served here")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSyncPayload+1))
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "the request body could not be read")
		return
	}
	if _, err := s.cfg.Verifier.Verify(r, body); err != nil {
		var refused *sigv4.Error
		if errors.As(err, &refused) {
			lambdaError(w, http.StatusForbidden, "InvalidSignatureException", refused.Message)
			return
		}
		s.cfg.Logger.Error("verify a signature", "err", err)
		lambdaError(w, http.StatusInternalServerError, "ServiceException", "internal error")
		return
	}
	if name, err = url.PathUnescape(name); err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "the function name is not escaped properly")
		return
	}
	qualifier := r.URL.Query().Get("Qualifier")
	f, ok := s.cfg.Stack.Function(strings.TrimSuffix(name, ":$LATEST"))
	if !ok || (qualifier != "" && qualifier != "$LATEST") {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "Event":
		s.invokeAsync(r.Context(), w, f, body)
	case "", "RequestResponse":
		s.invokeSync(r.Context(), w, f, body)
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
	default:
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "unknown invocation type "+typ)
	}
}

func (s *Service) invokeAsync(ctx context.Context, w http.ResponseWriter, f *awsstack.Function, payload []byte) {
	if len(payload) > maxAsyncPayload {
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeAsync operation", maxAsyncPayload))
		return
	}
	err := s.async[f.LogicalID].Invoke(ctx, payload)
	switch {
	case errors.Is(err, jobs.ErrOverloaded):
		lambdaError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
	case err != nil:
		s.cfg.Logger.Warn("queue an asynchronous invocation", "function", f.Name, "err", err)
		lambdaError(w, http.StatusServiceUnavailable, "ServiceException", "the function cannot take invocations now")
	default:
		w.WriteHeader(http.StatusAccepted)
	}
}

func (s *Service) invokeSync(ctx context.Context, w http.ResponseWriter, f *awsstack.Function, payload []byte) {
	if len(payload) > maxSyncPayload {
		lambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the Invoke operation")
		return
	}
	out, err := s.cfg.Functions[f.LogicalID](ctx, payload)
	var fnErr interface{ ErrorType() string }
	if errors.As(err, &fnErr) {
		out, _ = json.Marshal(destination.ResponsePayload{ErrorMessage: err.Error(), ErrorType: fnErr.ErrorType()})
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	} else if err != nil {
		s.cfg.Logger.Warn("invoke", "function", f.Name, "err", err)
		lambdaError(w, http.StatusBadGateway, "ServiceException", "the function could not be invoked")
		return
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}

// lambdaError writes an error as Lambda's REST-JSON protocol does.
func lambdaError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": message})
}
