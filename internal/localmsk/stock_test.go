package localmsk

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
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

// TestSecondInstanceLeavesTheFirstAlone: a second localmsk on a running
// environment's --dir, or one with a bad flag, exits 2 and changes none of
// its files; once the first stops, LoadInfo says it is not running.
func TestSecondInstanceLeavesTheFirstAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go func() { done <- Run(ctx, &stdout, &stderr, []string{"--dir", dir, "--log-level", "warn"}) }()
	infoPath := filepath.Join(dir, "info.json")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stdout.String(), "Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("the first environment did not come up: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	snapshot := func() map[string]string {
		m := map[string]string{}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			m[e.Name()] = string(b)
		}
		return m
	}
	before := snapshot()
	if _, err := LoadInfo(infoPath); err != nil {
		t.Fatalf("LoadInfo of the running environment: %v", err)
	}

	for _, args := range [][]string{
		{"--dir", dir},
		{"--dir", dir, "--stock-clients"},
		{"--dir", dir, "--brokers", "0"},
		{"--dir", dir, "--nlb-down", "9"},
		{"--dir", dir, "--policy", "/nonexistent.json"},
	} {
		var out, errOut syncBuffer
		if code := Run(context.Background(), &out, &errOut, args); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2; stderr %s", args, code, errOut.String())
		}
		if args[len(args)-1] == dir || args[len(args)-1] == "--stock-clients" {
			want := fmt.Sprintf("localmsk: another localmsk (pid %d) is running on %s", os.Getpid(), dir)
			if !strings.HasPrefix(errOut.String(), want) {
				t.Errorf("%v: stderr %q, want it to start %q", args, errOut.String(), want)
			}
		}
		if after := snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%v changed the running environment's files", args)
		}
	}

	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("first environment exit %d", code)
	}
	_, err := LoadInfo(infoPath)
	var nr *NotRunningError
	if !errors.As(err, &nr) {
		t.Fatalf("LoadInfo after the environment stopped: %v, want *NotRunningError", err)
	}
	if want := fmt.Sprintf("%s: the local environment in %s is not running (start it with `go run ./cmd/localmsk --dir %s --log-level warn`)", infoPath, dir, dir); err.Error() != want {
		t.Errorf("LoadInfo: %q\nwant %q", err, want)
	}
	// And the directory can be used again.
	e := startEnv(t, Options{Dir: dir})
	if _, err := LoadInfo(filepath.Join(dir, "info.json")); err != nil {
		t.Errorf("LoadInfo after a restart: %v", err)
	}
	e.Close()
}
