package main

import (
	"reflect"
	"testing"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/credfile"
)

// TestCredentialsFileReplacesTheDevCredential: with --credentials-file the
// file's principals are the whole list, in its order; without it the local
// principal takes its keys from the environment.
func TestCredentialsFileReplacesTheDevCredential(t *testing.T) {
	t.Setenv("JOBS_ACCESS_KEY_ID", "AKIAFROMENVIRONMENT0")
	t.Setenv("JOBS_SECRET_ACCESS_KEY", "secret-from-the-environment-00000000000")
	got, err := credfile.Read(credentialsFile(t, twoPrincipals))
	if err != nil {
		t.Fatal(err)
	}
	want := []sigv4.Credential{
		{AccessKeyID: "AKIAFILEPRINCIPALA00", SecretAccessKey: "file-secret-a-file-secret-a-file-secret-a", Principal: "arn:aws:iam::1:user/a"},
		{AccessKeyID: "AKIAFILEPRINCIPALB00", SecretAccessKey: "file-secret-b-file-secret-b-file-secret-b", Principal: "arn:aws:iam::1:user/b"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("with a file: %+v, want exactly the file's principals %+v", got, want)
	}
	got, err = credfile.Read("")
	local := sigv4.Credential{AccessKeyID: "AKIAFROMENVIRONMENT0", SecretAccessKey: "secret-from-the-environment-00000000000", Principal: sigv4.DevPrincipal}
	if err != nil || !reflect.DeepEqual(got, []sigv4.Credential{local}) {
		t.Fatalf("without a file: %+v %v, want the local principal with the environment's keys", got, err)
	}
}
