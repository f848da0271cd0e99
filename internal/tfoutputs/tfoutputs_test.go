package tfoutputs

import (
	"strings"
	"testing"
)

// outputs is `terraform output -json` of a 3-broker deployment, brokers listed
// out of order, as the tools receive it.
const outputs = `{
  "region": {"sensitive": false, "type": "string", "value": "us-east-1"},
  "cluster_arn": {"sensitive": false, "type": "string", "value": "arn:aws:kafka:us-east-1:123456789012:cluster/demo/uuid-1"},
  "bootstrap_brokers_sasl_iam": {"sensitive": false, "type": "string", "value": "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098, b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,"},
  "databricks_msk_role_arn": {"sensitive": false, "type": "string", "value": "arn:aws:iam::123456789012:role/demo-databricks-msk"},
  "external_id_is_placeholder": {"sensitive": false, "type": "bool", "value": true},
  "databricks": {"sensitive": false, "type": "dynamic", "value": null},
  "brokers": {"sensitive": false, "type": ["list", "object"], "value": [
    {"broker_id": 3, "hostname": "b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "nlb_dns_name": "nlb-3.elb.amazonaws.com", "endpoint_service_name": "svc-3"},
    {"broker_id": 1, "hostname": "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "nlb_dns_name": "nlb-1.elb.amazonaws.com", "endpoint_service_name": "svc-1"},
    {"broker_id": 2, "hostname": "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "nlb_dns_name": "nlb-2.elb.amazonaws.com", "endpoint_service_name": "svc-2"}
  ]}
}`

func TestParse(t *testing.T) {
	t.Parallel()
	d, err := Parse(strings.NewReader(outputs))
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range d.Brokers {
		if b.ID != i+1 {
			t.Errorf("brokers[%d] is broker %d: not sorted by id", i, b.ID)
		}
	}
	if got := d.Brokers[1].Advertised(); got != "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098" {
		t.Errorf("Advertised() = %q", got)
	}
	if got := d.Brokers[2].Endpoint(); got != "nlb-3.elb.amazonaws.com:9098" {
		t.Errorf("Endpoint() = %q", got)
	}
	if got := d.Bootstrap(); len(got) != 2 || got[1] != "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098" {
		t.Errorf("Bootstrap() = %q", got)
	}
	if !d.ExternalIDIsPlaceholder || d.Databricks != nil {
		t.Errorf("placeholder = %v, databricks = %v", d.ExternalIDIsPlaceholder, d.Databricks)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ in, want string }{
		"not json":        {`terraform output`, "not the JSON of `terraform output -json`"},
		"nothing applied": {`{}`, "missing region, cluster_arn, bootstrap_brokers_sasl_iam, brokers, databricks_msk_role_arn"},
		"null brokers":    {strings.Replace(outputs, `"brokers": {"sensitive": false, "type": ["list", "object"], "value": [`, `"brokers": {"value": null}, "x": {"value": [`, 1), "missing brokers"},
		"duplicate id":    {strings.Replace(outputs, `"broker_id": 3`, `"broker_id": 1`, 1), "duplicate broker_id 1"},
		"no nlb":          {strings.Replace(outputs, `"nlb_dns_name": "nlb-2.elb.amazonaws.com"`, `"nlb_dns_name": ""`, 1), "(broker 2): empty nlb_dns_name"},
		"names not led by the hostname": {strings.Replace(outputs, `"broker_id": 2,`, `"broker_id": 2, "domain_names": ["boot-x.demo.abc123.c2.kafka.us-east-1.amazonaws.com"],`, 1),
			"(broker 2): domain_names must start with the broker's own hostname"},
		"a name given to two brokers": {strings.NewReplacer(
			`"broker_id": 2,`, `"broker_id": 2, "domain_names": ["b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-x.demo.abc123.c2.kafka.us-east-1.amazonaws.com"],`,
			`"broker_id": 3,`, `"broker_id": 3, "domain_names": ["b-3.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "boot-x.demo.abc123.c2.kafka.us-east-1.amazonaws.com"],`).Replace(outputs),
			"domain name boot-x.demo.abc123.c2.kafka.us-east-1.amazonaws.com is also broker"},
		"another broker's hostname as a name": {strings.Replace(outputs, `"broker_id": 2,`, `"broker_id": 2, "domain_names": ["b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"],`, 1),
			"domain name b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com is also broker 1's"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// Express brokers bootstrap through boot-… names that are no broker's: the
// outputs give each to one broker (domain_names after its hostname), with
// the zone's ID; older outputs without them read as [hostname].
func TestParseDomainNames(t *testing.T) {
	t.Parallel()
	in := strings.NewReplacer(
		`"broker_id": 1,`, `"broker_id": 1, "availability_zone_id": "use1-az1", "domain_names": ["b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "Boot-AA1.demo.abc123.c2.kafka.us-east-1.amazonaws.com."],`,
	).Replace(outputs)
	d, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	b1, b2 := d.Brokers[0], d.Brokers[1]
	if b1.AvailabilityZoneID != "use1-az1" {
		t.Errorf("availability_zone_id = %q", b1.AvailabilityZoneID)
	}
	if got := b1.Aliases(); len(got) != 1 || got[0] != "boot-aa1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" {
		t.Errorf("broker 1 Aliases() = %q", got)
	}
	if got := b1.Names(); len(got) != 2 || got[0] != b1.Hostname {
		t.Errorf("broker 1 Names() = %q", got)
	}
	if got := b2.Names(); len(got) != 1 || got[0] != b2.Hostname || len(b2.Aliases()) != 0 {
		t.Errorf("broker 2 (no domain_names) Names() = %q, Aliases() = %q", got, b2.Aliases())
	}
}

func TestDatabricksRule(t *testing.T) {
	t.Parallel()
	in := strings.Replace(outputs, `"value": null}`, `"value": {"credential_name": "demo-msk", "external_id": "e", "network_connectivity_config_id": "n", "rules": [{"broker_id": 1, "connection_state": "PENDING"}, {"broker_id": 2, "connection_state": "ESTABLISHED"}]}}`, 1)
	d, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if d.Databricks == nil || d.Databricks.CredentialName != "demo-msk" {
		t.Fatalf("databricks = %+v", d.Databricks)
	}
	if d.Databricks.Rules[0].Established() || !d.Databricks.Rules[1].Established() {
		t.Errorf("Established() wrong for %+v", d.Databricks.Rules)
	}
}

func TestParseVerifyCanary(t *testing.T) {
	t.Parallel()
	with := func(v string) string {
		return strings.Replace(outputs, `"databricks": {`, `"verify_canary": {"sensitive": false, "type": "dynamic", "value": `+v+`},
  "databricks": {`, 1)
	}
	d, err := Parse(strings.NewReader(with(`null`)))
	if err != nil || d.VerifyCanary != nil {
		t.Fatalf("verify_canary null: %+v, %v; want nil and no error", d.VerifyCanary, err)
	}
	d, err = Parse(strings.NewReader(with(`{"function_name": "demo-verify-canary", "event": "{\"region\":\"us-east-1\",\"brokers\":[{\"broker_id\":1,\"advertised\":\"b-1:9098\"}]}",
    "role_arn": "arn:aws:iam::123456789012:role/demo-verify-canary", "metric_namespace": "mskvpce/VerifyCanary", "alarm_arns": [], "sns_topic_arn": null,
    "endpoints": [{"broker_id": 1, "hostname": "b-1", "endpoint_service_id": "vpce-svc-1", "vpc_endpoint_id": "vpce-1", "zone_ids": ["use1-az1"], "state": "available"}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	c := d.VerifyCanary
	if c == nil || c.FunctionName != "demo-verify-canary" || !strings.Contains(c.Event, `"broker_id":1`) || len(c.Endpoints) != 1 || c.Endpoints[0].VPCEndpointID != "vpce-1" || c.Endpoints[0].ZoneIDs[0] != "use1-az1" {
		t.Errorf("verify_canary = %+v", c)
	}
	for name, v := range map[string]string{
		"function_name": `{"function_name": "", "event": "{}"}`,
		"event":         `{"function_name": "f", "event": "not json"}`,
	} {
		if _, err := Parse(strings.NewReader(with(v))); err == nil || !strings.Contains(err.Error(), "verify_canary."+name) {
			t.Errorf("bad %s: err %v, want one naming verify_canary.%s", name, err, name)
		}
	}
}
