// Package lambdabuild builds what runs the AWS shape on this machine: each
// Lambda function's bootstrap for the host's GOOS/GOARCH, with the flags
// `make lambdas` uses for AWS, and AWS's Lambda Runtime Interface Emulator,
// pinned as a tool in go.mod.
package lambdabuild

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// EmulatorPackage is the main package of AWS's Lambda Runtime Interface
// Emulator; go.mod pins its version with a tool directive.
const EmulatorPackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// BootstrapTags are the build tags of a Lambda bootstrap: lambda.norpc
// leaves out aws-lambda-go's RPC mode, which provided.al2023 never uses;
// nomsgpack leaves out gin's MessagePack codec (3 MB in the API's
// bootstrap), which the API never binds nor renders.
const BootstrapTags = "lambda.norpc,nomsgpack"

// BootstrapFlags are the `go build` flags of a Lambda bootstrap, as the
// Makefile's lambdas target passes them (a test keeps the two equal).
var BootstrapFlags = []string{"-tags", BootstrapTags, "-trimpath", "-ldflags=-s -w"}

// Builder runs `go build` in the main module.
type Builder struct {
	Go        string // the go command; "go" if empty
	ModuleDir string // a directory of the main module; the working directory if empty
}

// Emulator builds the emulator as dir/aws-lambda-rie and returns its path.
func (b Builder) Emulator(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "aws-lambda-rie")
	if err := b.build(ctx, nil, []string{"-o", out, EmulatorPackage}); err != nil {
		return "", fmt.Errorf("build the Lambda runtime interface emulator: %w", err)
	}
	return out, nil
}

// Bootstrap builds the main package pkg for this machine as
// dir/<last element of pkg>/bootstrap and returns its path.
func (b Builder) Bootstrap(ctx context.Context, dir, pkg string) (string, error) {
	out := filepath.Join(dir, filepath.Base(pkg), "bootstrap")
	env := []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"}
	args := append(append([]string{}, BootstrapFlags...), "-o", out, pkg)
	if err := b.build(ctx, env, args); err != nil {
		return "", fmt.Errorf("build the bootstrap of %s: %w", pkg, err)
	}
	return out, nil
}

func (b Builder) build(ctx context.Context, env, args []string) error {
	goCmd := b.Go
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, append([]string{"build"}, args...)...)
	cmd.Dir = b.ModuleDir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("go build %s: %s", strings.Join(args, " "), strings.TrimSpace(string(out)))
		}
		return err
	}
	return nil
}
