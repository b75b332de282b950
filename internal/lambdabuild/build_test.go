package lambdabuild

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// shellWords writes words as a shell reads them back: a word with a space
// in single quotes.
func shellWords(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = w
		if strings.Contains(w, " ") {
			quoted[i] = "'" + w + "'"
		}
	}
	return strings.Join(quoted, " ")
}

func TestBootstrapFlagsAreTheMakefiles(t *testing.T) {
	t.Parallel()
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	want := "\nLAMBDA_BUILD_FLAGS := " + shellWords(BootstrapFlags) + "\n"
	if !strings.Contains(string(makefile), want) {
		t.Errorf("the Makefile has no line %q: make lambdas and the local stack must build alike", strings.TrimSpace(want))
	}
	if !strings.Contains(string(makefile), "$(GO) build $(LAMBDA_BUILD_FLAGS) ") {
		t.Error("make lambdas does not build with $(LAMBDA_BUILD_FLAGS)")
	}
}

func TestBootstrapIsBuiltForThisMachine(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds a Lambda bootstrap")
	}
	path, err := Builder{ModuleDir: filepath.Join("..", "..")}.Bootstrap(t.Context(), t.TempDir(), "github.com/asyncjobs/asyncjobs/cmd/errorhandler-lambda")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(filepath.Dir(path)) != "errorhandler-lambda" || filepath.Base(path) != "bootstrap" {
		t.Errorf("bootstrap at %s, want …/errorhandler-lambda/bootstrap", path)
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// -trimpath keeps -ldflags out of the build information.
	want := map[string]string{"GOOS": runtime.GOOS, "GOARCH": runtime.GOARCH, "CGO_ENABLED": "0", "-tags": "lambda.norpc,nomsgpack", "-trimpath": "true"}
	for k, v := range want {
		if settings[k] != v {
			t.Errorf("build setting %s = %q, want %q", k, settings[k], v)
		}
	}
}

// TestAPIBootstrapLinksNoMsgpack: gin's MessagePack codec is megabytes the
// API never uses; the bootstrap's tags leave it out.
func TestAPIBootstrapLinksNoMsgpack(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-tags", BootstrapTags, "github.com/asyncjobs/asyncjobs/cmd/api-lambda").Output()
	if err != nil {
		t.Fatalf("go list the API function: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/gin-gonic/gin") {
		t.Fatal("the API function does not depend on gin: the check sees nothing")
	}
	for _, pkg := range deps {
		if strings.HasPrefix(pkg, "github.com/ugorji/go/") {
			t.Errorf("the API bootstrap depends on %s (gin's MessagePack codec)", pkg)
		}
	}
}
