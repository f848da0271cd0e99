package test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
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
// runner holding the wrong external ID is refused before it touches Kafka.
func TestE2ELocalWrongExternalID(t *testing.T) {
	s := &localStack{}
	s.deploy(t)
	defer s.teardown(t)
	s.deployConsumer(t)
	ev := s.event()
	ev.ExternalID = "not-the-external-id"
	_, err := remoteverify.Handle(context.Background(), ev, s.baseConfig())
	if err == nil || !strings.Contains(err.Error(), "external ID") {
		t.Fatalf("Handle with a wrong external ID: err = %v, want a role-assumption error naming the external ID", err)
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
	roleARN    string
	externalID string
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
// ID. The NLB stand-ins play the interface endpoints, and the event's
// hostname-to-endpoint map plays the private hosted zone.
func (s *localStack) deployConsumer(t *testing.T) {
	s.sts = httptest.NewServer(fakeSTS(t, s.roleARN, s.externalID, s.info.Credentials))
}

func (s *localStack) event() remoteverify.Event {
	ev := remoteverify.Event{
		Region:         s.info.Region,
		Bootstrap:      strings.Split(s.info.BootstrapBrokersSASLIAM, ","),
		Topic:          s.info.VerificationTopic,
		RoleARN:        s.roleARN,
		ExternalID:     s.externalID,
		STSEndpoint:    s.sts.URL,
		TimeoutSeconds: 20,
	}
	for _, b := range s.info.Brokers {
		ev.Brokers = append(ev.Brokers, remoteverify.Broker{ID: b.BrokerID, Advertised: b.Hostname + ":9098", Endpoint: b.Endpoint})
	}
	if pem, err := os.ReadFile(s.info.CAFile); err == nil {
		ev.CAPEM = string(pem)
	}
	return ev
}

// baseConfig is the runner's own identity: anything STS accepts.
func (s *localStack) baseConfig() aws.Config {
	return aws.Config{
		Region:      s.info.Region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIARUNNER0000000000", "runner-secret", ""),
	}
}

func (s *localStack) verify(t *testing.T) *verify.Report {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := remoteverify.Handle(ctx, s.event(), s.baseConfig())
	if err != nil {
		t.Fatalf("runner: %v", err)
	}
	return r
}

func (s *localStack) brokers(t *testing.T) int { return len(s.info.Brokers) }

func (s *localStack) teardown(t *testing.T) {
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
