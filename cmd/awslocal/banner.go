package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/awslocal"
	"github.com/asyncjobs/asyncjobs/internal/eventskey"
)

// printEndpoints prints where everything is, like jobsd, with the stage in
// the API's base URL.
func printEndpoints(w io.Writer, stack *awslocal.Stack, s settings) {
	base := strings.TrimSuffix(stack.APIURL(), "/")
	events := stack.Template.Events
	namespaces := make([]string, len(events.Namespaces))
	for i, ns := range events.Namespaces {
		namespaces[i] = "/" + ns.Name + "/{id}"
	}
	fmt.Fprintf(w, `awslocal is running the stack %[1]s
  API       %[2]s/jobs        POST a job or GET your list; GET or DELETE /jobs/{id} (stage %[3]s)
  OpenAPI   %[2]s/openapi.json
  Health    %[2]s/healthz
  Events    %[9]s   (AppSync Events: HTTP publish)
  Realtime  %[10]s   (subscribe to %[11]s)
  API key   %[12]s
  CA        %[4]s   (trust it: NODE_EXTRA_CA_CERTS, or your browser's certificate settings)
  DynamoDB  %[5]s   (table %[6]s)
  EventBridge %[8]s   (replay: aws events start-replay --endpoint-url %[8]s …)
  Data      %[7]s
  Functions
`, stack.Template.Name, base, stack.Template.API.Stage, stack.CAFile(),
		stack.DynamoDBEndpoint(), stack.Template.Table.Name, s.DataDir, stack.EventBridgeURL(),
		events.HTTPEndpoint, events.RealtimeEndpoint, strings.Join(namespaces, ", "),
		eventskey.Describe(stack.EventsAPIKey(), stack.EventsAPIKeyFile()))
	for _, id := range slices.Sorted(maps.Keys(stack.Functions)) {
		f, _ := stack.Template.Function(id)
		fmt.Fprintf(w, "            %-40s %4d MB  %v  bootstrap %s\n", f.Name, f.MemoryMB, f.Timeout, stack.Bootstraps[id])
	}
	for _, b := range stack.Template.Buses {
		for _, a := range b.Archives {
			fmt.Fprintf(w, "  Archive   %s   (of bus %s)\n", a.Arn, b.Arn)
		}
	}
	first := s.Credentials[0]
	secret := first.SecretAccessKey
	switch {
	case s.credentialsFile != "":
		secret = "$SECRET"
	case secret != sigv4.DevSecretAccessKey:
		secret = "$JOBS_SECRET_ACCESS_KEY"
	}
	fmt.Fprintf(w, `  SigV4     service execute-api, region %[1]s
            access key %[2]s  secret %[3]s  (%[4]s)
Try:
  curl -i --aws-sigv4 "aws:amz:%[1]s:execute-api" --user "%[2]s:%[3]s" \
    -X POST %[5]s/jobs -H 'content-type: application/json' -d '{"seconds":1}'
`, s.Region, first.AccessKeyID, secret, first.Principal, base)
}
