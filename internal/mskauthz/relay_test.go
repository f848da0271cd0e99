package mskauthz

import (
	"context"
	"hash/crc32"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// TestPartialRelayAgainstKfake relays the trimmed requests to a real kfake
// broker and runs the Filter on its real responses, as the front does.
func TestPartialRelayAgainstKfake(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kfake cluster")
	}
	t.Parallel()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "t1", "t2", "ok-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Kafka 3.0 versions name topics (no topic IDs), which keeps the
	// assertions by name simple; ID handling is covered in TestCheck.
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.MaxVersions(kversion.V3_0_0()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	a := &Authorizer{Cluster: testCluster, Policy: mustPolicy(t, readerStmts...)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	roundTrip := func(req kmsg.Request) kmsg.Response {
		t.Helper()
		v := a.Check(req)
		if !v.Allow {
			return v.Response
		}
		resp, err := cl.Request(ctx, v.Relay)
		if err != nil {
			t.Fatalf("relay %s: %v", kmsg.NameForKey(req.Key()), err)
		}
		if v.Filter != nil {
			v.Filter(resp)
		}
		return resp
	}

	t.Run("metadata for all topics", func(t *testing.T) {
		resp := roundTrip(metadataReq(11, false)).(*kmsg.MetadataResponse)
		if got := names(resp, "Topics"); !slices.Equal(got, []string{"ok-a", "t1"}) {
			t.Errorf("visible topics %v, want [ok-a t1]", got)
		}
		if len(resp.Brokers) != 1 {
			t.Errorf("brokers %v, want kfake's one broker", resp.Brokers)
		}
	})
	t.Run("metadata for named topics", func(t *testing.T) {
		resp := roundTrip(metadataReq(11, false, "t1", "t2")).(*kmsg.MetadataResponse)
		got := map[string]int16{}
		for _, tp := range resp.Topics {
			got[*tp.Topic] = tp.ErrorCode
		}
		if want := map[string]int16{"t1": 0, "t2": 29}; !maps.Equal(got, want) {
			t.Errorf("topic errors %v, want %v", got, want)
		}
		if len(resp.Brokers) != 1 {
			t.Errorf("brokers %v, want kfake's one broker", resp.Brokers)
		}
	})
	t.Run("produce to an allowed and a denied topic", func(t *testing.T) {
		req := produceReq(-1, "t1", "t2")
		for i := range req.Topics {
			for j := range req.Topics[i].Partitions {
				req.Topics[i].Partitions[j].Records = oneBatch(t)
			}
		}
		resp := roundTrip(req).(*kmsg.ProduceResponse)
		got := errorCodes(resp)
		if want := map[string]int16{"t2/0": 29, "t2/1": 29}; !maps.Equal(got, want) {
			t.Errorf("produce errors %v, want %v", got, want)
		}
		if n := len(names(resp, "Topics")); n != 2 {
			t.Errorf("response has %d topics, want both t1 and t2", n)
		}
	})
}

// oneBatch is a valid v2 record batch with one record.
func oneBatch(t *testing.T) []byte {
	t.Helper()
	rec := kmsg.Record{Value: []byte("v")}
	var recs []byte
	recs = rec.AppendTo(recs)
	b := kmsg.RecordBatch{
		FirstOffset: 0, PartitionLeaderEpoch: -1, Magic: 2,
		LastOffsetDelta: 0, FirstTimestamp: 1, MaxTimestamp: 1,
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1, NumRecords: 1, Records: recs,
	}
	raw := b.AppendTo(nil)
	b.Length = int32(len(raw) - 12)
	raw = b.AppendTo(nil)
	b.CRC = int32(crc32c(raw[21:]))
	return b.AppendTo(nil)
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }
