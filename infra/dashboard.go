package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// metricsNamespaceEnv tells the functions the CloudWatch namespace of their
// EMF metrics: the stack's name, so that stages keep theirs apart.
const metricsNamespaceEnv = "JOBS_METRICS_NAMESPACE"

// The EMF metrics and dimensions the functions write, as metrics/emf names
// them (that package is in the service's module, not this one).
const (
	dimensionType     = "Type"
	dimensionStatus   = "Status"
	metricSubmitted   = "JobsSubmitted"
	metricAttempts    = "JobAttempts"
	metricRetries     = "JobRetries"
	metricQueueWait   = "QueueWait"
	metricFinished    = "JobsFinished"
	metricRunTime     = "RunTime"
	metricTotalTime   = "SubmitToFinish"
	metricRecords     = "FailureRecords"
	metricUnhandled   = "FailureRecordsUnhandled"
	archiveRulePrefix = "Events-Archive-" // the rule EventBridge makes for an archive
)

// terminalStatuses are the values of the Status dimension.
var terminalStatuses = []string{"Success", "Failure", "Cancelled"}

// dashboardParts are what the dashboard shows.
type dashboardParts struct {
	api       restAPI
	functions jobFunctions
	failures  failureBus
	redrive   awsevents.Rule
}

// addDashboard creates the stack's CloudWatch dashboard, named after it:
// the API, the jobs (from the EMF metrics), the functions and the failure path.
func addDashboard(stack awscdk.Stack, p dashboardParts) awscloudwatch.Dashboard {
	ns := *stack.StackName()
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	stat := func(statistic string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String(statistic)}
	}
	sum := stat("Sum")
	jobMetric := func(name, statistic, label string, dims map[string]*string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(ns), MetricName: jsii.String(name), DimensionsMap: &dims,
			Period: minute, Statistic: jsii.String(statistic), Label: jsii.String(label),
		})
	}
	byType := func(name, statistic string) awscloudwatch.IMetric { // one line per job type
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(fmt.Sprintf(`SEARCH('{%s,%s} MetricName="%s"', '%s', 60)`, ns, dimensionType, name, statistic)),
			Label:      jsii.String(name), Period: minute,
		})
	}
	var finished, times []awscloudwatch.IMetric
	for _, s := range terminalStatuses {
		finished = append(finished, jobMetric(metricFinished, "Sum", s, map[string]*string{dimensionStatus: jsii.String(s)}))
	}
	for _, pct := range []string{"p50", "p99"} {
		success := map[string]*string{dimensionStatus: jsii.String("Success")}
		times = append(times, jobMetric(metricTotalTime, pct, "submit to finish "+pct, success), jobMetric(metricRunTime, pct, "run "+pct, success))
	}
	bus := p.failures.bus.EventBusName()
	events := func(name, rule, label string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/Events"), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"EventBusName": bus, "RuleName": jsii.String(rule)},
			Period:        minute, Statistic: jsii.String("Sum"), Label: jsii.String(label),
		})
	}
	fn := p.functions
	perFunction := func(metric func(awslambda.Function) awscloudwatch.IMetric) []awscloudwatch.IMetric {
		var ms []awscloudwatch.IMetric
		for _, f := range []awslambda.Function{fn.api, fn.processor, fn.errorHandler} {
			ms = append(ms, metric(f))
		}
		return ms
	}
	graph := func(title string, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &left, Width: jsii.Number(8), Height: jsii.Number(6),
		})
	}
	return awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName: jsii.String(ns),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{
				graph("API requests and errors", p.api.api.MetricCount(sum), p.api.api.MetricClientError(sum), p.api.api.MetricServerError(sum)),
				graph("API latency", p.api.api.MetricLatency(stat("p50")), p.api.api.MetricLatency(stat("p99"))),
				graph("Jobs submitted by type", byType(metricSubmitted, "Sum")),
			},
			{
				graph("Jobs finished by status", finished...),
				graph("Attempts and retries by type", byType(metricAttempts, "Sum"), byType(metricRetries, "Sum")),
				graph("Job times (ms)", append(times, byType(metricQueueWait, "p99"))...),
			},
			{
				graph("Processor duration", fn.processor.MetricDuration(stat("p50")), fn.processor.MetricDuration(stat("p99")),
					fn.processor.MetricDuration(stat("Maximum"))),
				graph("Processor throttles and async event age", fn.processor.MetricThrottles(sum),
					fn.processor.Metric(jsii.String("AsyncEventAge"), stat("Maximum"))),
				graph("Lambda errors", perFunction(func(f awslambda.Function) awscloudwatch.IMetric { return f.MetricErrors(sum) })...),
			},
			{
				graph("Destination delivery failures", fn.processor.Metric(jsii.String("DestinationDeliveryFailures"), sum),
					fn.errorHandler.Metric(jsii.String("DestinationDeliveryFailures"), sum)),
				graph("Failure records and archive",
					jobMetric(metricRecords, "Sum", "received by the error handler", map[string]*string{}),
					jobMetric(metricUnhandled, "Sum", "not handled: archived", map[string]*string{}),
					events("MatchedEvents", archiveRulePrefix+*p.failures.archive.ArchiveName(), "archived"),
					events("Invocations", *p.redrive.RuleName(), "replays re-driven"),
					events("FailedInvocations", *p.redrive.RuleName(), "re-drives failed")),
			},
		},
	})
}
