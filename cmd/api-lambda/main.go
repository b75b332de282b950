// Command api-lambda is the API function of the AWS deployment: API Gateway
// (REST API, AWS_IAM auth, Lambda proxy integration, payload v1) hands it
// each request, and it serves it with the same gin router as jobsd through
// aws-lambda-go-api-proxy. Jobs live in DynamoDB; a submitted job is queued
// for the processor function with an asynchronous Lambda invocation; job
// changes are published to AppSync Events, whose realtime endpoint also tells
// a waiting request (Prefer: wait, ?wait=) when its job finishes.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/dynamostore"
	"github.com/asyncjobs/asyncjobs/jobs/lambdainvoker"
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
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion(cfg.Region))
	if err != nil {
		return fmt.Errorf("load the AWS configuration: %w", err)
	}
	auth := appsync.IAM(awsCfg.Credentials, cfg.Region)
	publisher, err := appsync.NewPublisher(appsync.PublisherConfig{Endpoint: cfg.EventsEndpoint, Auth: auth})
	if err != nil {
		return err
	}
	watcher, err := appsync.NewRedialingWatcher(appsync.RedialConfig{
		Client: appsync.ClientConfig{
			Endpoint: cfg.EventsEndpoint, RealtimeEndpoint: cfg.RealtimeEndpoint, Auth: auth, ReplyTimeout: watchReplyTimeout,
		},
		Namespace:   cfg.Namespace,
		DialTimeout: watchDialTimeout,
		Logger:      logger,
	})
	if err != nil {
		return err
	}
	clock := jobs.SystemClock{}
	a, err := newAPI(apiDeps{
		Store:        dynamostore.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName, clock),
		Invoker:      lambdainvoker.New(awslambda.NewFromConfig(awsCfg), cfg.ProcessorFunction),
		Publisher:    publisher,
		Watcher:      watcher,
		Namespace:    cfg.Namespace,
		Retention:    cfg.Retention,
		MaxBodyBytes: cfg.MaxBodyBytes,
		Clock:        clock,
		NewID:        uuid.NewString,
		Logger:       logger,
	})
	if err != nil {
		return err
	}
	lambda.Start(a.handle)
	return nil
}
