// Package interop runs clients that share no code with this repository
// against the local MSK-like environment: librdkafka (Debian's
// python3-confluent-kafka) with a token signed by botocore.
package interop

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	saslaws "github.com/twmb/franz-go/pkg/sasl/aws"

	"github.com/mskvpce/mskvpce/internal/localmsk"
)

const install = "apt-get install python3-confluent-kafka python3-botocore libnss-wrapper (.ci/run does)"

// unavailable skips outside CI and fails in CI, where .ci/run installs
// everything this test needs.
func unavailable(t *testing.T, format string, a ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, a...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: %s", msg)
	}
	t.Skipf("librdkafka interop test skipped: %s", msg)
}

// python finds an interpreter that imports confluent_kafka and botocore:
// $MSKVPCE_PYTHON, then Debian's /usr/bin/python3 (where the packages
// install, whatever python3 is first on PATH), then python3 on PATH.
func python(t *testing.T) string {
	t.Helper()
	var tried []string
	candidates := []string{os.Getenv("MSKVPCE_PYTHON"), "/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		out, err := exec.Command(c, "-c", "import confluent_kafka, botocore").CombinedOutput()
		if err == nil {
			return c
		}
		tried = append(tried, fmt.Sprintf("%s (%s)", c, strings.TrimSpace(lastLine(out, err))))
	}
	unavailable(t, "no Python with confluent_kafka and botocore: tried %s; %s", strings.Join(tried, "; "), install)
	return ""
}

func lastLine(out []byte, err error) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if l := lines[len(lines)-1]; l != "" {
		return l
	}
	return err.Error()
}

// A resolver gives librdkafka the hosts-file lines of stock-client mode as
// its system resolver's view, without touching the machine's /etc/hosts:
// librdkafka then resolves broker hostnames with getaddrinfo exactly as it
// would with the lines added there.
type resolver struct {
	name string
	// cmd returns the command prefix and the environment additions that run
	// a program seeing hostsFile's names.
	cmd func(t *testing.T, hostsFile string) (prefix, env []string)
	// setup says what it needs, for the skip message.
	setup string
}

// resolvers are the two ways: a private mount namespace in which hostsFile
// is bind-mounted on /etc/hosts (root, a user namespace, or passwordless
// sudo), and cwrap's nss_wrapper, preloaded, which answers getaddrinfo from
// NSS_WRAPPER_HOSTS with no privilege at all (CI machines that refuse
// namespaces).
func resolvers() []resolver {
	mount := func(pre ...string) func(*testing.T, string) ([]string, []string) {
		return func(_ *testing.T, hostsFile string) ([]string, []string) {
			return append(append([]string{}, pre...), "sh", "-c", `mount --bind "$0" /etc/hosts && exec "$@"`, hostsFile), nil
		}
	}
	rs := []resolver{}
	if unshare, err := exec.LookPath("unshare"); err == nil {
		for _, pre := range [][]string{{unshare, "--mount"}, {unshare, "--map-root-user", "--mount"}, {"sudo", "-n", unshare, "--mount"}} {
			rs = append(rs, resolver{name: "mount-namespace", cmd: mount(pre...), setup: strings.Join(pre, " ") + " (root, user namespaces or passwordless sudo)"})
		}
	} else {
		rs = append(rs, resolver{name: "mount-namespace", cmd: func(*testing.T, string) ([]string, []string) { return []string{"unshare"}, nil }, setup: "unshare (util-linux)"})
	}
	lib := os.Getenv("MSKVPCE_NSS_WRAPPER")
	if lib == "" {
		lib = "libnss_wrapper.so" // Debian's libnss-wrapper, on the loader's path
	}
	rs = append(rs, resolver{name: "nss_wrapper", setup: "LD_PRELOAD=" + lib + " (apt-get install libnss-wrapper)", cmd: func(t *testing.T, hostsFile string) ([]string, []string) {
		return nil, []string{"LD_PRELOAD=" + lib, "NSS_WRAPPER_HOSTS=" + withoutComments(t, hostsFile)}
	}})
	return rs
}

// withoutComments is hostsFile without its comment lines, which nss_wrapper
// 1.1's parser (unlike glibc's) refuses: "Unable to parse line file".
func withoutComments(t *testing.T, hostsFile string) string {
	t.Helper()
	b, err := os.ReadFile(hostsFile)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(b), "\n") {
		if l, _, _ = strings.Cut(l, "#"); strings.TrimSpace(l) != "" {
			keep = append(keep, l)
		}
	}
	path := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(path, []byte(strings.Join(keep, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// probe reports whether r makes py resolve a name the way a hosts file says:
// a made-up broker hostname to an address nothing else would give it.
func (r resolver) probe(t *testing.T, py string) error {
	t.Helper()
	const host, addr = "b-1.probe.l0ca1x.c2.kafka.us-east-1.amazonaws.com", "127.0.99.7"
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("# probe\n"+addr+"\t"+host+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	prefix, env := r.cmd(t, hosts)
	args := append(append([]string{}, prefix...), py, "-c", "import socket, sys; print(socket.gethostbyname(sys.argv[1]))", host)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %s", r.setup, lastLine(out, err))
	}
	if got := strings.TrimSpace(lastLine(out, nil)); got != addr {
		return fmt.Errorf("%s: %s resolved to %q, want %s from the hosts file", r.setup, host, got, addr)
	}
	return nil
}

// working returns, per resolver name, the first variant that works, and
// why each that did not failed.
func working(t *testing.T, py string) (map[string]resolver, map[string][]string) {
	t.Helper()
	ok, why := map[string]resolver{}, map[string][]string{}
	for _, r := range resolvers() {
		if _, done := ok[r.name]; done {
			continue
		}
		if err := r.probe(t, py); err != nil {
			why[r.name] = append(why[r.name], err.Error())
			continue
		}
		ok[r.name] = r
	}
	return ok, why
}

type result struct {
	Librdkafka string            `json:"librdkafka"`
	Leaders    map[string]int    `json:"leaders"`
	Brokers    map[string]string `json:"brokers"`
	Want       map[string]string `json:"want"`
	Delivered  map[string]int64  `json:"delivered"`
	Consumed   map[string]string `json:"consumed"`
	Committed  []int             `json:"committed"`
	Errors     []string          `json:"errors"`
}

func runClient(t *testing.T, py string, prefix, env []string, cfg map[string]any) result {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append(append([]string{}, prefix...), py, "librdkafka_client.py", path)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("librdkafka client: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	var r result
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("librdkafka client printed no result (%v)\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	return r
}

// TestLibrdkafkaThroughEveryNLB: librdkafka, configured the way a Databricks
// notebook configures confluent-kafka for MSK (OAUTHBEARER, a botocore-signed
// token, TLS verified for the broker hostname, idempotent producer), knowing
// only the bootstrap string, the CA and the hosts-file lines of stock-client
// mode, produces to and consumes from every partition, each led by another
// broker, so through every NLB stand-in; and it commits as a consumer group.
// It runs against the Kafka version the module deploys and against 4.1,
// with each way of resolving the hostnames that works here (CI needs one).
func TestLibrdkafkaThroughEveryNLB(t *testing.T) {
	py := python(t)
	ok, why := working(t, py)
	if len(ok) == 0 {
		var all []string
		for _, w := range why {
			all = append(all, w...)
		}
		unavailable(t, "cannot give librdkafka the hosts-file lines (%s): run as root, with passwordless sudo or user namespaces, or install libnss-wrapper", strings.Join(all, "; "))
	}
	for _, name := range []string{"mount-namespace", "nss_wrapper"} {
		t.Run(name, func(t *testing.T) {
			r, found := ok[name]
			if !found {
				// The other way runs (or the test failed above): one is enough.
				t.Skipf("%s unavailable here: %s", name, strings.Join(why[name], "; "))
			}
			for _, v := range []string{localmsk.DefaultKafkaVersion, "4.1.x"} {
				t.Run(v, func(t *testing.T) { librdkafkaThroughEveryNLB(t, py, r, v) })
			}
		})
	}
}

func librdkafkaThroughEveryNLB(t *testing.T, py string, res resolver, version string) {
	env, err := localmsk.Start(context.Background(), localmsk.Options{Dir: t.TempDir(), StockClients: true, KafkaVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	info := env.Info()
	prefix, extraEnv := res.cmd(t, filepath.Join(filepath.Dir(info.CAFile), localmsk.HostsFileName))
	cfg := map[string]any{
		"bootstrap":         info.BootstrapBrokersSASLIAM,
		"ca_file":           info.CAFile,
		"region":            info.Region,
		"topic":             info.VerificationTopic,
		"access_key_id":     info.Credentials.AccessKeyID,
		"secret_access_key": info.Credentials.SecretAccessKey,
		"session_token":     info.Credentials.SessionToken,
	}
	if os.Getenv("MSKVPCE_LIBRDKAFKA_DEBUG") != "" {
		cfg["debug"] = os.Getenv("MSKVPCE_LIBRDKAFKA_DEBUG") // e.g. broker,security,protocol
	}
	r := runClient(t, py, prefix, extraEnv, cfg)
	t.Logf("librdkafka %s", r.Librdkafka)
	if len(r.Errors) > 0 {
		t.Errorf("librdkafka reported errors:\n  %s", strings.Join(r.Errors, "\n  "))
	}
	for _, b := range info.Brokers {
		p := strconv.Itoa(b.BrokerID - 1)
		if got := r.Brokers[strconv.Itoa(b.BrokerID)]; got != b.Advertised() {
			t.Errorf("broker %d: librdkafka's metadata says %q, want %s", b.BrokerID, got, b.Advertised())
		}
		if r.Leaders[p] != b.BrokerID {
			t.Errorf("partition %s: leader %d, want broker %d", p, r.Leaders[p], b.BrokerID)
		}
		if _, ok := r.Delivered[p]; !ok {
			t.Errorf("partition %s (broker %d): not delivered", p, b.BrokerID)
		}
		if r.Consumed[p] == "" || r.Consumed[p] != r.Want[p] {
			t.Errorf("partition %s (broker %d): consumed %q, want %q", p, b.BrokerID, r.Consumed[p], r.Want[p])
		}
	}
	if len(r.Committed) != len(info.Brokers) {
		t.Errorf("committed offsets for partitions %v, want all %d", r.Committed, len(info.Brokers))
	}
	for id, n := range env.ConnectionCounts() {
		if n == 0 {
			t.Errorf("NLB stand-in %d carried no librdkafka connection", id)
		}
	}
	checkIdempotent(t, info, r.Want)

	// The negative control: trusting another CA, librdkafka refuses the
	// brokers, so the pass above did verify the certificate.
	other, err := localmsk.Start(context.Background(), localmsk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	cfg["ca_file"] = other.Info().CAFile
	cfg["expect_tls_failure"] = true
	bad := runClient(t, py, prefix, extraEnv, cfg)
	if !strings.Contains(strings.Join(bad.Errors, "\n"), "certificate verify failed") {
		t.Errorf("with another CA librdkafka reported %q, want a certificate verification failure", bad.Errors)
	}
}

// checkIdempotent reads the records back with franz-go: each batch librdkafka
// wrote must carry a producer ID, which only an idempotent producer has.
func checkIdempotent(t *testing.T, info localmsk.Info, want map[string]string) {
	t.Helper()
	pem, err := os.ReadFile(info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	endpoint := map[string]string{}
	for _, b := range info.Brokers {
		endpoint[b.Advertised()] = b.Endpoint
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		d := &tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: host}}
		return d.DialContext(ctx, network, endpoint[addr])
	}
	c := info.Credentials
	offsets := map[int32]kgo.Offset{}
	for p := range want {
		n, _ := strconv.Atoi(p)
		offsets[int32(n)] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(info.BootstrapBrokersSASLIAM, ",")...),
		kgo.Dialer(dial),
		kgo.SASL(saslaws.ManagedStreamingIAM(func(context.Context) (saslaws.Auth, error) {
			return saslaws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
		})),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{info.VerificationTopic: offsets}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	left := map[string]bool{}
	for _, v := range want {
		left[v] = true
	}
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("franz-go did not read back %d of librdkafka's records", len(left))
		}
		fs.EachRecord(func(r *kgo.Record) {
			if !left[string(r.Value)] {
				return
			}
			delete(left, string(r.Value))
			if r.ProducerID < 0 {
				t.Errorf("partition %d: librdkafka's record has no producer ID: not produced idempotently", r.Partition)
			}
		})
	}
}
