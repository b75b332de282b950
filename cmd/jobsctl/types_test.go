package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestTypesListsParameters(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"types"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"sleep\n  The sample job",
		"seconds    integer, minimum 1, required: How many seconds to sleep.",
		"items      integer, minimum 1, maximum 1000",
		"orderId    string, minLength 1, maxLength 100, required",
		"noop\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("jobsctl types lacks %q:\n%s", want, out.String())
		}
	}
}
