package awsapi_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/deploy/discovery"
	"github.com/mskvpce/mskvpce/internal/localmsk"
)

// localmsk --control-plane presents its cluster as an existing one: deploy's
// discovery (MSK and EC2 through the real clients) finds an ACTIVE
// provisioned cluster with IAM, three brokers in three zones of one VPC,
// and nothing to refuse. The schema-only provider's fixture of the offline
// existing-cluster flow (docs/existing-cluster.md) names the same cluster,
// brokers and subnets, so the offline plan is of this cluster.
func TestDiscoveryOfTheLocalCluster(t *testing.T) {
	t.Parallel()
	e, srv := serveLocal(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info := e.Info()
	cl, err := discovery.Discover(ctx, discovery.NewClients(srv.Config()), info.ClusterARN)
	if err != nil {
		t.Fatal(err)
	}
	if rs := cl.Refusals(); len(rs) > 0 {
		t.Errorf("refusals: %v", rs)
	}
	if cl.VPCID != localmsk.VPCID || len(cl.Zones) != 3 || len(cl.Brokers) != 3 || !cl.IAM() || cl.Zones[1].ID != "use1-az2" {
		t.Errorf("discovered %+v", cl)
	}

	b, err := os.ReadFile(filepath.Join("..", "..", "..", "tools", "fixtures", "localmsk-existing-cluster.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cluster struct {
			ARN       string `json:"arn"`
			Name      string `json:"cluster_name"`
			Bootstrap string `json:"bootstrap_brokers_sasl_iam"`
		} `json:"aws_msk_cluster"`
		Nodes struct {
			List []struct {
				ID        int      `json:"broker_id"`
				Subnet    string   `json:"client_subnet"`
				IP        string   `json:"client_vpc_ip_address"`
				Endpoints []string `json:"endpoints"`
			} `json:"node_info_list"`
		} `json:"aws_msk_broker_nodes"`
		Subnets []struct {
			ID     string `json:"id"`
			VPC    string `json:"vpc_id"`
			Zone   string `json:"availability_zone"`
			ZoneID string `json:"availability_zone_id"`
		} `json:"aws_subnet"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	if fx.Cluster.ARN != info.ClusterARN || fx.Cluster.Name != info.ClusterName || fx.Cluster.Bootstrap != info.BootstrapBrokersSASLIAM {
		t.Errorf("fixture cluster %+v, localmsk %s %s %s", fx.Cluster, info.ClusterARN, info.ClusterName, info.BootstrapBrokersSASLIAM)
	}
	if len(fx.Nodes.List) != len(cl.Brokers) {
		t.Fatalf("fixture has %d brokers, localmsk %d", len(fx.Nodes.List), len(cl.Brokers))
	}
	for i, n := range fx.Nodes.List {
		b := cl.Brokers[i]
		if n.ID != b.ID || n.Subnet != b.Subnet || n.IP != b.ClientIP || !slices.Equal(n.Endpoints, []string{b.Hostname}) {
			t.Errorf("fixture broker %+v, localmsk %+v", n, b)
		}
	}
	for i, s := range fx.Subnets {
		z := cl.Zones[i]
		if s.ID != z.Subnet || s.VPC != cl.VPCID || s.Zone != z.Name || s.ZoneID != z.ID {
			t.Errorf("fixture subnet %+v, localmsk %+v in %s", s, z, cl.VPCID)
		}
	}
}
