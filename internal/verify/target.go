package verify

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// TargetFromDeployment maps every broker the module output to its own NLB on
// 9098. Credentials and RootCAs are left for the caller (nil RootCAs: the
// system pool, which verifies MSK's Amazon Trust Services certificates).
func TargetFromDeployment(d tfoutputs.Deployment) Target {
	t := Target{Region: d.Region, Bootstrap: d.Bootstrap(), ClusterARN: d.ClusterARN}
	for _, b := range d.Brokers {
		t.Paths = append(t.Paths, Path{BrokerID: b.ID, Advertised: b.Advertised(), Endpoint: b.Endpoint()})
	}
	return t
}

// ParseEndpoint parses one "advertised=endpoint" mapping, e.g.
// "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=nlb-1-abc.elb.us-east-1.amazonaws.com:9098".
// The broker id is taken from the MSK hostname's "b-<id>." prefix.
func ParseEndpoint(s string) (Path, error) {
	adv, end, ok := strings.Cut(s, "=")
	adv, end = strings.TrimSpace(adv), strings.TrimSpace(end)
	if !ok || adv == "" || end == "" {
		return Path{}, fmt.Errorf("endpoint %q: want advertised-host:port=endpoint-host:port", s)
	}
	host, _, err := net.SplitHostPort(adv)
	if err != nil {
		return Path{}, fmt.Errorf("endpoint %q: advertised address %q is not host:port: %w", s, adv, err)
	}
	if _, _, err := net.SplitHostPort(end); err != nil {
		return Path{}, fmt.Errorf("endpoint %q: endpoint address %q is not host:port: %w", s, end, err)
	}
	id, err := BrokerIDFromHost(host)
	if err != nil {
		return Path{}, fmt.Errorf("endpoint %q: %w", s, err)
	}
	return Path{BrokerID: id, Advertised: adv, Endpoint: end}, nil
}

// BrokerIDFromHost reads the broker id from an MSK broker hostname
// ("b-<id>.<cluster>...").
func BrokerIDFromHost(host string) (int, error) {
	first, _, _ := strings.Cut(host, ".")
	num, ok := strings.CutPrefix(first, "b-")
	id, err := strconv.Atoi(num)
	if !ok || err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an MSK broker hostname (b-<id>.<cluster>.<id>.c<n>.kafka.<region>.amazonaws.com)", host)
	}
	return id, nil
}

// LoadCA reads a PEM file of CA certificates into a pool.
func LoadCA(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", path)
	}
	return pool, nil
}

// Validate checks a target before any connection is made.
func (t Target) Validate() error {
	var errs []error
	if t.Region == "" {
		errs = append(errs, errors.New("region is empty"))
	}
	if len(t.Paths) == 0 {
		errs = append(errs, errors.New("no broker paths: give at least one advertised=endpoint mapping"))
	}
	seen := map[int]bool{}
	for _, p := range t.Paths {
		if seen[p.BrokerID] {
			errs = append(errs, fmt.Errorf("broker %d is mapped twice", p.BrokerID))
		}
		seen[p.BrokerID] = true
		if _, _, err := net.SplitHostPort(p.Advertised); err != nil {
			errs = append(errs, fmt.Errorf("broker %d: advertised address %q is not host:port", p.BrokerID, p.Advertised))
		}
		if _, _, err := net.SplitHostPort(p.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("broker %d: endpoint %q is not host:port", p.BrokerID, p.Endpoint))
		}
	}
	return errors.Join(errs...)
}
