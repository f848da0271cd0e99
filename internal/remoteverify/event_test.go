package remoteverify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/remoteverify/lambdafake"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// secret marks a value an event sends that must never reach a log or an
// error message.
const secret = "SECRETMARKER"

// counter is a TCP listener that counts connection attempts and closes them.
type counter struct {
	net.Listener
	n atomic.Int32
}

func listen(t *testing.T) *counter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{Listener: l}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			c.n.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return c
}

// capture is an HTTP server that records every request it sees.
type capture struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func captureServer(t *testing.T, next http.Handler) *capture {
	t.Helper()
	c := &capture{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen = append(c.seen, fmt.Sprintf("%s %s (Authorization: %v, X-Amz-Security-Token: %v)", r.Method, r.URL, r.Header.Get("Authorization") != "", r.Header.Get("X-Amz-Security-Token") != ""))
		c.mu.Unlock()
		if next != nil {
			next.ServeHTTP(w, r)
			return
		}
		http.Error(w, "captured", http.StatusForbidden)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *capture) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

// foreignCA is a PEM certificate no broker has anything to do with.
func foreignCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker CA"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// The canary takes from its event what to check, never where to connect or
// where to send credentials: every event below is refused by the real
// handler, in process, before anything happens. The function's own network
// (a stand-in VPC whose DNS sends every configured broker to a listener that
// counts connection attempts, and whose STS counts requests) sees nothing,
// and neither does a capture server the events name; the runner's AWS
// configuration (its credentials) is never even loaded, and no metrics are
// written. A valid event against the same function then does reach STS and
// the listeners, so the counters can see.
func TestEventRefusedBeforeAnything(t *testing.T) {
	t.Parallel()
	cfg := demoConfig()
	cfg.Timeout = 5 * time.Second
	brokers := listen(t)
	elsewhere := listen(t) // an endpoint not in the configuration
	stolen := captureServer(t, nil)
	realSTS := lambdafake.STS(cfg.RoleARN, cfg.ExternalID, "AKIDBROKERS", "brokers-secret", "brokers-token")
	defer realSTS.Close()
	u, _ := url.Parse(realSTS.URL)
	vpcSTS := captureServer(t, httputil.NewSingleHostReverseProxy(u))

	network := lambdafake.Network{Resolve: map[string]string{}, STSEndpoint: vpcSTS.URL}
	for _, b := range cfg.Brokers {
		network.Resolve[b.Advertised()] = brokers.Addr().String()
	}
	var loads atomic.Int32
	var metrics, logs bytes.Buffer
	fn, err := lambdafake.In(remoteverify.Function{
		Config: cfg,
		LoadConfig: func(context.Context, string) (aws.Config, error) {
			loads.Add(1)
			return aws.Config{Region: cfg.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIARUNNER0000000000", "runner-secret", "runner-token")}, nil
		},
		Metrics: &metrics,
		Log:     slog.New(slog.NewTextHandler(&logs, nil)),
	}, network)
	if err != nil {
		t.Fatal(err)
	}

	var oldBrokers, manyBrokers []map[string]any
	for _, b := range cfg.Brokers {
		oldBrokers = append(oldBrokers, map[string]any{"broker_id": b.ID, "advertised": b.Advertised()})
	}
	for i := 1; i <= 2000; i++ {
		manyBrokers = append(manyBrokers, map[string]any{"broker_id": i, "advertised": fmt.Sprintf("b-%d.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098", i), "endpoint": elsewhere.Addr().String()})
	}
	js := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	events := []struct{ name, payload, want string }{
		{"sts_endpoint", js(map[string]any{"sts_endpoint": stolen.URL + "/" + secret}), `"sts_endpoint"`},
		{"a foreign CA", js(map[string]any{"ca_pem": foreignCA(t)}), `"ca_pem"`},
		{"an endpoint not in the configuration", js(map[string]any{"brokers": []map[string]any{{"broker_id": 1, "advertised": cfg.Brokers[0].Advertised(), "endpoint": elsewhere.Addr().String()}}}), `"brokers"`},
		{"the metadata service", js(map[string]any{"brokers": []map[string]any{{"broker_id": 1, "advertised": "169.254.169.254:80"}}}), `"brokers"`},
		{"2,000 brokers", js(map[string]any{"brokers": manyBrokers}), "at most 1024"},
		{"the old module's whole event", js(map[string]any{
			"region": cfg.Region, "bootstrap": []string{cfg.Brokers[0].Advertised()}, "brokers": oldBrokers, "topic": nil,
			"role_arn": cfg.RoleARN, "external_id": cfg.ExternalID, "timeout_seconds": 5, "sasl_mechanism": "aws-msk-iam",
		}), `"bootstrap", "brokers", "external_id", "region", "role_arn", "topic"`},
		{"another role", js(map[string]any{"role_arn": "arn:aws:iam::999999999999:role/" + secret, "external_id": secret}), `"external_id", "role_arn"`},
		{"another region", `{"region":"us-west-2"}`, `"region"`},
		{"a member in another case", `{"TIMEOUT_SECONDS":5}`, `"TIMEOUT_SECONDS"`},
		{"a timeout past the configured one", `{"timeout_seconds":6}`, "outside 1..5"},
		{"a negative timeout", `{"timeout_seconds":-1}`, "outside 1..5"},
		{"a stage bound past the run's", `{"timeout_seconds":3,"stage_timeout_seconds":4}`, "stage_timeout_seconds 4 is outside 1..3"},
		{"a fractional timeout", `{"timeout_seconds":1.5}`, "timeout_seconds is not a JSON int"},
		{"a timeout as a string", `{"timeout_seconds":"5"}`, "timeout_seconds is not a JSON int"},
		{"an unknown mechanism", js(map[string]any{"sasl_mechanism": "PLAIN-" + secret}), "sasl_mechanism is not"},
		{"an array", `[{"timeout_seconds":5}]`, "not a JSON object"},
		{"a string", `"` + secret + `"`, "not a JSON object"},
		{"two objects", `{"timeout_seconds":5} {"sts_endpoint":"` + stolen.URL + `"}`, "more than one JSON value"},
		{"truncated", `{"timeout_seconds":`, "not a JSON object"},
	}
	for _, ev := range events {
		logs.Reset()
		rep, err := fn.Run(context.Background(), []byte(ev.payload))
		var ie *verify.InputError
		if rep != nil || !errors.As(err, &ie) || !strings.Contains(err.Error(), "event refused") || !strings.Contains(err.Error(), ev.want) {
			t.Errorf("%s: report %v, err %v; want an InputError refusing the event, naming %s", ev.name, rep, err, ev.want)
			continue
		}
		// What the Lambda runtime calls, and names the error's type from.
		if out, err := fn.Invoke(context.Background(), []byte(ev.payload)); out != nil || !errors.As(err, &ie) || err.Error() != ie.Error() {
			t.Errorf("%s: Invoke = %s, %v; want the same *verify.InputError, unwrapped", ev.name, out, err)
		}
		if !strings.Contains(logs.String(), "event refused") {
			t.Errorf("%s: the refusal is not logged:\n%s", ev.name, logs.String())
		}
		if strings.Contains(logs.String()+err.Error(), secret) {
			t.Errorf("%s: the log or the error repeats a value of the event:\n%s\n%v", ev.name, logs.String(), err)
		}
	}
	if n := brokers.n.Load() + elsewhere.n.Load(); n != 0 {
		t.Errorf("refused events: %d connection attempts", n)
	}
	if r := append(stolen.requests(), vpcSTS.requests()...); len(r) != 0 {
		t.Errorf("refused events: credentials went to %v", r)
	}
	if n := loads.Load(); n != 0 {
		t.Errorf("refused events: the runner's AWS configuration was loaded %d times", n)
	}
	if metrics.Len() != 0 {
		t.Errorf("refused events wrote metrics:\n%s", metrics.String())
	}

	// The control: accepted events reach the function's own STS and its
	// configured brokers, and nothing else.
	for _, payload := range []string{``, `null`, `{}`, `{"timeout_seconds":3,"sasl_mechanism":"oauthbearer"}`, `{"timeout_seconds":null}`, `{"stage_timeout_seconds":2}`} {
		before := brokers.n.Load()
		rep, err := fn.Run(context.Background(), []byte(payload))
		if err != nil || rep == nil || rep.Passed || len(rep.Paths) != len(cfg.Brokers) {
			t.Fatalf("event %q: err %v, report %+v; want a failing report of %d paths (the listener speaks no TLS)", payload, err, rep, len(cfg.Brokers))
		}
		if brokers.n.Load() == before {
			t.Errorf("event %q: no connection reached the configured brokers", payload)
		}
	}
	if len(vpcSTS.requests()) == 0 || len(stolen.requests()) != 0 || elsewhere.n.Load() != 0 {
		t.Errorf("accepted events: STS requests %v, captured %v, elsewhere %d; want STS only", vpcSTS.requests(), stolen.requests(), elsewhere.n.Load())
	}
	if !strings.Contains(metrics.String(), `"BrokerId":"3"`) {
		t.Errorf("accepted events wrote no metrics for broker 3:\n%s", metrics.String())
	}
}

// DecodeEvent is strict about shape and takes its three members, nothing else.
func TestDecodeEvent(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		payload string
		want    remoteverify.Event
	}{
		{``, remoteverify.Event{}},
		{` null `, remoteverify.Event{}},
		{`{}`, remoteverify.Event{}},
		{`{"timeout_seconds":90}`, remoteverify.Event{TimeoutSeconds: 90}},
		{"{\n  \"sasl_mechanism\": \"both\",\n  \"timeout_seconds\": 30\n}\n", remoteverify.Event{TimeoutSeconds: 30, SASLMechanism: "both"}},
		{`{"timeout_seconds":30,"stage_timeout_seconds":5}`, remoteverify.Event{TimeoutSeconds: 30, StageTimeoutSeconds: 5}},
	} {
		got, err := remoteverify.DecodeEvent([]byte(tt.payload))
		if err != nil || got != tt.want {
			t.Errorf("DecodeEvent(%q) = %+v, %v; want %+v", tt.payload, got, err, tt.want)
		}
	}
	if _, err := remoteverify.DecodeEvent([]byte(`{"timeout_seconds":1` + strings.Repeat(" ", remoteverify.MaxEventBytes) + `}`)); !verify.IsInputError(err) {
		t.Errorf("an event over %d bytes: err %v", remoteverify.MaxEventBytes, err)
	}
}
