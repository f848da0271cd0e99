package mskauthz

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// modulePolicy is the shape of the policy the msk-access-policy module
// renders for the Databricks role, written out for this test's cluster.
func modulePolicy(c Cluster, topicPattern string) string {
	cl := "arn:aws:kafka:" + c.Region + ":" + c.Account + ":"
	base := "/" + c.Name + "/" + c.UUID + "/"
	return `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Cluster", "Effect": "Allow",
     "Action": ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"],
     "Resource": "` + cl + "cluster/" + c.Name + "/" + c.UUID + `"},
    {"Sid": "Topics", "Effect": "Allow",
     "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData"],
     "Resource": "` + cl + "topic" + base + topicPattern + `"},
    {"Sid": "Groups", "Effect": "Allow",
     "Action": ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
     "Resource": "` + cl + "group" + base + `*"}
  ]
}`
}

type seen struct {
	key     int16
	verdict Verdict
}

// enforce makes a kfake cluster answer every request the authorizer denies
// with the authorizer's response, and records every verdict. Allowed
// requests are handled by kfake itself (they are relayed unchanged here; a
// trimmed relay would fail the test below).
func enforce(t *testing.T, c *kfake.Cluster, a *Authorizer) func() []seen {
	// The front learns topic IDs from the Metadata responses it filters;
	// here kfake answers by itself, so learn them up front.
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	td, err := kadm.NewClient(cl).ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range td {
		a.LearnTopicID(d.ID, d.Topic)
	}
	var mu sync.Mutex
	var log []seen
	c.Control(func(req kmsg.Request) (kmsg.Response, error, bool) {
		v := a.Check(req)
		mu.Lock()
		log = append(log, seen{req.Key(), v})
		mu.Unlock()
		if v.Allow {
			return nil, nil, false
		}
		c.KeepControl()
		if v.Response == nil {
			return nil, errors.New("closing connection"), true
		}
		return v.Response, nil, true
	})
	return func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), log...)
	}
}

// TestModulePolicyProducerConsumer runs a real franz-go idempotent producer
// and group consumer against kfake, every request checked with the module's
// policy: all of them must be allowed untouched, and creating a topic must be
// denied with TOPIC_AUTHORIZATION_FAILED.
func TestModulePolicyProducerConsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kfake cluster")
	}
	t.Parallel()
	const topic = "mskvpce-verify"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, err := ParsePolicy([]byte(modulePolicy(testCluster, "*")))
	if err != nil {
		t.Fatal(err)
	}
	a := &Authorizer{Cluster: testCluster, Policy: p}
	log := enforce(t, c, a)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	if err := prod.ProduceSync(ctx, &kgo.Record{Value: []byte("hello")}).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	cons, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumerGroup("verify-group"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for got == 0 {
		fs := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consume: %v (errors %v)", err, fs.Errors())
		}
		fs.EachError(func(_ string, _ int32, err error) { t.Errorf("fetch: %v", err) })
		got += fs.NumRecords()
	}
	if err := cons.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	cons.Close() // leaves the group

	keys := map[int16]bool{}
	for _, s := range log() {
		keys[s.key] = true
		if !s.verdict.Allow || len(s.verdict.Denied) != 0 {
			t.Errorf("%s denied under the module policy: %v", kmsg.NameForKey(s.key), s.verdict.Denied)
		}
	}
	for _, k := range []int16{0, 1, 3, 8, 9, 10, 11, 13, 14, 22} { // Heartbeat needs a 3s wait; TestCheck covers it
		if !keys[k] {
			t.Errorf("the clients never sent %s; the test does not cover it", kmsg.NameForKey(k))
		}
	}

	adm := kadm.NewClient(prod)
	resp, err := adm.CreateTopic(ctx, 1, 1, nil, "not-allowed")
	if err == nil {
		err = resp.Err
	}
	if !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Errorf("CreateTopic under the module policy: %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}
}

// TestPrefixPolicyNeedsWriteDataIdempotently: with WriteData on a topic
// prefix only, an idempotent producer (franz-go's and Kafka 3's default) is
// refused at InitProducerId with CLUSTER_AUTHORIZATION_FAILED, as MSK does;
// a policy scoped to a prefix must add kafka-cluster:WriteDataIdempotently.
func TestPrefixPolicyNeedsWriteDataIdempotently(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kfake cluster")
	}
	t.Parallel()
	const topic = "mskvpce-verify"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := &Authorizer{Cluster: testCluster, Policy: mustPolicyDoc(t, modulePolicy(testCluster, "mskvpce-*"))}
	enforce(t, c, a)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic), kgo.RecordRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	err = prod.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr()
	if !errors.Is(err, kerr.ClusterAuthorizationFailed) {
		t.Fatalf("idempotent produce with a prefix-scoped WriteData: %v, want CLUSTER_AUTHORIZATION_FAILED", err)
	}
	// Without idempotence the same policy is enough.
	plain, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic(topic), kgo.DisableIdempotentWrite())
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.ProduceSync(ctx, &kgo.Record{Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatalf("non-idempotent produce: %v", err)
	}
}

func mustPolicyDoc(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
