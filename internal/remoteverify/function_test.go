package remoteverify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

// metrics decodes the EMF lines into broker id -> PathPassed.
func metrics(t *testing.T, out string) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
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

// The handler writes one PathPassed per broker on every run: passing,
// with a broken path, and when the run fails before any path (a refused
// role, no AWS configuration), so the alarms never go without data.
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
	ev := remoteverify.Event{
		Region: info.Region, Bootstrap: strings.Split(info.BootstrapBrokersSASLIAM, ","), Topic: info.VerificationTopic,
		RoleARN: testRole, ExternalID: testExternalID, STSEndpoint: sts.URL, TimeoutSeconds: 20, CAPEM: string(pem),
	}
	for _, b := range info.Brokers {
		ev.Brokers = append(ev.Brokers, remoteverify.Broker{ID: b.BrokerID, Advertised: b.Hostname + ":9098", Endpoint: b.Endpoint})
	}
	base := aws.Config{Region: info.Region, Credentials: credentials.NewStaticCredentialsProvider("AKIARUNNER0000000000", "runner-secret", "")}
	fn := func(out *bytes.Buffer, loadErr error) remoteverify.Function {
		return remoteverify.Function{
			LoadConfig: func(context.Context, string) (aws.Config, error) { return base, loadErr },
			Metrics:    out,
			Canary:     &canary.Config{Namespace: "mskvpce/VerifyCanary", Canary: "test-canary"},
			Now:        func() time.Time { return time.Unix(1700000000, 0) },
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var out bytes.Buffer
	rep, err := fn(&out, nil).Invoke(ctx, ev)
	if err != nil || !rep.Passed {
		t.Fatalf("passing run: err %v, report %+v", err, rep)
	}
	if got := metrics(t, out.String()); len(got) != 3 || got["1"] != 1 || got["2"] != 1 || got["3"] != 1 {
		t.Errorf("passing run: PathPassed %v, want 1 for brokers 1-3", got)
	}

	if err := env.SetNLBDown(2, true); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	rep, err = fn(&out, nil).Invoke(ctx, ev)
	if err != nil || rep.Passed {
		t.Fatalf("NLB 2 down: err %v, passed %v", err, rep != nil && rep.Passed)
	}
	if got := metrics(t, out.String()); got["1"] != 1 || got["2"] != 0 || got["3"] != 1 {
		t.Errorf("NLB 2 down: PathPassed %v, want broker 2 at 0, the others at 1", got)
	}

	bad := ev
	bad.ExternalID = "not-the-external-id"
	out.Reset()
	if _, err := fn(&out, nil).Invoke(ctx, bad); err == nil {
		t.Fatal("wrong external ID: no error")
	}
	if got := metrics(t, out.String()); len(got) != 3 || got["1"] != 0 || got["2"] != 0 || got["3"] != 0 {
		t.Errorf("refused role: PathPassed %v, want 0 for brokers 1-3", got)
	}

	out.Reset()
	if _, err := fn(&out, errors.New("no credentials")).Invoke(ctx, ev); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Fatalf("no AWS configuration: err %v", err)
	}
	if got := metrics(t, out.String()); len(got) != 3 || got["1"] != 0 || got["2"] != 0 || got["3"] != 0 {
		t.Errorf("no AWS configuration: PathPassed %v, want 0 for brokers 1-3", got)
	}
}

func TestCanaryFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if c, err := remoteverify.CanaryFromEnv(env(nil)); c != nil || err != nil {
		t.Errorf("no environment: %v, %v; want no metrics and no error", c, err)
	}
	if _, err := remoteverify.CanaryFromEnv(env(map[string]string{canary.EnvNamespace: "ns"})); err == nil || !strings.Contains(err.Error(), canary.EnvName) {
		t.Errorf("namespace only: err %v, want one naming %s", err, canary.EnvName)
	}
	c, err := remoteverify.CanaryFromEnv(env(map[string]string{canary.EnvNamespace: "ns", canary.EnvName: "n"}))
	if err != nil || c.Namespace != "ns" || c.Canary != "n" {
		t.Errorf("both set: %+v, %v", c, err)
	}
}
