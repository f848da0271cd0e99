package localmsk

import (
	"bufio"
	"context"
	"errors"
	"net"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
)

// rawClient speaks the Kafka protocol by hand to one broker, so tests can
// send what real clients never would.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
	corr int32
}

func dialRaw(t testing.TB, info Info, broker int) *rawClient {
	t.Helper()
	r := newRoute(t, info, false)
	conn, err := r.dialTLS(context.Background(), "tcp", info.Brokers[broker-1].Advertised())
	if err != nil {
		t.Fatalf("dial broker %d: %v", broker, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, br: bufio.NewReader(conn)}
}

func (c *rawClient) send(req kmsg.Request) {
	c.t.Helper()
	c.corr++
	if _, err := c.conn.Write(kmsg.NewRequestFormatter(kmsg.FormatterClientID("raw")).AppendRequest(nil, req, c.corr)); err != nil {
		c.t.Fatalf("send %s: %v", kmsg.NameForKey(req.Key()), err)
	}
}

// roundTrip sends req and decodes its response, or returns the read error.
func (c *rawClient) roundTrip(req kmsg.Request) (kmsg.Response, error) {
	c.t.Helper()
	c.send(req)
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	frame, err := readFrame(c.br)
	if err != nil {
		return nil, err
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	corr, err := parseResponse(frame, resp)
	if err != nil {
		c.t.Fatalf("decode %s response: %v", kmsg.NameForKey(req.Key()), err)
	}
	if corr != c.corr {
		c.t.Fatalf("response correlation id %d, want %d", corr, c.corr)
	}
	return resp, nil
}

// expectClosed asserts the broker closes the connection (EOF or reset)
// without sending anything more.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	frame, err := readFrame(c.br)
	if err == nil {
		c.t.Fatalf("broker sent a %d-byte frame; want the connection closed", len(frame))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatalf("broker kept the connection open; want it closed")
	}
}

func (c *rawClient) handshake(mech string) *kmsg.SASLHandshakeResponse {
	c.t.Helper()
	req := kmsg.NewPtrSASLHandshakeRequest()
	req.Version = 1
	req.Mechanism = mech
	resp, err := c.roundTrip(req)
	if err != nil {
		c.t.Fatalf("SaslHandshake: %v", err)
	}
	return resp.(*kmsg.SASLHandshakeResponse)
}

func (c *rawClient) authenticate(auth []byte) (*kmsg.SASLAuthenticateResponse, error) {
	c.t.Helper()
	req := kmsg.NewPtrSASLAuthenticateRequest()
	req.Version = 2
	req.SASLAuthBytes = auth
	resp, err := c.roundTrip(req)
	if err != nil {
		return nil, err
	}
	return resp.(*kmsg.SASLAuthenticateResponse), nil
}

func clientFirst(t testing.TB, m sasl.Mechanism, host string) []byte {
	t.Helper()
	_, b, err := m.Authenticate(context.Background(), host)
	if err != nil {
		t.Fatalf("%s client message: %v", m.Name(), err)
	}
	return b
}

func metadataReq() *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = 12
	return req
}

var accessDenied = regexp.MustCompile(`^\[[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\]: Access denied$`)

func TestRequestBeforeAuthenticationDisconnects(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	c := dialRaw(t, e.Info(), 1)
	// ApiVersions is fine before authentication and must advertise SASL.
	resp, err := c.roundTrip(kmsg.NewPtrApiVersionsRequest())
	if err != nil {
		t.Fatalf("ApiVersions: %v", err)
	}
	var keys []int16
	for _, k := range resp.(*kmsg.ApiVersionsResponse).ApiKeys {
		keys = append(keys, k.ApiKey)
	}
	for _, want := range []int16{17, 36} {
		if !slices.Contains(keys, want) {
			t.Errorf("ApiVersions does not advertise %s", kmsg.NameForKey(want))
		}
	}
	c.send(metadataReq())
	c.expectClosed()
}

func TestUnsupportedMechanism(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-512", "GSSAPI"} {
		c := dialRaw(t, e.Info(), 2)
		resp := c.handshake(mech)
		if resp.ErrorCode != kerr.UnsupportedSaslMechanism.Code {
			t.Errorf("%s: error code %d, want UNSUPPORTED_SASL_MECHANISM", mech, resp.ErrorCode)
		}
		if !slices.Equal(resp.SupportedMechanisms, []string{"AWS_MSK_IAM", "OAUTHBEARER"}) {
			t.Errorf("%s: enabled mechanisms %v, want [AWS_MSK_IAM OAUTHBEARER]", mech, resp.SupportedMechanisms)
		}
		c.expectClosed()
	}
}

// TestBadTokensRejected sends tokens that are wrong in each way a real one
// can be; every one must fail with SASL_AUTHENTICATION_FAILED and MSK's
// "[<request id>]: Access denied", after which the broker disconnects.
func TestBadTokensRejected(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	info := e.Info()
	good := info.Credentials
	b1 := info.Brokers[0].Advertised()
	b2 := info.Brokers[1].Advertised()
	oauthTok := func(region string, c Credentials) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return clientFirst(t, oauthBearer(region, c), b1) }
	}
	iam := func(c Credentials, host string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return clientFirst(t, awsMSKIAM(c), host) }
	}
	with := func(f func(*Credentials)) Credentials { c := good; f(&c); return c }
	unknown := newCredentials()
	for _, tc := range []struct {
		name, mech string
		token      func(*testing.T) []byte
	}{
		{"oauth unknown access key", mechOAuthBearer, oauthTok(info.Region, unknown)},
		{"oauth wrong secret", mechOAuthBearer, oauthTok(info.Region, with(func(c *Credentials) { c.SecretAccessKey = unknown.SecretAccessKey }))},
		{"oauth wrong session token", mechOAuthBearer, oauthTok(info.Region, with(func(c *Credentials) { c.SessionToken = unknown.SessionToken }))},
		{"oauth missing session token", mechOAuthBearer, oauthTok(info.Region, with(func(c *Credentials) { c.SessionToken = "" }))},
		{"oauth wrong region", mechOAuthBearer, oauthTok("eu-west-1", good)},
		{"oauth not a presigned URL", mechOAuthBearer, func(t *testing.T) []byte {
			return clientFirst(t, oauth.Oauth(func(context.Context) (oauth.Auth, error) { return oauth.Auth{Token: "bm90IGEgdG9rZW4"}, nil }), b1)
		}},
		{"oauth not GS2", mechOAuthBearer, func(*testing.T) []byte { return []byte("hello") }},
		{"iam unknown access key", mechAWSMSKIAM, iam(unknown, b1)},
		{"iam wrong secret", mechAWSMSKIAM, iam(with(func(c *Credentials) { c.SecretAccessKey = unknown.SecretAccessKey }), b1)},
		{"iam wrong session token", mechAWSMSKIAM, iam(with(func(c *Credentials) { c.SessionToken = unknown.SessionToken }), b1)},
		{"iam signed for another broker", mechAWSMSKIAM, iam(good, b2)},
		{"iam not JSON", mechAWSMSKIAM, func(*testing.T) []byte { return []byte(`{"version":`) }},
		{"empty", mechAWSMSKIAM, func(*testing.T) []byte { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, info, 1)
			if r := c.handshake(tc.mech); r.ErrorCode != 0 {
				t.Fatalf("SaslHandshake %s: error code %d", tc.mech, r.ErrorCode)
			}
			resp, err := c.authenticate(tc.token(t))
			if err != nil {
				t.Fatalf("SaslAuthenticate: %v", err)
			}
			if resp.ErrorCode != kerr.SaslAuthenticationFailed.Code {
				t.Fatalf("error code %d, want SASL_AUTHENTICATION_FAILED (58)", resp.ErrorCode)
			}
			if resp.ErrorMessage == nil || !accessDenied.MatchString(*resp.ErrorMessage) {
				t.Errorf("error message %v, want \"[<request id>]: Access denied\"", resp.ErrorMessage)
			}
			c.expectClosed()
		})
	}
}

// TestGoodTokenBothMechanisms is the positive control of TestBadTokensRejected.
func TestGoodTokenBothMechanisms(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{MaxSessionLifetime: 10 * time.Minute})
	info := e.Info()
	for _, tc := range []struct {
		mech string
		m    sasl.Mechanism
	}{
		{mechOAuthBearer, oauthBearer(info.Region, info.Credentials)},
		{mechAWSMSKIAM, awsMSKIAM(info.Credentials)},
	} {
		c := dialRaw(t, info, 3)
		c.handshake(tc.mech)
		resp, err := c.authenticate(clientFirst(t, tc.m, info.Brokers[2].Advertised()))
		if err != nil || resp.ErrorCode != 0 {
			t.Fatalf("%s: SaslAuthenticate: err %v, code %d, message %v", tc.mech, err, resp.ErrorCode, resp.ErrorMessage)
		}
		if got := time.Duration(resp.SessionLifetimeMillis) * time.Millisecond; got <= 9*time.Minute || got > 10*time.Minute {
			t.Errorf("%s: session lifetime %s, want the 10m cap (the token lives 15m)", tc.mech, got)
		}
		if _, err := c.roundTrip(metadataReq()); err != nil {
			t.Fatalf("%s: Metadata after authentication: %v", tc.mech, err)
		}
	}
}

// TestExpiredSessionCloses: a request after session_lifetime_ms without
// re-authentication closes the connection (KIP-368).
func TestExpiredSessionCloses(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{MaxSessionLifetime: 300 * time.Millisecond})
	info := e.Info()
	c := dialRaw(t, info, 1)
	c.handshake(mechOAuthBearer)
	resp, err := c.authenticate(clientFirst(t, oauthBearer(info.Region, info.Credentials), info.Brokers[0].Advertised()))
	if err != nil || resp.ErrorCode != 0 {
		t.Fatalf("SaslAuthenticate: %v / %d", err, resp.ErrorCode)
	}
	if resp.SessionLifetimeMillis != 300 {
		t.Errorf("session lifetime %dms, want 300", resp.SessionLifetimeMillis)
	}
	if _, err := c.roundTrip(metadataReq()); err != nil {
		t.Fatalf("Metadata within the session: %v", err)
	}
	time.Sleep(400 * time.Millisecond)
	c.send(metadataReq())
	c.expectClosed()
}

// TestReauthenticationMidConnection re-authenticates on the same connection,
// as KIP-368 clients do before the session ends, and keeps working.
func TestReauthenticationMidConnection(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{MaxSessionLifetime: 500 * time.Millisecond})
	info := e.Info()
	c := dialRaw(t, info, 1)
	tok := func() []byte {
		return clientFirst(t, oauthBearer(info.Region, info.Credentials), info.Brokers[0].Advertised())
	}
	for i := range 3 {
		c.handshake(mechOAuthBearer)
		resp, err := c.authenticate(tok())
		if err != nil || resp.ErrorCode != 0 {
			t.Fatalf("authentication %d: %v / %d", i, err, resp.ErrorCode)
		}
		if _, err := c.roundTrip(metadataReq()); err != nil {
			t.Fatalf("Metadata after authentication %d: %v", i, err)
		}
		time.Sleep(300 * time.Millisecond) // past half the session, well before its end
	}
	if n := e.authentications.Load(); n != 3 {
		t.Errorf("%d authentications, want 3 on one connection", n)
	}
	// Re-authenticating as someone else is refused.
	other := newCredentials()
	c.handshake(mechOAuthBearer)
	resp, err := c.authenticate(clientFirst(t, oauthBearer(info.Region, other), info.Brokers[0].Advertised()))
	if err != nil || resp.ErrorCode != kerr.SaslAuthenticationFailed.Code {
		t.Fatalf("re-authentication with unknown credentials: %v / %d, want SASL_AUTHENTICATION_FAILED", err, resp.ErrorCode)
	}
	c.expectClosed()
}

// TestFranzReauthenticates: franz-go, told a short session lifetime,
// re-authenticates on its open connections and keeps producing.
func TestFranzReauthenticates(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{MaxSessionLifetime: 1200 * time.Millisecond})
	info := e.Info()
	cl := newKgo(t, info, false, awsMSKIAM(info.Credentials))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 4 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: info.VerificationTopic, Value: []byte("reauth")}).FirstErr(); err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
		time.Sleep(time.Second)
	}
	var conns int64
	for _, n := range e.ConnectionCounts() {
		conns += n
	}
	if auths := e.authentications.Load(); auths <= conns {
		t.Errorf("%d authentications on %d connections: the client never re-authenticated", auths, conns)
	}
}

// TestResponsesInRequestOrder pipelines relayed requests, a request the
// policy denies (answered by the front itself), an acks=0 produce (never
// answered) and ApiVersions; the answers must come back in request order.
func TestResponsesInRequestOrder(t *testing.T) {
	t.Parallel()
	e := startEnv(t, Options{})
	info := e.Info()
	c := dialRaw(t, info, 1)
	c.handshake(mechOAuthBearer)
	if resp, err := c.authenticate(clientFirst(t, oauthBearer(info.Region, info.Credentials), info.Brokers[0].Advertised())); err != nil || resp.ErrorCode != 0 {
		t.Fatalf("authenticate: %v", err)
	}

	create := kmsg.NewPtrCreateTopicsRequest() // the default policy has no CreateTopic
	create.Version = 7
	ct := kmsg.NewCreateTopicsRequestTopic()
	ct.Topic = "not-allowed"
	ct.NumPartitions = 1
	ct.ReplicationFactor = 1
	create.Topics = append(create.Topics, ct)

	produce := kmsg.NewPtrProduceRequest()
	produce.Version = 9
	produce.Acks = 0
	produce.TimeoutMillis = 1000

	list := kmsg.NewPtrListOffsetsRequest()
	list.Version = 7
	lt := kmsg.NewListOffsetsRequestTopic()
	lt.Topic = info.VerificationTopic
	lp := kmsg.NewListOffsetsRequestTopicPartition()
	lp.Timestamp = -1
	lt.Partitions = append(lt.Partitions, lp)
	list.Topics = append(list.Topics, lt)

	reqs := []kmsg.Request{metadataReq(), create, produce, list, kmsg.NewPtrApiVersionsRequest(), metadataReq()}
	first := c.corr + 1
	for _, r := range reqs {
		c.send(r)
	}
	for i, r := range reqs {
		corr := first + int32(i)
		if r == produce {
			continue // acks=0: no response
		}
		c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		frame, err := readFrame(c.br)
		if err != nil {
			t.Fatalf("response %d (%s): %v", i, kmsg.NameForKey(r.Key()), err)
		}
		resp := r.ResponseKind()
		resp.SetVersion(r.GetVersion())
		got, err := parseResponse(frame, resp)
		if err != nil {
			t.Fatalf("response %d (%s): %v", i, kmsg.NameForKey(r.Key()), err)
		}
		if got != corr {
			t.Fatalf("response %d has correlation id %d, want %d (%s): out of order", i, got, corr, kmsg.NameForKey(r.Key()))
		}
		if cr, ok := resp.(*kmsg.CreateTopicsResponse); ok && cr.Topics[0].ErrorCode != kerr.TopicAuthorizationFailed.Code {
			t.Errorf("CreateTopics without CreateTopic permission: error code %d, want TOPIC_AUTHORIZATION_FAILED", cr.Topics[0].ErrorCode)
		}
	}
}
