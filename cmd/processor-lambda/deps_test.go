package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBuiltWithoutGin keeps the function small: gin and the API proxy pull
// in megabytes that only the API function needs.
func TestBuiltWithoutGin(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/gin-gonic/") || strings.HasPrefix(pkg, "github.com/awslabs/aws-lambda-go-api-proxy") {
			t.Errorf("the function depends on %s", pkg)
		}
	}
}
