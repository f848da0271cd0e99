package localmsk

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// upstream is the independent source of each version's table: franz-go's
// kversion, which records what every Apache Kafka release's brokers
// advertise.
var upstream = map[string]func() *kversion.Versions{
	"3.6.0": kversion.V3_6_0,
	"3.7.x": kversion.V3_7_0,
	"3.8.x": kversion.V3_8_0,
	"3.9.x": kversion.V3_9_0,
	"4.0.x": kversion.V4_0_0,
	"4.1.x": kversion.V4_1_0,
}

// TestAdvertisedVersionsAreTheRelease: what a client reads from ApiVersions
// through an NLB stand-in is, key by key, minimum and maximum, the table of
// the chosen Kafka release, at every ApiVersions version a client may use.
func TestAdvertisedVersionsAreTheRelease(t *testing.T) {
	t.Parallel()
	if got := KafkaVersions(); len(got) != len(upstream) {
		t.Fatalf("KafkaVersions() = %v; this test knows %d versions: add the new one here", got, len(upstream))
	}
	for _, name := range KafkaVersions() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := startEnv(t, Options{KafkaVersion: name, Brokers: 1})
			if e.Info().KafkaVersion != name {
				t.Errorf("info.json kafka_version %q, want %q", e.Info().KafkaVersion, name)
			}
			want := upstream[name]()
			maxAV, _ := want.LookupMaxKeyVersion(18)
			for v := int16(0); v <= maxAV; v++ {
				c := dialRaw(t, e.Info(), 1)
				req := kmsg.NewPtrApiVersionsRequest()
				req.Version = v
				req.ClientSoftwareName, req.ClientSoftwareVersion = "localmsk-test", "1.0"
				resp, err := c.roundTrip(req)
				if err != nil {
					t.Fatalf("ApiVersions v%d: %v", v, err)
				}
				r := resp.(*kmsg.ApiVersionsResponse)
				if r.ErrorCode != 0 {
					t.Fatalf("ApiVersions v%d: %v", v, kerr.ErrorForCode(r.ErrorCode))
				}
				if got := kversion.FromApiVersionsResponse(r); !got.Equal(want) {
					t.Errorf("ApiVersions v%d: the advertised table is not Kafka %s's:\n%s", v, name, tableDiff(r, e.api))
				}
			}
		})
	}
}

func tableDiff(r *kmsg.ApiVersionsResponse, want *apiTable) string {
	var out string
	got := map[int16]kmsg.ApiVersionsResponseApiKey{}
	for _, k := range r.ApiKeys {
		got[k.ApiKey] = k
	}
	for _, w := range want.sorted {
		if g, ok := got[w.ApiKey]; !ok || g.MinVersion != w.MinVersion || g.MaxVersion != w.MaxVersion {
			out += kmsg.NameForKey(w.ApiKey) + ": got " + rangeString(g, ok) + ", want " + rangeString(w, true) + "\n"
		}
		delete(got, w.ApiKey)
	}
	for _, g := range got {
		out += kmsg.NameForKey(g.ApiKey) + ": advertised, not in the release\n"
	}
	return out
}

func rangeString(k kmsg.ApiVersionsResponseApiKey, ok bool) string {
	if !ok {
		return "absent"
	}
	return fmt.Sprintf("v%d-v%d", k.MinVersion, k.MaxVersion)
}

// TestVersionFloorsAndCeilings: facts of the releases checked by hand against
// Apache Kafka's own release notes, so that a wrong derivation of kversion's
// minima (or a kversion bug) shows: 3.9 still serves SaslHandshake v0 and
// Fetch v0, which KIP-896 removed in 4.0.
func TestVersionFloorsAndCeilings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version  string
		key      int16
		min, max int16
	}{
		{"3.9.x", 17, 0, 1}, // SaslHandshake: librdkafka needs v0 advertised
		{"3.9.x", 36, 0, 2}, // SaslAuthenticate
		{"3.9.x", 1, 0, 17}, // Fetch
		{"3.9.x", 0, 0, 11}, // Produce
		{"4.1.x", 1, 4, 18}, // Fetch: KIP-896 floor
		{"4.1.x", 2, 1, 10}, // ListOffsets
		{"4.1.x", 11, 0, 9}, // JoinGroup: v0/v1 restored in 4.1 (KAFKA-19444)
		{"4.0.x", 11, 2, 9}, // JoinGroup in 4.0
		{"4.1.x", 17, 0, 1}, // SaslHandshake
		{"4.1.x", 18, 0, 4}, // ApiVersions
		{"4.1.x", 23, 2, 4}, // OffsetForLeaderEpoch
		{"3.9.x", 23, 0, 4}, // OffsetForLeaderEpoch
	} {
		tab, err := lookupKafkaVersion(tc.version)
		if err != nil {
			t.Fatal(err)
		}
		k, ok := tab.keys[tc.key]
		switch {
		case tc.min < 0 && ok:
			t.Errorf("Kafka %s: %s advertised v%d-v%d, want absent", tc.version, kmsg.NameForKey(tc.key), k.MinVersion, k.MaxVersion)
		case tc.min >= 0 && (!ok || k.MinVersion != tc.min || k.MaxVersion != tc.max):
			t.Errorf("Kafka %s: %s %s, want v%d-v%d", tc.version, kmsg.NameForKey(tc.key), rangeString(k, ok), tc.min, tc.max)
		}
	}
}

// TestOutOfRangeVersionsRefused: a request below the release's floor or above
// its ceiling is refused like a Kafka broker refuses it: ApiVersions with
// UNSUPPORTED_VERSION and the versions it does serve, anything else by
// closing the connection.
func TestOutOfRangeVersionsRefused(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{KafkaVersion: "4.1.x", Brokers: 1})
	info := e.Info()

	c := dialRaw(t, info, 1)
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 5 // Kafka 4.2's
	c.send(req)
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	frame, err := readFrame(c.br)
	if err != nil {
		t.Fatalf("ApiVersions v5: %v", err)
	}
	v0 := kmsg.NewPtrApiVersionsResponse() // the answer is always v0
	if _, err := parseResponse(frame, v0); err != nil {
		t.Fatalf("ApiVersions v5 answer: %v", err)
	}
	if v0.ErrorCode != kerr.UnsupportedVersion.Code || len(v0.ApiKeys) != 1 || v0.ApiKeys[0].MaxVersion != 4 {
		t.Errorf("ApiVersions v5 on Kafka 4.1: %+v, want UNSUPPORTED_VERSION with ApiVersions v0-v4", v0)
	}

	for _, tc := range []struct {
		name string
		req  kmsg.Request
	}{
		{"Fetch v3 (below 4.x's floor)", func() kmsg.Request { r := kmsg.NewPtrFetchRequest(); r.Version = 3; return r }()},
		{"ListOffsets v0 (below 4.x's floor)", func() kmsg.Request { r := kmsg.NewPtrListOffsetsRequest(); r.Version = 0; return r }()},
		{"Metadata v14 (above 4.1's ceiling)", func() kmsg.Request { r := kmsg.NewPtrMetadataRequest(); r.Version = 14; return r }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := authenticatedRaw(t, info)
			c.send(tc.req)
			c.expectClosed()
		})
	}
}

func authenticatedRaw(t *testing.T, info Info) *rawClient {
	t.Helper()
	c := dialRaw(t, info, 1)
	c.handshake(mechOAuthBearer)
	resp, err := c.authenticate(clientFirst(t, oauthBearer(info.Region, info.Credentials), info.Brokers[0].Advertised()))
	if err != nil || resp.ErrorCode != 0 {
		t.Fatalf("SaslAuthenticate: %v / %d", err, resp.ErrorCode)
	}
	if _, err := c.roundTrip(metadataReq()); err != nil { // the positive control
		t.Fatalf("Metadata v12 after authentication: %v", err)
	}
	return c
}

// TestSASLHandshakeV0: after SaslHandshake v0 (which Kafka 3.9 still serves)
// the token and the answer are bare frames, and a bad token closes the
// connection without an answer.
func TestSASLHandshakeV0(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{Brokers: 1})
	info := e.Info()
	host := info.Brokers[0].Advertised()
	bare := func(c *rawClient, token []byte) {
		t.Helper()
		hs := kmsg.NewPtrSASLHandshakeRequest()
		hs.Version = 0
		hs.Mechanism = mechOAuthBearer
		resp, err := c.roundTrip(hs)
		if err != nil || resp.(*kmsg.SASLHandshakeResponse).ErrorCode != 0 {
			t.Fatalf("SaslHandshake v0: %v %+v", err, resp)
		}
		if _, err := c.conn.Write(binary.BigEndian.AppendUint32(nil, uint32(len(token)))); err != nil {
			t.Fatal(err)
		}
		if _, err := c.conn.Write(token); err != nil {
			t.Fatal(err)
		}
	}

	c := dialRaw(t, info, 1)
	bare(c, clientFirst(t, oauthBearer(info.Region, info.Credentials), host))
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var size [4]byte
	if _, err := io.ReadFull(c.br, size[:]); err != nil {
		t.Fatalf("the bare SASL answer: %v", err)
	}
	if n := binary.BigEndian.Uint32(size[:]); n != 0 {
		// OAUTHBEARER's server answer is empty; read it anyway.
		if _, err := io.ReadFull(c.br, make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.roundTrip(metadataReq()); err != nil {
		t.Fatalf("Metadata after a v0 authentication: %v", err)
	}

	bad := dialRaw(t, info, 1)
	bare(bad, clientFirst(t, oauthBearer(info.Region, newCredentials()), host))
	bad.expectClosed()
}

func TestUnknownKafkaVersion(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"2.8.1", "3.9.x.kraft", "latest", "5.0.x"} {
		_, err := Start(t.Context(), Options{KafkaVersion: v})
		if err == nil {
			t.Errorf("KafkaVersion %q: started", v)
			continue
		}
		for _, name := range KafkaVersions() {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("KafkaVersion %q: %v does not list %s", v, err, name)
			}
		}
	}
	for _, v := range []string{"3.9", "4.1", "3.6"} {
		if _, err := lookupKafkaVersion(v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// TestDefaultKafkaVersionIsTheModules keeps DefaultKafkaVersion equal to the
// kafka_version default of terraform/modules/msk-vpce.
func TestDefaultKafkaVersionIsTheModules(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "terraform", "modules", "msk-vpce", "variables.tf")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclparse.NewParser().ParseHCL(src, path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "variable" || len(b.Labels) != 1 || b.Labels[0] != "kafka_version" {
			continue
		}
		attr, ok := b.Body.Attributes["default"]
		if !ok {
			t.Fatalf("%s: variable kafka_version has no default", path)
		}
		v, diags := attr.Expr.Value(nil)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if v.AsString() != DefaultKafkaVersion {
			t.Errorf("%s: kafka_version defaults to %q, localmsk to %q: keep them equal", path, v.AsString(), DefaultKafkaVersion)
		}
		return
	}
	t.Fatalf("%s: no variable \"kafka_version\"", path)
}

// TestOffsetForLeaderEpochOldVersions: Kafka 3.9 serves OffsetForLeaderEpoch
// v0-v2 (librdkafka 2.1+ validates offsets with v2); kfake from v3, so the
// front upgrades and answers at the client's version.
func TestOffsetForLeaderEpochOldVersions(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{Brokers: 1})
	info := e.Info()
	c := authenticatedRaw(t, info)
	for v := int16(0); v <= 4; v++ {
		req := kmsg.NewPtrOffsetForLeaderEpochRequest()
		req.Version = v
		tp := kmsg.NewOffsetForLeaderEpochRequestTopic()
		tp.Topic = info.VerificationTopic
		p := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
		p.LeaderEpoch = 0
		tp.Partitions = append(tp.Partitions, p)
		req.Topics = append(req.Topics, tp)
		resp, err := c.roundTrip(req)
		if err != nil {
			t.Fatalf("OffsetForLeaderEpoch v%d: %v", v, err)
		}
		r := resp.(*kmsg.OffsetForLeaderEpochResponse)
		if len(r.Topics) != 1 || len(r.Topics[0].Partitions) != 1 {
			t.Fatalf("OffsetForLeaderEpoch v%d: %+v", v, r)
		}
		if p := r.Topics[0].Partitions[0]; p.ErrorCode != 0 || p.EndOffset != 0 {
			t.Errorf("OffsetForLeaderEpoch v%d: partition answer %+v, want no error and end offset 0", v, p)
		}
	}
}
