package localevents

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// A certificate that whoever reads the CA's key signs for another site must
// not verify for a client that trusts ca.pem (crypto/x509, like browsers and
// OpenSSL, enforces the CA's name constraints).
func TestCACannotCertifyOtherSites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, _, caFile, err := EnsureTLS(dir)
	if err != nil {
		t.Fatal(err)
	}
	ca, caKey, err := loadPair(caFile, filepath.Join(dir, caKeyName))
	if err != nil {
		t.Fatal(err)
	}
	if !ca.PermittedDNSDomainsCritical {
		t.Error("the CA's name constraints are not critical")
	}
	verify(t, parseCert(t, caFile), parseCert(t, certFile), time.Now(), "localhost", "127.0.0.1", "::1")

	for _, tc := range []struct {
		name    string
		dns     []string
		ips     []net.IP
		allowed bool
	}{
		{name: "example.com", dns: []string{"example.com"}},
		{name: "localhost.example.com", dns: []string{"localhost.example.com"}},
		{name: "10.0.0.1", ips: []net.IP{net.ParseIP("10.0.0.1")}},
		{name: "::2", ips: []net.IP{net.ParseIP("::2")}},
		{name: "app.localhost", dns: []string{"app.localhost"}, allowed: true},
		{name: "127.1.2.3", ips: []net.IP{net.ParseIP("127.1.2.3")}, allowed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			template := serverTemplate(time.Now())
			template.Subject = pkix.Name{CommonName: tc.name}
			template.DNSNames, template.IPAddresses = tc.dns, tc.ips
			leafDir := t.TempDir()
			leaf, _, err := issue(template, ca, caKey, filepath.Join(leafDir, "leaf.pem"), filepath.Join(leafDir, "leaf-key.pem"))
			if err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(parseCert(t, caFile))
			_, err = leaf.Verify(x509.VerifyOptions{DNSName: tc.name, Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			if tc.allowed {
				if err != nil {
					t.Errorf("a certificate for %s: %v", tc.name, err)
				}
				return
			}
			var invalid x509.CertificateInvalidError
			if !errors.As(err, &invalid) || invalid.Reason != x509.CANotAuthorizedForThisName {
				t.Errorf("a certificate for %s: verify error %v, want CANotAuthorizedForThisName", tc.name, err)
			}
		})
	}
}

// A CA of an earlier release, without name constraints, is replaced at the
// next start, and with it the server certificate.
func TestEnsureTLSReplacesUnconstrainedCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	caFile, caKeyFile := filepath.Join(dir, caCertName), filepath.Join(dir, caKeyName)
	certFile, keyFile := filepath.Join(dir, serverCertName), filepath.Join(dir, serverKeyName)
	old := caTemplate(now)
	old.NotAfter = now.Add(10 * 365 * 24 * time.Hour)
	old.PermittedDNSDomainsCritical, old.PermittedDNSDomains, old.PermittedIPRanges, old.ExtKeyUsage = false, nil, nil, nil
	oldCA, oldKey, err := issue(old, nil, nil, caFile, caKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := issue(serverTemplate(now), oldCA, oldKey, certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	before := readFiles(t, []string{caFile, certFile})

	if _, _, _, err := ensureTLS(dir, now); err != nil {
		t.Fatal(err)
	}
	after := readFiles(t, []string{caFile, certFile})
	if bytes.Equal(before[0], after[0]) || bytes.Equal(before[1], after[1]) {
		t.Fatal("the unconstrained CA or its server certificate was kept")
	}
	ca := parseCert(t, caFile)
	if !constrained(ca) {
		t.Errorf("the new CA has no name constraints: DNS %v, IP %v", ca.PermittedDNSDomains, ca.PermittedIPRanges)
	}
	verify(t, ca, parseCert(t, certFile), now, "localhost", "127.0.0.1")
}

// ServerTLS's certificate is renewed by a handshake once it is within two
// days of expiry, without a restart.
func TestServerTLSRenewsWhileRunning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	r := &renewingCertificate{dir: dir, now: func() time.Time { return now }}
	caFile, err := r.load(now)
	if err != nil {
		t.Fatal(err)
	}
	hello := &tls.ClientHelloInfo{ServerName: "localhost"}
	first, err := r.get(hello)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := r.get(hello); again != first {
		t.Error("a fresh certificate was replaced")
	}

	now = first.Leaf.NotAfter.Add(-serverRenewBefore + time.Minute)
	renewed, err := r.get(hello)
	if err != nil {
		t.Fatal(err)
	}
	if renewed == first || !renewed.Leaf.NotAfter.After(first.Leaf.NotAfter) {
		t.Fatalf("not renewed: expiry %v, was %v", renewed.Leaf.NotAfter, first.Leaf.NotAfter)
	}
	verify(t, parseCert(t, caFile), renewed.Leaf, now, "localhost", "127.0.0.1")

}
