// Command errorhandler-lambda is the error handler function of the AWS
// deployment. It is the processor's on-failure destination: it takes the
// destination invocation record of a job whose processing failed for good,
// records the job's Failure in DynamoDB with errorhandling.Handler and
// publishes it to AppSync Events. When it fails, it returns the error, and
// its own on-failure destination sends the record to the EventBridge failure
// bus, whose archive keeps it; the bus's re-drive rule invokes this function
// again with the archived record when the archive is replayed. It is built
// without gin.
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
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "errorhandler-lambda:", err)
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
	h := newHandler(handlerDeps{
		Store:     dynamostore.New(dynamodb.NewFromConfig(awsCfg), cfg.TableName, clock),
		Publisher: publisher,
		Namespace: cfg.Namespace,
		Clock:     clock,
		Logger:    slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	})
	lambda.Start(h.handle)
	return nil
}
