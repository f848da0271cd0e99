package mskauthz

import (
	"errors"
	"fmt"
	"testing"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestDeniedFetchDecodesInSarama: a Fetch denied by the policy is answered
// the way Kafka answers it, with empty (not null) records, so that sarama,
// which rejects null records below Fetch v12 ("invalid byteslice length"),
// decodes TOPIC_AUTHORIZATION_FAILED at every version it speaks.
func TestDeniedFetchDecodesInSarama(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kfake cluster")
	}
	t.Parallel()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t1", "t2"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	enforce(t, c, &Authorizer{Cluster: testCluster, Policy: mustPolicy(t, readerStmts...)}) // no ReadData on t2

	versions := []struct {
		fetch int16
		kafka sarama.KafkaVersion
	}{
		{4, sarama.V0_11_0_0}, {5, sarama.V1_0_0_0}, {6, sarama.V1_1_0_0}, {7, sarama.V1_1_0_0},
		{8, sarama.V2_0_0_0}, {9, sarama.V2_1_0_0}, {10, sarama.V2_1_0_0}, {11, sarama.V2_3_0_0},
	}
	for _, v := range versions {
		t.Run(fmt.Sprintf("v%d", v.fetch), func(t *testing.T) {
			cfg := sarama.NewConfig()
			cfg.Version = v.kafka
			b := sarama.NewBroker(c.ListenAddrs()[0])
			if err := b.Open(cfg); err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			req := &sarama.FetchRequest{Version: v.fetch, MaxWaitTime: 10, MinBytes: 1, MaxBytes: 1 << 20}
			if v.fetch >= 7 {
				req.SessionID, req.SessionEpoch = 0, -1
			}
			req.AddBlock("t2", 0, 0, 1<<20, -1)
			resp, err := b.Fetch(req)
			if err != nil {
				t.Fatalf("sarama cannot read the denied Fetch v%d response: %v", v.fetch, err)
			}
			blk := resp.GetBlock("t2", 0)
			if blk == nil {
				t.Fatalf("no t2/0 in the response: %+v", resp)
			}
			if !errors.Is(blk.Err, sarama.ErrTopicAuthorizationFailed) {
				t.Errorf("t2/0 error %v, want %v", blk.Err, sarama.ErrTopicAuthorizationFailed)
			}
		})
	}
}
