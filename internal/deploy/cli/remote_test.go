package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/remoteverify/lambdafake"
)

const remoteExternalID = "0123456789abcdef0123456789abcdef"

// pathOutcome is what must agree between the local and the remote report:
// per broker and mechanism, the verdict and which stages passed, failed or
// were skipped; then the checks (without timings or details).
type pathOutcome struct {
	Broker    int
	Mechanism string
	Passed    bool
	Stages    string
}

type outcome struct {
	Passed bool
	Paths  []pathOutcome
	Checks []string
}

func reportOutcome(t *testing.T, stdout string) outcome {
	t.Helper()
	var rep struct {
		SchemaVersion int  `json:"schema_version"`
		Passed        bool `json:"passed"`
		Paths         []struct {
			BrokerID  int    `json:"broker_id"`
			Mechanism string `json:"mechanism"`
			Passed    bool   `json:"passed"`
			Stages    []struct {
				Check   string `json:"check"`
				OK      bool   `json:"ok"`
				Skipped bool   `json:"skipped"`
			} `json:"stages"`
		} `json:"paths"`
		Checks []struct {
			Check   string `json:"check"`
			OK      bool   `json:"ok"`
			Skipped bool   `json:"skipped"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout)
	}
	if rep.SchemaVersion != 1 {
		t.Errorf("report schema_version %d, want 1", rep.SchemaVersion)
	}
	o := outcome{Passed: rep.Passed}
	for _, p := range rep.Paths {
		var st []string
		for _, s := range p.Stages {
			r := "ok"
			switch {
			case s.Skipped:
				r = "-"
			case !s.OK:
				r = "FAIL"
			}
			st = append(st, s.Check+"="+r)
		}
		o.Paths = append(o.Paths, pathOutcome{p.BrokerID, p.Mechanism, p.Passed, strings.Join(st, " ")})
	}
	for _, c := range rep.Checks {
		o.Checks = append(o.Checks, fmt.Sprintf("%s ok=%v skipped=%v", c.Check, c.OK, c.Skipped))
	}
	return o
}

// pathPassed decodes one invocation's EMF lines: broker id -> PathPassed.
func pathPassed(t *testing.T, log string) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if !strings.HasPrefix(line, "{") {
			continue // the function's own log lines
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("canary log line %q: %v", line, err)
		}
		id, _ := doc[canary.DimensionBrokerID].(string)
		v, _ := doc[canary.MetricPathPassed].(float64)
		got[id] = v
	}
	return got
}

// TestVerifyRemote runs `deploy verify --remote` against a fake Lambda API
// whose Invoke runs the real handler (remoteverify.Function) in process,
// inside a fake consumer network (the canary's private DNS, trust store and
// STS endpoint) in front of the local MSK-like environment: the report and
// the exit code equal the local verifier's, passing and with NLB 2 down.
// Without a canary it explains how to enable it, refuses without consent,
// and with --yes creates it for the run and removes it afterwards.
func TestVerifyRemote(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a local MSK-like cluster and runs Terraform")
	}
	// The operator's credentials also sign the Lambda API calls.
	env, info := startLocalMSK(t)

	// The Databricks role admits the canary only with the external ID; the
	// canary's own (runner) credentials are not the brokers'.
	sts := lambdafake.STS("arn:aws:iam::123456789012:role/test-dep-databricks-msk", remoteExternalID,
		info.Credentials.AccessKeyID, info.Credentials.SecretAccessKey, info.Credentials.SessionToken)
	defer sts.Close()
	pem, err := os.ReadFile(info.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	network := lambdafake.Network{Resolve: map[string]string{}, CAPEM: string(pem), STSEndpoint: sts.URL}
	var endpoints []string
	for _, b := range info.Brokers {
		network.Resolve[b.Advertised()] = b.Endpoint
		endpoints = append(endpoints, "--endpoint", b.Advertised()+"="+b.Endpoint)
	}
	runner := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIARUNNER0000000000", "runner-secret", "")}
	// The canary's configuration, as the module would set it for this
	// deployment (its timeout_seconds is the fixture's event's).
	canaryConfig := remoteverify.Config{
		Region: info.Region, RoleARN: "arn:aws:iam::123456789012:role/test-dep-databricks-msk", ExternalID: remoteExternalID,
		Timeout: 20 * time.Second, Metrics: canary.Config{Namespace: "mskvpce/VerifyCanary", Canary: "test-dep"},
	}
	for _, b := range info.Brokers {
		canaryConfig.Brokers = append(canaryConfig.Brokers, remoteverify.Broker{ID: b.BrokerID, Host: b.Hostname})
		canaryConfig.Bootstrap = append(canaryConfig.Bootstrap, b.Hostname)
	}
	lam := lambdafake.NewLambdaIn("test-dep-verify-canary", remoteverify.Function{
		Config:     canaryConfig,
		LoadConfig: func(context.Context, string) (aws.Config, error) { return runner, nil },
	}, 50*time.Second, network)
	defer lam.Close()
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", lam.URL)

	h := newHarness(t)
	h.must(append([]string{"apply", "--yes", "--external-id", remoteExternalID}, fixtureInputs...)...)
	zip := stubLambdaZip(t)
	state := filepath.Join(h.workdir(), "terraform.tfstate")
	stateBefore, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func(what string) {
		t.Helper()
		if b, _ := os.ReadFile(state); string(b) != string(stateBefore) {
			t.Errorf("%s: the state changed", what)
		}
		if n := len(lam.Logs()); n != 0 {
			t.Errorf("%s: the canary was invoked %d times", what, n)
		}
		if m, _ := filepath.Glob(filepath.Join(h.workdir(), "*.tfplan*")); len(m) > 0 {
			t.Errorf("%s: plan files left: %v", what, m)
		}
	}

	t.Run("no canary, no zip", func(t *testing.T) {
		r := h.run("verify", "--remote", "--yes")
		if r.code != ExitUsage || !strings.Contains(r.stderr, "enable_verify_canary") || !strings.Contains(r.stderr, "--canary-zip") || !strings.Contains(r.stderr, "make verify-lambda-zip") {
			t.Errorf("exit %d, want %d, with how to enable the canary and --canary-zip:\n%s", r.code, ExitUsage, r.stderr)
		}
		unchanged("no zip")
	})
	t.Run("no canary, a zip Lambda cannot run", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "verify-lambda.zip")
		writeZip(t, bad, []byte("#!/bin/sh\n"), 0o755)
		r := h.run("verify", "--remote", "--yes", "--canary-zip", bad)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "not an ELF") {
			t.Errorf("exit %d, want %d naming the bootstrap:\n%s", r.code, ExitUsage, r.stderr)
		}
		unchanged("bad zip")
	})
	t.Run("no canary, stdin not a terminal", func(t *testing.T) {
		r := h.run("verify", "--remote", "--canary-zip", zip)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "enable_verify_canary") || !strings.Contains(r.stderr, "pass --yes") || strings.Contains(r.stderr, "Step 1") {
			t.Errorf("exit %d, want %d, refused before planning, naming enable_verify_canary and --yes:\n%s", r.code, ExitUsage, r.stderr)
		}
		unchanged("non-terminal")
	})
	t.Run("no canary, operator says no", func(t *testing.T) {
		h.tty, h.stdin = true, "no\n"
		defer func() { h.tty, h.stdin = false, "" }()
		r := h.run("verify", "--remote", "--no-drift", "--canary-zip", zip)
		if r.code != ExitFailed || !strings.Contains(r.stderr, "nothing was changed") || !strings.Contains(r.stderr, "module.msk_vpce.terraform_data.verify_canary[0]") {
			t.Errorf("exit %d, want %d after showing the plan:\n%s", r.code, ExitFailed, r.stderr)
		}
		unchanged("answered no")
	})
	t.Run("no canary, --yes: created for the run and removed", func(t *testing.T) {
		r := h.run("verify", "--remote", "--yes", "--canary-zip", zip, "--no-control-plane")
		if r.code != ExitOK {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"Step 1 of 3", "Creating the canary", "Step 2 of 3: verifying through the canary test-dep-verify-canary", "Step 3 of 3: removing", "The canary is removed"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
		for _, want := range []string{"PASS: 3 of 3 broker paths", "drift", "verified remotely by the canary test-dep-verify-canary"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("report lacks %q:\n%s", want, r.stdout)
			}
		}
		if n := len(lam.Logs()); n != 1 {
			t.Errorf("canary invoked %d times, want 1", n)
		}
		out := h.must("output", "--output", "json")
		var outs map[string]struct {
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal([]byte(out.stdout), &outs); err != nil {
			t.Fatal(err)
		}
		if v := string(outs["verify_canary"].Value); v != "" && v != "null" {
			t.Errorf("after the run the canary is still there: verify_canary = %s", v)
		}
		if b, _ := os.ReadFile(filepath.Join(h.workdir(), "inputs.tfvars.json")); strings.Contains(string(b), "canary") {
			t.Errorf("the run recorded the canary's variables as inputs:\n%s", b)
		}
	})

	t.Run("no canary, --yes: the new trust reaches STS late", func(t *testing.T) {
		// STS refuses the first assumption, as it does until IAM has
		// propagated the Databricks role's new trust of the canary.
		refusing := lambdafake.STS("arn:aws:iam::123456789012:role/not-yet", remoteExternalID, "A", "B", "C")
		defer refusing.Close()
		var calls atomic.Int32
		late := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			to := sts.URL
			if calls.Add(1) == 1 {
				to = refusing.URL
			}
			u, _ := url.Parse(to)
			httputil.NewSingleHostReverseProxy(u).ServeHTTP(w, r)
		}))
		defer late.Close()
		lamLate := lambdafake.NewLambdaIn("test-dep-verify-canary", remoteverify.Function{
			Config:     canaryConfig,
			LoadConfig: func(context.Context, string) (aws.Config, error) { return runner, nil },
		}, 50*time.Second, lambdafake.Network{Resolve: network.Resolve, CAPEM: network.CAPEM, STSEndpoint: late.URL})
		defer lamLate.Close()
		t.Setenv("AWS_ENDPOINT_URL_LAMBDA", lamLate.URL)
		defer func(w time.Duration) { trustRetryWait = w }(trustRetryWait)
		trustRetryWait = 10 * time.Millisecond
		r := h.run("verify", "--remote", "--yes", "--canary-zip", zip, "--no-control-plane", "--no-drift", "--output", "json")
		if r.code != ExitOK || !strings.Contains(r.stderr, "does not trust the new canary yet") || len(lamLate.Logs()) != 2 {
			t.Errorf("exit %d after %d invocations, want 0 after one retry\nstdout:\n%s\nstderr:\n%s", r.code, len(lamLate.Logs()), r.stdout, r.stderr)
		}
		// stdout is the one JSON report, the progress all on stderr.
		if o := reportOutcome(t, r.stdout); !o.Passed || len(o.Paths) != 3 {
			t.Errorf("report %+v, want 3 passing paths", o)
		}
		if !strings.Contains(r.stderr, "The canary is removed") {
			t.Errorf("the canary was not removed:\n%s", r.stderr)
		}
	})

	t.Run("no canary, --yes, JSON: the removal fails", func(t *testing.T) {
		// A terraform that fails the removal's apply (its plan file is
		// *.canary-remove) and runs everything else.
		real, err := exec.LookPath("terraform")
		if err != nil {
			t.Fatal(err)
		}
		wrapper := filepath.Join(t.TempDir(), "terraform")
		script := "#!/bin/sh\nif [ \"$1\" = apply ]; then for a; do case \"$a\" in *.canary-remove) echo 'Error: simulated removal failure' >&2; exit 1;; esac; done; fi\nexec " + real + " \"$@\"\n"
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		r := h.run("verify", "--remote", "--yes", "--canary-zip", zip, "--no-control-plane", "--no-drift", "--output", "json", "--terraform", wrapper)
		if r.code != ExitFailed || !strings.Contains(r.stderr, "removing the canary") || !strings.Contains(r.stderr, "apply") {
			t.Errorf("exit %d, want %d naming the removal and how to finish it\nstderr:\n%s", r.code, ExitFailed, r.stderr)
		}
		// stdout is one JSON document: the error, with the report beside it.
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		var doc struct {
			Error struct {
				Message  string `json:"message"`
				ExitCode int    `json:"exit_code"`
			} `json:"error"`
			Report json.RawMessage `json:"report"`
		}
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
		}
		if dec.More() {
			t.Errorf("stdout holds more than one JSON document:\n%s", r.stdout)
		}
		if doc.Error.ExitCode != ExitFailed || !strings.Contains(doc.Error.Message, "the verification itself: passed") {
			t.Errorf("error %+v, want exit %d with the verdict beside it", doc.Error, ExitFailed)
		}
		if o := reportOutcome(t, string(doc.Report)); !o.Passed || len(o.Paths) != 3 {
			t.Errorf("report %+v, want 3 passing paths", o)
		}
		// What the hint says finishes the removal.
		h.must("apply", "--yes")
		out := h.must("output", "--output", "json")
		if strings.Contains(out.stdout, "test-dep-verify-canary") {
			t.Errorf("after apply the canary is still there:\n%s", out.stdout)
		}
	})

	t.Run("no canary, the plan would replace something else", func(t *testing.T) {
		// Another deployment whose inputs changed since its last apply: the
		// canary's plan replaces a resource, and --yes must not apply that.
		h2 := newHarness(t)
		drift := filepath.Join(t.TempDir(), "drift.tfvars")
		if err := os.WriteFile(drift, []byte("replace_token = \"a\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		h2.must(append([]string{"apply", "--yes", "--var-file", drift}, fixtureInputs...)...)
		if err := os.WriteFile(drift, []byte("replace_token = \"b\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(filepath.Join(h2.workdir(), "terraform.tfstate"))
		r := h2.run("verify", "--remote", "--yes", "--no-drift", "--canary-zip", zip)
		if r.code != ExitFailed || !strings.Contains(r.stderr, "replace module.msk_vpce.terraform_data.replaceable[0]") || !strings.Contains(r.stderr, "nothing was changed") {
			t.Errorf("exit %d, want %d naming the replacement\n%s", r.code, ExitFailed, r.stderr)
		}
		if after, _ := os.ReadFile(filepath.Join(h2.workdir(), "terraform.tfstate")); string(after) != string(before) {
			t.Error("the state changed")
		}
	})

	// From here on the deployment keeps its canary.
	vars := filepath.Join(t.TempDir(), "canary.tfvars")
	if err := os.WriteFile(vars, []byte(fmt.Sprintf("enable_verify_canary = true\nverify_canary_lambda_zip_path = %q\n", zip)), 0o644); err != nil {
		t.Fatal(err)
	}
	h.must("apply", "--yes", "--var-file", vars)

	local := append([]string{"verify", "--no-drift", "--no-control-plane", "--ca-file", info.CAFile, "--timeout", "20s", "--output", "json"}, endpoints...)
	remote := []string{"verify", "--remote", "--no-drift", "--no-control-plane", "--output", "json"}
	compare := func(t *testing.T, wantCode int) {
		t.Helper()
		l, r := h.run(local...), h.run(remote...)
		if l.code != wantCode || r.code != wantCode {
			t.Fatalf("exit codes: local %d, remote %d, want %d\nlocal:\n%s%s\nremote:\n%s%s", l.code, r.code, wantCode, l.stdout, l.stderr, r.stdout, r.stderr)
		}
		lo, ro := reportOutcome(t, l.stdout), reportOutcome(t, r.stdout)
		if !reflect.DeepEqual(lo, ro) {
			t.Errorf("reports differ\nlocal:  %+v\nremote: %+v", lo, ro)
		}
		if strings.Contains(r.stderr, "Step 1") {
			t.Errorf("an existing canary was planned again:\n%s", r.stderr)
		}
	}
	t.Run("passing", func(t *testing.T) {
		compare(t, ExitOK)
	})
	t.Run("the event carries this run's choices, which the canary takes", func(t *testing.T) {
		r := h.run("verify", "--remote", "--no-drift", "--no-control-plane", "--sasl-mechanism", "AWS_MSK_IAM", "--timeout", "15s", "--stage-timeout", "7s", "--output", "json")
		if r.code != ExitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		logs := lam.Logs()
		if log := logs[len(logs)-1]; !strings.Contains(log, "msg=verifying") || !strings.Contains(log, "timeout=15s") || !strings.Contains(log, "stage_timeout=7s") || !strings.Contains(log, "mechanisms=[AWS_MSK_IAM]") {
			t.Errorf("the canary's log does not show the run's timeout, stage timeout and mechanism:\n%s", log)
		}
		// A stage bound the canary's run cannot hold is refused before the invocation.
		n := len(lam.Logs())
		r = h.run("verify", "--remote", "--no-drift", "--no-control-plane", "--timeout", "5s", "--stage-timeout", "6s")
		if r.code != ExitUsage || !strings.Contains(r.stderr, "--stage-timeout 6s is longer than --timeout 5s") || len(lam.Logs()) != n {
			t.Errorf("--stage-timeout 6s --timeout 5s: exit %d, want %d, the canary not invoked\n%s", r.code, ExitUsage, r.stderr)
		}
	})
	t.Run("NLB 2 down", func(t *testing.T) {
		if err := env.SetNLBDown(2, true); err != nil {
			t.Fatal(err)
		}
		defer env.SetNLBDown(2, false)
		compare(t, ExitVerifyFailed)
		logs := lam.Logs()
		if got := pathPassed(t, logs[len(logs)-1]); got["1"] != 1 || got["2"] != 0 || got["3"] != 1 {
			t.Errorf("canary metrics PathPassed %v, want broker 2 at 0 (its alarm breaches), the others at 1", got)
		}
		r := h.run("verify", "--remote", "--no-drift", "--no-control-plane")
		if r.code != ExitVerifyFailed || !strings.Contains(r.stdout, "FAIL: 2 of 3 broker paths passed") {
			t.Errorf("text report: exit %d\n%s", r.code, r.stdout)
		}
	})
	t.Run("flags that do not apply", func(t *testing.T) {
		for _, args := range [][]string{
			{"--endpoint", info.Brokers[0].Advertised() + "=" + info.Brokers[0].Endpoint},
			{"--ca-file", info.CAFile},
			{"--role-arn", "arn:aws:iam::123456789012:role/x"},
			{"--timeout", "5m"},
			{"--timeout", "1500ms"},
		} {
			r := h.run(append([]string{"verify", "--remote", "--no-drift"}, args...)...)
			if r.code != ExitUsage {
				t.Errorf("verify --remote %v: exit %d, want %d\n%s", args, r.code, ExitUsage, r.stderr)
			}
		}
	})
	t.Run("refused role is exit 2, as locally", func(t *testing.T) {
		// A Databricks role that does not admit the canary: the function
		// reports an InputError, which --remote maps to exit 2.
		bad := lambdafake.STS("arn:aws:iam::123456789012:role/someone-else", remoteExternalID, "A", "B", "C")
		defer bad.Close()
		lam2 := lambdafake.NewLambdaIn("test-dep-verify-canary", remoteverify.Function{
			Config:     canaryConfig,
			LoadConfig: func(context.Context, string) (aws.Config, error) { return runner, nil },
		}, 50*time.Second, lambdafake.Network{Resolve: network.Resolve, CAPEM: network.CAPEM, STSEndpoint: bad.URL})
		defer lam2.Close()
		t.Setenv("AWS_ENDPOINT_URL_LAMBDA", lam2.URL)
		r := h.run(remote...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "refused to verify") || !strings.Contains(r.stderr, "external ID") {
			t.Errorf("exit %d, want %d naming the role assumption\n%s", r.code, ExitUsage, r.stderr)
		}
	})
}

// stubLambdaZip is a deployment package lambdazip.Check accepts: bootstrap,
// 0755 on Unix, a bare linux/arm64 ELF header (the fake Lambda runs the
// handler in process, never this file).
func stubLambdaZip(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	b.Write([]byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT), byte(elf.ELFOSABI_NONE)})
	b.Write(make([]byte, 8))
	_ = binary.Write(&b, binary.LittleEndian, struct {
		Type, Machine       uint16
		Version             uint32
		Entry, Phoff, Shoff uint64
		Flags               uint32
		Sizes               [6]uint16
	}{Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_AARCH64), Version: uint32(elf.EV_CURRENT), Sizes: [6]uint16{64, 56, 0, 64, 0, 0}})
	p := filepath.Join(t.TempDir(), "verify-lambda.zip")
	writeZip(t, p, b.Bytes(), 0o755)
	return p
}

func writeZip(t *testing.T, path string, bootstrap []byte, mode os.FileMode) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(mode)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = w.Write(bootstrap)
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}
