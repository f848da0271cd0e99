package localmsk

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestSaramaOAuthBearerThroughNLBs produces to and consumes from every
// partition, each led by a different broker, through the NLB stand-ins, with
// sarama and the AWS Go signer's OAUTHBEARER tokens.
func TestSaramaOAuthBearerThroughNLBs(t *testing.T) {
	t.Parallel()
	forEachListenerMode(t, func(t *testing.T, o Options) {
		testSaramaOAuthBearerThroughNLBs(t, o)
	})
}

func testSaramaOAuthBearerThroughNLBs(t *testing.T, o Options) {
	e := startEnv(t, o)
	info := e.Info()
	cfg := saramaConfig(t, info)
	client, err := sarama.NewClient(splitBootstrap(info.BootstrapBrokersSASLIAM), cfg)
	if err != nil {
		t.Fatalf("sarama.NewClient: %v", err)
	}
	defer client.Close()
	prod, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	defer prod.Close()
	cons, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	defer cons.Close()
	for p := range len(info.Brokers) {
		leader, err := client.Leader(info.VerificationTopic, int32(p))
		if err != nil {
			t.Fatalf("leader of partition %d: %v", p, err)
		}
		if leader.ID() != int32(p+1) || leader.Addr() != info.Brokers[p].Advertised() {
			t.Errorf("partition %d is led by %d at %s; want broker %d at %s", p, leader.ID(), leader.Addr(), p+1, info.Brokers[p].Advertised())
		}
		val := fmt.Sprintf("sarama-%d-%d", p, time.Now().UnixNano())
		part, off, err := prod.SendMessage(&sarama.ProducerMessage{Topic: info.VerificationTopic, Partition: int32(p), Value: sarama.StringEncoder(val)})
		if err != nil {
			t.Fatalf("produce to partition %d: %v", p, err)
		}
		pc, err := cons.ConsumePartition(info.VerificationTopic, part, off)
		if err != nil {
			t.Fatalf("consume partition %d: %v", p, err)
		}
		select {
		case m := <-pc.Messages():
			if string(m.Value) != val {
				t.Errorf("partition %d offset %d: got %q, want %q", p, off, m.Value, val)
			}
		case err := <-pc.Errors():
			t.Fatalf("consume partition %d: %v", p, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("no message from partition %d within 10s", p)
		}
		pc.Close()
	}
	for id, n := range e.ConnectionCounts() {
		if n == 0 {
			t.Errorf("NLB stand-in %d carried no connection; every broker should have been reached through its NLB", id)
		}
	}
}

// TestFranzAWSMSKIAMThroughNLBs does the same with franz-go speaking
// AWS_MSK_IAM (what the Java aws-msk-iam-auth library, and so Spark on
// Databricks, speaks), including a consumer group.
func TestFranzAWSMSKIAMThroughNLBs(t *testing.T) {
	t.Parallel()
	forEachListenerMode(t, func(t *testing.T, o Options) {
		testFranzAWSMSKIAMThroughNLBs(t, o)
	})
}

func testFranzAWSMSKIAMThroughNLBs(t *testing.T, o Options) {
	e := startEnv(t, o)
	info := e.Info()
	cl := newKgo(t, info, false, awsMSKIAM(info.Credentials), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want := map[string]bool{}
	for p := range len(info.Brokers) {
		val := fmt.Sprintf("franz-%d-%d", p, time.Now().UnixNano())
		want[val] = true
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: info.VerificationTopic, Partition: int32(p), Value: []byte(val)}).FirstErr(); err != nil {
			t.Fatalf("produce to partition %d: %v", p, err)
		}
	}
	group := newKgo(t, info, false, awsMSKIAM(info.Credentials),
		kgo.ConsumerGroup("localmsk-test"), kgo.ConsumeTopics(info.VerificationTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for len(want) > 0 {
		fs := group.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("still waiting for %d records: %v", len(want), err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s-%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) { delete(want, string(r.Value)) })
	}
	if err := group.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit offsets: %v", err)
	}
	for id, n := range e.ConnectionCounts() {
		if n == 0 {
			t.Errorf("NLB stand-in %d carried no connection", id)
		}
	}
}

// forEachListenerMode runs f with the NLB stand-ins on random ports and in
// stock-client mode.
func forEachListenerMode(t *testing.T, f func(*testing.T, Options)) {
	for _, m := range []struct {
		name string
		o    Options
	}{{"random-ports", Options{}}, {"stock-clients", Options{StockClients: true}}} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f(t, m.o)
		})
	}
}
