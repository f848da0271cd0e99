package tfoutputs

import (
	"bytes"
	"testing"
)

// FuzzParse: whatever a --tf-outputs file holds, Parse does not panic, and
// what it accepts keeps the invariants every tool relies on: valid, at
// least one broker, brokers sorted by a unique id, each with a hostname
// and an NLB, a bootstrap string.
func FuzzParse(f *testing.F) {
	f.Add([]byte(outputs))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"region":{"value":"us-east-1"},"cluster_arn":{"value":"a"},"bootstrap_brokers_sasl_iam":{"value":"b:9098"},"databricks_msk_role_arn":{"value":"r"},"brokers":{"value":[{"broker_id":1,"hostname":"h","nlb_dns_name":"n"},{"broker_id":1,"hostname":"h","nlb_dns_name":"n"}]}}`))
	f.Add([]byte(`{"brokers":{"value":null},"brokers":{"value":[]}}`))
	f.Add([]byte(`{"region":{"value":"us-east-1"},"cluster_arn":{"value":"a"},"bootstrap_brokers_sasl_iam":{"value":"b:9098"},"databricks_msk_role_arn":{"value":"r"},"brokers":{"value":[{"broker_id":1e99}]}}`))
	f.Add([]byte(`{"verify_canary":{"value":{"function_name":"f","event":"{"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("accepted outputs that do not validate: %v", err)
		}
		if len(d.Brokers) == 0 || len(d.Bootstrap()) == 0 {
			t.Fatalf("accepted outputs without brokers or bootstrap: %+v", d)
		}
		for i, br := range d.Brokers {
			if br.Hostname == "" || br.NLBDNSName == "" {
				t.Fatalf("broker %d accepted without hostname or NLB: %+v", br.ID, br)
			}
			if i > 0 && d.Brokers[i-1].ID >= br.ID {
				t.Fatalf("brokers not sorted by a unique id: %d then %d", d.Brokers[i-1].ID, br.ID)
			}
		}
	})
}
