// Command processor-lambda is the processor function of the AWS deployment.
// Each asynchronous invocation ({"jobId": …}, sent by the API through
// jobs/lambdainvoker) runs one attempt of the job with jobs.Processor over
// DynamoDB, publishes the job's changes to AppSync Events before returning,
// and returns the attempt's error so that Lambda's retries and on-failure
// destination (the error handler) take over. It is built without gin.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/dynamostore"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "processor-lambda:", err)
		os.Exit(1)
	}
}

// run wires the function and hands it to the Lambda runtime, which does not return.
func run() error {
	cfg, err := loadConfig(os.LookupEnv)
	if err != nil {
		return err
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion(cfg.Region))
	if err != nil {
		return fmt.Errorf("load the AWS configuration: %w", err)
	}
	publisher, err := appsync.NewPublisher(appsync.PublisherConfig{
		Endpoint: cfg.EventsEndpoint, Auth: appsync.IAM(awsCfg.Credentials, cfg.Region),
	})
	if err != nil {
		return err
	}
	clock := jobs.SystemClock{}
	h, err := newHandler(handlerDeps{
		Store:     dynamostore.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName, clock),
		Publisher: publisher,
		Namespace: cfg.Namespace,
		JobTypes:  jobtypes.DefaultConfig(),
		Clock:     clock,
		Logger:    slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	})
	if err != nil {
		return err
	}
	lambda.Start(h.handle)
	return nil
}
