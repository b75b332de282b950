package localevents

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestEnsureTLS(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "tls")
	certFile, keyFile, caFile, err := EnsureTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	caKeyFile := filepath.Join(dir, caKeyName)
	for path, want := range map[string]fs.FileMode{
		dir: fs.ModeDir | 0o700, keyFile: 0o600, caKeyFile: 0o600, certFile: 0o644, caFile: 0o644,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
		}
	}
	files := []string{certFile, keyFile, caFile, caKeyFile}
	first := readFiles(t, files)

	again := make([]string, 3)
	if again[0], again[1], again[2], err = EnsureTLS(dir); err != nil {
		t.Fatal(err)
	}
	if again[0] != certFile || again[1] != keyFile || again[2] != caFile {
		t.Errorf("second call returned %q, want the same paths", again)
	}
	for i, b := range readFiles(t, files) {
		if !bytes.Equal(b, first[i]) {
			t.Errorf("second call rewrote %s", files[i])
		}
	}

	ca, leaf := parseCert(t, caFile), parseCert(t, certFile)
	if ca.Subject.CommonName != "asyncjobs local CA" || !ca.IsCA {
		t.Errorf("CA subject %q, IsCA %v", ca.Subject.CommonName, ca.IsCA)
	}
	if d := leaf.NotAfter.Sub(leaf.NotBefore); d > 8*24*time.Hour {
		t.Errorf("server certificate valid for %v, more than a week (and its hour of clock skew)", d)
	}
	if d := ca.NotAfter.Sub(ca.NotBefore); d > 366*24*time.Hour {
		t.Errorf("CA valid for %v, more than a year", d)
	}
	if key, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || key.Curve != elliptic.P256() {
		t.Errorf("server key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	verify(t, ca, leaf, time.Now(), "localhost", "127.0.0.1", "::1")
	if _, err := tls.LoadX509KeyPair(certFile, keyFile); err != nil {
		t.Error(err)
	}
}

func TestEnsureTLSRenews(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	certFile, _, caFile, err := ensureTLS(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{caFile, certFile}
	first := readFiles(t, files)

	// A day before the server certificate expires: a new one, same CA.
	later := now.Add(serverValidity - 24*time.Hour)
	if _, _, _, err := ensureTLS(dir, later); err != nil {
		t.Fatal(err)
	}
	second := readFiles(t, files)
	if !bytes.Equal(second[0], first[0]) || bytes.Equal(second[1], first[1]) {
		t.Fatal("want a new server certificate and the same CA")
	}
	verify(t, parseCert(t, caFile), parseCert(t, certFile), later, "localhost")

	// An unreadable server certificate is replaced too.
	if err := os.WriteFile(certFile, []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := ensureTLS(dir, later); err != nil {
		t.Fatal(err)
	}
	verify(t, parseCert(t, caFile), parseCert(t, certFile), later, "localhost")

	// 29 days before the CA expires: a new CA and a new server certificate.
	last := now.Add(caValidity - caRenewBefore + time.Hour)
	if _, _, _, err := ensureTLS(dir, last); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readFiles(t, files)[0], first[0]) {
		t.Fatal("want a new CA")
	}
	verify(t, parseCert(t, caFile), parseCert(t, certFile), last, "127.0.0.1")
}

func readFiles(t *testing.T, paths []string) [][]byte {
	t.Helper()
	out := make([][]byte, len(paths))
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

func parseCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("%s holds no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// verify checks that leaf is a server certificate for hosts, issued by ca, at time at.
func verify(t *testing.T, ca, leaf *x509.Certificate, at time.Time, hosts ...string) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, host := range hosts {
		if _, err := leaf.Verify(x509.VerifyOptions{
			DNSName: host, Roots: roots, CurrentTime: at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}); err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
}
