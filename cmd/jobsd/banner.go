package main

import (
	"fmt"
	"io"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/eventskey"
	"github.com/asyncjobs/asyncjobs/local"
)

// printEndpoints prints what a newcomer needs: where everything is
// (profiles too, at profilesURL, unless it is empty), the keys to call it
// with and a first command to try.
func printEndpoints(w io.Writer, sys *local.System, s settings, profilesURL string) {
	base := "http://" + sys.Addr()
	events := "https://" + sys.EventsAddr() + "/event"
	fmt.Fprintf(w, `jobsd is running
  Console   %[1]s/console/   (your jobs, live, in the browser; acts as %[8]s)
  API       %[1]s/jobs        POST a job or GET your list; GET or DELETE /jobs/{id}
  OpenAPI   %[1]s/openapi.json
  Health    %[1]s/healthz
  Events    %[2]s   (AppSync Events: HTTP publish)
  Realtime  wss://%[3]s/event/realtime   (subscribe to /%[4]s/{id})
  API key   %[5]s
  CA        %[6]s   (trust it: NODE_EXTRA_CA_CERTS, or your browser's certificate settings)
  Data      %[7]s
`, base, events, sys.EventsAddr(), s.EventsNamespace, apiKeyLine(sys), sys.CAFile(), s.DataDir, s.Credentials[0].Principal)
	if s.Metrics {
		fmt.Fprintf(w, "  Metrics   %s%s   (Prometheus; from this machine only)\n", base, local.MetricsPath)
	}
	if profilesURL != "" {
		fmt.Fprintf(w, "  Profiles  %[1]s   (go tool pprof '%[1]sprofile?seconds=10')\n", profilesURL)
	}
	first := s.Credentials[0]
	if !s.Auth {
		fmt.Fprintf(w, "Auth      none: every call acts as %s\nTry:\n  curl -i -X POST %s/jobs -H 'content-type: application/json' -d '{\"seconds\":1}'\n",
			first.Principal, base)
		return
	}
	secret, more := first.SecretAccessKey, ""
	switch {
	case s.credentialsFile != "":
		secret = "$SECRET" // a real secret is not printed
		more = fmt.Sprintf("            the first of %d principals in %s; SECRET is its secretAccessKey\n", len(s.Credentials), s.credentialsFile)
	case secret != sigv4.DevSecretAccessKey:
		secret = "$JOBS_SECRET_ACCESS_KEY"
	}
	fmt.Fprintf(w, `  SigV4     service execute-api, region %[1]s
            access key %[2]s  secret %[3]s  (%[4]s)
%[6]sTry:
  curl -i --aws-sigv4 "aws:amz:%[1]s:execute-api" --user "%[2]s:%[3]s" \
    -X POST %[5]s/jobs -H 'content-type: application/json' -d '{"seconds":1}'
`, s.Region, first.AccessKeyID, secret, first.Principal, base, more)
}

// apiKeyLine shows the events API key and where it comes from.
func apiKeyLine(sys *local.System) string {
	return eventskey.Describe(sys.EventsAPIKey(), sys.EventsAPIKeyFile())
}
