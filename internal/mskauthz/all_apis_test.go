package mskauthz

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

var knownID = [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}

// frontAPIs are allowed untouched: the front handles SASL and ApiVersions,
// and Kafka authorizes no resource for client telemetry.
var frontAPIs = map[int16]bool{17: true, 18: true, 36: true, 71: true, 72: true}

// filterOnlyAPIs always relay and filter what the principal may not see.
var filterOnlyAPIs = map[int16]bool{3: true, 16: true, 66: true}

// TestEveryAPIDeniedWithoutPermissions checks every API kmsg knows, at its
// oldest and newest versions, against a policy that allows only Connect:
// each is answered locally with a response of its own kind and version that
// encodes, carries at least one error code, and names the missing permission.
func TestEveryAPIDeniedWithoutPermissions(t *testing.T) {
	t.Parallel()
	a := &Authorizer{Cluster: testCluster, Policy: mustPolicy(t, stmt("Allow", acts("Connect"), clusterARN))}
	a.LearnTopicID(knownID, "t1")
	for key := int16(0); key <= kmsg.MaxKey; key++ {
		proto := kmsg.RequestForKey(key)
		if proto == nil {
			continue
		}
		for version := int16(0); version <= proto.MaxVersion(); version++ {
			req := kmsg.RequestForKey(key)
			fill(reflect.ValueOf(req).Elem(), knownID, 0)
			req.SetVersion(version)
			name := kmsg.NameForKey(key)
			v := a.Check(req)
			switch {
			case frontAPIs[key]:
				if !v.Allow || v.Relay != req || len(v.Denied) != 0 {
					t.Errorf("%s v%d: want relayed untouched, got %+v", name, version, v)
				}
				continue
			case filterOnlyAPIs[key]:
				if !v.Allow || v.Relay == nil || v.Filter == nil {
					t.Errorf("%s v%d: want relayed with a filter, got %+v", name, version, v)
				}
				continue
			}
			if v.Allow {
				t.Errorf("%s v%d: allowed with only Connect (relay %+v)", name, version, v.Relay)
				continue
			}
			if len(v.Denied) == 0 {
				t.Errorf("%s v%d: denied without naming a missing permission", name, version)
			}
			if key == 0 && v.Response == nil && v.CloseConnection {
				continue // acks=0 produce
			}
			if v.Response == nil {
				t.Errorf("%s v%d: denied without a response", name, version)
				continue
			}
			if v.Response.Key() != key || v.Response.GetVersion() != version {
				t.Errorf("%s v%d: response is key %d v%d", name, version, v.Response.Key(), v.Response.GetVersion())
			}
			if len(errorCodes(v.Response)) == 0 {
				t.Errorf("%s v%d: denial response carries no error code: %+v", name, version, v.Response)
			}
			for _, p := range nilBytes(reflect.ValueOf(v.Response).Elem(), "") {
				// Kafka sends empty bytes (records, assignments) in errored
				// entries; null is a decode error for clients like sarama
				// wherever the field is not nullable.
				t.Errorf("%s v%d: %s is null, want empty", name, version, p)
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s v%d: encoding the denial panicked: %v", name, version, r)
					}
				}()
				b := v.Response.AppendTo(nil)
				dec := kmsg.ResponseForKey(key)
				dec.SetVersion(version)
				if err := dec.ReadFrom(b); err != nil {
					t.Errorf("%s v%d: denial response does not decode: %v", name, version, err)
				}
			}()
		}
	}
}

// TestEveryAPIAllowedWithAllPermissions: with kafka-cluster:* every client API
// is relayed as is; only inter-broker APIs stay denied (IAM has no action for
// them).
func TestEveryAPIAllowedWithAllPermissions(t *testing.T) {
	t.Parallel()
	a := &Authorizer{Cluster: testCluster, Policy: mustPolicy(t, stmt("Allow", []string{"kafka-cluster:*"}, "*"))}
	a.LearnTopicID(knownID, "t1")
	for key := int16(0); key <= kmsg.MaxKey; key++ {
		proto := kmsg.RequestForKey(key)
		if proto == nil {
			continue
		}
		for _, version := range []int16{0, proto.MaxVersion()} {
			req := kmsg.RequestForKey(key)
			fill(reflect.ValueOf(req).Elem(), knownID, 0)
			req.SetVersion(version)
			name := kmsg.NameForKey(key)
			v := a.Check(req)
			internal := internalAPIs[kmsg.Key(key)] || (key >= 38 && key <= 41) ||
				(key == 24 && version >= 4) // batched AddPartitionsToTxn
			if internal {
				if v.Allow {
					t.Errorf("%s v%d: inter-broker API allowed", name, version)
				}
				continue
			}
			if !v.Allow || v.Relay != req || len(v.Denied) != 0 {
				t.Errorf("%s v%d: want relayed untouched, got allow=%v relay-same=%v denied=%v", name, version, v.Allow, v.Relay == req, v.Denied)
			}
		}
	}
}

// nilBytes returns the paths of every nil []byte field in v (a struct),
// walking nested structs and slices of structs.
func nilBytes(v reflect.Value, path string) []string {
	var out []string
	for i := 0; i < v.NumField(); i++ {
		f, name := v.Field(i), path+"."+v.Type().Field(i).Name
		switch {
		case f.Type() == reflect.TypeFor[[]byte]():
			if f.IsNil() {
				out = append(out, name)
			}
		case f.Kind() == reflect.Struct:
			out = append(out, nilBytes(f, name)...)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
			for j := 0; j < f.Len(); j++ {
				out = append(out, nilBytes(f.Index(j), fmt.Sprintf("%s[%d]", name, j))...)
			}
		}
	}
	return out
}
