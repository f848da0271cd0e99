package localmsk

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestStartRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"too many brokers", Options{Brokers: 31}, "use 1 to 30"},
		{"negative brokers", Options{Brokers: -1}, "use 1 to 30"},
		{"account", Options{Account: "12345"}, "12-digit"},
		{"cluster name", Options{ClusterName: "My_Cluster"}, "DNS name"},
		{"policy not JSON", Options{Policy: []byte("{")}, "IAM policy"},
		{"policy with a Condition", Options{Policy: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`)}, "Condition"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := Start(context.Background(), tc.o)
			if err == nil {
				e.Close()
				t.Fatalf("Start accepted %+v", tc.o)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestBrokerCounts: brokers are numbered 1..n like MSK's, each advertised
// under its MSK-style hostname, and broker i+1 leads partition i.
func TestBrokerCounts(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 3, 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			e := startEnv(t, Options{Brokers: n, ClusterName: "counts", Region: "eu-central-1", Topic: "t"})
			info := e.Info()
			if len(info.Brokers) != n {
				t.Fatalf("%d brokers in Info, want %d", len(info.Brokers), n)
			}
			cl := newKgo(t, info, false, awsMSKIAM(info.Credentials))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req := metadataReq()
			req.Topics = []kmsg.MetadataRequestTopic{{Topic: kmsg.StringPtr("t")}}
			resp, err := req.RequestWith(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			hosts := map[int32]string{}
			for _, b := range resp.Brokers {
				hosts[b.NodeID] = fmt.Sprintf("%s:%d", b.Host, b.Port)
			}
			for _, b := range info.Brokers {
				want := fmt.Sprintf("b-%d.counts.%s.c2.kafka.eu-central-1.amazonaws.com:9098", b.BrokerID, DefaultHostID)
				if hosts[int32(b.BrokerID)] != want || b.Advertised() != want {
					t.Errorf("broker %d advertised as %q (Info: %q), want %q", b.BrokerID, hosts[int32(b.BrokerID)], b.Advertised(), want)
				}
			}
			if len(hosts) != n {
				t.Errorf("metadata lists %d brokers, want %d: %v", len(hosts), n, hosts)
			}
			if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != n {
				t.Fatalf("topic t: %+v", resp.Topics)
			}
			for _, p := range resp.Topics[0].Partitions {
				if p.Leader != p.Partition+1 {
					t.Errorf("partition %d led by %d, want %d", p.Partition, p.Leader, p.Partition+1)
				}
			}
			if resp.ControllerID < 1 || resp.ControllerID > int32(n) {
				t.Errorf("controller %d is not one of the brokers", resp.ControllerID)
			}
			if !strings.Contains(info.ClusterARN, ":cluster/counts/") || !strings.Contains(info.PolicyJSON, info.ClusterARN) {
				t.Errorf("ARN %s / policy %s", info.ClusterARN, info.PolicyJSON)
			}
		})
	}
}

func TestCloseRemovesTempDir(t *testing.T) {
	t.Parallel()
	e, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ca := e.Info().CAFile
	if _, err := os.Stat(ca); err != nil {
		t.Fatalf("CA file: %v", err)
	}
	e.Close()
	if _, err := os.Stat(ca); !os.IsNotExist(err) {
		t.Errorf("after Close the temporary CA file is still there (%v)", err)
	}
	e.Close() // idempotent
}
