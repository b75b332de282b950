package openapigen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/asyncjobs/asyncjobs/internal/openapigen"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobtypes"
)

// TestCommittedDocumentIsGenerated fails when handlers/openapi.json is not
// what `make openapi` writes, so a stale document cannot pass CI.
func TestCommittedDocumentIsGenerated(t *testing.T) {
	t.Parallel()
	committed, err := os.ReadFile("../../handlers/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	types, err := jobtypes.New(jobtypes.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	generated, err := openapigen.Generate(committed, types)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, generated) {
		t.Error("handlers/openapi.json is not what the generator writes from the job types: run `make openapi` and commit it")
	}
}

type params struct {
	N int `json:"n" validate:"required"`
}

func run(context.Context, params, jobs.Reporter) (any, error) { return nil, nil }

func TestGenerateReplacesOnlyTheTypesParts(t *testing.T) {
	t.Parallel()
	doc := []byte(`{"openapi": "3.1.0", "paths": {"/x": {"a": "<&>"}}, "components": {"schemas": {` +
		`"First": {}, "OldJob": {}, "OldParameters": {}, "Envelope": {}, "Last": {"z": 1, "a": 2}}}, ` +
		`"x-job-types": {"old": {}}}`)
	reg, err := jobs.NewRegistry(jobs.Define("send-mail", 0, run))
	if err != nil {
		t.Fatal(err)
	}
	out, err := openapigen.Generate(doc, reg)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Paths      map[string]map[string]string
		Components struct{ Schemas map[string]json.RawMessage }
		JobTypes   map[string]map[string]string `json:"x-job-types"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var names []string
	for name := range got.Components.Schemas {
		names = append(names, name)
	}
	for _, want := range []string{"First", "Envelope", "SendMailJob", "SendMailParameters", "Last"} {
		if _, ok := got.Components.Schemas[want]; !ok {
			t.Errorf("schemas %v lack %s", names, want)
		}
	}
	if len(got.Components.Schemas) != 5 {
		t.Errorf("schemas = %v: the removed type's schemas should be gone", names)
	}
	if ref := got.JobTypes["send-mail"]["$ref"]; ref != "#/components/schemas/SendMailParameters" || len(got.JobTypes) != 1 {
		t.Errorf("x-job-types = %v", got.JobTypes)
	}
	for _, kept := range []string{`"a": "<&>"`, `"Last": {` + "\n" + `        "z": 1,` + "\n" + `        "a": 2`, `"First": {},` + "\n" + `      "Envelope"`} {
		if !bytes.Contains(out, []byte(kept)) {
			t.Errorf("the output lacks %s, as it was, in place:\n%s", kept, out)
		}
	}
	again, err := openapigen.Generate(out, reg)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("a second run changes the document (err %v)", err)
	}
}
