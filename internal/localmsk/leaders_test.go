package localmsk

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestCreateTopicsPlacesLeadersOnFirstReplica: a topic created through the
// front with an explicit replica assignment has each partition led by its
// first listed replica, as Kafka (and MSK) elect them; validate-only creates
// nothing and moves nothing.
func TestCreateTopicsPlacesLeadersOnFirstReplica(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{Policy: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kafka-cluster:*"],"Resource":["*"]}]}`)})
	info := e.Info()
	cl := newKgo(t, info, false, awsMSKIAM(info.Credentials))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Several partitions per broker, in an order a random placement would
	// rarely reproduce.
	want := []int32{3, 1, 2, 2, 3, 1, 1, 3}
	create := func(topic string, validateOnly bool) {
		t.Helper()
		req := kmsg.NewPtrCreateTopicsRequest()
		req.TimeoutMillis = 5000
		req.ValidateOnly = validateOnly
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = topic, -1, -1
		for p, leader := range want {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition = int32(p)
			a.Replicas = []int32{leader, leader%3 + 1, (leader+1)%3 + 1}
			rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
		}
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("CreateTopics %s: %v", topic, err)
		}
		if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 {
			t.Fatalf("CreateTopics %s: %+v", topic, resp.Topics)
		}
	}
	leaders := func(topic string) map[int32]int32 {
		t.Helper()
		req := kmsg.NewPtrMetadataRequest()
		mt := kmsg.NewMetadataRequestTopic()
		mt.Topic = &topic
		req.Topics = append(req.Topics, mt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("Metadata %s: %v", topic, err)
		}
		out := map[int32]int32{}
		for _, rt := range resp.Topics {
			if rt.ErrorCode != 0 {
				return nil
			}
			for _, p := range rt.Partitions {
				out[p.Partition] = p.Leader
			}
		}
		return out
	}

	create("placed", false)
	got := leaders("placed")
	if len(got) != len(want) {
		t.Fatalf("topic placed has %d partitions, want %d: %v", len(got), len(want), got)
	}
	for p, l := range want {
		if got[int32(p)] != l {
			t.Errorf("partition %d led by broker %d, want %d (its first assigned replica)", p, got[int32(p)], l)
		}
	}

	create("validate-only", true)
	if got := leaders("validate-only"); len(got) != 0 {
		t.Errorf("validate-only CreateTopics created partitions: %v", got)
	}
}
