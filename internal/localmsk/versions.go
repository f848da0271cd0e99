package localmsk

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// DefaultKafkaVersion is the Kafka version terraform/modules/msk-vpce
// deploys by default (its kafka_version; a test keeps the two equal).
const DefaultKafkaVersion = "3.9.x"

// kafkaVersions are the MSK Kafka versions the brokers can speak, each with
// franz-go's kversion table of that Apache Kafka release: what a broker of
// that release advertises in ApiVersions. MSK's 3.x versions without the
// ".kraft" suffix run ZooKeeper brokers (kversion's 3.x tables are those);
// 4.x is KRaft only.
var kafkaVersions = []struct {
	name  string
	table func() *kversion.Versions
}{
	{"3.6.0", kversion.V3_6_0},
	{"3.7.x", kversion.V3_7_0},
	{"3.8.x", kversion.V3_8_0},
	{"3.9.x", kversion.V3_9_0},
	{"4.0.x", kversion.V4_0_0},
	{"4.1.x", kversion.V4_1_0},
}

// KafkaVersions lists the values Options.KafkaVersion accepts.
func KafkaVersions() []string {
	names := make([]string, len(kafkaVersions))
	for i, v := range kafkaVersions {
		names[i] = v.name
	}
	return names
}

// apiTable is one Kafka version's request keys with their version ranges.
type apiTable struct {
	version string
	fresh   func() *kversion.Versions // a new copy for kfake.MaxVersions
	keys    map[int16]kmsg.ApiVersionsResponseApiKey
	sorted  []kmsg.ApiVersionsResponseApiKey
}

// supports answers whether key at version is one the broker serves.
func (t *apiTable) supports(key, version int16) (kmsg.ApiVersionsResponseApiKey, bool) {
	k, ok := t.keys[key]
	return k, ok && version >= k.MinVersion && version <= k.MaxVersion
}

var tables sync.Map // version name -> *apiTable, built once per process

// lookupKafkaVersion resolves an MSK version string ("3.9.x"; "3.9" is
// accepted too) to its API table.
func lookupKafkaVersion(name string) (*apiTable, error) {
	want := name
	if strings.Count(want, ".") == 1 {
		want += ".x"
	}
	for _, v := range kafkaVersions {
		if v.name != want && !(strings.HasSuffix(v.name, ".0") && want == strings.TrimSuffix(v.name, ".0")+".x") {
			continue
		}
		if t, ok := tables.Load(v.name); ok {
			return t.(*apiTable), nil
		}
		t := buildTable(v.name, v.table)
		tables.Store(v.name, t)
		return t, nil
	}
	hint := ""
	if strings.HasSuffix(name, ".kraft") {
		hint = " (franz-go's kversion has no KRaft table for 3.x; the ZooKeeper table of the same release is what MSK's plain 3.x versions run)"
	}
	return nil, fmt.Errorf("Kafka version %q is not one localmsk speaks: use one of %s%s", name, strings.Join(KafkaVersions(), ", "), hint)
}

// buildTable reads the minimum and maximum version of every key from
// kversion. kversion exposes maxima directly but minima (Kafka 4.0 removed
// old versions, KIP-896) only through Equal, which compares both: the
// minimum of key k is the m for which the table reduced to k equals the
// one-key table (k, m, max).
func buildTable(name string, table func() *kversion.Versions) *apiTable {
	t := &apiTable{version: name, fresh: table, keys: map[int16]kmsg.ApiVersionsResponseApiKey{}}
	vs := table()
	var all kmsg.ApiVersionsResponse
	vs.EachMaxKeyVersion(func(k, v int16) {
		all.ApiKeys = append(all.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: k, MaxVersion: v})
	})
	if !kversion.FromApiVersionsResponse(&all).Equal(vs) { // some minimum is above 0
		for i, k := range all.ApiKeys {
			only := table()
			only.EachMaxKeyVersion(func(o, _ int16) {
				if o != k.ApiKey {
					only.SetMaxKeyVersion(o, -1)
				}
			})
			for m := int16(0); m <= k.MaxVersion; m++ {
				one := kmsg.ApiVersionsResponse{ApiKeys: []kmsg.ApiVersionsResponseApiKey{{ApiKey: k.ApiKey, MinVersion: m, MaxVersion: k.MaxVersion}}}
				if kversion.FromApiVersionsResponse(&one).Equal(only) {
					all.ApiKeys[i].MinVersion = m
					break
				}
			}
		}
	}
	t.sorted = all.ApiKeys
	slices.SortFunc(t.sorted, func(a, b kmsg.ApiVersionsResponseApiKey) int { return int(a.ApiKey) - int(b.ApiKey) })
	for _, k := range t.sorted {
		t.keys[k.ApiKey] = k
	}
	return t
}

// advertise replaces the key table of a successful ApiVersions answer with
// this Kafka version's; kfake's own table has its implementation's floors
// (no SaslHandshake v0, for one), not the release's.
func (t *apiTable) advertise(resp kmsg.Response) {
	if r := resp.(*kmsg.ApiVersionsResponse); r.ErrorCode == 0 {
		r.ApiKeys = slices.Clone(t.sorted)
	}
}

// upgradeForKfake raises a request that the release serves but kfake only
// from a later version, where the later version asks the same thing:
// OffsetForLeaderEpoch v0-v2 (librdkafka 2.1+ sends v2) becomes v3, which
// adds only the consumer's ReplicaID (-1). The answer goes back at the
// client's version (request.version). Produce v0-v2 and Fetch v0-v3
// (message sets before magic 2) have no such equivalent; kfake closes
// those connections, and no maintained client sends them to a 3.x broker.
func upgradeForKfake(r request) request {
	if q, ok := r.req.(*kmsg.OffsetForLeaderEpochRequest); ok && q.Version < 3 {
		up := *q
		up.Version = 3
		up.ReplicaID = -1
		r.req = &up
		r.raw = appendRequest(nil, r.clientID, &up, r.corr)
	}
	return r
}
