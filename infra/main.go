// Command infra is the AWS CDK app that deploys the async jobs service:
// API Gateway (REST, AWS_IAM) → the API function → DynamoDB, the processor
// invoked asynchronously, the error handler as its on-failure destination,
// an EventBridge bus with an archive as the error handler's, and an AppSync
// Events API for push. Run it through the CDK CLI pinned in package.json:
// `npx cdk synth`, `npx cdk deploy`. The stack is AsyncJobs; with
// `-c stage=NAME` it is AsyncJobs-NAME, and the names that must be unique in
// an account follow it, so that stages can share an account.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

func run() error {
	app := awscdk.NewApp(nil)
	cfg, err := configFrom(app.Node().TryGetContext, time.Now())
	if err != nil {
		return err
	}
	if err := cfg.checkAssets(); err != nil {
		return err
	}
	NewJobsStack(app, cfg.StackName(), &JobsStackProps{
		StackProps: awscdk.StackProps{
			Description: jsii.String("Async jobs REST API with polling and push"),
			Env:         environment(),
		},
		Config: cfg,
	})
	app.Synth(nil)
	return nil
}

// environment is the account and region the CLI resolved from its
// credentials and profile; without them the stack is environment-agnostic.
func environment() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" && region == "" {
		return nil
	}
	env := &awscdk.Environment{}
	if account != "" {
		env.Account = jsii.String(account)
	}
	if region != "" {
		env.Region = jsii.String(region)
	}
	return env
}
