package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// moduleEnv is the environment the module's own test plans
// (terraform/modules/verify-canary/tests/testdata/environment.json).
func moduleEnv(t *testing.T) []string {
	t.Helper()
	c := remoteverify.Config{
		Region:  "us-east-1",
		RoleARN: "arn:aws:iam::123456789012:role/my-msk-vpce-databricks-msk", ExternalID: "ext-from-databricks",
		Timeout: 5 * time.Second, Metrics: canary.Config{Namespace: "mskvpce/VerifyCanary", Canary: "my-msk-vpce"},
	}
	for _, h := range []string{"b-1", "b-2", "b-3"} {
		c.Brokers = append(c.Brokers, remoteverify.Broker{ID: len(c.Brokers) + 1, Host: h + ".demo.abc123.c2.kafka.us-east-1.amazonaws.com"})
		c.Bootstrap = append(c.Bootstrap, h+".demo.abc123.c2.kafka.us-east-1.amazonaws.com")
	}
	env, err := c.Env()
	if err != nil {
		t.Fatal(err)
	}
	return remoteverify.Environ(env)
}

// The production function takes its configuration from its environment and
// nothing else: a variable that would point it elsewhere fails init, naming
// the variable.
func TestNewFunctionRefusesOverrides(t *testing.T) {
	for _, extra := range []string{"MSKVPCE_CANARY_STS_ENDPOINT=http://127.0.0.1:1", "MSKVPCE_CANARY_CA_PEM=x", "MSKVPCE_CANARY_ENDPOINTS=1=127.0.0.1:22"} {
		name, _, _ := strings.Cut(extra, "=")
		if _, err := newFunction(append(moduleEnv(t), extra), os.Stdout, os.Stderr); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("with %s: err %v, want init to fail naming it", extra, err)
		}
	}
	f, err := newFunction(moduleEnv(t), os.Stdout, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if f.StandIn != nil {
		t.Error("the production function has a stand-in VPC")
	}
}

// The Lambda runtime hands the function the payload as sent (it is a
// lambda.Handler): a member the canary does not take is refused as bad
// input, where a handler taking a decoded struct would never see it.
func TestRuntimeHandsOverThePayload(t *testing.T) {
	f, err := newFunction(moduleEnv(t), os.Stdout, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambda.NewHandler(f).Invoke(context.Background(), []byte(`{"timeout_seconds":5,"sts_endpoint":"http://127.0.0.1:1"}`))
	var ie *verify.InputError
	if out != nil || !errors.As(err, &ie) || !strings.Contains(err.Error(), `"sts_endpoint"`) {
		t.Errorf("Invoke = %s, %v; want the event refused, naming sts_endpoint", out, err)
	}
}

// connectProxy records the CONNECT targets it is asked for and refuses them:
// where the production function's HTTPS requests go, without leaving this
// machine.
type connectProxy struct {
	*httptest.Server
	mu      sync.Mutex
	targets []string
}

func (p *connectProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.targets...)
}

// In production STS is its regional endpoint, reached through the canary
// VPC's interface endpoint: neither an event nor the SDK's endpoint
// variables in the function's environment can send the runner's signed
// AssumeRole anywhere else. The function runs as main builds it, with a
// proxy (HTTPS_PROXY) standing in for the network: the only request that
// leaves is a CONNECT to sts.us-east-1.amazonaws.com:443, and the server
// AWS_ENDPOINT_URL_STS names sees nothing.
func TestProductionSTSIsRegional(t *testing.T) {
	var captured []string
	var mu sync.Mutex
	capture := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		captured = append(captured, r.Method+" "+r.URL.String())
		mu.Unlock()
		http.Error(w, "captured", http.StatusForbidden)
	}))
	defer capture.Close()
	proxy := &connectProxy{}
	proxy.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxy.mu.Lock()
		proxy.targets = append(proxy.targets, r.Method+" "+r.Host)
		proxy.mu.Unlock()
		http.Error(w, "no network here", http.StatusForbidden)
	}))
	defer proxy.Close()

	dir := t.TempDir()
	for k, v := range map[string]string{
		// What Lambda gives the function: its execution role's credentials.
		"AWS_ACCESS_KEY_ID": "ASIARUNNER0000000000", "AWS_SECRET_ACCESS_KEY": "runner-secret", "AWS_SESSION_TOKEN": "runner-token",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		// What must not redirect it.
		"AWS_ENDPOINT_URL_STS": capture.URL, "AWS_ENDPOINT_URL": capture.URL,
		"HTTPS_PROXY": proxy.URL, "https_proxy": proxy.URL, "NO_PROXY": "", "no_proxy": "",
	} {
		t.Setenv(k, v)
	}
	for _, kv := range moduleEnv(t) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	f, err := newFunction(os.Environ(), &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// A stranger's event: refused, nothing leaves.
	if _, err := f.Run(ctx, []byte(`{"sts_endpoint":"`+capture.URL+`"}`)); !verify.IsInputError(err) {
		t.Fatalf("event with sts_endpoint: err %v, want it refused", err)
	}
	if s := proxy.seen(); len(s) != 0 {
		t.Fatalf("a refused event made requests: %v", s)
	}

	// The scheduled event: the role assumption goes to the regional STS
	// (refused here, so no broker is dialed).
	_, err = f.Run(ctx, []byte(`{"timeout_seconds":5}`))
	var ie *verify.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "assuming arn:aws:iam::123456789012:role/my-msk-vpce-databricks-msk") {
		t.Fatalf("run: err %v, want the role assumption to fail (there is no STS here)", err)
	}
	seen := proxy.seen()
	if len(seen) == 0 {
		t.Error("no request reached the proxy: the test no longer sees where STS is asked")
	}
	for _, s := range seen {
		if s != "CONNECT sts.us-east-1.amazonaws.com:443" {
			t.Errorf("request %q, want only CONNECT sts.us-east-1.amazonaws.com:443", s)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(captured) != 0 {
		t.Errorf("the server AWS_ENDPOINT_URL_STS names received %v", captured)
	}
	// The run is measured and the log says what was refused.
	if !strings.Contains(stdout.String(), `"PathPassed":0`) || !strings.Contains(stderr.String(), "event refused") {
		t.Errorf("stdout (metrics):\n%s\nstderr (log):\n%s", stdout.String(), stderr.String())
	}
}
