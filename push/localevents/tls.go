package localevents

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Files written by EnsureTLS.
const (
	caCertName     = "ca.pem"
	caKeyName      = "ca-key.pem"
	serverCertName = "server.pem"
	serverKeyName  = "server-key.pem"
)

// Lifetimes. The CA lives a year: its key sits in the data directory, so a
// copied key should stop being useful within a bounded time, while users
// re-trust ca.pem only yearly. The server certificate lives a week and is
// renewed while jobsd runs (see ServerTLS).
const (
	caValidity         = 365 * 24 * time.Hour
	caRenewBefore      = 30 * 24 * time.Hour
	serverValidity     = 7 * 24 * time.Hour
	serverRenewBefore  = 2 * 24 * time.Hour
	renewRetryInterval = time.Minute
)

// The names the CA may certify (critical name constraints): localhost and
// the names under it, 127.0.0.0/8 and ::1. Whoever reads the CA's key can
// therefore not impersonate any other site to a client that trusts ca.pem.
var (
	permittedDNSDomains = []string{"localhost"}
	permittedIPRanges   = []*net.IPNet{
		{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
		{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
	}
)

// EnsureTLS makes sure dir holds a local certificate authority (ca.pem,
// ca-key.pem) and a server certificate signed by it for localhost,
// 127.0.0.1 and ::1 (server.pem, server-key.pem), and returns the paths of
// the server certificate, its key and the CA certificate. Existing files
// are reused. The CA is replaced when it is unreadable, expires within 30
// days or lacks the name constraints (a CA of an earlier release); the
// server certificate when it is unreadable, not signed by the CA, not
// yet valid or expires within 2 days. Keys are written 0600 and dir is created 0700.
//
// Clients trust the endpoint by trusting ca.pem: NODE_EXTRA_CA_CERTS for
// Node, the system or browser certificate store otherwise.
func EnsureTLS(dir string) (certFile, keyFile, caFile string, err error) {
	return ensureTLS(dir, time.Now())
}

func ensureTLS(dir string, now time.Time) (certFile, keyFile, caFile string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", "", fmt.Errorf("localevents: tls: %w", err)
	}
	caFile, caKeyFile := filepath.Join(dir, caCertName), filepath.Join(dir, caKeyName)
	certFile, keyFile = filepath.Join(dir, serverCertName), filepath.Join(dir, serverKeyName)

	ca, caKey, loadErr := loadPair(caFile, caKeyFile)
	newCA := loadErr != nil || !ca.IsCA || !constrained(ca) || now.Add(caRenewBefore).After(ca.NotAfter)
	if newCA {
		if ca, caKey, err = issue(caTemplate(now), nil, nil, caFile, caKeyFile); err != nil {
			return "", "", "", fmt.Errorf("localevents: tls: new CA: %w", err)
		}
	}
	leaf, _, loadErr := loadPair(certFile, keyFile)
	if newCA || loadErr != nil || leaf.CheckSignatureFrom(ca) != nil ||
		now.Before(leaf.NotBefore) || now.Add(serverRenewBefore).After(leaf.NotAfter) {
		if _, _, err = issue(serverTemplate(now), ca, caKey, certFile, keyFile); err != nil {
			return "", "", "", fmt.Errorf("localevents: tls: new server certificate: %w", err)
		}
	}
	return certFile, keyFile, caFile, nil
}

// loadPair reads a certificate and its matching private key.
func loadPair(certFile, keyFile string) (*x509.Certificate, crypto.Signer, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, err
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("the private key cannot sign")
	}
	return pair.Leaf, key, nil
}

func caTemplate(now time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: "asyncjobs local CA", Organization: []string{"asyncjobs"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		// Only TLS server certificates, only for this machine.
		ExtKeyUsage:                 []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         permittedDNSDomains,
		PermittedIPRanges:           permittedIPRanges,
	}
}

// constrained reports whether ca carries exactly the name constraints
// caTemplate gives.
func constrained(ca *x509.Certificate) bool {
	if !ca.PermittedDNSDomainsCritical || !slices.Equal(ca.PermittedDNSDomains, permittedDNSDomains) ||
		len(ca.PermittedIPRanges) != len(permittedIPRanges) {
		return false
	}
	for i, r := range ca.PermittedIPRanges {
		if r.String() != permittedIPRanges[i].String() {
			return false
		}
	}
	return true
}

func serverTemplate(now time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"asyncjobs"}},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(serverValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
}

// issue creates an ECDSA P-256 key and a certificate from template, signed
// by parent (self-signed if parent is nil), and writes both as PEM.
func issue(template, parent *x509.Certificate, parentKey crypto.Signer, certFile, keyFile string) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if template.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128)); err != nil {
		return nil, nil, err
	}
	if parent == nil {
		parent, parentKey = template, key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, key.Public(), parentKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	if err := writePEM(keyFile, "PRIVATE KEY", keyDER, 0o600); err != nil {
		return nil, nil, err
	}
	if err := writePEM(certFile, "CERTIFICATE", der, 0o644); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// writePEM replaces path atomically with one PEM block.
func writePEM(path, blockType string, der []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	err = pem.Encode(f, &pem.Block{Type: blockType, Bytes: der})
	if err == nil {
		err = f.Chmod(perm)
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// ServerTLS ensures dir's CA and server certificate, as EnsureTLS does, and
// returns a server tls.Config that serves the certificate and renews it
// while the server runs: a handshake that finds it within 2 days of expiry
// calls EnsureTLS again and loads the result (if that fails, the current
// certificate is served until it expires and renewal is retried a minute
// later). It also returns the path of ca.pem. A renewal that also replaces
// the CA (30 days before its expiry) makes clients re-read ca.pem.
func ServerTLS(dir string) (config *tls.Config, caFile string, err error) {
	r := &renewingCertificate{dir: dir, now: time.Now}
	if caFile, err = r.load(r.now()); err != nil {
		return nil, "", err
	}
	return &tls.Config{GetCertificate: r.get, MinVersion: tls.VersionTLS12}, caFile, nil
}

// renewingCertificate holds the server certificate of dir and replaces it
// before it expires.
type renewingCertificate struct {
	dir string
	now func() time.Time

	mu        sync.Mutex
	cert      *tls.Certificate
	nextCheck time.Time // when the certificate is to be renewed, or renewal retried
}

// load ensures the files in dir and loads the server certificate.
func (r *renewingCertificate) load(now time.Time) (caFile string, err error) {
	certFile, keyFile, caFile, err := ensureTLS(r.dir, now)
	if err != nil {
		return "", err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return "", fmt.Errorf("localevents: tls: load the server certificate: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cert, r.nextCheck = &cert, cert.Leaf.NotAfter.Add(-serverRenewBefore)
	return caFile, nil
}

// get is the tls.Config's GetCertificate.
func (r *renewingCertificate) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := r.now()
	r.mu.Lock()
	cert, due := r.cert, !now.Before(r.nextCheck)
	if due {
		r.nextCheck = now.Add(renewRetryInterval) // one renewal at a time
	}
	r.mu.Unlock()
	if !due {
		return cert, nil
	}
	if _, err := r.load(now); err != nil {
		if now.After(cert.Leaf.NotAfter) {
			return nil, fmt.Errorf("the server certificate expired and could not be renewed: %w", err)
		}
		return cert, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cert, nil
}
