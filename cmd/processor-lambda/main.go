// Command processor-lambda is the processor function of the AWS deployment.
// Each asynchronous invocation ({"jobId": …}, sent by the API through
// jobs/lambdainvoker) runs one attempt of the job with jobs.Processor over
// DynamoDB, publishes the job's changes to AppSync Events before returning,
// and returns the attempt's error so that Lambda's retries and on-failure
// destination (the error handler) take over. Its metrics are EMF lines on
// stdout (metrics/emf). It is built without gin.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/asyncjobs/asyncjobs/internal/lambdaenv"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "processor-lambda:", err)
		os.Exit(1)
	}
}

// run wires the function and hands it to the Lambda runtime, which does not return.
func run() error {
	cfg, err := lambdaenv.Load(os.LookupEnv)
	if err != nil {
		return err
	}
	clock := jobs.SystemClock{}
	services, err := lambdaenv.Connect(context.Background(), cfg, clock)
	if err != nil {
		return err
	}
	h, err := newHandler(handlerDeps{
		Store:      services.Store,
		Publisher:  services.Publisher,
		Namespace:  cfg.Namespace,
		JobTypes:   jobtypes.DefaultConfig(),
		CheckEvery: cancelCheckEvery,
		Meter:      emf.New(os.Stdout, cfg.MetricsNamespace, clock),
		Clock:      clock,
		Logger:     slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	})
	if err != nil {
		return err
	}
	lambda.Start(h.handle)
	return nil
}
