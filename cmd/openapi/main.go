// Command openapi writes the job types' parts of the API's OpenAPI document
// (handlers/openapi.json) from the shipped job types: run it with
// `make openapi` after adding or changing a job type.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/asyncjobs/asyncjobs/internal/openapigen"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}

func run() error {
	path := flag.String("file", "handlers/openapi.json", "the OpenAPI document to update in place")
	flag.Parse()
	types, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		return err
	}
	doc, err := os.ReadFile(*path)
	if err != nil {
		return err
	}
	out, err := openapigen.Generate(doc, types)
	if err != nil {
		return err
	}
	return os.WriteFile(*path, out, 0o644)
}
