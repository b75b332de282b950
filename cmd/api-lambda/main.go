// Command api-lambda is the API function of the AWS deployment: API Gateway
// (REST API, AWS_IAM auth, Lambda proxy integration, payload v1) hands it
// each request, and it serves it with the same gin router as jobsd through
// aws-lambda-go-api-proxy. Jobs live in DynamoDB; a submitted job is queued
// for the processor function with an asynchronous Lambda invocation; job
// changes are published to AppSync Events, whose realtime endpoint also tells
// a waiting request (Prefer: wait, ?wait=) when its job finishes. Its
// metrics are EMF lines on stdout (metrics/emf).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/internal/lambdaenv"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/lambdainvoker"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "api-lambda:", err)
		os.Exit(1)
	}
}

// run wires the function and hands it to the Lambda runtime, which does not return.
func run() error {
	cfg, err := loadConfig(os.LookupEnv)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	clock := jobs.SystemClock{}
	services, err := lambdaenv.Connect(context.Background(), cfg.Config, clock)
	if err != nil {
		return err
	}
	watcher, err := appsync.NewRedialingWatcher(appsync.RedialConfig{
		Client: appsync.ClientConfig{
			Endpoint: cfg.EventsEndpoint, RealtimeEndpoint: cfg.RealtimeEndpoint, Auth: services.Auth, ReplyTimeout: watchReplyTimeout,
		},
		Namespace:   cfg.Namespace,
		DialTimeout: watchDialTimeout,
		Logger:      logger,
	})
	if err != nil {
		return err
	}
	cursorKey, err := services.Store.CursorKey(context.Background())
	if err != nil {
		return err
	}
	a, err := newAPI(apiDeps{
		Store:        services.Store,
		Invoker:      lambdainvoker.New(awslambda.NewFromConfig(services.AWS), cfg.ProcessorFunction),
		Publisher:    services.Publisher,
		Watcher:      watcher,
		Meter:        emf.New(os.Stdout, cfg.MetricsNamespace, clock),
		Namespace:    cfg.Namespace,
		Retention:    cfg.Retention,
		MaxBodyBytes: cfg.MaxBodyBytes,
		InvokeRole:   cfg.InvokeRole,
		Clock:        clock,
		NewID:        uuid.NewString,
		Logger:       logger,
		CursorKey:    cursorKey,
	})
	if err != nil {
		return err
	}
	lambda.Start(a.handle)
	return nil
}
