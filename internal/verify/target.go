package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/mskvpce/mskvpce/internal/awsregion"
	"github.com/mskvpce/mskvpce/internal/inputfile"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// TargetFromDeployment maps every broker the module output to its own NLB on
// 9098, and each broker's further domain names (an Express cluster's
// boot-… bootstrap hosts, which the NCC rules resolve to that broker's
// endpoint) to that broker as Aliases. Credentials and RootCAs are left for
// the caller (nil RootCAs: the system pool, which verifies MSK's Amazon
// Trust Services certificates).
func TargetFromDeployment(d tfoutputs.Deployment) Target {
	t := Target{Region: d.Region, Bootstrap: d.Bootstrap(), ClusterARN: d.ClusterARN, VPCID: d.VPCID}
	for _, b := range d.Brokers {
		t.Paths = append(t.Paths, Path{BrokerID: b.ID, Advertised: b.Advertised(), Endpoint: b.Endpoint()})
		for _, n := range b.Aliases() {
			if t.Aliases == nil {
				t.Aliases = map[string]int{}
			}
			t.Aliases[n] = b.ID
		}
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
	if err := checkHostPort("advertised address", adv); err != nil {
		return Path{}, fmt.Errorf("endpoint %q: %w", s, err)
	}
	if err := checkHostPort("endpoint address", end); err != nil {
		return Path{}, fmt.Errorf("endpoint %q: %w", s, err)
	}
	host, _, _ := net.SplitHostPort(adv)
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

// maxCAFile bounds a CA bundle (a system's whole bundle is ~200 KiB).
const maxCAFile = 4 << 20

// LoadCA reads a PEM file of CA certificates into a pool. A FIFO, a device
// or a directory is refused before it is opened; errors name the path.
func LoadCA(path string) (*x509.CertPool, error) {
	return LoadCAContext(context.Background(), path)
}

// LoadCAContext is LoadCA returning when ctx ends.
func LoadCAContext(ctx context.Context, path string) (*x509.CertPool, error) {
	pem, err := inputfile.Read(ctx, path, maxCAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// Validate checks a target before any connection is made.
func (t Target) Validate() error {
	var errs []error
	if t.Region == "" {
		errs = append(errs, errors.New("region is empty"))
	} else if err := awsregion.Check(t.Region); err != nil {
		errs = append(errs, err)
	}
	if len(t.Paths) == 0 {
		errs = append(errs, errors.New("no broker paths: give at least one advertised=endpoint mapping"))
	}
	if t.Topic != "" {
		if err := ValidateTopic(t.Topic); err != nil {
			errs = append(errs, err)
		}
	}
	seen := map[int]bool{}
	for _, p := range t.Paths {
		if p.BrokerID <= 0 {
			errs = append(errs, fmt.Errorf("broker id %d: MSK broker ids start at 1", p.BrokerID))
		}
		if seen[p.BrokerID] {
			errs = append(errs, fmt.Errorf("broker %d is mapped twice", p.BrokerID))
		}
		seen[p.BrokerID] = true
		errs = append(errs, checkAdvertised(p))
		if err := RegionMismatch(t.Region, p); err != nil {
			errs = append(errs, err)
		}
		if err := checkHostPort("endpoint", p.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("broker %d: %w", p.BrokerID, err))
		}
	}
	errs = append(errs, t.checkAliases(seen))
	return errors.Join(errs...)
}

// checkAliases: each alias a bare hostname that is no path's advertised
// host, sending to a mapped broker.
func (t Target) checkAliases(mapped map[int]bool) error {
	advertised := map[string]int{}
	for _, p := range t.Paths {
		host, _, _ := net.SplitHostPort(p.Advertised)
		advertised[strings.ToLower(host)] = p.BrokerID
	}
	var errs []error
	for _, host := range slices.Sorted(maps.Keys(t.Aliases)) {
		id := t.Aliases[host]
		if err := checkHostPort("alias", net.JoinHostPort(host, "9098")); err != nil || strings.Contains(host, ":") {
			errs = append(errs, fmt.Errorf("alias %q of broker %d is not a hostname without port", host, id))
			continue
		}
		if owner, ok := advertised[strings.ToLower(host)]; ok {
			errs = append(errs, fmt.Errorf("alias %s of broker %d is broker %d's own hostname: a name reaches one broker", host, id, owner))
		}
		if !mapped[id] {
			errs = append(errs, fmt.Errorf("alias %s names broker %d, which has no path", host, id))
		}
	}
	return errors.Join(errs...)
}

// checkAdvertised: an MSK broker hostname (b-<id>.…) naming this broker.
func checkAdvertised(p Path) error {
	if err := checkHostPort("advertised address", p.Advertised); err != nil {
		return fmt.Errorf("broker %d: %w", p.BrokerID, err)
	}
	host, _, _ := net.SplitHostPort(p.Advertised)
	id, err := BrokerIDFromHost(host)
	switch {
	case err != nil:
		return fmt.Errorf("broker %d: %w", p.BrokerID, err)
	case id != p.BrokerID && p.BrokerID > 0:
		return fmt.Errorf("broker %d: hostname %s names broker %d", p.BrokerID, host, id)
	}
	return nil
}

// RegionMismatch reports a path whose MSK hostname names another region
// than region: IAM tokens are signed for the region, and a broker of
// another region cannot be what the caller meant.
func RegionMismatch(region string, p Path) error {
	host, _, err := net.SplitHostPort(p.Advertised)
	if err != nil {
		return nil // checkAdvertised says it
	}
	if r, ok := awsregion.FromMSKHost(host); ok && region != "" && r != region {
		return fmt.Errorf("broker %d: hostname %s is in region %s, not %q: pass the cluster's own region (%s)", p.BrokerID, host, r, region, r)
	}
	return nil
}

// checkHostPort refuses what would only fail later, blamed on DNS or AWS:
// no host, a host that already carries a port (an nlb_dns_name with
// ":9098"), a port outside 1..65535.
func checkHostPort(what, s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%s %q is not host:port", what, s)
	}
	if host == "" {
		return fmt.Errorf("%s %q has no host", what, s)
	}
	if strings.Contains(host, ":") && net.ParseIP(host) == nil {
		return fmt.Errorf("%s %q: host %q carries a port: give the DNS name alone (nlb_dns_name without :9098)", what, s, host)
	}
	if strings.ContainsFunc(host, func(r rune) bool { return r < 0x20 || r == 0x7f || r == ' ' }) {
		return fmt.Errorf("%s %q: host holds spaces or control characters", what, s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%s %q: port %q is not a number in 1..65535 (MSK's IAM port is 9098)", what, s, port)
	}
	return nil
}

// maxRunID bounds a run id: it is part of every group name and record key
// the run writes.
const maxRunID = 64

// ValidateRunID checks a run id given by the caller: 1-64 ASCII letters,
// digits, '.', '_' and '-', the characters a Kafka group name and a report
// line carry as they are.
func ValidateRunID(id string) error {
	switch {
	case id == "":
		return errors.New("run id is empty: name one (letters, digits, '.', '_', '-') or leave it out for a random one")
	case len(id) > maxRunID:
		return fmt.Errorf("run id is %d characters long: use at most %d (it is part of every group name the run creates)", len(id), maxRunID)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("run id %q has %q: use only ASCII letters, digits, '.', '_' and '-'", id, r)
		}
	}
	return nil
}

// ValidateTopic applies Kafka's topic-name rules (1..249 characters of
// [a-zA-Z0-9._-], not "." or "..").
func ValidateTopic(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("topic %q is not a valid Kafka topic name", name)
	case len(name) > 249:
		return fmt.Errorf("topic name is %d characters long: Kafka allows at most 249", len(name))
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("topic %q: Kafka topic names hold only letters, digits, '.', '_' and '-' (found %q)", name, r)
		}
	}
	return nil
}
