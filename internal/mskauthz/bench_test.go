package mskauthz

import (
	"testing"
)

// BenchmarkCheckProduce is the per-request cost the front adds to a Produce:
// one topic with 3 partitions under the module-shaped policy.
func BenchmarkCheckProduce(b *testing.B) {
	a := &Authorizer{Cluster: testCluster, Policy: mustPolicyDoc(b, modulePolicy(testCluster, "*"))}
	req := produceReq(-1, "mskvpce-verify")
	b.ReportAllocs()
	for b.Loop() {
		if v := a.Check(req); !v.Allow || v.Relay != req {
			b.Fatal("denied")
		}
	}
}

// BenchmarkCheckProducePartial: two topics, one denied, so a trimmed copy and
// a filter are built.
func BenchmarkCheckProducePartial(b *testing.B) {
	a := &Authorizer{Cluster: testCluster, Policy: mustPolicy(b, readerStmts...)}
	req := produceReq(-1, "t1", "t2")
	b.ReportAllocs()
	for b.Loop() {
		if v := a.Check(req); !v.Allow || v.Filter == nil {
			b.Fatal("not partial")
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	p := mustPolicyDoc(b, modulePolicy(testCluster, "*"))
	arn := testCluster.TopicARN("mskvpce-verify")
	b.ReportAllocs()
	for b.Loop() {
		if p.Decide(ActWriteData, arn) != Allow {
			b.Fatal("denied")
		}
	}
}
