package lambdaenv

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFunctionsBuiltWithoutGin keeps the processor and error handler small:
// gin and the API proxy pull in megabytes that only the API function needs.
func TestFunctionsBuiltWithoutGin(t *testing.T) {
	t.Parallel()
	for _, fn := range []string{"processor-lambda", "errorhandler-lambda"} {
		out, err := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "github.com/asyncjobs/asyncjobs/cmd/"+fn).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", fn, err)
		}
		for _, pkg := range strings.Fields(string(out)) {
			if strings.HasPrefix(pkg, "github.com/gin-gonic/") || strings.HasPrefix(pkg, "github.com/awslabs/aws-lambda-go-api-proxy") {
				t.Errorf("%s depends on %s", fn, pkg)
			}
		}
	}
	// The check can fail: the API function does depend on gin.
	out, err := exec.Command("go", "list", "-deps", "github.com/asyncjobs/asyncjobs/cmd/api-lambda").Output()
	if err != nil || !strings.Contains(string(out), "github.com/gin-gonic/gin") {
		t.Fatalf("go list of the API function finds no gin (%v): the check sees nothing", err)
	}
}
