// Package handlers is the HTTP API of the jobs service on gin: submitting,
// reading, listing, waiting for and cancelling jobs, with every error rendered as an
// RFC 9457 problem. The same engine serves API Gateway (through the Lambda
// proxy) and the local server; openapi.json describes it.
package handlers

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/asyncjobs/asyncjobs/handlers/problem"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// DefaultMaxBodyBytes is the request body limit when Config leaves it at 0.
const DefaultMaxBodyBytes = 64 << 10

//go:embed openapi.json
var openAPI []byte

// Service is what the handlers need of jobs.Service.
type Service interface {
	Submit(ctx context.Context, req jobs.SubmitRequest) (job jobs.Job, replayed bool, err error)
	Get(ctx context.Context, owner, id string) (jobs.Job, error)
	GetEncoded(ctx context.Context, owner, id string) (jobs.Encoded, error)
	List(ctx context.Context, req jobs.ListRequest) (jobs.ListResult, error)
	Cancel(ctx context.Context, owner, id string) (jobs.Job, error)
	Wait(ctx context.Context, owner, id string, d time.Duration, answerBy time.Time) (jobs.Job, error)
}

var _ Service = (*jobs.Service)(nil)

// Config is what New needs.
type Config struct {
	Service       Service
	Authenticator Authenticator // who calls /jobs; nil: everyone is the same anonymous principal
	Logger        *slog.Logger  // nil discards the logs
	MaxBodyBytes  int64         // 0 means DefaultMaxBodyBytes
	Gateway       Gateway       // nil: Direct, the API at the root
	Requests      RequestMeter  // nil: requests are not measured
}

// New returns the gin engine serving the API.
func New(cfg Config) *gin.Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Gateway == nil {
		cfg.Gateway = Direct{}
	}
	if cfg.Authenticator == nil {
		cfg.Authenticator = Anonymous("")
	}
	// Debug mode prints every route to stdout; requests are logged with slog.
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.Use(observeRequests(cfg.Logger, cfg.Requests), renderErrors(cfg.Logger, cfg.Gateway), recoverPanics())
	e.NoRoute(func(c *gin.Context) { _ = c.Error(problem.ErrRouteNotFound) })
	e.NoMethod(func(c *gin.Context) { _ = c.Error(problem.ErrMethodNotAllowed) })

	h := &jobHandlers{svc: cfg.Service, gateway: cfg.Gateway, logger: cfg.Logger}
	// The job routes are the API's; health and the document stay open, so
	// that probes and browsers need no signature.
	api := e.Group("/jobs", authenticate(cfg.Authenticator, cfg.MaxBodyBytes))
	api.POST("", h.submit)
	api.GET("", h.list)
	api.GET("/:id", h.get)
	api.DELETE("/:id", h.cancel)
	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPI) })
	return e
}

// jobHandlers serve the /jobs routes.
type jobHandlers struct {
	svc     Service
	gateway Gateway
	logger  *slog.Logger
}
