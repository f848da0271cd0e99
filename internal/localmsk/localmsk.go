// Package localmsk runs a local MSK-like environment in process: a Kafka
// cluster (kfake) whose brokers are advertised under MSK-style hostnames,
// one TLS front per broker speaking SASL/IAM (OAUTHBEARER and AWS_MSK_IAM,
// tokens verified offline by internal/mskiam) and authorizing every request
// like MSK IAM access control (internal/mskauthz), and one NLB stand-in per
// broker. Faults that a real deployment can suffer are injected on purpose.
//
// The NLB stand-in of broker i is what a client dials for the hostname
// b-i.<cluster>...amazonaws.com:9098, exactly as a VPC endpoint's private
// DNS or a Databricks NCC rule maps it in AWS.
package localmsk

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/mskvpce/mskvpce/internal/localmsk/nlb"
	"github.com/mskvpce/mskvpce/internal/mskauthz"
)

// Defaults of the local cluster. They are fixed so that the cluster ARN, and
// with it the default policy rendered by Terraform, is the same on every run.
const (
	DefaultBrokers     = 3
	DefaultClusterName = "mskvpce-local"
	DefaultRegion      = "us-east-1"
	DefaultAccount     = "111122223333"
	DefaultClusterUUID = "4f6e3a52-8d2c-4b1e-9f07-6c5d4e3b2a19-2"
	DefaultHostID      = "l0ca1x"
	DefaultTopic       = "mskvpce-verify"
	// DefaultMaxSessionLifetime caps session_lifetime_ms, like the broker's
	// connections.max.reauth.ms; a token's own expiry usually comes first.
	DefaultMaxSessionLifetime = time.Hour
	// Port is the port brokers are advertised on: MSK's SASL/IAM port.
	Port = 9098
)

// Options configure Start. The zero value is a usable default.
type Options struct {
	Brokers     int    // default 3
	ClusterName string // default "mskvpce-local"
	Region      string // default "us-east-1"
	Account     string // default "111122223333"
	ClusterUUID string // default DefaultClusterUUID
	HostID      string // the 6-character id in broker hostnames; default DefaultHostID
	// Dir receives ca.pem and info.json; default a new temporary
	// directory, removed by Close.
	Dir string
	// Topic is the verification topic, created with one partition per
	// broker, partition i led by broker i+1. Default "mskvpce-verify".
	Topic string
	// Policy is the principal's IAM policy document. Nil means the policy
	// the Terraform module terraform/modules/msk-access-policy renders for
	// this cluster's ARN (DefaultPolicy).
	Policy []byte
	// MaxSessionLifetime caps session_lifetime_ms; default 1h.
	MaxSessionLifetime time.Duration
	// KafkaVersion is the MSK Kafka version whose API versions (minimum
	// and maximum of every key) the brokers advertise and accept; default
	// DefaultKafkaVersion, what terraform/modules/msk-vpce deploys.
	KafkaVersion string
	// StockClients puts NLB stand-in i on 127.0.<LoopbackNet>.i:9098, so
	// that mapping each broker hostname to its address (a hosts file, as
	// private DNS behind an NCC rule does in AWS) is all an unmodified
	// client needs. Linux routes all of 127/8 to loopback.
	StockClients bool
	// LoopbackNet is the third octet N of 127.0.N.i in StockClients mode;
	// 0 picks the first of 16..254 whose addresses are all free.
	LoopbackNet int
	Logger      *slog.Logger

	// Command is how the environment was started (the command line of
	// cmd/localmsk), recorded in info.json so that a stopped environment can
	// say how to start it again.
	Command string

	blackholeProduce bool // benchmarks: brokers acknowledge and discard records
}

// Info is what a client needs to reach the environment; WriteInfo writes it
// as JSON (version 1).
type Info struct {
	Version      int    `json:"version"`
	Region       string `json:"region"`
	KafkaVersion string `json:"kafka_version"`
	// PID is the process that runs the environment and holds Dir's lock.
	PID int `json:"pid"`
	// Command is how it was started, when started by cmd/localmsk.
	Command string `json:"command,omitempty"`
	// StockClients: every broker's Endpoint is <loopback address>:9098,
	// and the directory holds the hosts file and client settings.
	StockClients            bool         `json:"stock_clients"`
	ClusterARN              string       `json:"cluster_arn"`
	ClusterName             string       `json:"cluster_name"`
	BootstrapBrokersSASLIAM string       `json:"bootstrap_brokers_sasl_iam"`
	Brokers                 []BrokerInfo `json:"brokers"`
	CAFile                  string       `json:"ca_file"`
	Credentials             Credentials  `json:"credentials"`
	PrincipalARN            string       `json:"principal_arn"`
	VerificationTopic       string       `json:"verification_topic"`
	PolicyJSON              string       `json:"policy_json"`
	// ControlPlaneURL, when set, serves this cluster's AWS APIs (MSK
	// DescribeClusterV2, GetBootstrapBrokers, ListNodes): point an AWS
	// SDK or the CLI at it with AWS_ENDPOINT_URL.
	ControlPlaneURL string `json:"control_plane_url,omitempty"`
}

// BrokerInfo is one broker path.
type BrokerInfo struct {
	BrokerID int    `json:"broker_id"`
	Hostname string `json:"hostname"`
	// Endpoint is the broker's NLB stand-in (127.0.0.1:port): what a
	// client dials for Hostname:9098.
	Endpoint string `json:"endpoint"`
	// BrokerAddr is the broker's TLS front itself, bypassing the NLB:
	// where the broker really listens. It changes when the broker is
	// replaced.
	BrokerAddr string `json:"broker_addr"`
	// ClientIP is the broker's IP in its client subnet, as MSK's ListNodes
	// reports it. The client network is modelled (ClientVPCCIDR): no such
	// address exists on this machine. It changes when the broker is
	// replaced.
	ClientIP         string `json:"client_ip"`
	ClientSubnetID   string `json:"client_subnet_id"`
	AvailabilityZone string `json:"availability_zone"`
	// NLBTarget is what the NLB stand-in forwards to, as its target group
	// holds it: a client IP on 9098. After a replacement it names the old
	// IP until the stand-in is re-pointed (Env.SetNLBTarget).
	NLBTarget string `json:"nlb_target"`
}

// Advertised is host:9098, the address Kafka metadata returns.
func (b BrokerInfo) Advertised() string { return net.JoinHostPort(b.Hostname, strconv.Itoa(Port)) }

// Credentials are temporary IAM credentials the brokers accept.
type Credentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	SessionToken    string `json:"session_token"`
}

// Env is a running environment. Its fault methods are safe for concurrent use.
type Env struct {
	opts    Options
	log     *slog.Logger
	api     *apiTable
	lock    *os.File // Dir's flock, held until Close
	infoMu  sync.Mutex
	info    Info
	tmpDir  string
	cluster *kfake.Cluster
	pki     *pki
	fronts  []*front
	nlbs    []*nlb.Forwarder
	guard   guard

	tlsConfig         *tls.Config
	certFault         atomic.Int32
	skew              atomic.Int64
	rejectCredentials atomic.Bool
	connectRateBits   atomic.Uint64
	authentications   atomic.Int64 // successful SASL authentications, re-authentications included

	// life ends when Close starts: every background operation (a rolling
	// restart) waits on it, and Close waits for them (bg) before it stops
	// the brokers they act on.
	// netMu orders changes to the client network: the brokers' client
	// IPs, the NLB stand-ins' targets, the fronts' moves, and the
	// info.json written after each.
	netMu    sync.Mutex
	net      clientNet
	refusing string // a local address that refuses connects

	life       context.Context
	stopLife   context.CancelFunc
	lifeMu     sync.Mutex // orders beginUpdate's bg.Add before Close's bg.Wait
	bg         sync.WaitGroup
	updating   atomic.Bool  // a cluster operation runs (one at a time)
	operation  atomic.Value // string: its ClusterState, "" when none
	hooksMu    sync.Mutex
	hooks      []func()     // OnChange
	restarting atomic.Int32 // the broker a restart has taken away, 0 if none
	offline    offline

	closeOnce sync.Once
}

// Start brings the environment up: everything listens on 127.0.0.1 and is
// ready when Start returns. ctx bounds startup only; call Close to stop.
func Start(ctx context.Context, o Options) (_ *Env, err error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	api, err := lookupKafkaVersion(o.KafkaVersion)
	if err != nil {
		return nil, err
	}
	e := &Env{opts: o, log: o.Logger, api: api}
	e.life, e.stopLife = context.WithCancel(context.Background())
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	if e.opts.Dir == "" {
		if e.tmpDir, err = os.MkdirTemp("", "localmsk-"); err != nil {
			return nil, fmt.Errorf("create a directory for the CA and info.json: %w", err)
		}
		e.opts.Dir = e.tmpDir
	} else {
		// Absolute: info.json and the client settings name files in it,
		// read from wherever the client runs.
		if e.opts.Dir, err = filepath.Abs(e.opts.Dir); err != nil {
			return nil, fmt.Errorf("--dir %s: %w", o.Dir, err)
		}
		if err = CheckDir(e.opts.Dir); err != nil {
			return nil, err
		}
		if err = os.MkdirAll(e.opts.Dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s for the CA and info.json: %w", e.opts.Dir, err)
		}
	}
	// Nothing is written into the directory before its lock is ours.
	if e.lock, err = lockDir(e.opts.Dir); err != nil {
		return nil, err
	}

	domain := fmt.Sprintf("%s.%s.c2.kafka.%s.amazonaws.com", o.ClusterName, o.HostID, o.Region)
	if e.pki, err = newPKI(domain); err != nil {
		return nil, err
	}
	caFile := filepath.Join(e.opts.Dir, "ca.pem")
	if err = writeFile(caFile, e.pki.caPEM, 0o644); err != nil {
		return nil, fmt.Errorf("write the local CA to %s: %w", caFile, err)
	}
	e.tlsConfig = &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &e.pki.certs[e.certFault.Load()], nil
		},
	}

	hosts := make([]string, o.Brokers)
	for i := range hosts {
		hosts[i] = fmt.Sprintf("b-%d.%s", i+1, domain)
	}
	upstreams, err := e.startKafka(hosts)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("start the local MSK-like environment: %w", err)
	}

	creds := newCredentials()
	cluster := mskauthz.Cluster{Region: o.Region, Account: o.Account, Name: o.ClusterName, UUID: o.ClusterUUID}
	principal := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s-databricks-msk/localmsk", o.Account, o.ClusterName)
	policy := o.Policy
	if policy == nil {
		policy = DefaultPolicy(cluster.ARN())
	}
	g, err := newGuard(e, cluster, creds, principal, policy)
	if err != nil {
		return nil, err
	}
	e.guard = g

	e.info = Info{
		Version:           1,
		PID:               os.Getpid(),
		Command:           o.Command,
		Region:            o.Region,
		KafkaVersion:      api.version,
		ClusterARN:        cluster.ARN(),
		ClusterName:       o.ClusterName,
		CAFile:            caFile,
		Credentials:       creds,
		PrincipalARN:      principal,
		VerificationTopic: o.Topic,
		PolicyJSON:        string(policy),
	}
	var boot []string
	for i, host := range hosts {
		f, err := newFront(e, i+1, host, upstreams[i])
		if err != nil {
			return nil, err
		}
		e.fronts = append(e.fronts, f)
	}
	if err := e.startNLBs(); err != nil {
		return nil, err
	}
	if e.refusing, err = deadAddr(); err != nil {
		return nil, err
	}
	e.initClientNet()
	e.info.StockClients = o.StockClients
	for i, host := range hosts {
		zone := e.zoneOf(i + 1)
		b := BrokerInfo{
			BrokerID: i + 1, Hostname: host, Endpoint: e.nlbs[i].Addr(), BrokerAddr: e.fronts[i].addr(),
			ClientIP: e.net.ips[i], ClientSubnetID: subnetID(zone), AvailabilityZone: e.availabilityZone(zone),
			NLBTarget: e.net.targets[i],
		}
		e.info.Brokers = append(e.info.Brokers, b)
		boot = append(boot, b.Advertised())
	}
	e.info.BootstrapBrokersSASLIAM = strings.Join(boot, ",")
	if o.StockClients {
		if err := e.writeClientFiles(); err != nil {
			return nil, err
		}
	}
	if err := e.WriteInfo(filepath.Join(e.opts.Dir, InfoFileName)); err != nil {
		return nil, err
	}
	e.log.Info("local MSK-like environment ready", "cluster_arn", e.info.ClusterARN, "brokers", o.Brokers, "dir", e.opts.Dir)
	return e, nil
}

func (o *Options) defaults() error {
	if o.Brokers == 0 {
		o.Brokers = DefaultBrokers
	}
	if o.Brokers < 1 || o.Brokers > 30 {
		return fmt.Errorf("%d brokers: use 1 to 30 (MSK's own limit per cluster)", o.Brokers)
	}
	set := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	set(&o.ClusterName, DefaultClusterName)
	set(&o.Region, DefaultRegion)
	set(&o.Account, DefaultAccount)
	set(&o.ClusterUUID, DefaultClusterUUID)
	set(&o.HostID, DefaultHostID)
	set(&o.Topic, DefaultTopic)
	set(&o.KafkaVersion, DefaultKafkaVersion)
	if o.MaxSessionLifetime == 0 {
		o.MaxSessionLifetime = DefaultMaxSessionLifetime
	}
	if o.MaxSessionLifetime < 0 {
		return fmt.Errorf("maximum session lifetime %s: use a positive duration", o.MaxSessionLifetime)
	}
	if err := ValidateTopic(o.Topic); err != nil {
		return err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.LoopbackNet != 0 && !o.StockClients:
		return errors.New("a loopback network applies to stock-client mode only: set StockClients (--stock-clients) too")
	case o.LoopbackNet < 0 || o.LoopbackNet > lastLoopbackNet:
		return fmt.Errorf("loopback network %d: use 1 to %d (127.0.N.<broker id>)", o.LoopbackNet, lastLoopbackNet)
	}
	if len(o.Account) != 12 || strings.Trim(o.Account, "0123456789") != "" {
		return fmt.Errorf("account %q is not a 12-digit AWS account ID", o.Account)
	}
	for name, v := range map[string]string{"cluster name": o.ClusterName, "region": o.Region, "host id": o.HostID} {
		if strings.Trim(strings.ToLower(v), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || strings.HasPrefix(v, "-") {
			return fmt.Errorf("%s %q: use lowercase letters, digits and '-' (it becomes part of a DNS name)", name, v)
		}
	}
	return nil
}

// advertisedListener is a kfake broker listener that reports the MSK-style
// hostname as its address, which kfake then advertises in metadata, while it
// really listens on 127.0.0.1.
type advertisedListener struct {
	net.Listener
	adv advertisedAddr
}

func (l advertisedListener) Addr() net.Addr { return l.adv }

type advertisedAddr string

func (advertisedAddr) Network() string  { return "tcp" }
func (a advertisedAddr) String() string { return string(a) }

// startKafka starts kfake with brokers whose node IDs are 1..n, like MSK's
// broker IDs, advertised under hosts, and returns their real addresses.
func (e *Env) startKafka(hosts []string) ([]string, error) {
	// kfake numbers nodes from 0 and makes the last one the controller.
	// Start one extra node 0 and remove it, leaving nodes 1..n with node n
	// as the controller.
	real := make([]string, len(hosts)+1)
	var idx int
	listen := func(network, addr string) (net.Listener, error) {
		ln, err := net.Listen(network, addr)
		if err != nil {
			return nil, err
		}
		i := idx
		idx++
		if i >= len(real) {
			ln.Close()
			return nil, fmt.Errorf("kfake asked for more listeners than the %d brokers configured", len(hosts))
		}
		real[i] = ln.Addr().String()
		adv := "b-0.removed.invalid"
		if i > 0 {
			adv = hosts[i-1]
		}
		return advertisedListener{ln, advertisedAddr(net.JoinHostPort(adv, strconv.Itoa(Port)))}, nil
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(len(hosts) + 1),
		kfake.ListenFn(listen),
		kfake.ClusterID(e.opts.ClusterUUID),
		kfake.DefaultNumPartitions(len(hosts)),
		kfake.WithLogger(kfakeLogger{e.log}),
		// kfake's behaviour follows the release too (features, gated
		// checks); the fronts advertise and enforce its exact table.
		kfake.MaxVersions(e.api.fresh()),
	}
	if e.opts.blackholeProduce {
		opts = append(opts, kfake.BlackholeProduce())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start the Kafka brokers (kfake): %w", err)
	}
	e.cluster = c
	if err := c.RemoveNode(0); err != nil {
		return nil, fmt.Errorf("start the Kafka brokers: drop the placeholder node 0: %w", err)
	}
	if err := c.CreateTopic(e.opts.Topic, int32(len(hosts)), nil); err != nil {
		return nil, fmt.Errorf("create the verification topic %q: %w", e.opts.Topic, err)
	}
	for p := range hosts {
		if err := c.MoveTopicPartition(e.opts.Topic, int32(p), int32(p+1)); err != nil {
			return nil, fmt.Errorf("make broker %d the leader of %s-%d: %w", p+1, e.opts.Topic, p, err)
		}
	}
	return real[1:], nil
}

type kfakeLogger struct{ l *slog.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	lv := slog.LevelDebug
	switch level {
	case kfake.LogLevelError:
		lv = slog.LevelError
	case kfake.LogLevelWarn:
		lv = slog.LevelWarn
	case kfake.LogLevelInfo:
		lv = slog.LevelDebug // kfake is chatty at info
	}
	k.l.Log(context.Background(), lv, "kfake: "+fmt.Sprintf(msg, args...))
}

// newCredentials makes random temporary (ASIA...) credentials.
func newCredentials() Credentials {
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	r := func(n int, alphabet string) string {
		b := make([]byte, n)
		rand.Read(b)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		return string(b)
	}
	const mixed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	return Credentials{
		AccessKeyID:     "ASIA" + r(16, upper),
		SecretAccessKey: r(40, mixed),
		SessionToken:    "localmsk/" + r(120, mixed),
	}
}

// Info describes the running environment.
func (e *Env) Info() Info {
	e.infoMu.Lock()
	defer e.infoMu.Unlock()
	i := e.info
	i.Brokers = append([]BrokerInfo(nil), e.info.Brokers...)
	return i
}

// WriteInfo writes Info as indented JSON to path, readable by this user
// only (it holds the credentials), replacing whatever path was.
func (e *Env) WriteInfo(path string) error {
	b, err := json.MarshalIndent(e.Info(), "", "  ")
	if err != nil {
		return fmt.Errorf("encode info.json: %w", err)
	}
	if err := writeFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Close stops everything and removes the temporary directory, if Start made one.
func (e *Env) Close() error {
	e.closeOnce.Do(func() {
		e.lifeMu.Lock()
		e.stopLife()
		e.lifeMu.Unlock()
		e.bg.Wait() // a restart gives up at once, before the brokers go
		for _, n := range e.nlbs {
			n.Close()
		}
		for _, f := range e.fronts {
			f.close()
		}
		if e.cluster != nil {
			e.cluster.Close()
		}
		if e.tmpDir != "" {
			os.RemoveAll(e.tmpDir)
		}
		if e.lock != nil {
			e.lock.Close() // releases the flock
		}
	})
	return nil
}

// now is the brokers' clock, moved by SetClockSkew.
func (e *Env) now() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }

func (e *Env) connectRate() float64 { return math.Float64frombits(e.connectRateBits.Load()) }

func (e *Env) broker(id int) error {
	if id < 1 || id > len(e.fronts) {
		return fmt.Errorf("broker %d does not exist: ids are 1..%d", id, len(e.fronts))
	}
	return nil
}

// SetNLBDown takes NLB stand-in id down (connection refused, open
// connections closed) or brings it back on the same address.
func (e *Env) SetNLBDown(id int, down bool) error {
	if err := e.broker(id); err != nil {
		return err
	}
	return e.nlbs[id-1].SetDown(down)
}

// SetBrokerDown stops broker id's listener (connections refused, open ones
// closed) or restarts it. Its partitions keep it as leader, as during an
// outage before leader election.
func (e *Env) SetBrokerDown(id int, down bool) error {
	if err := e.broker(id); err != nil {
		return err
	}
	return e.fronts[id-1].setDown(down)
}

// SetCertFault selects the certificate brokers present to new connections.
func (e *Env) SetCertFault(f CertFault) error {
	if f < CertOK || f > CertUnknownCA {
		return fmt.Errorf("unknown certificate fault %d", int(f))
	}
	e.certFault.Store(int32(f))
	return nil
}

// SetClockSkew moves the brokers' clock by d, as seen by token verification.
func (e *Env) SetClockSkew(d time.Duration) { e.skew.Store(int64(d)) }

// SetRejectCredentials makes every SASL authentication fail with Access denied.
func (e *Env) SetRejectCredentials(reject bool) { e.rejectCredentials.Store(reject) }

// SetControlPlaneURL records where this cluster's AWS APIs are served
// (Info.ControlPlaneURL) and rewrites info.json.
func (e *Env) SetControlPlaneURL(url string) error {
	e.netMu.Lock()
	defer e.netMu.Unlock()
	e.infoMu.Lock()
	e.info.ControlPlaneURL = url
	e.infoMu.Unlock()
	return e.publishLocked()
}

// SetPolicy replaces the principal's IAM policy for requests from now on,
// and in info.json.
func (e *Env) SetPolicy(doc []byte) error {
	if err := e.guard.(*iamGuard).setPolicy(doc); err != nil {
		return err
	}
	e.netMu.Lock()
	defer e.netMu.Unlock()
	e.infoMu.Lock()
	e.info.PolicyJSON = string(doc)
	e.infoMu.Unlock()
	return e.publishLocked()
}

// SetLatency adds d each way to new connections through NLB stand-in id.
func (e *Env) SetLatency(id int, d time.Duration) error {
	if err := e.broker(id); err != nil {
		return err
	}
	if d < 0 {
		return errors.New("latency cannot be negative")
	}
	e.nlbs[id-1].SetLatency(d)
	return nil
}

// SetConnectRateLimit limits new connections per broker per second; a
// connection over the limit fails SASL authentication with MSK's
// "Too many connects". 0 turns the limit off.
func (e *Env) SetConnectRateLimit(perSecond float64) {
	e.connectRateBits.Store(math.Float64bits(max(perSecond, 0)))
}

// ConnectionCounts is, per broker id, how many connections its NLB stand-in
// has accepted.
func (e *Env) ConnectionCounts() map[int]int64 {
	m := make(map[int]int64, len(e.nlbs))
	for i, n := range e.nlbs {
		m[i+1] = n.Accepted()
	}
	return m
}

// Validate checks o as Start would, without starting or writing anything.
func (o Options) Validate() error {
	if err := o.defaults(); err != nil {
		return err
	}
	_, err := lookupKafkaVersion(o.KafkaVersion)
	return err
}

// internalTopics are Kafka's own topics: brokers refuse a client's produce
// to them ("Cannot append to internal topic", Topic.isInternal), and
// __cluster_metadata is KRaft's metadata log, which CreateTopics refuses.
var internalTopics = []string{"__consumer_offsets", "__transaction_state", "__share_group_state", "__cluster_metadata"}

// ValidateTopic applies Kafka's topic name rules (what CreateTopics
// refuses): 1-249 characters of [a-zA-Z0-9._-], and not "." or "..";
// and, as a verification topic is produced to, not one of Kafka's
// internal topics.
func ValidateTopic(name string) error {
	switch {
	case name == "":
		return errors.New("topic name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("topic name %q is not allowed by Kafka", name)
	case slices.Contains(internalTopics, name):
		return fmt.Errorf("topic name %q is internal to Kafka: brokers refuse to produce to it (\"Cannot append to internal topic\"): name a topic of your own (default %s)", name, DefaultTopic)
	case len(name) > 249:
		return fmt.Errorf("topic name is %d characters long: Kafka allows 249", len(name))
	}
	if i := strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}); i >= 0 {
		return fmt.Errorf("topic name %q has %q: Kafka allows only ASCII letters, digits, '.', '_' and '-'", name, name[i:i+1])
	}
	return nil
}
