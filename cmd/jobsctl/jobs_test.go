package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/local"
)

func TestGetWaitCancel(t *testing.T) {
	t.Parallel()
	d, _ := blockedJobsd(t) // the job below stays Pending until cancelled
	id := d.submit(t, `{"seconds":1}`)

	out, _, err := d.run("get", id)
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, "Pending") || !strings.HasPrefix(out, "ID ") {
		t.Fatalf("get: %v\n%s\nwant a table with the Pending job", err, out)
	}
	out, _, err = d.run("wait", id, "--timeout", "1s")
	var status *jobStatusError
	if err == nil || errors.As(err, &status) || !strings.Contains(err.Error(), "is still Pending after 1s") || !strings.Contains(out, "Pending") {
		t.Fatalf("wait --timeout of a Pending job: %v\n%s\nwant a time-out error and the job", err, out)
	}
	out, _, err = d.run("cancel", "--output", "json", id)
	var j struct{ ID, Status string }
	if err != nil || json.Unmarshal([]byte(out), &j) != nil || j.ID != id || j.Status != "Cancelled" {
		t.Fatalf("cancel: %v\n%s\nwant the Cancelled job's JSON", err, out)
	}
	if _, _, err = d.run("cancel", id); err == nil || !strings.Contains(err.Error(), "job "+id+" cannot be changed: the job already finished") {
		t.Fatalf("cancel of a Cancelled job: %v, want the 409's message", err)
	}
	out, _, err = d.run("wait", id)
	if !errors.As(err, &status) || status.code != exitCancelled || !strings.Contains(out, "Cancelled") {
		t.Fatalf("wait of a Cancelled job: %v\n%s\nwant exit status %d", err, out, exitCancelled)
	}
}

func TestWaitExitsByTheOutcome(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	ok, failed := d.submit(t, `{"seconds":1}`), d.submit(t, `{"seconds":301}`)
	out, _, err := d.run("wait", ok)
	if err != nil || !strings.Contains(out, "Success") {
		t.Fatalf("wait of a succeeding job: %v\n%s", err, out)
	}
	out, _, err = d.run("wait", "--output", "json", failed)
	var status *jobStatusError
	if !errors.As(err, &status) || status.code != exitFailure || !strings.Contains(out, `"type":"SecondsAboveLimit"`) {
		t.Fatalf("wait of a failing job: %v\n%s\nwant exit status %d and the reason", err, out, exitFailure)
	}
}

func TestUnknownJob(t *testing.T) {
	t.Parallel()
	d := startJobsd(t)
	for _, cmd := range []string{"get", "wait", "cancel"} {
		_, _, err := d.run(cmd, "no-such-job")
		if err == nil || err.Error() != "no job no-such-job (or it belongs to another principal)" {
			t.Errorf("%s of an unknown job: %v, want the 404's message", cmd, err)
		}
	}
	if _, _, err := d.run("get", "a/b"); err == nil || !strings.Contains(err.Error(), "a job id is 1 to 50 letters") {
		t.Errorf("get of an impossible id: %v", err)
	}
}

// Not parallel: it sets the local credentials' environment twins.
func TestAnotherPrincipalsJobIsNotFound(t *testing.T) {
	const key, secret = "AKIAOTHERPRINCIPAL00", "anothersecretaccesskey000000000000000000"
	d := startJobsd(t, func(cfg *local.Config) {
		cfg.Credentials = append(cfg.Credentials, sigv4.Credential{
			AccessKeyID: key, SecretAccessKey: secret, Principal: "arn:aws:iam::000000000000:user/other",
		})
	})
	t.Setenv("JOBS_ACCESS_KEY_ID", sigv4.DevAccessKeyID)
	t.Setenv("JOBS_SECRET_ACCESS_KEY", sigv4.DevSecretAccessKey)
	mine := d.submit(t, `{"seconds":1}`)
	t.Setenv("JOBS_ACCESS_KEY_ID", key)
	t.Setenv("JOBS_SECRET_ACCESS_KEY", secret)
	if _, _, err := d.run("get", mine); err == nil || err.Error() != "no job "+mine+" (or it belongs to another principal)" {
		t.Fatalf("get of another principal's job: %v, want the 404's message", err)
	}
	theirs := d.submit(t, `{"seconds":1}`)
	if out, _, err := d.run("get", theirs); err != nil || !strings.Contains(out, theirs) {
		t.Fatalf("get of one's own job: %v\n%s", err, out)
	}
}
