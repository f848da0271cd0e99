package localmsk

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

// assignedLeaders returns, per topic of a CreateTopics request that carries
// an explicit replica assignment, the broker each partition's leadership
// belongs to: its first listed replica, the preferred leader Kafka elects
// when it creates the partition. Nil when nothing is to be placed
// (no assignment, or validate-only).
func assignedLeaders(req kmsg.Request) map[string]map[int32]int32 {
	ct, ok := req.(*kmsg.CreateTopicsRequest)
	if !ok || ct.ValidateOnly {
		return nil
	}
	var out map[string]map[int32]int32
	for _, t := range ct.Topics {
		for _, a := range t.ReplicaAssignment {
			if len(a.Replicas) == 0 {
				continue
			}
			if out == nil {
				out = map[string]map[int32]int32{}
			}
			if out[t.Topic] == nil {
				out[t.Topic] = map[int32]int32{}
			}
			out[t.Topic][a.Partition] = a.Replicas[0]
		}
	}
	return out
}

// placeLeaders returns a filter for the CreateTopics response that moves the
// leadership of every partition of every created topic to its first
// assigned replica before the client sees the response. kfake honours the
// partition count of a replica assignment but picks leaders at random;
// Kafka makes the first replica the leader, and clients (the verifier)
// rely on that to have a partition led by each broker.
func (e *Env) placeLeaders(leaders map[string]map[int32]int32) func(kmsg.Response) {
	return func(r kmsg.Response) {
		resp, ok := r.(*kmsg.CreateTopicsResponse)
		if !ok || e.cluster == nil {
			return
		}
		for _, t := range resp.Topics {
			if t.ErrorCode != 0 {
				continue
			}
			for p, b := range leaders[t.Topic] {
				if err := e.cluster.MoveTopicPartition(t.Topic, p, b); err != nil {
					e.log.Warn("cannot make the first assigned replica the leader", "topic", t.Topic, "partition", p, "broker", b, "err", err)
				}
			}
		}
	}
}
