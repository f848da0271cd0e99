package verify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/aws/aws-msk-iam-sasl-signer-go/signer"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mskvpce/mskvpce/internal/finding"
)

// pathRun carries one path through its stages.
type pathRun struct {
	t    *Target
	o    Options
	path Path
	host string // advertised hostname: the TLS server name
	mech string // SASL mechanism: MechanismAWSMSKIAM or MechanismOAuthBearer

	stages  []finding.Finding
	start   time.Time
	elapsed time.Duration
	failed  bool
	landsOn int
	// unreachable: the tcp stage timed out or had no route, the way an
	// internal NLB looks from outside its VPC (see unreachableCheck).
	unreachable bool
	// skewed: sasl failed and clock skew explains it (a *skewError).
	skewed bool

	mu     sync.Mutex
	conn   net.Conn // the TLS connection through this path's endpoint
	broker *sarama.Broker
	coord  *sarama.Broker // the group coordinator, when not this path's broker
	admin  *sarama.Broker // the controller, when topic creation needs it
	gid    string         // the consumer group chosen for this path
	meta   *metadataView
	part   int32
	offset int64
	sentAt time.Time
}

func newPathRun(t *Target, o Options, p Path, mech string) *pathRun {
	host, _, err := net.SplitHostPort(p.Advertised)
	if err != nil {
		host = p.Advertised
	}
	return &pathRun{t: t, o: o, path: p, host: host, mech: mech, part: -1, offset: -1}
}

// stageError is a failure with its diagnosis already made.
type stageError struct {
	detail, next string
	err          error
}

func (e *stageError) Error() string { return e.detail }
func (e *stageError) Unwrap() error { return e.err }

// errStageTimeout marks a stage cut short by the stage timeout.
var errStageTimeout = errors.New("stage timed out")

// do runs one stage under the stage timeout and records its finding. While the
// stage runs, a watchdog closes this path's connection if the stage (or the
// whole run) times out, so a blocked sarama call returns instead of hanging.
func (pr *pathRun) do(ctx context.Context, name string, fn func(ctx context.Context) (string, error)) bool {
	if pr.failed {
		pr.skip(name, "")
		return false
	}
	if ctx.Err() != nil {
		pr.failed = true
		f := finding.Finding{
			Check: name, Target: pr.target(),
			Detail:   fmt.Sprintf("not started: the overall timeout (%s) ran out before this stage", pr.o.Timeout),
			NextStep: "raise --timeout, or fix the slower paths first",
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			f.Detail, f.NextStep = "not started: the run was interrupted", "re-run verify"
		}
		pr.stages = append(pr.stages, f)
		return false
	}
	sctx, cancel := context.WithTimeout(ctx, pr.o.StageTimeout)
	defer cancel()
	stop := context.AfterFunc(sctx, pr.closeConn)
	t0 := time.Now()
	detail, err := fn(sctx)
	fired := !stop()
	d := time.Since(t0)
	pr.elapsed += d
	f := finding.Finding{Check: name, Target: pr.target(), Millis: d.Milliseconds()}
	if err == nil && fired && sctx.Err() != nil {
		// The stage raced its own deadline and won; the connection is gone.
		err = errStageTimeout
	}
	if err != nil {
		if fired && sctx.Err() != nil && !errors.Is(err, errStageTimeout) {
			err = fmt.Errorf("%w: %w", errStageTimeout, err)
		}
		f.Detail, f.NextStep = diagnose(pr, name, err, ctx.Err())
		pr.failed = true
		pr.unreachable = name == StageTCP && isUnreachable(err)
		var sk *skewError
		pr.skewed = errors.As(err, &sk)
		pr.o.Logger.Debug("verify: stage failed", "broker", pr.path.BrokerID, "stage", name, "ms", f.Millis, "err", err)
	} else {
		f.OK = true
		f.Detail = detail
		pr.o.Logger.Debug("verify: stage ok", "broker", pr.path.BrokerID, "stage", name, "ms", f.Millis, "detail", detail)
	}
	pr.stages = append(pr.stages, f)
	return err == nil
}

func (pr *pathRun) skip(name, why string) {
	if why == "" {
		why = "skipped: an earlier stage failed"
	}
	pr.stages = append(pr.stages, finding.Finding{Check: name, Target: pr.target(), Skipped: true, Detail: why})
}

// stageOK reports whether the named stage ran and passed.
func (pr *pathRun) stageOK(name string) bool {
	for _, f := range pr.stages {
		if f.Check == name {
			return f.OK
		}
	}
	return false
}

func (pr *pathRun) target() string { return fmt.Sprintf("broker %d", pr.path.BrokerID) }

func (pr *pathRun) closeConn() {
	pr.mu.Lock()
	c := pr.conn
	pr.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

func (pr *pathRun) close() {
	pr.mu.Lock()
	b, c, g, a := pr.broker, pr.conn, pr.coord, pr.admin
	pr.broker, pr.conn, pr.coord, pr.admin = nil, nil, nil, nil
	pr.mu.Unlock()
	for _, x := range []*sarama.Broker{g, a} {
		if x != nil {
			_ = x.Close()
		}
	}
	if b != nil {
		_ = b.Close()
	}
	if c != nil {
		_ = c.Close()
	}
}

func (pr *pathRun) report() PathReport {
	return PathReport{
		BrokerID:   pr.path.BrokerID,
		Advertised: pr.path.Advertised,
		Endpoint:   pr.path.Endpoint,
		Mechanism:  pr.mech,
		Passed:     !pr.failed && len(pr.stages) == len(Stages),
		LandsOn:    pr.landsOn,
		Partition:  pr.part,
		Offset:     pr.offset,
		Stages:     pr.stages,
		Millis:     pr.elapsed.Milliseconds(),
	}
}

// connect runs dns, tcp, tls, sasl and metadata.
func (pr *pathRun) connect(ctx context.Context) {
	pr.start = time.Now()
	var addrs []string
	var reset error // set when the NLB reset the connection as it was established
	endHost, endPort, splitErr := net.SplitHostPort(pr.path.Endpoint)

	pr.do(ctx, StageDNS, func(ctx context.Context) (string, error) {
		if splitErr != nil {
			return "", &stageError{
				detail: fmt.Sprintf("endpoint %q of broker %d is not host:port", pr.path.Endpoint, pr.path.BrokerID),
				next:   "pass the NLB address as host:9098 (e.g. --endpoint b-1.example:9098=nlb-1.elb.amazonaws.com:9098)",
				err:    splitErr,
			}
		}
		if ip := net.ParseIP(endHost); ip != nil {
			addrs = []string{endHost}
			return endHost + " (IP literal, no lookup)", nil
		}
		got, err := net.DefaultResolver.LookupHost(ctx, endHost)
		if err != nil {
			return "", err
		}
		addrs = got
		return fmt.Sprintf("%s → %s", endHost, strings.Join(got, ", ")), nil
	})

	pr.do(ctx, StageTCP, func(ctx context.Context) (string, error) {
		var d net.Dialer
		var errs []error
		for _, a := range addrs {
			c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a, endPort))
			if err == nil {
				pr.mu.Lock()
				pr.conn = c
				pr.mu.Unlock()
				return fmt.Sprintf("connected to %s", c.RemoteAddr()), nil
			}
			if errors.Is(err, syscall.ECONNRESET) {
				// The handshake completed (a refused SYN is ECONNREFUSED)
				// and the NLB reset the connection before Go looked at
				// it: the same fault the tls stage sees when the reset
				// comes a moment later. Report it there, every time.
				reset = err
				return fmt.Sprintf("connected to %s, then reset", net.JoinHostPort(a, endPort)), nil
			}
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
		return "", errors.Join(errs...)
	})

	pr.do(ctx, StageTLS, func(ctx context.Context) (string, error) {
		if reset != nil {
			return "", reset
		}
		tc := tls.Client(pr.conn, &tls.Config{
			ServerName: pr.host,
			RootCAs:    pr.t.RootCAs,
			MinVersion: tls.VersionTLS12,
		})
		if err := tc.HandshakeContext(ctx); err != nil {
			return "", err
		}
		pr.mu.Lock()
		pr.conn = tc
		pr.mu.Unlock()
		st := tc.ConnectionState()
		leaf := st.PeerCertificates[0]
		return fmt.Sprintf("%s, certificate %s issued by %s, valid for %s", tls.VersionName(st.Version), leaf.Subject.CommonName, leaf.Issuer.CommonName, pr.host), nil
	})

	pr.do(ctx, StageSASL, func(ctx context.Context) (string, error) {
		if pr.t.Credentials == nil {
			return "", &stageError{
				detail: "no AWS credentials to sign the IAM token",
				next:   "configure credentials for the SDK default chain (AWS_PROFILE, environment, SSO, instance role) or pass --profile / --role-arn",
			}
		}
		if pr.mech == MechanismAWSMSKIAM {
			pr.mu.Lock()
			c := pr.conn
			pr.mu.Unlock()
			if err := authenticateAWSMSKIAM(ctx, c, pr.path.Advertised, pr.t.Credentials); err != nil {
				return "", pr.explainDenied(ctx, err)
			}
		}
		b := sarama.NewBroker(pr.path.Advertised)
		pr.mu.Lock()
		pr.broker = b
		pr.mu.Unlock()
		tp := &tokenProvider{ctx: ctx, region: pr.t.Region, creds: pr.t.Credentials}
		if err := b.Open(pr.saramaConfig(tp)); err != nil {
			return "", err
		}
		if _, err := b.Connected(); err != nil {
			if tp.err != nil {
				return "", &credentialsError{tp.err}
			}
			return "", pr.explainDenied(ctx, err)
		}
		if pr.mech == MechanismAWSMSKIAM {
			return fmt.Sprintf("AWS_MSK_IAM payload signed for %s (%s) accepted", pr.host, pr.t.Region), nil
		}
		return fmt.Sprintf("OAUTHBEARER IAM token signed for %s accepted", pr.t.Region), nil
	})

	pr.do(ctx, StageMetadata, func(ctx context.Context) (string, error) {
		req := sarama.NewMetadataRequest(kafkaVersion, []string{pr.t.Topic})
		req.AllowAutoTopicCreation = false
		resp, err := pr.broker.GetMetadata(req)
		if err != nil {
			return "", err
		}
		mv := newMetadataView(resp, pr.t.Topic)
		pr.meta = mv
		// This path's broker must be in the cluster and advertise the
		// address it is mapped under. Another mapped broker missing is
		// that broker's path's failure, not this one's (a broker
		// restarting leaves the live brokers for a while): see
		// offlineBrokers.
		var errs []string
		addr, ok := mv.addr(int32(pr.path.BrokerID))
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("broker %d is missing from the cluster metadata it answered itself", pr.path.BrokerID))
		case !strings.EqualFold(addr, pr.path.Advertised):
			errs = append(errs, fmt.Sprintf("broker %d advertises %s, not %s as mapped", pr.path.BrokerID, addr, pr.path.Advertised))
		}
		if len(errs) > 0 {
			return "", &metadataMismatch{problems: errs}
		}
		var absent []string
		for _, p := range pr.t.Paths {
			if _, ok := mv.addr(int32(p.BrokerID)); !ok && !slices.Contains(absent, strconv.Itoa(p.BrokerID)) {
				absent = append(absent, strconv.Itoa(p.BrokerID))
			}
		}
		if len(absent) > 0 {
			return fmt.Sprintf("%d brokers, each advertised as mapped (controller %d); mapped broker(s) %s not among them (see their paths)", len(mv.brokers), mv.controller, strings.Join(absent, ", ")), nil
		}
		return fmt.Sprintf("%d brokers, each advertised as mapped (controller %d)", len(mv.brokers), mv.controller), nil
	})
}

// exchange produces to the partition this broker leads and consumes it back.
func (pr *pathRun) exchange(ctx context.Context, topic topicState) {
	if pr.failed {
		pr.skip(StageProduce, "")
		pr.skip(StageGroup, "")
		pr.skip(StageConsume, "")
		return
	}
	part, ok := topic.ledBy[int32(pr.path.BrokerID)]
	if !topic.ok || !ok {
		why := "skipped: the verification topic is not usable (see the topic check)"
		if topic.ok {
			why = fmt.Sprintf("skipped: broker %d leads no partition of %s (see the topic check)", pr.path.BrokerID, pr.t.Topic)
		}
		pr.skip(StageProduce, why)
		pr.skip(StageGroup, "skipped: nothing was produced")
		pr.skip(StageConsume, "skipped: nothing was produced")
		pr.failed = true
		return
	}
	pr.part = part

	pr.do(ctx, StageProduce, func(ctx context.Context) (string, error) {
		pid, epoch, err := pr.initProducerID()
		if err != nil {
			return "", err
		}
		off, err := pr.produce(part, pid, epoch)
		if err != nil {
			if errors.Is(err, sarama.ErrNotLeaderForPartition) {
				if j := pr.probeLandsOn(topic); j != 0 {
					pr.landsOn = j
					return "", &affinityError{path: pr.path.BrokerID, landsOn: j, partition: part, err: err}
				}
			}
			return "", err
		}
		pr.offset = off
		return fmt.Sprintf("idempotent producer %d (epoch %d), acks=all: record %s written to partition %d (led by broker %d) at offset %d", pid, epoch, pr.recordKey(), part, pr.path.BrokerID, off), nil
	})

	var g *group
	pr.do(ctx, StageGroup, func(ctx context.Context) (string, error) {
		var err error
		if g, err = pr.joinGroup(ctx, part); err != nil {
			return "", err
		}
		via := "this path"
		if !g.own {
			via = fmt.Sprintf("NLB %d", g.coordID)
		}
		return fmt.Sprintf("group %s: coordinator broker %d (via %s), generation %d, assigned partition %d", g.id, g.coordID, via, g.generation, part), nil
	})

	pr.do(ctx, StageConsume, func(ctx context.Context) (string, error) {
		read, err := pr.consume(ctx, part, pr.offset)
		if err != nil {
			return "", err
		}
		if err := pr.commit(g, part, pr.offset+1); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s; offset %d committed; %s", read, pr.offset+1, pr.cleanup(g)), nil
	})
}

func (pr *pathRun) saramaConfig(tp sarama.AccessTokenProvider) *sarama.Config {
	c := sarama.NewConfig()
	c.ClientID = "mskvpce-verify"
	c.Version = kafkaVersion
	c.Net.ReadTimeout = pr.o.StageTimeout
	c.Net.WriteTimeout = pr.o.StageTimeout
	c.Net.DialTimeout = pr.o.StageTimeout
	c.Net.MaxOpenRequests = 1
	// AWS_MSK_IAM is not a sarama mechanism: the sasl stage authenticates
	// the connection (authenticateAWSMSKIAM) before sarama gets it.
	c.Net.SASL.Enable = pr.mech != MechanismAWSMSKIAM
	c.Net.SASL.Mechanism = sarama.SASLTypeOAuth
	c.Net.SASL.Handshake = true
	c.Net.SASL.TokenProvider = tp
	// TLS already ran in the tls stage, with ServerName set to the advertised
	// broker hostname, exactly the check sarama itself would make; the dialer
	// hands sarama that connection.
	c.Net.TLS.Enable = false
	c.Net.Proxy.Enable = true
	c.Net.Proxy.Dialer = &pathDialer{pr: pr}
	c.Metadata.AllowAutoTopicCreation = false
	return c
}

// kafkaVersion is the protocol level requested; sarama lowers each request's
// version to what the broker supports.
var kafkaVersion = sarama.V3_6_0_0

// tokenProvider signs an MSK IAM token (OAUTHBEARER) with the target's
// credentials, as aws-msk-iam-sasl-signer-go does for every Go MSK client.
type tokenProvider struct {
	ctx    context.Context
	region string
	creds  aws.CredentialsProvider
	err    error
}

func (p *tokenProvider) Token() (*sarama.AccessToken, error) {
	c, err := p.creds.Retrieve(p.ctx)
	if err != nil {
		p.err = err
		return nil, err
	}
	tok, _, err := signer.GenerateAuthTokenFromCredentialsProvider(p.ctx, p.region, aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }))
	if err != nil {
		p.err = err
		return nil, err
	}
	return &sarama.AccessToken{Token: tok}, nil
}

// pathDialer is sarama's Net.Proxy dialer for one path. The path's own
// broker address gets the connection the tcp and tls stages opened through
// its endpoint; any other mapped broker gets a fresh connection through its
// own endpoint, with its own timeout and the same TLS check; an unmapped
// address is refused.
type pathDialer struct {
	pr    *pathRun
	taken bool
}

func (d *pathDialer) Dial(network, addr string) (net.Conn, error) {
	pr := d.pr
	if strings.EqualFold(addr, pr.path.Advertised) && !d.taken {
		d.taken = true
		pr.mu.Lock()
		c := pr.conn
		pr.mu.Unlock()
		if c == nil {
			return nil, net.ErrClosed
		}
		return c, nil
	}
	for _, p := range pr.t.Paths {
		if strings.EqualFold(addr, p.Advertised) {
			host, _, _ := net.SplitHostPort(addr)
			nd := &net.Dialer{Timeout: pr.o.StageTimeout}
			c, err := tls.DialWithDialer(nd, network, p.Endpoint, &tls.Config{ServerName: host, RootCAs: pr.t.RootCAs, MinVersion: tls.VersionTLS12})
			if err != nil || pr.mech != MechanismAWSMSKIAM {
				return c, err
			}
			// sarama leaves SASL to us for AWS_MSK_IAM (see saramaConfig).
			ctx, cancel := context.WithTimeout(context.Background(), pr.o.StageTimeout)
			defer cancel()
			if err := authenticateAWSMSKIAM(ctx, c, addr, pr.t.Credentials); err != nil {
				_ = c.Close()
				return nil, err
			}
			return c, nil
		}
	}
	return nil, &unmappedError{addr: addr}
}

type unmappedError struct{ addr string }

func (e *unmappedError) Error() string {
	return fmt.Sprintf("refused to dial %s: no endpoint mapping, the connection would bypass the NLBs", e.addr)
}

type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "retrieving AWS credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

type metadataMismatch struct{ problems []string }

func (e *metadataMismatch) Error() string { return strings.Join(e.problems, "; ") }

type affinityError struct {
	path, landsOn int
	partition     int32
	err           error
}

func (e *affinityError) Error() string {
	return fmt.Sprintf("path to broker %d lands on broker %d", e.path, e.landsOn)
}
func (e *affinityError) Unwrap() error { return e.err }

// metadataView is the part of a Metadata response the stages use.
type metadataView struct {
	brokers    []brokerAddr
	controller int32
	topicErr   sarama.KError
	topicFound bool
	leaders    map[int32]int32 // partition → leader
	// offline are the brokers listed as an offline replica of a
	// partition of the topic: registered replicas that are not running
	// (restarting, or failed).
	offline map[int32]bool
}

type brokerAddr struct {
	id   int32
	addr string
}

func newMetadataView(resp *sarama.MetadataResponse, topic string) *metadataView {
	mv := &metadataView{controller: resp.ControllerID, leaders: map[int32]int32{}, offline: map[int32]bool{}}
	for _, b := range resp.Brokers {
		mv.brokers = append(mv.brokers, brokerAddr{id: b.ID(), addr: b.Addr()})
	}
	for _, t := range resp.Topics {
		if t.Name != topic {
			continue
		}
		mv.topicFound = true
		mv.topicErr = t.Err
		for _, p := range t.Partitions {
			mv.leaders[p.ID] = p.Leader
			for _, r := range p.OfflineReplicas {
				mv.offline[r] = true
			}
		}
	}
	return mv
}

func (mv *metadataView) addr(id int32) (string, bool) {
	for _, b := range mv.brokers {
		if b.id == id {
			return b.addr, true
		}
	}
	return "", false
}
