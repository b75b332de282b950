package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// addAlarms watches the failure path. The alarms have no actions: attach an
// SNS topic (or look at them in the console) as the deployment needs.
//   - ProcessorErrorsAlarm: an attempt of a job failed (a job over the
//     sleep limit fails on purpose, so expect it while trying the failure path).
//   - FailuresOnBusAlarm: the error handler gave up on a failure record,
//     which its on-failure destination put on the failure bus (and so in the
//     archive): Lambda counts such events as AsyncEventsDropped, whether they
//     reached the destination or not.
//   - ProcessorDestinationFailuresAlarm, ErrorHandlerDestinationFailuresAlarm:
//     Lambda could not deliver a failure record to the function's on-failure
//     destination (permissions, size, a missing target), so the record is
//     lost: the job stays Queued or Running until it expires.
func addAlarms(stack awscdk.Stack, processor, errorHandler awslambda.Function, failureBus string) {
	perMinute := &awscloudwatch.MetricOptions{
		Period:    awscdk.Duration_Minutes(jsii.Number(1)),
		Statistic: awscloudwatch.Stats_SUM(),
	}
	for _, a := range []struct {
		id, description string
		metric          awscloudwatch.IMetric
	}{
		{"ProcessorErrorsAlarm", "A job attempt failed in the processor",
			processor.MetricErrors(perMinute)},
		{"FailuresOnBusAlarm", "A failure record went to the " + failureBus + " bus: the error handler could not record it; replay it from the archive",
			errorHandler.Metric(jsii.String("AsyncEventsDropped"), perMinute)},
		{"ProcessorDestinationFailuresAlarm", "A failure record of the processor could not be delivered to the error handler and is lost: the job is not recorded as Failure",
			processor.Metric(jsii.String("DestinationDeliveryFailures"), perMinute)},
		{"ErrorHandlerDestinationFailuresAlarm", "A failure record the error handler could not record could not be delivered to the " + failureBus + " bus either and is lost",
			errorHandler.Metric(jsii.String("DestinationDeliveryFailures"), perMinute)},
	} {
		awscloudwatch.NewAlarm(stack, jsii.String(a.id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(a.description),
			Metric:             a.metric,
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}
}
