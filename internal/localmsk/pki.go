package localmsk

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// CertFault selects the certificate the brokers' TLS fronts present.
type CertFault int

const (
	// CertOK is the normal wildcard certificate for the cluster domain,
	// signed by the CA in Info.CAFile.
	CertOK CertFault = iota
	// CertWrongHost is signed by the right CA but names another domain:
	// clients fail hostname verification.
	CertWrongHost
	// CertUnknownCA names the right domain but is signed by a CA the
	// client does not trust.
	CertUnknownCA
)

func (f CertFault) String() string {
	switch f {
	case CertOK:
		return "ok"
	case CertWrongHost:
		return "wrong-host"
	case CertUnknownCA:
		return "unknown-ca"
	}
	return fmt.Sprintf("CertFault(%d)", int(f))
}

// ParseCertFault is the inverse of CertFault.String.
func ParseCertFault(s string) (CertFault, error) {
	for _, f := range []CertFault{CertOK, CertWrongHost, CertUnknownCA} {
		if f.String() == s {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown certificate fault %q: use ok, wrong-host or unknown-ca", s)
}

// pki is the throwaway CA and the three certificates the fronts can present.
type pki struct {
	caPEM []byte
	certs [3]tls.Certificate // indexed by CertFault
}

type issuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(cn string, now time.Time) (issuer, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return issuer{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"mskvpce localmsk"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return issuer{}, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return issuer{}, nil, err
	}
	return issuer{cert, key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func (is issuer) leaf(dnsName string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: dnsName},
		DNSNames:     []string{dnsName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, is.cert, &key.PublicKey, is.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, is.cert.Raw}, PrivateKey: key}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// newPKI makes a CA and, for the wildcard domain "*.<domain>", the good
// certificate, one for the wrong domain, and one from an untrusted CA.
func newPKI(domain string) (*pki, error) {
	now := time.Now()
	ca, caPEM, err := newCA("mskvpce localmsk CA", now)
	if err != nil {
		return nil, fmt.Errorf("create the local CA: %w", err)
	}
	other, _, err := newCA("mskvpce localmsk untrusted CA", now)
	if err != nil {
		return nil, fmt.Errorf("create the untrusted CA: %w", err)
	}
	p := &pki{caPEM: caPEM}
	for f, mk := range map[CertFault]func() (tls.Certificate, error){
		CertOK:        func() (tls.Certificate, error) { return ca.leaf("*."+domain, now) },
		CertWrongHost: func() (tls.Certificate, error) { return ca.leaf("*.wrong-host.invalid", now) },
		CertUnknownCA: func() (tls.Certificate, error) { return other.leaf("*."+domain, now) },
	} {
		if p.certs[f], err = mk(); err != nil {
			return nil, fmt.Errorf("issue the %s certificate: %w", f, err)
		}
	}
	return p, nil
}
