package localmsk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// metadataOf asks the cluster, through the NLB stand-ins, for its brokers
// and the verification topic's partitions.
func metadataOf(ctx context.Context, t *testing.T, cl *kgo.Client, topic string) *kmsg.MetadataResponse {
	t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = &topic
	req.Topics = append(req.Topics, mt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	return resp
}

// TestRestartBrokerAsKafkaShowsIt: while broker 2 restarts, its NLB
// stand-in resets clients, Metadata leaves it out of the live brokers and
// every ISR and lists it as an offline replica, the partition it led is led
// by broker 3, and a group it coordinates is unavailable; once back (same
// id, same address), it leads its partition again and the view is whole.
func TestRestartBrokerAsKafkaShowsIt(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	info := e.Info()
	cl := newKgo(t, info, false, awsMSKIAM(info.Credentials), kgo.SeedBrokers(info.Brokers[0].Advertised()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	topic := info.VerificationTopic

	restartCtx, bringBack := context.WithCancel(ctx)
	returned := make(chan error, 1)
	go func() { returned <- e.RestartBroker(restartCtx, 2, time.Hour) }()
	for e.Restarting() != 2 {
		select {
		case err := <-returned:
			t.Fatalf("RestartBroker returned early: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if err := e.RestartBroker(ctx, 1, 0); !errors.Is(err, ErrUpdateInProgress) {
		t.Errorf("a second restart during the first: %v, want ErrUpdateInProgress", err)
	}

	m := metadataOf(ctx, t, cl, topic)
	for _, b := range m.Brokers {
		if b.NodeID == 2 {
			t.Errorf("Metadata lists broker 2 among the live brokers while it restarts: %+v", m.Brokers)
		}
	}
	if len(m.Brokers) != 2 {
		t.Errorf("Metadata lists %d brokers, want 2 (1 and 3)", len(m.Brokers))
	}
	for _, p := range m.Topics[0].Partitions {
		want := p.Partition + 1
		if want == 2 {
			want = 3 // the next live broker took it over
		}
		if p.Leader != want {
			t.Errorf("partition %d led by %d while broker 2 restarts, want %d", p.Partition, p.Leader, want)
		}
		for _, r := range p.ISR {
			if r == 2 {
				t.Errorf("partition %d: broker 2 still in the ISR %v", p.Partition, p.ISR)
			}
		}
		inReplicas, inOffline := false, false
		for _, r := range p.Replicas {
			inReplicas = inReplicas || r == 2
		}
		for _, r := range p.OfflineReplicas {
			inOffline = inOffline || r == 2
		}
		if inReplicas != inOffline {
			t.Errorf("partition %d: replicas %v, offline %v: want broker 2 offline wherever it is a replica", p.Partition, p.Replicas, p.OfflineReplicas)
		}
	}
	// A group coordinated by broker 2: not available while it restarts.
	var group string
	for i := 0; group == "" && i < 500; i++ {
		if g := "g-" + strconv.Itoa(i); e.cluster.CoordinatorFor(g) == 2 {
			group = g
		}
	}
	fc := kmsg.NewPtrFindCoordinatorRequest()
	fc.CoordinatorKey = group
	fc.CoordinatorKeys = []string{group}
	fcr, err := fc.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	code := fcr.ErrorCode
	if len(fcr.Coordinators) > 0 {
		code = fcr.Coordinators[0].ErrorCode
	}
	if !errors.Is(kerr.ErrorForCode(code), kerr.CoordinatorNotAvailable) {
		t.Errorf("FindCoordinator for group %s (coordinated by broker 2) while it restarts: %v, want COORDINATOR_NOT_AVAILABLE", group, kerr.ErrorForCode(code))
	}
	// Its NLB stand-in forwards to nothing that answers: reset.
	c, err := net.DialTimeout("tcp", info.Brokers[1].Endpoint, 2*time.Second)
	if err == nil {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 1))
		c.Close()
	}
	if err == nil {
		t.Error("NLB stand-in 2 carried a connection while broker 2 restarts")
	}

	bringBack()
	if err := <-returned; !errors.Is(err, context.Canceled) {
		t.Errorf("RestartBroker brought back early: %v, want context.Canceled", err)
	}
	if e.Restarting() != 0 {
		t.Errorf("Restarting() = %d after the restart", e.Restarting())
	}
	m = metadataOf(ctx, t, cl, topic)
	if len(m.Brokers) != 3 {
		t.Errorf("Metadata lists %d brokers after the restart, want 3", len(m.Brokers))
	}
	for _, p := range m.Topics[0].Partitions {
		if p.Leader != p.Partition+1 || len(p.OfflineReplicas) != 0 || len(p.ISR) != len(p.Replicas) {
			t.Errorf("after the restart partition %d: leader %d (want %d), ISR %v, offline %v", p.Partition, p.Leader, p.Partition+1, p.ISR, p.OfflineReplicas)
		}
	}
	if got := e.Info().Brokers[1]; got != info.Brokers[1] {
		t.Errorf("broker 2 came back as %+v, want the same id and addresses %+v", got, info.Brokers[1])
	}
	if err := listOffsets(ctx, cl, 2, topic, 1); err != nil {
		t.Errorf("broker 2 back: ListOffsets on its partition: %v", err)
	}
}

// TestRollingRestartLosesNothing backs docs/local.md's statement on what a
// Spark job sees during an MSK rolling update: an independent client
// (franz-go, idempotent, acks=all, retries on) produces to every partition
// while every broker restarts in turn; each record is acknowledged once,
// none waits much longer than a metadata refresh (the cluster kept
// serving: leadership moved), and reading the topic back gives every
// record exactly once.
func TestRollingRestartLosesNothing(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	info := e.Info()
	topic := info.VerificationTopic
	var cuts atomic.Int64
	cl := newKgo(t, info, false, awsMSKIAM(info.Credentials),
		kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()), // idempotent: kgo's default
		kgo.RequestRetries(100),
		kgo.RetryTimeout(time.Minute),
		kgo.RecordDeliveryTimeout(time.Minute),
		kgo.MetadataMinAge(100*time.Millisecond),
		kgo.WithHooks(disconnectHook{&cuts}),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("warm-up")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	const away = 2 * time.Second
	restarted := make(chan error, 1)
	go func() { restarted <- e.RollingRestart(ctx, away) }()

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		slowest time.Duration
		seen    = map[int]bool{}
	)
	n := 0
	for done := false; !done; n++ {
		select {
		case err := <-restarted:
			if err != nil {
				t.Fatalf("RollingRestart: %v", err)
			}
			done = true
		default:
		}
		if r := e.Restarting(); r != 0 {
			mu.Lock()
			seen[r] = true
			mu.Unlock()
		}
		wg.Add(1)
		sent := time.Now()
		cl.Produce(ctx, &kgo.Record{Value: []byte(strconv.Itoa(n))}, func(_ *kgo.Record, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			}
			slowest = max(slowest, time.Since(sent))
		})
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d records failed, first: %v", len(errs), n, errs[0])
	}
	if len(seen) != 3 || cuts.Load() == 0 {
		t.Fatalf("the rolling restart was not seen: brokers observed away %v, connections cut %d", seen, cuts.Load())
	}
	// Leadership moved off each restarting broker: no record waited for
	// one to come back.
	if slowest >= away {
		t.Errorf("a record took %s to be acknowledged, as long as a broker was away (%s): the cluster stopped serving its partitions", slowest, away)
	}

	cons := newKgo(t, info, false, awsMSKIAM(info.Credentials),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	counts := map[string]int{}
	total := 0
	for total < n+1 {
		fs := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read back %d of %d records: %v", total, n+1, err)
		}
		fs.EachError(func(_ string, _ int32, err error) { t.Fatalf("fetch: %v", err) })
		fs.EachRecord(func(r *kgo.Record) {
			counts[string(r.Value)]++
			total++
		})
	}
	for i := range n {
		if c := counts[strconv.Itoa(i)]; c != 1 {
			t.Errorf("record %d read back %d times, want once", i, c)
		}
	}
	if counts["warm-up"] != 1 || len(counts) != n+1 {
		t.Errorf("read back %d distinct records, want %d", len(counts), n+1)
	}
	t.Logf("%d records across the rolling restart, %d connections cut, slowest acknowledgement %s", n, cuts.Load(), slowest)
}

// disconnectHook counts the client's broker connections that ended.
type disconnectHook struct{ n *atomic.Int64 }

func (h disconnectHook) OnBrokerDisconnect(kgo.BrokerMetadata, net.Conn) { h.n.Add(1) }

// TestReplaceBrokerThenRepointNLB: a replaced broker keeps its id and
// hostname at a new client IP and listener; the old listener is dead; its
// NLB stand-in, still targeting the old IP, leaves connects unanswered
// (timeout, as in AWS) while the broker serves at its new address;
// info.json tells all of it; re-pointing the stand-in at the new IP
// restores the path. SetNLBTarget refuses what is not an IP[:port], and is
// safe to call concurrently (the race detector watches).
func TestReplaceBrokerThenRepointNLB(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{Dir: t.TempDir()})
	before := e.Info()
	if err := e.ReplaceBroker(2); err != nil {
		t.Fatal(err)
	}
	after := e.Info()
	b, a := before.Brokers[1], after.Brokers[1]
	if a.ClientIP == b.ClientIP || a.BrokerAddr == b.BrokerAddr {
		t.Fatalf("broker 2 replaced but its client IP (%s → %s) or listener (%s → %s) did not change", b.ClientIP, a.ClientIP, b.BrokerAddr, a.BrokerAddr)
	}
	if a.Hostname != b.Hostname || a.Endpoint != b.Endpoint || a.ClientSubnetID != b.ClientSubnetID {
		t.Errorf("broker 2 replaced: hostname, NLB or subnet changed: %+v → %+v", b, a)
	}
	if a.NLBTarget != b.ClientIP+":9098" {
		t.Errorf("NLB 2 targets %s after the replacement, want the old IP %s:9098", a.NLBTarget, b.ClientIP)
	}
	assertInfoFile(t, e)

	if c, err := net.DialTimeout("tcp", b.BrokerAddr, time.Second); err == nil {
		c.Close()
		t.Errorf("the replaced broker's old listener %s still accepts", b.BrokerAddr)
	}
	if c, err := net.DialTimeout("tcp", a.Endpoint, 500*time.Millisecond); err == nil {
		c.Close()
		t.Error("NLB stand-in 2 accepted a connection while it targets a gone IP")
	} else if !isTimeout(err) {
		t.Errorf("connect through NLB stand-in 2 targeting a gone IP: %v, want a timeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	direct := newKgo(t, after, true, awsMSKIAM(after.Credentials))
	if err := listOffsets(ctx, direct, 2, after.VerificationTopic, 1); err != nil {
		t.Errorf("broker 2 at its new address: %v", err)
	}

	// A reconciler registers the new IP: the path works again.
	if err := e.SetNLBTarget(2, a.ClientIP); err != nil {
		t.Fatal(err)
	}
	if got := e.Info().Brokers[1].NLBTarget; got != a.ClientIP+":9098" {
		t.Errorf("NLB 2 target %s, want %s:9098", got, a.ClientIP)
	}
	assertInfoFile(t, e)
	via := newKgo(t, e.Info(), false, awsMSKIAM(after.Credentials))
	if err := listOffsets(ctx, via, 2, after.VerificationTopic, 1); err != nil {
		t.Errorf("through NLB 2 re-pointed at the new IP: %v", err)
	}

	// The broker's IP on another port: refused, so the stand-in resets.
	if err := e.SetNLBTarget(2, a.ClientIP+":9092"); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", a.Endpoint, 2*time.Second)
	if err == nil {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 1))
		c.Close()
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
		t.Errorf("through NLB 2 targeting a closed port: %v, want accepted then reset", err)
	}

	for _, bad := range []string{"nope", "b-2.example:9098", "10.0.1.5:0", "10.0.1.5:http", "::1"} {
		if err := e.SetNLBTarget(2, bad); err == nil || !strings.Contains(err.Error(), strconv.Quote(bad)) {
			t.Errorf("SetNLBTarget(2, %q): %v, want an error naming it", bad, err)
		}
	}
	if err := e.SetNLBTarget(9, a.ClientIP); err == nil || !strings.Contains(err.Error(), "broker 9 does not exist") {
		t.Errorf("SetNLBTarget(9, ...): %v", err)
	}

	// Concurrent re-pointing and reading.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				ip := after.Brokers[(i+j)%3].ClientIP
				if err := e.SetNLBTarget(1+(i%3), ip); err != nil {
					t.Error(err)
					return
				}
				_ = e.Info()
			}
		}()
	}
	wg.Wait()
	for id := 1; id <= 3; id++ {
		must(t, e.SetNLBTarget(id, e.Info().Brokers[id-1].ClientIP))
	}
	via = newKgo(t, e.Info(), false, awsMSKIAM(after.Credentials))
	for id := int32(1); id <= 3; id++ {
		if err := listOffsets(ctx, via, id, after.VerificationTopic, id-1); err != nil {
			t.Errorf("broker %d through its NLB after concurrent re-pointing: %v", id, err)
		}
	}
	assertInfoFile(t, e)
}

// assertInfoFile: info.json on disk says what Info says.
func assertInfoFile(t *testing.T, e *Env) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.opts.Dir, "info.json"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk Info
	if err := json.Unmarshal(b, &onDisk); err != nil {
		t.Fatal(err)
	}
	if want := e.Info(); !reflect.DeepEqual(onDisk.Brokers, want.Brokers) {
		t.Errorf("info.json brokers %+v, want %+v", onDisk.Brokers, want.Brokers)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
