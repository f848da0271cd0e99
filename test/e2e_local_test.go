package test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/remoteverify/invoke"
	"github.com/mskvpce/mskvpce/internal/remoteverify/lambdafake"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestE2ELocal runs the end-to-end flow against the local MSK-like
// environment: the same stages and assertions as the nightly AWS run, with a
// fake STS standing in for the role assumption. `make e2e-local` runs it.
func TestE2ELocal(t *testing.T) {
	runFlow(t, &localStack{})
}

// TestE2ELocalStockClients is the same flow with the NLB stand-ins in
// stock-client mode (each on its own loopback address at port 9098, as an
// interface endpoint behind private DNS).
func TestE2ELocalStockClients(t *testing.T) {
	runFlow(t, &localStack{stock: true})
}

// TestE2ELocalWrongExternalID proves the runner's role assumption bites: a
// canary configured with the wrong external ID is refused before it touches
// Kafka, and says so as bad input (deploy verify --remote exits 2).
func TestE2ELocalWrongExternalID(t *testing.T) {
	s := &localStack{}
	s.deploy(t)
	defer s.teardown(t)
	s.externalID, s.canaryExternalID = randomHex(t, 16), "not-the-external-id"
	s.deployConsumer(t)
	_, err := s.invoke(t)
	var fe *invoke.FunctionError
	if !errors.As(err, &fe) || !fe.Input() || !strings.Contains(fe.Message, "external ID") {
		t.Fatalf("canary with a wrong external ID: err = %v, want an InputError from the role assumption naming the external ID", err)
	}
}

// TestE2ELocalBrokenPath proves the flow's verdict bites: with NLB 2 down,
// the runner's report fails broker 2 at the TCP hop and passes the others.
func TestE2ELocalBrokenPath(t *testing.T) {
	s := &localStack{}
	s.deploy(t)
	defer s.teardown(t)
	s.deployConsumer(t)
	if err := s.env.SetNLBDown(2, true); err != nil {
		t.Fatal(err)
	}
	r := s.verify(t)
	if r.Passed {
		t.Fatal("report passed with NLB 2 down")
	}
	for _, p := range r.Paths {
		failed := ""
		for _, st := range p.Stages {
			if !st.OK && !st.Skipped && failed == "" {
				failed = st.Check
			}
		}
		switch {
		case p.BrokerID == 2 && failed != "tcp":
			t.Errorf("broker 2: first failed stage %q, want tcp", failed)
		case p.BrokerID != 2 && failed != "":
			t.Errorf("broker %d: stage %s failed, want the path to pass", p.BrokerID, failed)
		}
	}
}

type localStack struct {
	stock      bool // NLB stand-ins in stock-client mode
	env        *localmsk.Env
	info       localmsk.Info
	sts        *httptest.Server
	lambda     *lambdafake.Lambda
	roleARN    string
	externalID string
	// canaryExternalID is the one the canary is configured with, when it
	// differs from the role's.
	canaryExternalID string
}

func (s *localStack) deploy(t *testing.T) {
	env, err := localmsk.Start(context.Background(), localmsk.Options{Dir: t.TempDir(), StockClients: s.stock})
	if err != nil {
		t.Fatalf("start the local MSK-like environment: %v", err)
	}
	for _, b := range env.Info().Brokers {
		if s.stock && !strings.HasSuffix(b.Endpoint, ":9098") {
			t.Fatalf("stock-client mode: broker %d's NLB stand-in is at %s, want port 9098", b.BrokerID, b.Endpoint)
		}
	}
	s.env = env
	s.info = env.Info()
	s.roleARN = "arn:aws:iam::123456789012:role/mskvpce-local-databricks-msk"
	s.externalID = randomHex(t, 16)
}

// deployConsumer stands up the consumer side: a fake STS that hands out the
// cluster's credentials only for the Databricks role with the right external
// ID, and the canary as a fake Lambda API running the real handler with the
// configuration the module would give it. The NLB stand-ins play the
// interface endpoints; the harness's stand-in VPC (lambdafake.Network) plays
// the private hosted zone, the trust store and the STS endpoint.
func (s *localStack) deployConsumer(t *testing.T) {
	s.sts = httptest.NewServer(fakeSTS(t, s.roleARN, s.externalID, s.info.Credentials))
	cfg := remoteverify.Config{
		Region: s.info.Region, Topic: s.info.VerificationTopic, RoleARN: s.roleARN, ExternalID: s.externalID,
		Timeout: 20 * time.Second, Metrics: canary.Config{Namespace: "mskvpce/VerifyCanary", Canary: "mskvpce-local"},
	}
	if s.canaryExternalID != "" {
		cfg.ExternalID = s.canaryExternalID
	}
	network := lambdafake.Network{Resolve: map[string]string{}, STSEndpoint: s.sts.URL}
	for _, b := range s.info.Brokers {
		cfg.Brokers = append(cfg.Brokers, remoteverify.Broker{ID: b.BrokerID, Host: b.Hostname})
		network.Resolve[b.Advertised()] = b.Endpoint
	}
	for _, hp := range strings.Split(s.info.BootstrapBrokersSASLIAM, ",") {
		host, _, err := net.SplitHostPort(strings.TrimSpace(hp))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Bootstrap = append(cfg.Bootstrap, strings.ToLower(host))
	}
	pem, err := os.ReadFile(s.info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	network.CAPEM = string(pem)
	s.lambda = lambdafake.NewLambdaIn("mskvpce-local-verify-canary", remoteverify.Function{
		Config: cfg,
		LoadConfig: func(context.Context, string) (aws.Config, error) {
			// The runner's own identity: anything STS accepts.
			return aws.Config{Region: s.info.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIARUNNER0000000000", "runner-secret", "")}, nil
		},
	}, time.Minute, network)
}

// invoke runs the canary once, as the nightly does: the module's event
// through the client deploy verify --remote uses.
func (s *localStack) invoke(t *testing.T) (*verify.Report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	operator := aws.Config{
		Region:       s.info.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAOPERATOR00000000", "operator-secret", ""),
		BaseEndpoint: aws.String(s.lambda.URL),
	}
	res, err := invoke.Invoke(ctx, operator, "mskvpce-local-verify-canary", []byte(`{"timeout_seconds":20}`))
	if err != nil {
		return nil, err
	}
	return res.Report, nil
}

func (s *localStack) verify(t *testing.T) *verify.Report {
	r, err := s.invoke(t)
	if err != nil {
		t.Fatalf("canary: %v", err)
	}
	return r
}

func (s *localStack) brokers(t *testing.T) int { return len(s.info.Brokers) }

func (s *localStack) teardown(t *testing.T) {
	if s.lambda != nil {
		s.lambda.Close()
	}
	if s.sts != nil {
		s.sts.Close()
	}
	if s.env != nil {
		if err := s.env.Close(); err != nil {
			t.Errorf("close the local environment: %v", err)
		}
	}
}

// fakeSTS answers AssumeRole (AWS Query protocol) the way STS does: the
// cluster's credentials for the right role and external ID, AccessDenied
// otherwise.
func fakeSTS(t *testing.T, roleARN, externalID string, creds localmsk.Credentials) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		if r.Form.Get("Action") != "AssumeRole" || r.Form.Get("RoleArn") != roleARN || r.Form.Get("ExternalId") != externalID {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error><RequestId>e2e-local</RequestId></ErrorResponse>`, r.Form.Get("RoleArn"))
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>%s</AccessKeyId>
      <SecretAccessKey>%s</SecretAccessKey>
      <SessionToken>%s</SessionToken>
      <Expiration>%s</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>%s</Arn>
      <AssumedRoleId>AROALOCAL:%s</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>e2e-local</RequestId></ResponseMetadata>
</AssumeRoleResponse>`, creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken,
			time.Now().Add(time.Hour).UTC().Format(time.RFC3339), roleARN, r.Form.Get("RoleSessionName"))
	})
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
