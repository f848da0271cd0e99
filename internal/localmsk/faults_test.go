package localmsk

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
)

// withoutAction is policy doc with action removed from every statement.
func withoutAction(t testing.TB, doc []byte, action string) []byte {
	t.Helper()
	var p struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range p.Statement {
		var kept []any
		for _, a := range s["Action"].([]any) {
			if a == action {
				found = true
				continue
			}
			kept = append(kept, a)
		}
		s["Action"] = kept
	}
	if !found {
		t.Fatalf("%s is not in the policy", action)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// listOffsets asks broker for the end offset of partition p of topic and
// returns the partition's error.
func listOffsets(ctx context.Context, cl *kgo.Client, broker int32, topic string, p int32) error {
	req := kmsg.NewPtrListOffsetsRequest()
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition = p
	rp.Timestamp = -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl.Broker(int(broker)))
	if err != nil {
		return err
	}
	return kerr.ErrorForCode(resp.Topics[0].Partitions[0].ErrorCode)
}

func isSASLFailure(msg string) func(error) bool {
	return func(err error) bool {
		return errors.Is(err, kerr.SaslAuthenticationFailed) && strings.Contains(err.Error(), "]: "+msg)
	}
}

// TestFaultsAsClientsSeeThem injects each fault and checks that franz-go
// gets the error a client of a real MSK deployment gets.
func TestFaultsAsClientsSeeThem(t *testing.T) {
	t.Parallel()
	accessDenied := isSASLFailure("Access denied")
	for _, tc := range []struct {
		name   string
		inject func(t *testing.T, e *Env)
		oauth  bool // OAUTHBEARER instead of AWS_MSK_IAM
		// broker1 makes the client learn metadata from broker 3 first and
		// then talk to broker 1, the one the fault hits; otherwise the
		// fault hits every broker and the first request fails.
		broker1 bool
		want    func(error) bool
		wantIs  string
	}{
		{
			name:    "NLB down: connection refused",
			inject:  func(t *testing.T, e *Env) { must(t, e.SetNLBDown(1, true)) },
			broker1: true,
			want:    func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) },
			wantIs:  "ECONNREFUSED",
		},
		{
			name:    "broker down behind its NLB: reset during TLS",
			inject:  func(t *testing.T, e *Env) { must(t, e.SetBrokerDown(1, true)) },
			broker1: true,
			want: func(err error) bool {
				var eof *kgo.ErrFirstReadEOF
				return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.As(err, &eof)
			},
			wantIs: "ECONNRESET or EOF",
		},
		{
			name:    "NLB routed to the wrong broker (OAUTHBEARER): not leader",
			inject:  func(t *testing.T, e *Env) { must(t, e.RouteNLB(1, 2)) },
			oauth:   true,
			broker1: true,
			want:    func(err error) bool { return errors.Is(err, kerr.NotLeaderForPartition) },
			wantIs:  "NOT_LEADER_OR_FOLLOWER",
		},
		{
			name:    "NLB routed to the wrong broker (AWS_MSK_IAM, host-signed): access denied",
			inject:  func(t *testing.T, e *Env) { must(t, e.RouteNLB(1, 2)) },
			broker1: true,
			want:    accessDenied,
			wantIs:  "SASL_AUTHENTICATION_FAILED Access denied",
		},
		{
			name:   "certificate for another host",
			inject: func(t *testing.T, e *Env) { must(t, e.SetCertFault(CertWrongHost)) },
			want:   func(err error) bool { var he x509.HostnameError; return errors.As(err, &he) },
			wantIs: "x509.HostnameError",
		},
		{
			name:   "certificate from an unknown CA",
			inject: func(t *testing.T, e *Env) { must(t, e.SetCertFault(CertUnknownCA)) },
			want:   func(err error) bool { var ue x509.UnknownAuthorityError; return errors.As(err, &ue) },
			wantIs: "x509.UnknownAuthorityError",
		},
		{
			name:   "broker clock 20 minutes ahead: token expired",
			inject: func(t *testing.T, e *Env) { e.SetClockSkew(20 * time.Minute) },
			want:   accessDenied,
			wantIs: "SASL_AUTHENTICATION_FAILED Access denied",
		},
		{
			name:   "broker clock 20 minutes behind: token from the future (OAUTHBEARER)",
			inject: func(t *testing.T, e *Env) { e.SetClockSkew(-20 * time.Minute) },
			oauth:  true,
			want:   accessDenied,
			wantIs: "SASL_AUTHENTICATION_FAILED Access denied",
		},
		{
			name:   "credentials rejected",
			inject: func(t *testing.T, e *Env) { e.SetRejectCredentials(true) },
			want:   accessDenied,
			wantIs: "SASL_AUTHENTICATION_FAILED Access denied",
		},
		{
			name: "policy without kafka-cluster:Connect",
			inject: func(t *testing.T, e *Env) {
				must(t, e.SetPolicy(withoutAction(t, DefaultPolicy(e.Info().ClusterARN), "kafka-cluster:Connect")))
			},
			want:   accessDenied,
			wantIs: "SASL_AUTHENTICATION_FAILED Access denied",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := startEnv(t, Options{})
			info := e.Info()
			tc.inject(t, e)
			var mech sasl.Mechanism = awsMSKIAM(info.Credentials)
			if tc.oauth {
				mech = oauthBearer(info.Region, info.Credentials)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var err error
			if tc.broker1 {
				cl := newKgo(t, info, false, mech, kgo.SeedBrokers(info.Brokers[2].Advertised()))
				if _, err := cl.Request(ctx, kmsg.NewPtrMetadataRequest()); err != nil {
					t.Fatalf("metadata from broker 3, which the fault does not touch: %v", err)
				}
				err = listOffsets(ctx, cl, 1, info.VerificationTopic, 0)
			} else {
				cl := newKgo(t, info, false, mech)
				_, err = cl.Request(ctx, kmsg.NewPtrMetadataRequest())
			}
			if err == nil {
				t.Fatalf("the request succeeded; want %s", tc.wantIs)
			}
			if !tc.want(err) {
				t.Fatalf("error %q (%T); want %s", err, err, tc.wantIs)
			}
		})
	}
}

// TestMissingPermissionDeniesLikeMSK swaps in a policy that lacks one
// action; the Kafka request needing it fails with MSK's authorization error
// while everything else keeps working.
func TestMissingPermissionDeniesLikeMSK(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	info := e.Info()
	must(t, e.SetPolicy(withoutAction(t, DefaultPolicy(info.ClusterARN), "kafka-cluster:WriteData")))
	if !strings.Contains(e.Info().PolicyJSON, "ReadData") || strings.Contains(e.Info().PolicyJSON, `"kafka-cluster:WriteData"`) {
		t.Fatalf("Info().PolicyJSON does not show the swapped policy: %s", e.Info().PolicyJSON)
	}
	cl := newKgo(t, info, false, awsMSKIAM(info.Credentials))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := cl.ProduceSync(ctx, &kgo.Record{Topic: info.VerificationTopic, Value: []byte("x")}).FirstErr()
	if !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("produce without WriteData: %v; want TOPIC_AUTHORIZATION_FAILED", err)
	}
	if err := listOffsets(ctx, cl, 1, info.VerificationTopic, 0); err != nil {
		t.Fatalf("ListOffsets, which needs only DescribeTopic: %v", err)
	}
	// Restoring the policy restores the permission.
	must(t, e.SetPolicy(DefaultPolicy(info.ClusterARN)))
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: info.VerificationTopic, Value: []byte("x")}).FirstErr(); err != nil {
		t.Fatalf("produce after restoring the policy: %v", err)
	}
	if err := e.SetPolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`)); err == nil {
		t.Error("SetPolicy accepted a policy with a Condition it cannot evaluate")
	}
}

// TestTooManyConnects: over the per-broker connection rate, authentication
// fails with MSK's "[<id>]: Too many connects".
func TestTooManyConnects(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	info := e.Info()
	e.SetConnectRateLimit(1)
	tok := func() []byte { return clientFirst(t, awsMSKIAM(info.Credentials), info.Brokers[0].Advertised()) }
	var msgs []string
	for range 3 {
		c := dialRaw(t, info, 1)
		c.handshake(mechAWSMSKIAM)
		resp, err := c.authenticate(tok())
		if err != nil {
			t.Fatalf("SaslAuthenticate: %v", err)
		}
		if resp.ErrorCode == 0 {
			msgs = append(msgs, "ok")
			continue
		}
		if resp.ErrorCode != kerr.SaslAuthenticationFailed.Code || resp.ErrorMessage == nil {
			t.Fatalf("error code %d, message %v; want SASL_AUTHENTICATION_FAILED", resp.ErrorCode, resp.ErrorMessage)
		}
		_, msg, _ := strings.Cut(*resp.ErrorMessage, "]: ")
		msgs = append(msgs, msg)
	}
	if want := []string{"ok", "Too many connects", "Too many connects"}; !slices.Equal(msgs, want) {
		t.Fatalf("three connections within a second at 1/s: %q, want %q", msgs, want)
	}
	e.SetConnectRateLimit(0)
	c := dialRaw(t, info, 1)
	c.handshake(mechAWSMSKIAM)
	if resp, err := c.authenticate(tok()); err != nil || resp.ErrorCode != 0 {
		t.Fatalf("with the limit off: %v / %v", err, resp)
	}
}

// TestLatencyOnOnePath: a slowed NLB stand-in adds its latency each way to
// every round trip on that path, and only that path.
func TestLatencyOnOnePath(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	info := e.Info()
	const lat = 100 * time.Millisecond
	must(t, e.SetLatency(2, lat))
	rtt := func(broker int) time.Duration {
		c := dialRaw(t, info, broker)
		c.handshake(mechOAuthBearer)
		if resp, err := c.authenticate(clientFirst(t, oauthBearer(info.Region, info.Credentials), info.Brokers[broker-1].Advertised())); err != nil || resp.ErrorCode != 0 {
			t.Fatalf("authenticate on broker %d: %v", broker, err)
		}
		start := time.Now()
		if _, err := c.roundTrip(metadataReq()); err != nil {
			t.Fatalf("Metadata on broker %d: %v", broker, err)
		}
		return time.Since(start)
	}
	if got := rtt(2); got < 2*lat {
		t.Errorf("round trip through the slowed NLB took %s; want at least %s", got, 2*lat)
	}
	if got := rtt(1); got >= 2*lat {
		t.Errorf("round trip through an untouched NLB took %s; the latency leaked to another path", got)
	}
}

// TestFaultsAreReversible: after undoing every fault the path works again.
func TestFaultsAreReversible(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	info := e.Info()
	must(t, e.SetNLBDown(1, true))
	must(t, e.SetBrokerDown(2, true))
	must(t, e.RouteNLB(3, 1))
	must(t, e.SetCertFault(CertUnknownCA))
	e.SetClockSkew(time.Hour)
	e.SetRejectCredentials(true)

	must(t, e.SetNLBDown(1, false))
	must(t, e.SetBrokerDown(2, false))
	must(t, e.RouteNLB(3, 3))
	must(t, e.SetCertFault(CertOK))
	e.SetClockSkew(0)
	e.SetRejectCredentials(false)

	cl := newKgo(t, info, false, awsMSKIAM(info.Credentials))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for p := range int32(3) {
		if err := listOffsets(ctx, cl, p+1, info.VerificationTopic, p); err != nil {
			// cl.Broker needs metadata first; the retry below covers it.
			if _, err := cl.Request(ctx, kmsg.NewPtrMetadataRequest()); err != nil {
				t.Fatalf("metadata: %v", err)
			}
			if err := listOffsets(ctx, cl, p+1, info.VerificationTopic, p); err != nil {
				t.Errorf("broker %d after undoing the faults: %v", p+1, err)
			}
		}
	}
	for _, bad := range []func() error{
		func() error { return e.SetNLBDown(4, true) },
		func() error { return e.RouteNLB(1, 0) },
		func() error { return e.SetBrokerDown(0, true) },
		func() error { return e.SetLatency(1, -time.Second) },
		func() error { return e.SetCertFault(CertFault(9)) },
	} {
		if bad() == nil {
			t.Error("a fault with an invalid argument was accepted")
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
