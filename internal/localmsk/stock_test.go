package localmsk

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// hostsResolver is a stock client's view of the network in stock-client
// mode: it knows only the hosts-file lines localmsk wrote, and dials the
// advertised port (9098) at the address they give.
type hostsResolver map[string]string

func readHosts(t testing.TB, path string) hostsResolver {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := hostsResolver{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		for _, name := range fields[1:] {
			m[name] = fields[0]
		}
	}
	return m
}

func (h hostsResolver) dialTLS(roots *tls.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ip, ok := h[host]
		if !ok {
			return nil, fmt.Errorf("hosts file: no address for %s", host)
		}
		cfg := roots.Clone()
		cfg.ServerName = host
		d := &tls.Dialer{Config: cfg}
		return d.DialContext(ctx, network, net.JoinHostPort(ip, port))
	}
}

// TestStockClientMode: every NLB stand-in is on its own loopback address at
// 9098, the hosts lines name them, and a client that knows nothing but those
// lines (and the CA) produces and consumes through every one. A second
// environment in the same mode gets other addresses.
func TestStockClientMode(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{StockClients: true, Dir: t.TempDir()})
	info := e.Info()
	if !info.StockClients {
		t.Error("info.json: stock_clients is false")
	}
	dir := filepath.Dir(info.CAFile)
	hosts := readHosts(t, filepath.Join(dir, HostsFileName))
	seen := map[string]bool{}
	for _, b := range info.Brokers {
		host, port, err := net.SplitHostPort(b.Endpoint)
		if err != nil || port != "9098" || !strings.HasPrefix(host, "127.0.") || !strings.HasSuffix(host, fmt.Sprintf(".%d", b.BrokerID)) {
			t.Errorf("broker %d: NLB stand-in at %s, want 127.0.N.%d:9098", b.BrokerID, b.Endpoint, b.BrokerID)
		}
		if hosts[b.Hostname] != host {
			t.Errorf("hosts file maps %s to %q, want %s", b.Hostname, hosts[b.Hostname], host)
		}
		if seen[host] {
			t.Errorf("two NLB stand-ins on %s", host)
		}
		seen[host] = true
	}
	for _, name := range []string{JavaPropertiesFileName, LibrdkafkaPropertiesName} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"bootstrap.servers=" + info.BootstrapBrokersSASLIAM, "security.protocol=SASL_SSL", info.CAFile} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s does not contain %q:\n%s", name, want, b)
			}
		}
	}

	r := newRoute(t, info, false)
	dial := hosts.dialTLS(r.tlsConfig())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, m := range []struct {
		name string
		opt  kgo.Opt
	}{{"AWS_MSK_IAM", kgo.SASL(awsMSKIAM(info.Credentials))}, {"OAUTHBEARER", kgo.SASL(oauthBearer(info.Region, info.Credentials))}} {
		cl, err := kgo.NewClient(kgo.SeedBrokers(splitBootstrap(info.BootstrapBrokersSASLIAM)...), kgo.Dialer(dial), m.opt,
			kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
				info.VerificationTopic: {0: kgo.NewOffset().AtStart(), 1: kgo.NewOffset().AtStart(), 2: kgo.NewOffset().AtStart()},
			}))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for p := range info.Brokers {
			v := fmt.Sprintf("%s-%d-%d", m.name, p, time.Now().UnixNano())
			want[v] = true
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: info.VerificationTopic, Partition: int32(p), Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatalf("%s: produce to partition %d: %v", m.name, p, err)
			}
		}
		for len(want) > 0 {
			fs := cl.PollFetches(ctx)
			if err := ctx.Err(); err != nil {
				t.Fatalf("%s: %d records not consumed: %v", m.name, len(want), err)
			}
			fs.EachError(func(topic string, p int32, err error) { t.Fatalf("%s: fetch %s-%d: %v", m.name, topic, p, err) })
			fs.EachRecord(func(r *kgo.Record) { delete(want, string(r.Value)) })
		}
		cl.Close()
	}
	for id, n := range e.ConnectionCounts() {
		if n == 0 {
			t.Errorf("NLB stand-in %d carried no connection", id)
		}
	}

	other := startEnv(t, Options{StockClients: true})
	for i, b := range other.Info().Brokers {
		if b.Endpoint == info.Brokers[i].Endpoint {
			t.Errorf("a second environment's NLB stand-in %d is at %s too", b.BrokerID, b.Endpoint)
		}
	}
}

// TestStockClientModeBusyNet: a pinned loopback network in use is refused
// with an error naming it and a way out.
func TestStockClientModeBusyNet(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{StockClients: true, Brokers: 1})
	host, _, _ := net.SplitHostPort(e.Info().Brokers[0].Endpoint)
	var n int
	fmt.Sscanf(host, "127.0.%d.1", &n)
	_, err := Start(context.Background(), Options{StockClients: true, LoopbackNet: n, Brokers: 1})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("127.0.%d.1-1:9098 are not all free", n)) || !strings.Contains(err.Error(), "--loopback-net") {
		t.Fatalf("Start on a busy loopback network: %v", err)
	}
}
