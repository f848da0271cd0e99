package heallambda_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/heal"
	"github.com/mskvpce/mskvpce/internal/heallambda"
)

func env(t *testing.T, spec heal.Spec) map[string]string {
	t.Helper()
	p, err := heallambda.EncodePaths(spec.Paths)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		heallambda.EnvClusterARN: spec.ClusterARN,
		heallambda.EnvPaths:      string(b),
		heallambda.EnvNamespace:  "mskvpce/BrokerHealer",
		heallambda.EnvName:       "mskvpce-demo",
	}
}

// function is the handler against the fake, configured from the
// environment the module would set for the sample deployment.
func function(t *testing.T, edit func(*awsfake.State)) (*heallambda.Function, *bytes.Buffer, *awsfake.Server) {
	t.Helper()
	d := awsfake.Sample()
	st := awsfake.Healthy(d)
	hc := awsfake.DefaultHealthCheck.Scaled(300)
	st.HealthCheck = &hc
	st.MarkLive(time.Now().Add(-time.Hour))
	if edit != nil {
		edit(st)
	}
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	e := env(t, heal.SpecFromDeployment(d))
	c, err := heallambda.ConfigFromEnv(func(k string) string { return e[k] })
	if err != nil {
		t.Fatal(err)
	}
	c.HealthyTimeout = 2 * time.Second
	a := heal.NewAWS(srv.Config(), heal.Retry{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxBackoff: 2 * time.Millisecond})
	var out bytes.Buffer
	return &heallambda.Function{Config: c, Cluster: a, Groups: a, Metrics: &out, Poll: 10 * time.Millisecond}, &out, srv
}

type emf struct {
	Healer        string  `json:"Healer"`
	Heals         int     `json:"Heals"`
	Refusals      int     `json:"Refusals"`
	HealFailures  int     `json:"HealFailures"`
	TimeToHealthy []int64 `json:"TimeToHealthy"`
	AWS           struct {
		Timestamp         int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
}

// metrics parses the first line of the function's stdout (EMF) and checks
// the report that follows is the JSON report.
func metrics(t *testing.T, out string) emf {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want an EMF line and the report, got:\n%s", out)
	}
	var m emf
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.AWS.CloudWatchMetrics) != 1 || m.AWS.CloudWatchMetrics[0].Namespace != "mskvpce/BrokerHealer" ||
		fmt.Sprint(m.AWS.CloudWatchMetrics[0].Dimensions) != "[[Healer]]" || m.Healer != "mskvpce-demo" {
		t.Errorf("EMF envelope: %s", lines[0])
	}
	var rep heal.Report
	if err := json.Unmarshal([]byte(lines[1]), &rep); err != nil || rep.SchemaVersion != heal.SchemaVersion {
		t.Errorf("second line is not the report: %v\n%s", err, lines[1])
	}
	return m
}

func TestInvokeHeals(t *testing.T) {
	t.Parallel()
	f, out, srv := function(t, func(s *awsfake.State) { s.Nodes[1].ClientIP = "10.0.2.150" })
	// The event is not read: one naming another cluster changes nothing.
	rep, err := f.Invoke(context.Background(), json.RawMessage(`{"cluster_arn":"arn:aws:kafka:us-east-1:999999999999:cluster/other/x","apply":false}`))
	if err != nil || rep.Outcome != heal.OutcomeHealed {
		t.Fatalf("err %v, report %+v", err, rep)
	}
	m := metrics(t, out.String())
	if m.Heals != 1 || m.Refusals != 0 || m.HealFailures != 0 || len(m.TimeToHealthy) != 1 || m.TimeToHealthy[0] < 100 {
		t.Errorf("metrics %+v", m)
	}
	var names []string
	for _, x := range m.AWS.CloudWatchMetrics[0].Metrics {
		names = append(names, x.Name+"/"+x.Unit)
	}
	if got := strings.Join(names, " "); got != "Heals/Count Refusals/Count HealFailures/Count TimeToHealthy/Milliseconds" {
		t.Errorf("declared metrics: %s", got)
	}
	for _, c := range srv.Calls() {
		if strings.Contains(c, "999999999999") {
			t.Errorf("the event reached AWS: %s", c)
		}
	}
}

func TestInvokeRefusesAndFails(t *testing.T) {
	t.Parallel()
	t.Run("refusal is a metric, not an error", func(t *testing.T) {
		t.Parallel()
		f, out, _ := function(t, func(s *awsfake.State) { s.TargetGroups[0].Tags["BrokerId"] = "2" })
		rep, err := f.Invoke(context.Background(), nil)
		if err != nil || rep.Outcome != heal.OutcomeRefused {
			t.Fatalf("err %v, report %+v", err, rep)
		}
		if m := metrics(t, out.String()); m.Refusals != 1 || m.Heals != 0 || m.TimeToHealthy != nil {
			t.Errorf("metrics %+v", m)
		}
	})
	t.Run("a heal that stays unhealthy", func(t *testing.T) {
		t.Parallel()
		f, out, _ := function(t, func(s *awsfake.State) {
			s.Nodes[1].ClientIP = "10.0.2.150"
			hc := *s.HealthCheck
			hc.Listening = func(ip string, _ int32) bool { return ip != "10.0.2.150" }
			s.HealthCheck = &hc
		})
		f.Config.HealthyTimeout = 300 * time.Millisecond
		rep, err := f.Invoke(context.Background(), nil)
		if err != nil || rep.Outcome != heal.OutcomeFailed {
			t.Fatalf("err %v, report %+v", err, rep)
		}
		if m := metrics(t, out.String()); m.HealFailures != 1 || m.Heals != 0 {
			t.Errorf("metrics %+v", m)
		}
	})
	t.Run("a run that cannot read is an invocation error", func(t *testing.T) {
		t.Parallel()
		f, out, _ := function(t, func(s *awsfake.State) {
			s.Errors = map[string]awsfake.APIError{"ListNodes": awsfake.AccessDenied("ForbiddenException", s.Account, "kafka:ListNodes")}
		})
		_, err := f.Invoke(context.Background(), nil)
		if err == nil || !strings.Contains(err.Error(), "ListNodes on arn:aws:kafka:") || !strings.Contains(err.Error(), "ForbiddenException") {
			t.Errorf("err %v", err)
		}
		if m := metrics(t, out.String()); m.Heals != 0 || m.Refusals != 0 {
			t.Errorf("metrics %+v", m)
		}
	})
	t.Run("the invocation's deadline bounds the wait", func(t *testing.T) {
		t.Parallel()
		f, _, _ := function(t, func(s *awsfake.State) {
			s.Nodes[1].ClientIP = "10.0.2.150"
			hc := *s.HealthCheck
			hc.Listening = func(string, int32) bool { return false }
			s.HealthCheck = &hc
		})
		f.Config.HealthyTimeout = time.Minute
		ctx, cancel := context.WithTimeout(context.Background(), 17*time.Second) // 15 s margin: 2 s to wait
		defer cancel()
		start := time.Now()
		rep, err := f.Invoke(ctx, nil)
		if err != nil || rep.Outcome != heal.OutcomeFailed || time.Since(start) > 10*time.Second {
			t.Errorf("err %v, outcome %s after %s", err, rep.Outcome, time.Since(start))
		}
	})
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	spec := heal.SpecFromDeployment(awsfake.Sample())
	e := env(t, spec)
	e[heallambda.EnvHealthyTimeout] = "120"
	c, err := heallambda.ConfigFromEnv(func(k string) string { return e[k] })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Spec) != fmt.Sprint(spec) || c.HealthyTimeout != 2*time.Minute {
		t.Errorf("config %+v\nwant spec %+v", c, spec)
	}
	_, err = heallambda.ConfigFromEnv(func(k string) string {
		if k == heallambda.EnvPaths {
			return `{"arn_prefix":"arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/","domain":"x.example","brokers":{"01":["a/1","b-1"]}}`
		}
		return ""
	})
	for _, want := range []string{
		`MSKVPCE_HEAL_PATHS: broker id "01" is not a positive number`,
		"MSKVPCE_HEAL_NAMESPACE is empty: deploy the function with terraform/modules/broker-healer",
		"MSKVPCE_HEAL_NAME is empty",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

// TestPathsFitLambdaEnvironment: 30 brokers with the longest names the
// layout makes fit Lambda's 4 KB environment (keys and values), which their
// full ARNs and hostnames would not.
func TestPathsFitLambdaEnvironment(t *testing.T) {
	t.Parallel()
	spec := heal.Spec{ClusterARN: "arn:aws-us-gov:kafka:us-gov-west-1:123456789012:cluster/a-cluster-name-of-sixty-four-characters-which-msk-allows-at-most/0a1b2c3d-4e5f-6789-abcd-ef0123456789-25"}
	full := 0
	for id := 1; id <= 30; id++ {
		p := heal.Path{
			BrokerID: id,
			// The layout's names: a 6-character name_prefix and the
			// provider's 26-character suffix (the 32 AWS allows).
			TargetGroupARN: fmt.Sprintf("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/abc%02d-%s%08x/0123456789abcdef", id, "202601020304050607", id),
			Hostname:       fmt.Sprintf("b-%d.a-cluster-name-of-sixty-four-characters-which-msk-allows-at-most.x1y2z3.c25.kafka.us-gov-west-1.amazonaws.com", id),
		}
		full += len(p.TargetGroupARN) + len(p.Hostname)
		spec.Paths = append(spec.Paths, p)
	}
	e := env(t, spec)
	e[heallambda.EnvHealthyTimeout] = "180"
	asJSON, err := json.Marshal(e) // as Lambda measures it
	if err != nil {
		t.Fatal(err)
	}
	size := len(asJSON)
	if size > 4096 || full <= 4096 {
		t.Errorf("environment %d bytes (limit 4096); the full names alone %d bytes", size, full)
	}
	c, err := heallambda.ConfigFromEnv(func(k string) string { return e[k] })
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Spec) != fmt.Sprint(spec) {
		t.Error("the 30 paths do not survive the round trip through the environment")
	}
	t.Logf("30 brokers: %d bytes of environment (full names: %d)", size, full)
}

// TestModuleContract decodes what terraform/modules/broker-healer writes
// into MSKVPCE_HEAL_PATHS: its plan test pins the same file.
func TestModuleContract(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "terraform", "modules", "broker-healer", "tests", "testdata", "paths-env.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p heallambda.Paths
	if err := json.Unmarshal(bytes.TrimSpace(b), &p); err != nil {
		t.Fatal(err)
	}
	paths, err := p.Decode()
	if err != nil {
		t.Fatal(err)
	}
	want := []heal.Path{
		{BrokerID: 1, TargetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", Hostname: "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"},
		{BrokerID: 2, TargetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m2-20260102030405000000000002/0123456789abcdee", Hostname: "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com"},
		{BrokerID: 5, TargetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m5-20260102030405000000000003/0123456789abcded", Hostname: "b-5.demo.abc123.c2.kafka.us-east-1.amazonaws.com"},
	}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("the module's paths decode to\n%+v\nwant\n%+v", paths, want)
	}
}
