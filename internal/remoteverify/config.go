package remoteverify

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// The function's environment, set by terraform/modules/verify-canary
// (lambda.tf, local.environment) from the deployment it was given. It is the
// canary's whole idea of where to connect and as whom: an event cannot add
// to it (see Event).
const (
	EnvRegion = "MSKVPCE_CANARY_REGION"
	// EnvDomain and EnvBrokers: every name is <label>.<domain> (MSK's
	// b-<id>.<cluster domain>, an Express cluster's boot-<id>.<cluster
	// domain>), so the brokers are "<id>=<label>,...", each followed by
	// "+<label>" for every further domain name the canary's zone maps to
	// its endpoint ("1=b-1+boot-abc"), and 30 of them fit Lambda's 4 KB with
	// room to spare.
	EnvDomain  = "MSKVPCE_CANARY_DOMAIN"
	EnvBrokers = "MSKVPCE_CANARY_BROKERS"
	// EnvBootstrap lists the bootstrap hosts by label ("b-1,b-3,boot-abc"),
	// each a broker's hostname or one of its further names, at
	// <label>.<domain>:9098.
	EnvBootstrap      = "MSKVPCE_CANARY_BOOTSTRAP"
	EnvRoleARN        = "MSKVPCE_CANARY_ROLE_ARN"
	EnvExternalID     = "MSKVPCE_CANARY_EXTERNAL_ID"
	EnvTopic          = "MSKVPCE_CANARY_TOPIC"          // optional: the verifier's default topic
	EnvSASLMechanism  = "MSKVPCE_CANARY_SASL_MECHANISM" // optional: aws-msk-iam
	EnvTimeoutSeconds = "MSKVPCE_CANARY_TIMEOUT_SECONDS"

	envPrefix = "MSKVPCE_CANARY_"
)

// MaxEnvBytes is Lambda's limit on a function's environment variables, which
// it measures as their JSON ({"KEY":"value",...}).
const MaxEnvBytes = 4096

// BrokerPort is the port every broker is advertised and reached on
// (SASL/IAM inside the VPC; each broker's NLB listens on it).
const BrokerPort = 9098

// MaxTimeout is the longest run: Lambda stops a function at 900 s, and the
// module gives it 30 s beyond the verifier's timeout.
const MaxTimeout = 840 * time.Second

// Broker is one broker the canary was deployed to reach.
type Broker struct {
	ID   int
	Host string // lowercase hostname, as Kafka advertises it
	// Names are the further hostnames (lowercase, in Host's domain) that
	// the canary's private zone sends to this broker's endpoint: the rest of
	// its domain_names, such as an Express cluster's boot-... bootstrap
	// hosts. Nil for most brokers.
	Names []string
}

// Advertised is host:9098.
func (b Broker) Advertised() string { return net.JoinHostPort(b.Host, strconv.Itoa(BrokerPort)) }

// Config is what the canary was deployed to verify: the only destinations it
// dials (the brokers), the role it assumes, and the bounds an event may
// choose within.
type Config struct {
	Region string
	// Brokers, sorted by id: one path each, dialed by hostname.
	Brokers []Broker
	// Bootstrap holds the bootstrap hosts (lowercase hostnames, each on
	// BrokerPort) in the order the cluster gave them: each a broker's Host
	// or one of its Names.
	Bootstrap           []string
	RoleARN, ExternalID string
	// Topic: empty means verify.DefaultTopic.
	Topic string
	// Mechanism is the default SASL mechanism: aws-msk-iam, oauthbearer or
	// both; empty means aws-msk-iam.
	Mechanism string
	// Timeout bounds every run; an event may ask for less.
	Timeout time.Duration
	// Metrics names the canary's metrics.
	Metrics canary.Config
}

var (
	reRegion     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	reDomain     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$`)
	reLabel      = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	reRoleARN    = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$`)
	reExternalID = regexp.MustCompile(`^[A-Za-z0-9+=,.@:/-]+$`)
)

// knownEnv is every variable of the canary's own; anything else under
// MSKVPCE_CANARY_ is refused rather than ignored.
var knownEnv = map[string]bool{
	canary.EnvNamespace: true, canary.EnvName: true,
	EnvRegion: true, EnvDomain: true, EnvBrokers: true, EnvBootstrap: true, EnvRoleARN: true,
	EnvExternalID: true, EnvTopic: true, EnvSASLMechanism: true, EnvTimeoutSeconds: true,
}

// ConfigFromEnv reads and checks the function's configuration from its
// environment (os.Environ). Every problem is reported, each naming its
// variable; the function must not start with any of them.
func ConfigFromEnv(environ []string) (Config, error) {
	env := map[string]string{}
	var errs []error
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
		if strings.HasPrefix(k, envPrefix) && !knownEnv[k] {
			errs = append(errs, fmt.Errorf("%s is not a setting of the canary (it reads %s): remove it from the function's environment", k, strings.Join(sortedKeys(knownEnv), ", ")))
		}
	}
	var c Config
	var err error
	if c.Metrics, err = canary.ConfigFromEnv(func(k string) string { return env[k] }); err != nil {
		errs = append(errs, err)
	}
	c.Region = env[EnvRegion]
	if !reRegion.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("%s %q is not an AWS region such as us-east-1", EnvRegion, c.Region))
	}
	domain := env[EnvDomain]
	if !reDomain.MatchString(domain) {
		errs = append(errs, fmt.Errorf("%s %q is not a lowercase DNS domain (the brokers' hostnames without their first label)", EnvDomain, domain))
	}
	byID := map[int]bool{}
	// Every label the zone maps, to its broker: a name reaches one endpoint.
	owner := map[string]int{}
	if env[EnvBrokers] == "" {
		errs = append(errs, fmt.Errorf("%s is empty: it lists the brokers as <id>=<first hostname label>, each followed by +<label> for every further name of its endpoint, e.g. 1=b-1,2=b-2 or 1=b-1+boot-abc", EnvBrokers))
	}
	for _, item := range splitList(env[EnvBrokers]) {
		ids, names, _ := strings.Cut(item, "=")
		labels := strings.Split(names, "+")
		id, err := strconv.Atoi(ids)
		if err != nil || id <= 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not <id>=<label> with a broker id from 1", EnvBrokers, item))
			continue
		}
		if byID[id] {
			errs = append(errs, fmt.Errorf("%s: broker %d is listed twice", EnvBrokers, id))
			continue
		}
		b, ok := Broker{ID: id}, true
		for i, label := range labels {
			switch other, taken := owner[label]; {
			case !reLabel.MatchString(label):
				errs = append(errs, fmt.Errorf("%s: broker %d's label %q is not a lowercase DNS label", EnvBrokers, id, label))
				ok = false
			case taken && other == id:
				errs = append(errs, fmt.Errorf("%s: broker %d lists %s twice", EnvBrokers, id, label))
				ok = false
			case taken:
				errs = append(errs, fmt.Errorf("%s: %s is given to brokers %d and %d: a name reaches one broker's endpoint", EnvBrokers, label, other, id))
				ok = false
			default:
				owner[label] = id
			}
			if i == 0 {
				b.Host = label + "." + domain
			} else {
				b.Names = append(b.Names, label+"."+domain)
			}
		}
		byID[id] = true
		if ok {
			c.Brokers = append(c.Brokers, b)
		}
	}
	sort.Slice(c.Brokers, func(i, j int) bool { return c.Brokers[i].ID < c.Brokers[j].ID })
	seen := map[string]bool{}
	if env[EnvBootstrap] == "" {
		errs = append(errs, fmt.Errorf("%s is empty: it lists the bootstrap hosts by first label, e.g. b-1,b-2,b-3 or boot-abc", EnvBootstrap))
	}
	for _, label := range splitList(env[EnvBootstrap]) {
		_, known := owner[label]
		switch {
		case !known:
			errs = append(errs, fmt.Errorf("%s: %q is not the label of a name in %s (a broker's hostname or one of its further names)", EnvBootstrap, label, EnvBrokers))
		case seen[label]:
			errs = append(errs, fmt.Errorf("%s: %s is listed twice", EnvBootstrap, label))
		default:
			seen[label] = true
			c.Bootstrap = append(c.Bootstrap, label+"."+domain)
		}
	}
	c.RoleARN = env[EnvRoleARN]
	if !reRoleARN.MatchString(c.RoleARN) {
		errs = append(errs, fmt.Errorf("%s %q is not an IAM role ARN", EnvRoleARN, c.RoleARN))
	}
	// The external ID is not a secret, but it is not the log's either.
	c.ExternalID = env[EnvExternalID]
	if n := len(c.ExternalID); n < 2 || n > 1224 || !reExternalID.MatchString(c.ExternalID) {
		errs = append(errs, fmt.Errorf("%s is not an external ID: 2-1224 characters of letters, digits and +=,.@:/-", EnvExternalID))
	}
	if c.Topic = env[EnvTopic]; c.Topic != "" {
		if err := verify.ValidateTopic(c.Topic); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvTopic, err))
		}
	}
	if c.Mechanism = env[EnvSASLMechanism]; c.Mechanism != "" && mechanism(c.Mechanism) == nil {
		errs = append(errs, fmt.Errorf("%s %q is not aws-msk-iam, oauthbearer or both", EnvSASLMechanism, c.Mechanism))
	}
	secs, err := strconv.Atoi(env[EnvTimeoutSeconds])
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > MaxTimeout {
		errs = append(errs, fmt.Errorf("%s %q is not a whole number of seconds from 1 to %d", EnvTimeoutSeconds, env[EnvTimeoutSeconds], int(MaxTimeout/time.Second)))
	}
	c.Timeout = time.Duration(secs) * time.Second
	if len(errs) == 0 {
		// The verifier's own rules for a broker map (b-<id> hostnames, and
		// further names that are no broker's own).
		if err := c.target(nil).Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvBrokers, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("remoteverify: the function's configuration (its environment, set by terraform/modules/verify-canary) is wrong: %w", err)
	}
	return c, nil
}

// Env is the environment that configures c, as the module writes it: what
// tests use to run the production configuration path, and what the size
// check measures. Every hostname (a broker's, its further names, the
// bootstrap hosts) must be one label in front of one shared domain.
func (c Config) Env() (map[string]string, error) {
	if len(c.Brokers) == 0 {
		return nil, errors.New("remoteverify: no brokers")
	}
	_, domain, _ := strings.Cut(c.Brokers[0].Host, ".")
	labelOf := func(what, host string) (string, error) {
		label, d, _ := strings.Cut(host, ".")
		if d != domain {
			return "", fmt.Errorf("remoteverify: %s %s is not in %s, the first broker's domain", what, host, domain)
		}
		return label, nil
	}
	var brokers, bootstrap []string
	for _, b := range c.Brokers {
		var labels []string
		for _, h := range append([]string{b.Host}, b.Names...) {
			label, err := labelOf(fmt.Sprintf("broker %d's name", b.ID), h)
			if err != nil {
				return nil, err
			}
			labels = append(labels, label)
		}
		brokers = append(brokers, fmt.Sprintf("%d=%s", b.ID, strings.Join(labels, "+")))
	}
	for _, h := range c.Bootstrap {
		label, err := labelOf("bootstrap host", h)
		if err != nil {
			return nil, err
		}
		bootstrap = append(bootstrap, label)
	}
	env := map[string]string{
		canary.EnvNamespace: c.Metrics.Namespace,
		canary.EnvName:      c.Metrics.Canary,
		EnvRegion:           c.Region,
		EnvDomain:           domain,
		EnvBrokers:          strings.Join(brokers, ","),
		EnvBootstrap:        strings.Join(bootstrap, ","),
		EnvRoleARN:          c.RoleARN,
		EnvExternalID:       c.ExternalID,
		EnvTimeoutSeconds:   strconv.Itoa(int(c.Timeout / time.Second)),
	}
	if c.Topic != "" {
		env[EnvTopic] = c.Topic
	}
	if c.Mechanism != "" {
		env[EnvSASLMechanism] = c.Mechanism
	}
	return env, nil
}

// EnvBytes is the size of env as Lambda measures it against MaxEnvBytes.
func EnvBytes(env map[string]string) int {
	b, _ := json.Marshal(env)
	return len(b)
}

// Environ is env as os.Environ returns it.
func Environ(env map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(env) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// target is every configured broker path, dialed by hostname unless resolve
// (a test's stand-in for the canary's private DNS) maps it elsewhere. A
// broker's further names are aliases of its path (the zone sends them to its
// endpoint), so a bootstrap host such as an Express boot-... name is routed,
// not refused.
func (c Config) target(resolve map[string]string) verify.Target {
	t := verify.Target{Region: c.Region, Topic: c.Topic}
	for _, b := range c.Brokers {
		endpoint := b.Advertised()
		if to, ok := resolve[endpoint]; ok {
			endpoint = to
		}
		t.Paths = append(t.Paths, verify.Path{BrokerID: b.ID, Advertised: b.Advertised(), Endpoint: endpoint})
		for _, n := range b.Names {
			if t.Aliases == nil {
				t.Aliases = map[string]int{}
			}
			t.Aliases[n] = b.ID
		}
	}
	for _, h := range c.Bootstrap {
		t.Bootstrap = append(t.Bootstrap, net.JoinHostPort(h, strconv.Itoa(BrokerPort)))
	}
	return t
}

// BrokerIDs lists the configured broker ids in order.
func (c Config) BrokerIDs() []int {
	ids := make([]int, 0, len(c.Brokers))
	for _, b := range c.Brokers {
		ids = append(ids, b.ID)
	}
	return ids
}

// mechanism maps a SASL mechanism setting to the verifier's list; nil when
// it is not one.
func mechanism(s string) []string {
	switch s {
	case "aws-msk-iam", "oauthbearer", "both":
		m, _ := verify.ParseMechanisms(s)
		return m
	}
	return nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
