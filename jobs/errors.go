package jobs

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Adapters translate their backends' errors into these in one
// place; everyone else wraps them with context.
var (
	ErrNotFound            = errors.New("job not found")
	ErrDuplicate           = errors.New("a job with this idempotency key exists")
	ErrTerminal            = errors.New("job already finished")
	ErrIllegalTransition   = errors.New("job cannot make this transition from its status")
	ErrConflict            = errors.New("job changed concurrently")
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	ErrOverloaded          = errors.New("too many jobs queued")
	ErrUnavailable         = errors.New("shutting down")
)

// FieldError is one broken rule of a request.
type FieldError struct {
	Field   string `json:"field,omitempty"` // empty when the whole body is at fault
	Rule    string `json:"rule"`
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
}

// ValidationError is a request the API refuses, with every broken rule.
type ValidationError struct {
	Detail string
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	if len(e.Fields) == 0 {
		return e.Detail
	}
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Message
	}
	return e.Detail + ": " + strings.Join(msgs, "; ")
}

// invalid is a ValidationError with one field.
func invalid(field, rule, param, message string) *ValidationError {
	return &ValidationError{
		Detail: "the request is not valid",
		Fields: []FieldError{{Field: field, Rule: rule, Param: param, Message: message}},
	}
}

// TypedError is a job failure with a name that clients can match on. Job code
// returns it (through Errorf) to fail an attempt; the invoker retries it.
type TypedError struct {
	Type string
	Err  error
}

func (e *TypedError) Error() string     { return e.Err.Error() }
func (e *TypedError) Unwrap() error     { return e.Err }
func (e *TypedError) ErrorType() string { return e.Type }

// Errorf returns a retryable job failure of the given type.
func Errorf(typ, format string, args ...any) error {
	return &TypedError{Type: typ, Err: fmt.Errorf(format, args...)}
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the job fails at once, without retries.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// ErrorType names err for the failure record: the type a TypedError carries,
// else "Error".
func ErrorType(err error) string {
	var typed interface{ ErrorType() string }
	if errors.As(err, &typed) {
		return typed.ErrorType()
	}
	return "Error"
}

// The error types of failures that are not the job's own.
const (
	ErrorTypeInternal = "InternalError" // a store, context or runtime error
	ErrorTypePanic    = "Panic"         // a panic in the job's code
)

// InternalError is a failure that is not the job's own error: a store or
// context error, a panic, a crash of the function. Its message is generic,
// because a job's error reaches every client; whoever creates it logs the
// cause with the job's id.
type InternalError struct {
	Type  string // ErrorTypeInternal or ErrorTypePanic
	JobID string
	cause error
}

func (e *InternalError) Error() string {
	what := "an internal error"
	if e.Type == ErrorTypePanic {
		what = "a panic in its code"
	}
	return fmt.Sprintf("the job failed because of %s; the service's log has the details (job %s)", what, e.JobID)
}

func (e *InternalError) ErrorType() string { return e.Type }
func (e *InternalError) Unwrap() error     { return e.cause }
