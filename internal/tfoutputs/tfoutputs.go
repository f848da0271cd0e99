// Package tfoutputs reads the outputs of the mskvpce Terraform module
// (`terraform output -json`) into the shape every other tool consumes:
// the verifier, the deploy CLI, the control-plane checks and the e2e tests.
// It is the one place that knows the output names, so a rename in HCL breaks
// here, loudly, instead of in three places quietly.
package tfoutputs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strconv"
	"strings"
)

// KafkaIAMPort is the port MSK serves SASL/IAM on, and the port every NLB listens on.
const KafkaIAMPort = 9098

// PlaceholderExternalID is the external ID the module uses until a Databricks
// service credential exists (the seed's "0000").
const PlaceholderExternalID = "0000"

// Broker is one broker path: the broker as Kafka advertises it, and the
// per-broker NLB and endpoint service that front it.
type Broker struct {
	ID               int    `json:"broker_id"`
	Hostname         string `json:"hostname"`
	ClientIP         string `json:"client_ip"`
	ClientSubnetID   string `json:"client_subnet_id"`
	AvailabilityZone string `json:"availability_zone"`
	// AvailabilityZoneID is the zone's ID (use1-az1), the same in every
	// account, unlike its name (absent in older outputs).
	AvailabilityZoneID string `json:"availability_zone_id,omitempty"`
	// DomainNames are the hostnames a consumer's DNS must resolve to this
	// broker's endpoint: its own hostname first, then any bootstrap
	// hostname that is no broker's given to it (MSK Express `boot-…`
	// names). Absent in older outputs: [hostname].
	DomainNames []string `json:"domain_names,omitempty"`
	NLBARN      string   `json:"nlb_arn"`
	NLBDNSName  string   `json:"nlb_dns_name"`
	// NLBCrossZone is the NLB's intended cross-zone setting: true only with
	// the module's nlb_zones = "all" (absent in older outputs: false).
	NLBCrossZone        bool   `json:"nlb_cross_zone"`
	TargetGroupARN      string `json:"target_group_arn"`
	EndpointServiceID   string `json:"endpoint_service_id"`
	EndpointServiceName string `json:"endpoint_service_name"`
}

// Advertised is the address Kafka metadata returns for this broker.
func (b Broker) Advertised() string {
	return net.JoinHostPort(b.Hostname, strconv.Itoa(KafkaIAMPort))
}

// Names are the broker's domain names: its own hostname first, then the
// further names given to it; [hostname] when the outputs carry none.
func (b Broker) Names() []string {
	if len(b.DomainNames) == 0 {
		return []string{b.Hostname}
	}
	return b.DomainNames
}

// Aliases are the broker's further domain names: those that are not its
// own hostname (lowercase).
func (b Broker) Aliases() []string {
	var out []string
	for _, n := range b.DomainNames {
		if n = strings.ToLower(strings.TrimSuffix(n, ".")); n != "" && n != strings.ToLower(b.Hostname) {
			out = append(out, n)
		}
	}
	return out
}

// Endpoint is the address of this broker's NLB.
func (b Broker) Endpoint() string {
	return net.JoinHostPort(b.NLBDNSName, strconv.Itoa(KafkaIAMPort))
}

// Deployment is everything the module outputs, typed.
type Deployment struct {
	Region                  string   `json:"region"`
	ClusterARN              string   `json:"cluster_arn"`
	ClusterName             string   `json:"cluster_name"`
	ClusterUUID             string   `json:"cluster_uuid"`
	BootstrapBrokersSASLIAM string   `json:"bootstrap_brokers_sasl_iam"`
	VPCID                   string   `json:"vpc_id"`
	BrokerSecurityGroupID   string   `json:"broker_security_group_id"`
	NLBSecurityGroupID      string   `json:"nlb_security_group_id"`
	RoleARN                 string   `json:"databricks_msk_role_arn"`
	RoleName                string   `json:"databricks_msk_role_name"`
	ExternalIDIsPlaceholder bool     `json:"external_id_is_placeholder"`
	AllowedPrincipals       []string `json:"allowed_principals"`
	Brokers                 []Broker `json:"brokers"`

	// Databricks is set only when the example runs with enable_databricks.
	Databricks *Databricks `json:"databricks,omitempty"`

	// VerifyCanary is set only when the example runs with enable_verify_canary.
	VerifyCanary *VerifyCanary `json:"verify_canary,omitempty"`
}

// VerifyCanary is the consumer-side canary (terraform/modules/verify-canary),
// output by the example as `verify_canary` when enable_verify_canary is on.
type VerifyCanary struct {
	FunctionName string `json:"function_name"`
	// Event is the JSON event to invoke the function with (the module
	// outputs it jsonencode'd: the schedule sends the same bytes). It is a
	// remoteverify.Event, what to check; what the canary reaches is its own
	// configuration, never the event's.
	Event           string           `json:"event"`
	RoleARN         string           `json:"role_arn"`
	Endpoints       []CanaryEndpoint `json:"endpoints"`
	MetricNamespace string           `json:"metric_namespace"`
	AlarmARNs       []string         `json:"alarm_arns"`
	SNSTopicARN     string           `json:"sns_topic_arn"`
}

// CanaryEndpoint is the canary's interface endpoint to one broker's service.
type CanaryEndpoint struct {
	BrokerID          int      `json:"broker_id"`
	Hostname          string   `json:"hostname"`
	EndpointServiceID string   `json:"endpoint_service_id"`
	VPCEndpointID     string   `json:"vpc_endpoint_id"`
	ZoneIDs           []string `json:"zone_ids"`
	State             string   `json:"state"`
}

// Databricks is the Databricks half (terraform/modules/databricks-serverless-msk),
// output by the example as `databricks` when enable_databricks is on.
type Databricks struct {
	CredentialName              string           `json:"credential_name"`
	ExternalID                  string           `json:"external_id"`
	NetworkConnectivityConfigID string           `json:"network_connectivity_config_id"`
	Rules                       []DatabricksRule `json:"rules"`
}

// DatabricksRule is one NCC private endpoint rule: one per broker.
type DatabricksRule struct {
	BrokerID int    `json:"broker_id"`
	Hostname string `json:"hostname"`
	RuleID   string `json:"rule_id"`
	// EndpointService and DomainNames are the rule as Databricks holds it:
	// serverless resolves each domain name to the endpoint of that service.
	EndpointService string   `json:"endpoint_service"`
	DomainNames     []string `json:"domain_names"`
	VPCEndpointID   string   `json:"vpc_endpoint_id"`
	ConnectionState string   `json:"connection_state"`
	// ErrorMessage is the account API's reason for CREATE_FAILED (live
	// reads only; Terraform's outputs do not carry it).
	ErrorMessage string `json:"error_message,omitempty"`
	// PendingDaysLeft and PendingExpires (live reads only, PENDING rules):
	// the whole days left, and the time, before Databricks expires a rule
	// whose endpoint connection is not accepted within 14 days of its
	// creation.
	PendingDaysLeft *int   `json:"pending_days_left,omitempty"`
	PendingExpires  string `json:"pending_expires,omitempty"`
}

// Established reports whether a rule can carry traffic: Databricks only uses
// rules whose endpoint connection was accepted.
func (r DatabricksRule) Established() bool { return r.ConnectionState == "ESTABLISHED" }

// Bootstrap splits the IAM bootstrap string into host:port addresses.
func (d Deployment) Bootstrap() []string {
	var out []string
	for _, s := range strings.Split(d.BootstrapBrokersSASLIAM, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// required lists the outputs without which no tool can do its job.
var required = []string{"region", "cluster_arn", "bootstrap_brokers_sasl_iam", "brokers", "databricks_msk_role_arn"}

// Parse reads `terraform output -json` (a map of name to {value, type, sensitive}).
func Parse(r io.Reader) (Deployment, error) {
	var raw map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return Deployment{}, fmt.Errorf("terraform outputs: not the JSON of `terraform output -json`: %w", err)
	}
	var missing []string
	for _, name := range required {
		if v, ok := raw[name]; !ok || len(v.Value) == 0 || string(v.Value) == "null" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return Deployment{}, &MissingError{Names: missing}
	}
	flat := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		flat[k] = v.Value
	}
	buf, err := json.Marshal(flat)
	if err != nil {
		return Deployment{}, err
	}
	var d Deployment
	if err := json.Unmarshal(buf, &d); err != nil {
		return Deployment{}, fmt.Errorf("terraform outputs: unexpected shape: %w", err)
	}
	if err := d.Validate(); err != nil {
		return Deployment{}, err
	}
	sort.Slice(d.Brokers, func(i, j int) bool { return d.Brokers[i].ID < d.Brokers[j].ID })
	return d, nil
}

// Validate checks the invariants the tools rely on.
func (d Deployment) Validate() error {
	var errs []error
	if len(d.Brokers) == 0 {
		errs = append(errs, errors.New("output brokers is empty: the module found no broker nodes"))
	}
	seen := map[int]bool{}
	names := map[string]int{} // further domain name → broker
	for _, b := range d.Brokers {
		names[strings.ToLower(b.Hostname)] = b.ID
	}
	for i, b := range d.Brokers {
		if seen[b.ID] {
			errs = append(errs, fmt.Errorf("output brokers[%d]: duplicate broker_id %d", i, b.ID))
		}
		seen[b.ID] = true
		if b.Hostname == "" {
			errs = append(errs, fmt.Errorf("output brokers[%d] (broker %d): empty hostname", i, b.ID))
		}
		if b.NLBDNSName == "" {
			errs = append(errs, fmt.Errorf("output brokers[%d] (broker %d): empty nlb_dns_name", i, b.ID))
		}
		if len(b.DomainNames) > 0 && !strings.EqualFold(b.DomainNames[0], b.Hostname) {
			errs = append(errs, fmt.Errorf("output brokers[%d] (broker %d): domain_names must start with the broker's own hostname %s, not %q", i, b.ID, b.Hostname, b.DomainNames[0]))
		}
		for _, n := range b.Aliases() {
			if owner, dup := names[n]; dup && owner != b.ID {
				errs = append(errs, fmt.Errorf("output brokers[%d] (broker %d): domain name %s is also broker %d's: a name must resolve to one broker's endpoint", i, b.ID, n, owner))
			}
			names[n] = b.ID
		}
	}
	if c := d.VerifyCanary; c != nil {
		if c.FunctionName == "" {
			errs = append(errs, errors.New("output verify_canary.function_name is empty"))
		}
		var ev map[string]json.RawMessage
		if err := json.Unmarshal([]byte(c.Event), &ev); err != nil {
			errs = append(errs, fmt.Errorf("output verify_canary.event is not a JSON object (the module outputs jsonencode(local.event)): %w", err))
		}
	}
	if len(d.Bootstrap()) == 0 {
		errs = append(errs, errors.New("output bootstrap_brokers_sasl_iam is empty: is IAM auth enabled on the cluster?"))
	}
	return errors.Join(errs...)
}
