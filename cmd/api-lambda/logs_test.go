package main

import (
	"strings"
	"testing"
)

// TestAccessLineNamesTheGatewayIdentity checks the function's access line:
// the route template, status, latency and the API Gateway identity as the
// principal.
func TestAccessLineNamesTheGatewayIdentity(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.serve(t, fixture(t, "apigateway-post-job.json"))
	var access string
	for line := range strings.Lines(f.logs.String()) {
		if strings.Contains(line, `msg=request `) {
			access = line
		}
	}
	for _, want := range []string{" route=/jobs ", " status=202 ", " latency=", " principal=" + owner} {
		if !strings.Contains(access, want) {
			t.Errorf("access line %q, want %q in it", access, want)
		}
	}
}
