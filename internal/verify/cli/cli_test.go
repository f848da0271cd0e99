package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.RunWithStdin(context.Background(), strings.NewReader(stdin), &out, &errb, args)
	return code, out.String(), errb.String()
}

// outputs is `terraform output -json` of the module; brokers' NLBs are on
// 127.0.0.1 where nothing listens on 9098.
func outputs(t *testing.T, drop string) string {
	t.Helper()
	v := map[string]any{
		"region":                     "us-east-1",
		"cluster_arn":                "arn:aws:kafka:us-east-1:111122223333:cluster/demo/4f6e3a52-8d2c-4b1e-9f07-6c5d4e3b2a19-2",
		"cluster_name":               "demo",
		"bootstrap_brokers_sasl_iam": "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098",
		"databricks_msk_role_arn":    "arn:aws:iam::111122223333:role/demo-databricks-msk",
		"brokers": []map[string]any{
			{"broker_id": 1, "hostname": "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "nlb_dns_name": "127.0.0.1",
				"nlb_arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/demo-b1/0123456789abcdef", "target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/demo-b1/0123456789abcdef"},
			{"broker_id": 2, "hostname": "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "nlb_dns_name": "127.0.0.1",
				"nlb_arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/demo-b2/0123456789abcdef", "target_group_arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/demo-b2/0123456789abcdef"},
		},
	}
	delete(v, drop)
	m := map[string]any{}
	for k, val := range v {
		m[k] = map[string]any{"value": val, "sensitive": false}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// outputsWith is outputs with broker 1's field set to val (nil deletes it).
func outputsWith(t *testing.T, field string, val any) string {
	t.Helper()
	var m map[string]map[string]any
	if err := json.Unmarshal([]byte(outputs(t, "")), &m); err != nil {
		t.Fatal(err)
	}
	b1 := m["brokers"]["value"].([]any)[0].(map[string]any)
	if val == nil {
		delete(b1, field)
	} else {
		b1[field] = val
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestBadInputsExit2(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noBrokers := filepath.Join(dir, "no-brokers.json")
	if err := os.WriteFile(noBrokers, []byte(outputs(t, "brokers")), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	badInfo := filepath.Join(dir, "info.json")
	if err := os.WriteFile(badInfo, []byte(`{"version":1,"region":"us-east-1","brokers":[],"ca_file":"/nonexistent/ca.pem"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ep := "--endpoint=b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=127.0.0.1:9098"
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  []string // all must appear in stderr
	}{
		{"no input", "", nil, []string{"no input", "--local", "--tf-outputs"}},
		{"two inputs", "", []string{"--local", "--tf-outputs", "x.json"}, []string{"more than one input"}},
		{"outputs file missing", "", []string{"--tf-outputs", filepath.Join(dir, "nope.json")}, []string{"--tf-outputs " + filepath.Join(dir, "nope.json"), "terraform -chdir=terraform/examples/complete output -json"}},
		{"outputs missing brokers", "", []string{"--tf-outputs", noBrokers}, []string{"--tf-outputs " + noBrokers, "missing brokers"}},
		{"outputs on stdin not JSON", "Error: no state", []string{"--tf-outputs", "-"}, []string{"--tf-outputs stdin", "not the JSON of `terraform output -json`"}},
		{"malformed endpoint map", "", []string{"--region", "us-east-1", "--endpoint", "b-1.demo:9098"}, []string{"--endpoint", "want advertised-host:port=endpoint-host:port"}},
		{"endpoint without port", "", []string{"--region", "us-east-1", "--endpoint", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com=nlb:9098"}, []string{"--endpoint", "not host:port"}},
		{"endpoint not an MSK host", "", []string{"--region", "us-east-1", "--endpoint", "kafka.example.com:9098=nlb:9098"}, []string{"--endpoint", "not an MSK broker hostname"}},
		{"endpoint twice", "", []string{"--region", "us-east-1", ep, ep}, []string{"broker 1 is mapped twice"}},
		{"endpoint without region", "", []string{ep}, []string{"--region is required"}},
		{"unreadable CA", "", []string{"--region", "us-east-1", ep, "--ca-file", filepath.Join(dir, "missing.pem")}, []string{"--ca-file " + filepath.Join(dir, "missing.pem"), "no such file"}},
		{"CA not PEM", "", []string{"--region", "us-east-1", ep, "--ca-file", notPEM}, []string{"--ca-file " + notPEM, "no PEM certificate"}},
		{"bad output format", "", []string{"--local", "--output", "xml"}, []string{"-output", "want text or json"}},
		{"stage timeout above timeout", "", []string{"--local", "--timeout", "1s", "--stage-timeout", "2s"}, []string{"--stage-timeout 2s is longer than --timeout 1s"}},
		{"external id alone", "", []string{"--local", "--external-id", "abc"}, []string{"--external-id without --role-arn"}},
		{"local info missing", "", []string{"--local-info", filepath.Join(dir, "none.json")}, []string{"--local-info " + filepath.Join(dir, "none.json"), "go run ./cmd/localmsk"}},
		{"local info with unreadable CA", "", []string{"--local-info", badInfo}, []string{"--local-info " + badInfo, "ca.pem"}},
		{"fault without --local", "", []string{"--tf-outputs", "x.json", "--local-fault", "nlb-down=1"}, []string{"--local-fault needs --local"}},
		{"unknown fault", "", []string{"--local", "--local-fault", "meteor"}, []string{"--local-fault meteor", "unknown fault"}},
		{"fault on a missing broker", "", []string{"--local", "--local-fault", "nlb-down=9"}, []string{"--local-fault nlb-down=9", "broker 9 does not exist"}},
		{"rolling restart without a time", "", []string{"--local", "--local-fault", "rolling-restart=soon"}, []string{"--local-fault rolling-restart=soon", "want the time each broker is away"}},
		{"two rolling restarts", "", []string{"--local", "--local-fault", "rolling-restart=1m", "--local-fault", "rolling-restart=1m"}, []string{"--local-fault rolling-restart=1m", "rolling-restart is given twice"}},
		{"latency for one broker twice", "", []string{"--local", "--local-fault", "latency=1:1s", "--local-fault", "latency=1:2s"}, []string{"--local-fault latency=1:2s", "broker 1 is given twice (1:1s and 1:2s)"}},
		{"route to a missing broker", "", []string{"--local", "--local-fault", "route-nlb=1:7"}, []string{"--local-fault route-nlb=1:7", "broker 7 does not exist"}},
		{"fault without its value", "", []string{"--local", "--local-fault", "latency"}, []string{"--local-fault latency", "latency takes ID:DURATION,..."}},
		{"stray argument", "", []string{"--local", "extra"}, []string{"unexpected argument \"extra\""}},
		{"control-plane check with --local", "", []string{"--local", "--checks", "data,nlb-target"}, []string{"--checks data,nlb-target", "control-plane checks need --tf-outputs", "no AWS control plane"}},
		{"control plane with --local-info", "", []string{"--local-info", badInfo, "--checks", "control-plane"}, []string{"control-plane checks need --tf-outputs", "checked on its data path only", "localmsk --control-plane serves deploy"}},
		{"control plane with --endpoint", "", []string{"--region", "us-east-1", ep, "--checks", "trust-policy"}, []string{"control-plane checks need --tf-outputs", "--endpoint names no AWS resources"}},
		{"unknown check", "", []string{"--local", "--checks", "data,dns-magic"}, []string{"unknown check \"dns-magic\"", "nlb-target"}},
		{"empty check list", "", []string{"--local", "--checks", ","}, []string{"selects nothing"}},
		{"permissions outputs missing", "", []string{"permissions", "--tf-outputs", filepath.Join(dir, "nope.json")}, []string{"--tf-outputs " + filepath.Join(dir, "nope.json")}},
		{"unknown flag", "", []string{"--nope"}, []string{"flag provided but not defined: --nope"}},
		{"endpoint port 0", "", []string{"--region", "us-east-1", "--endpoint", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=nlb:0"}, []string{"--endpoint", `port "0" is not a number in 1..65535`}},
		{"endpoint port 99999", "", []string{"--region", "us-east-1", "--endpoint", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=nlb:99999"}, []string{`port "99999"`}},
		{"endpoint port abc", "", []string{"--region", "us-east-1", "--endpoint", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=nlb:abc"}, []string{`port "abc"`}},
		{"endpoint without host", "", []string{"--region", "us-east-1", "--endpoint", "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=:9098"}, []string{"has no host"}},
		{"endpoint broker id 0", "", []string{"--region", "us-east-1", "--endpoint", "b-0.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=nlb:9098"}, []string{"not an MSK broker hostname"}},
		{"nlb_dns_name with a port", outputsWith(t, "nlb_dns_name", "nlb-1.elb.amazonaws.com:9098"), []string{"--tf-outputs", "-"}, []string{"carries a port", "nlb_dns_name without :9098"}},
		{"outputs broker id 0", outputsWith(t, "broker_id", 0), []string{"--tf-outputs", "-"}, []string{"broker id 0"}},
		{"outputs hostname not MSK", outputsWith(t, "hostname", "kafka.example.com"), []string{"--tf-outputs", "-"}, []string{"not an MSK broker hostname"}},
		{"outputs hostname of another broker", outputsWith(t, "hostname", "b-7.demo.abc123.c2.kafka.us-east-1.amazonaws.com"), []string{"--tf-outputs", "-"}, []string{"names broker 7"}},
		{"outputs without nlb_arn for control-plane checks", outputsWith(t, "nlb_arn", nil), []string{"--tf-outputs", "-", "--checks", "control-plane"}, []string{"broker 1 nlb_arn", "--checks data"}},
		{"outputs without target_group_arn for control-plane checks", outputsWith(t, "target_group_arn", nil), []string{"--tf-outputs", "-"}, []string{"broker 1 target_group_arn"}},
		{"invalid topic", "", []string{"--local", "--topic", "bad topic/../x"}, []string{"Kafka topic names hold only"}},
		{"topic too long", "", []string{"--local", "--topic", strings.Repeat("t", 250)}, []string{"at most 249"}},
		{"trailing garbage after the JSON", outputs(t, "") + "\nError: state lock", []string{"--tf-outputs", "-"}, []string{"bytes after the JSON document"}},
		{"--ca-file with --local", "", []string{"--local", "--ca-file", notPEM}, []string{"do not apply to the local environment"}},
		{"--bootstrap with --tf-outputs", outputs(t, ""), []string{"--tf-outputs", "-", "--bootstrap", "b-1.x:9098"}, []string{"--bootstrap does not apply to --tf-outputs"}},
		{"empty --checks", "", []string{"--local", "--checks", ""}, []string{"--checks '' selects nothing"}},
		{"unknown SASL mechanism", "", []string{"--local", "--sasl-mechanism", "scram"}, []string{"want aws-msk-iam"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := run(t, tc.stdin, tc.args...)
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, cli.ExitUsage, errs)
			}
			if out != "" {
				t.Errorf("bad input printed a report:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	code, errs, _ := run(t, "", "--help")
	if code != 0 {
		t.Errorf("--help exit %d", code)
	}
	for _, w := range []string{"Inputs", "--tf-outputs", "--local", "--endpoint", "Exit codes", "0    every broker path passed", "2    bad input", "130  interrupted", "Examples", "go run ./cmd/verify --local", "--role-arn",
		"Checks (--checks", "control-plane", "no AWS control plane", "verify permissions", "AWS_ENDPOINT_URL"} {
		if !strings.Contains(errs, w) {
			t.Errorf("--help lacks %q", w)
		}
	}
	for _, id := range controlplane.AllChecks {
		if !strings.Contains(errs, "\n    "+id+" ") {
			t.Errorf("--help does not explain control-plane check %s", id)
		}
	}
}

func TestLocalInfo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env, err := localmsk.Start(context.Background(), localmsk.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	info := filepath.Join(dir, "info-copy.json")
	if err := env.WriteInfo(info); err != nil {
		t.Fatal(err)
	}

	code, out, errs := run(t, "", "--local-info", info)
	if code != cli.ExitOK || !strings.Contains(out, "PASS: 3 of 3 broker paths") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}

	code, out, _ = run(t, "", "--local-info", info, "--output", "json", "--run-id", "cli-test-run")
	var rep struct {
		SchemaVersion int    `json:"schema_version"`
		RunID         string `json:"run_id"`
		Passed        bool   `json:"passed"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep.SchemaVersion != 1 || !rep.Passed || rep.RunID != "cli-test-run" {
		t.Fatalf("json report: exit %d err %v: %s", code, err, out)
	}

	if err := env.SetNLBDown(2, true); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "", "--local-info", info, "--stage-timeout", "2s")
	if code != cli.ExitFailed || !strings.Contains(out, "TCP connection refused by NLB 2") || !strings.Contains(out, "next: ") {
		t.Fatalf("NLB 2 down: exit %d, want 1 with the diagnosis:\n%s", code, out)
	}
}

func TestLocal(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "", "--local")
	if code != cli.ExitOK {
		t.Fatalf("--local exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, w := range []string{"BROKER", "DNS", "CONSUME", "PASS: 3 of 3"} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
}

// TestTerraformOutputs runs the whole --tf-outputs flow with static
// credentials against NLB addresses where nothing listens: exit 1, every
// path failing at tcp. Not parallel: it sets AWS environment variables.
func TestTerraformOutputs(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	code, out, errs := run(t, outputs(t, ""), "--tf-outputs", "-", "--checks", "data", "--stage-timeout", "2s", "--output", "json")
	if code != cli.ExitFailed {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	var rep struct {
		Region string `json:"region"`
		Paths  []struct {
			BrokerID   int    `json:"broker_id"`
			Advertised string `json:"advertised"`
			Endpoint   string `json:"endpoint"`
			Stages     []struct {
				Check  string `json:"check"`
				OK     bool   `json:"ok"`
				Detail string `json:"detail"`
			} `json:"stages"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Region != "us-east-1" || len(rep.Paths) != 2 {
		t.Fatalf("unexpected report: %s", out)
	}
	for _, p := range rep.Paths {
		if p.Endpoint != "127.0.0.1:9098" || !strings.HasPrefix(p.Advertised, "b-") || p.Stages[1].Check != "tcp" || p.Stages[1].OK {
			t.Errorf("broker %d: want a tcp failure to 127.0.0.1:9098, got %+v", p.BrokerID, p)
		}
	}
}

func TestNoCredentialsExit2(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	code, out, errs := run(t, outputs(t, ""), "--tf-outputs", "-")
	if code != cli.ExitUsage || out != "" || !strings.Contains(errs, "AWS credentials: none found") {
		t.Fatalf("exit %d, want 2 naming the credentials\nstderr:\n%s", code, errs)
	}
}

// TestLocalFaults: --local with a fault exits 1 and prints the diagnosis.
func TestLocalFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault, want string
		args        []string
	}{
		{"route-nlb=2:3", "path to broker 2 lands on broker 3", nil},
		{"deny=WriteData", "add kafka-cluster:WriteData", nil},
		{"cert=unknown-ca", "signed by an unknown authority", nil},
		{"clock-skew=1h", "clock skew, this machine's clock is 1h0m0s (±1m) behind the broker's", nil},
		{"clock-skew=-1h", "clock skew, this machine's clock is 1h0m0s (±1m) ahead of the broker's", nil},
		// Accepted by the brokers (a token is valid 15m after its date),
		// so the clock check says it.
		{"clock-skew=6m", "clock skew: this machine's clock is 6m0s (±1m) behind the broker's", nil},
		// Broker 1 goes first and is away for the whole run.
		{"rolling-restart=10m", "broker 1 (AWS_MSK_IAM), tls: broker 1 is restarting: the cluster (metadata from brokers 2, 3) lists it as an offline replica", nil},
		{"replace-broker=2", "broker 2 (AWS_MSK_IAM), tcp: TCP timeout to NLB 2", []string{"--stage-timeout", "1s"}},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			t.Parallel()
			code, out, errs := run(t, "", append([]string{"--local", "--local-fault", tc.fault}, tc.args...)...)
			if code != cli.ExitFailed || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d (want 1), want %q in:\n%s\nstderr:\n%s", code, tc.want, out, errs)
			}
		})
	}
}

// TestOldFaultSpellings: verify's fault names from before the syntax was
// shared with localmsk (route=, skew=) still work for a release, and say
// what to write instead (issue 30).
func TestOldFaultSpellings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ old, instead, want string }{
		{"route=2:3", "--local-fault route-nlb=2:3", "path to broker 2 lands on broker 3"},
		{"route-nlb=2=3", "--local-fault route-nlb=2:3", "path to broker 2 lands on broker 3"},
		{"skew=1h", "--local-fault clock-skew=1h", "clock skew, this machine's clock is 1h0m0s"},
	} {
		t.Run(tc.old, func(t *testing.T) {
			t.Parallel()
			code, out, errs := run(t, "", "--local", "--local-fault", tc.old)
			note := "verify: note: --local-fault " + tc.old + " is the old spelling, accepted until the next release: write " + tc.instead
			if code != cli.ExitFailed || !strings.Contains(out, tc.want) || !strings.Contains(errs, note) {
				t.Fatalf("exit %d (want 1), want %q in stdout and %q in stderr:\n%s\nstderr:\n%s", code, tc.want, note, out, errs)
			}
		})
	}
}

// TestTimeoutAloneClampsStageTimeout: --timeout below the default stage
// bound lowers that bound instead of refusing the run.
func TestTimeoutAloneClampsStageTimeout(t *testing.T) {
	code, out, errs := run(t, "", "--local", "--timeout", "3s")
	if code != cli.ExitOK {
		t.Fatalf("--local --timeout 3s: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestSASLMechanismFlag: both runs every broker path once per mechanism and
// the report says which; an unknown mechanism is bad input.
func TestSASLMechanismFlag(t *testing.T) {
	code, out, errs := run(t, "", "--local", "--sasl-mechanism", "both", "--output", "json")
	if code != cli.ExitOK {
		t.Fatalf("--sasl-mechanism both: exit %d\n%s\n%s", code, out, errs)
	}
	var rep struct {
		Paths []struct {
			BrokerID  int    `json:"broker_id"`
			Mechanism string `json:"mechanism"`
			Passed    bool   `json:"passed"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, p := range rep.Paths {
		if p.Passed {
			got[p.Mechanism]++
		}
	}
	if len(rep.Paths) != 6 || got["AWS_MSK_IAM"] != 3 || got["OAUTHBEARER"] != 3 {
		t.Errorf("paths by mechanism: %v of %d, want 3 passing AWS_MSK_IAM and 3 OAUTHBEARER", got, len(rep.Paths))
	}
	code, _, errs = run(t, "", "--local", "--sasl-mechanism", "plain")
	if code != cli.ExitUsage || !strings.Contains(errs, "want aws-msk-iam") {
		t.Errorf("--sasl-mechanism plain: exit %d, stderr %q; want 2 naming the choices", code, errs)
	}
}

// TestOutputsStdinBoundedByTimeout: --tf-outputs - on a pipe that never
// ends gives up at --timeout with exit 2.
func TestOutputsStdinBoundedByTimeout(t *testing.T) {
	t.Parallel()
	r, w := io.Pipe()
	defer w.Close()
	var out, errb bytes.Buffer
	start := time.Now()
	code := cli.RunWithStdin(context.Background(), r, &out, &errb, []string{"--tf-outputs", "-", "--timeout", "500ms"})
	if code != cli.ExitUsage || !strings.Contains(errb.String(), "within --timeout 500ms") {
		t.Errorf("exit %d, stderr %q; want 2 naming --timeout", code, errb.String())
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %s, want about 500ms", el)
	}
}
