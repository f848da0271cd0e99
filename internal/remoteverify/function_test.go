package remoteverify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/remoteverify/lambdafake"
)

const (
	testRole       = "arn:aws:iam::123456789012:role/mskvpce-local-databricks-msk"
	testExternalID = "0123456789abcdef0123456789abcdef"
)

// metrics decodes the EMF lines into broker id -> PathPassed (the log's
// other lines are the function's own).
func metrics(t *testing.T, out string) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("metric line %q: %v", line, err)
		}
		if doc[canary.DimensionCanary] != "test-canary" {
			t.Errorf("metric line %q: Canary dimension %v", line, doc[canary.DimensionCanary])
		}
		got[doc[canary.DimensionBrokerID].(string)] = doc[canary.MetricPathPassed].(float64)
	}
	return got
}

// localConfig is the canary's configuration for a local MSK-like cluster.
func localConfig(info localmsk.Info) remoteverify.Config {
	c := remoteverify.Config{
		Region: info.Region, RoleARN: testRole, ExternalID: testExternalID, Topic: info.VerificationTopic, Timeout: 20 * time.Second,
		Metrics: canary.Config{Namespace: "mskvpce/VerifyCanary", Canary: "test-canary"},
	}
	for _, b := range info.Brokers {
		c.Brokers = append(c.Brokers, remoteverify.Broker{ID: b.BrokerID, Host: b.Hostname})
		c.Bootstrap = append(c.Bootstrap, b.Hostname)
	}
	return c
}

// The handler writes one PathPassed per configured broker on every run it
// accepts: passing, with a broken path, and when the run fails before any
// path (a refused role, no AWS configuration), so the alarms never go
// without data.
func TestFunctionWritesMetricsOnEveryRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local MSK-like cluster")
	}
	env, err := localmsk.Start(context.Background(), localmsk.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	info := env.Info()
	sts := lambdafake.STS(testRole, testExternalID, info.Credentials.AccessKeyID, info.Credentials.SecretAccessKey, info.Credentials.SessionToken)
	defer sts.Close()
	pem, err := os.ReadFile(info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	network := lambdafake.Network{Resolve: map[string]string{}, CAPEM: string(pem), STSEndpoint: sts.URL}
	for _, b := range info.Brokers {
		network.Resolve[b.Advertised()] = b.Endpoint
	}
	base := aws.Config{Region: info.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIARUNNER0000000000", "runner-secret", "")}
	fn := func(out *bytes.Buffer, c remoteverify.Config, loadErr error) *remoteverify.Function {
		f, err := lambdafake.In(remoteverify.Function{
			Config:     c,
			LoadConfig: func(context.Context, string) (aws.Config, error) { return base, loadErr },
			Metrics:    out,
			Now:        func() time.Time { return time.Unix(1700000000, 0) },
		}, network)
		if err != nil {
			t.Fatal(err)
		}
		return &f
	}
	cfg := localConfig(info)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	event := []byte(`{"timeout_seconds":20}`)

	var out bytes.Buffer
	rep, err := fn(&out, cfg, nil).Run(ctx, event)
	if err != nil || !rep.Passed {
		t.Fatalf("passing run: err %v, report %+v", err, rep)
	}
	if got := metrics(t, out.String()); len(got) != 3 || got["1"] != 1 || got["2"] != 1 || got["3"] != 1 {
		t.Errorf("passing run: PathPassed %v, want 1 for brokers 1-3", got)
	}

	// An Express cluster: the bootstrap hosts are boot-... names that are
	// no broker's, each a further name of one broker's endpoint. The
	// verifier takes them as routed, not as a bypass of the endpoints.
	express := cfg
	express.Brokers, express.Bootstrap = nil, nil
	for _, b := range cfg.Brokers {
		_, domain, _ := strings.Cut(b.Host, ".")
		boot := fmt.Sprintf("boot-%08x.%s", b.ID*0x1111, domain)
		express.Brokers = append(express.Brokers, remoteverify.Broker{ID: b.ID, Host: b.Host, Names: []string{boot}})
		express.Bootstrap = append(express.Bootstrap, boot)
	}
	out.Reset()
	rep, err = fn(&out, express, nil).Run(ctx, event)
	if err != nil || !rep.Passed {
		t.Fatalf("Express cluster (boot hosts %v): err %v, report %+v", express.Bootstrap, err, rep)
	}

	if err := env.SetNLBDown(2, true); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	rep, err = fn(&out, cfg, nil).Run(ctx, event)
	if err != nil || rep.Passed {
		t.Fatalf("NLB 2 down: err %v, passed %v", err, rep != nil && rep.Passed)
	}
	if got := metrics(t, out.String()); got["1"] != 1 || got["2"] != 0 || got["3"] != 1 {
		t.Errorf("NLB 2 down: PathPassed %v, want broker 2 at 0, the others at 1", got)
	}

	bad := cfg
	bad.ExternalID = "not-the-external-id"
	out.Reset()
	if _, err := fn(&out, bad, nil).Run(ctx, event); err == nil || !strings.Contains(err.Error(), "external ID") {
		t.Fatalf("wrong external ID: err %v, want the refused role assumption", err)
	}
	if got := metrics(t, out.String()); len(got) != 3 || got["1"] != 0 || got["2"] != 0 || got["3"] != 0 {
		t.Errorf("refused role: PathPassed %v, want 0 for brokers 1-3", got)
	}

	out.Reset()
	if _, err := fn(&out, cfg, errors.New("no credentials")).Run(ctx, event); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Fatalf("no AWS configuration: err %v", err)
	}
	if got := metrics(t, out.String()); len(got) != 3 || got["1"] != 0 || got["2"] != 0 || got["3"] != 0 {
		t.Errorf("no AWS configuration: PathPassed %v, want 0 for brokers 1-3", got)
	}
}
