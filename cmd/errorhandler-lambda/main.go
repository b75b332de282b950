// Command errorhandler-lambda is the error handler function of the AWS
// deployment. It is the processor's on-failure destination: it takes the
// destination invocation record of a job whose processing failed for good,
// records the job's Failure in DynamoDB with errorhandling.Handler and
// publishes it to AppSync Events. When it fails, it returns the error, and
// its own on-failure destination sends the record to the EventBridge failure
// bus, whose archive keeps it; the bus's re-drive rule invokes this function
// again with the archived record when the archive is replayed. Its metrics
// are EMF lines on stdout (metrics/emf). It is built without gin.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/asyncjobs/asyncjobs/internal/lambdaenv"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/metrics/emf"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "errorhandler-lambda:", err)
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
	h := newHandler(handlerDeps{
		Store:     services.Store,
		Publisher: services.Publisher,
		Namespace: cfg.Namespace,
		Meter:     emf.New(os.Stdout, cfg.MetricsNamespace, clock),
		Clock:     clock,
		Logger:    slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	})
	lambda.Start(h.handle)
	return nil
}
