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
	"time"
)

// Files written by EnsureTLS.
const (
	caCertName     = "ca.pem"
	caKeyName      = "ca-key.pem"
	serverCertName = "server.pem"
	serverKeyName  = "server-key.pem"
)

const (
	caValidity     = 10 * 365 * 24 * time.Hour
	serverValidity = 800 * 24 * time.Hour // Apple platforms refuse more than 825 days
	renewBefore    = 30 * 24 * time.Hour
)

// EnsureTLS makes sure dir holds a local certificate authority (ca.pem,
// ca-key.pem) and a server certificate signed by it for localhost,
// 127.0.0.1 and ::1 (server.pem, server-key.pem), and returns the paths of
// the server certificate, its key and the CA certificate. Existing files
// are reused; a certificate that is unreadable or expires within 30 days is
// replaced (a new CA also means a new server certificate). Keys are
// written 0600 and dir is created 0700.
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
	newCA := loadErr != nil || !ca.IsCA || now.Add(renewBefore).After(ca.NotAfter)
	if newCA {
		if ca, caKey, err = issue(caTemplate(now), nil, nil, caFile, caKeyFile); err != nil {
			return "", "", "", fmt.Errorf("localevents: tls: new CA: %w", err)
		}
	}
	leaf, _, loadErr := loadPair(certFile, keyFile)
	if newCA || loadErr != nil || leaf.CheckSignatureFrom(ca) != nil || now.Add(renewBefore).After(leaf.NotAfter) {
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
	}
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
