package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dbconfig "github.com/databricks/databricks-sdk-go/config"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/databricksfake"
	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// syncBuffer is a bytes.Buffer safe to read while Run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// harness runs deploy against a tree with its own state directory.
type harness struct {
	t       *testing.T
	tree    fstest.MapFS
	env     map[string]string
	stdin   string
	tty     bool
	signals chan os.Signal
	prog    string
	// aws serves deploy's own AWS calls (an empty account unless a test
	// fills it); dbx, when set, the Databricks account API.
	aws *awsfake.Server
	dbx *databricksfake.Server
	// ruleTimeout is the wait for the NCC rules (Env.RuleTimeout); zero: 10 s.
	ruleTimeout time.Duration
}

func fixtureTree(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	root := filepath.Join("testdata", "tree")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: b, Mode: 0o644}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// noAccountAPI fails every request at once, as an unreachable host would.
type noAccountAPI struct{}

func (noAccountAPI) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no Databricks account API in this test")
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	aws := awsfake.Start(&awsfake.State{Region: "us-east-1", Account: "123456789012"})
	t.Cleanup(aws.Close)
	return &harness{t: t, tree: fixtureTree(t), aws: aws, env: map[string]string{
		"XDG_STATE_HOME":                t.TempDir(),
		"MSKVPCE_TERRAFORM_NO_DOWNLOAD": "1",
		"MSKVPCE_TERRAFORM_CACHE":       t.TempDir(),
		// The fixture tree has no AWS provider; preflight_test.go checks the identity check.
		"MSKVPCE_SKIP_IDENTITY_CHECK": "1",
	}}
}

type result struct {
	code           int
	stdout, stderr string
}

func (h *harness) runCtx(ctx context.Context, stderr *syncBuffer, args ...string) result {
	h.t.Helper()
	var out bytes.Buffer
	if stderr == nil {
		stderr = &syncBuffer{}
	}
	code := Run(ctx, Env{
		Stdin:    strings.NewReader(h.stdin),
		Stdout:   &out,
		Stderr:   stderr,
		StdinTTY: h.tty,
		Signals:  h.signals,
		Tree:     h.tree,
		Root:     "examples/complete",
		Getenv:   func(k string) string { return h.env[k] },
		Prog:     h.prog,
		AWSConfig: func(ctx context.Context, region, profile string) (aws.Config, error) {
			return h.aws.Config(), nil
		},
		DatabricksConfig: func(cfg *dbconfig.Config) {
			if h.dbx != nil {
				h.dbx.Configure(cfg)
			} else {
				// No account API: a host nothing answers, and no credentials.
				cfg.Host, cfg.Token, cfg.AuthType = "https://accounts.unreachable.invalid", "none", "pat"
				cfg.HTTPTransport = noAccountAPI{}
			}
		},
		RulePoll:    20 * time.Millisecond,
		RuleTimeout: cmp.Or(h.ruleTimeout, 10*time.Second),
		// An unreachable account API is retried until this; status's
		// fallback is what the tests check, not the wait.
		StatusReadTimeout: time.Second,
	}, args)
	return result{code, out.String(), stderr.String()}
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	return h.runCtx(context.Background(), nil, args...)
}

func (h *harness) must(args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("deploy %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

var fixtureInputs = []string{
	"--region", "us-east-1",
	"--prefix", "test-dep",
	"--cidr-block", "172.18.0.0/16",
	"--owner", "ops@example.com",
	"--allowed-principal", "arn:aws:iam::123456789012:role/private-connectivity-role-us-east-1",
}

func (h *harness) workdir() string {
	return filepath.Join(h.env["XDG_STATE_HOME"], "mskvpce", "test-dep")
}

func TestBadInputsExit2(t *testing.T) {
	t.Parallel()
	with := func(flag, value string) []string {
		var out []string
		for i := 0; i < len(fixtureInputs); i += 2 {
			if fixtureInputs[i] == flag {
				out = append(out, flag, value)
			} else {
				out = append(out, fixtureInputs[i], fixtureInputs[i+1])
			}
		}
		return out
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string // the message names the input and the fix
	}{
		{"region", with("--region", "us-east"), nil, "--region: not an AWS region code; use one like us-east-1"},
		{"prefix too long", with("--prefix", "a-very-long-prefix-that-breaks-names"), nil, "--prefix: \"a-very-long-prefix-that-breaks-names\" must be 3-24 characters"},
		{"prefix uppercase", with("--prefix", "Prod"), nil, "--prefix"},
		{"principal wildcard", with("--allowed-principal", "arn:aws:iam::123456789012:role/*"), nil, "contains a wildcard"},
		{"principal not arn", with("--allowed-principal", "databricks"), nil, "is not an IAM role, user or account-root ARN"},
		{"cidr", with("--cidr-block", "172.18.0.0/8"), nil, "use /16 to /24"},
		{"cidr host bits", with("--cidr-block", "172.18.0.1/16"), nil, "use 172.18.0.0/16"},
		{"cidr garbage", with("--cidr-block", "nope"), nil, "is not an IPv4 CIDR block"},
		{"external id", append(with("--region", "us-east-1"), "--external-id", "x"), nil, "--external-id"},
		{"env region", fixtureInputs[2:], map[string]string{"MSKVPCE_REGION": "mars-1"}, "MSKVPCE_REGION: not an AWS region code"},
		{"missing", []string{"--prefix", "test-dep"}, nil, "missing inputs:"},
		{"unknown flag", append(with("--region", "us-east-1"), "--colour"), nil, "flag provided but not defined: --colour"},
		{"stray argument", append(with("--region", "us-east-1"), "now"), nil, "unexpected argument \"now\""},
		{"backend partial", append(with("--region", "us-east-1"), "--backend-bucket", "b"), nil, "pass all of --backend-bucket, --backend-key and --backend-region"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			for k, v := range tc.env {
				h.env[k] = v
			}
			r := h.run(append([]string{"plan"}, tc.args...)...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, ExitUsage, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(h.workdir(), ".terraform")); err == nil {
				t.Error("terraform ran despite the bad input")
			}
		})
	}
}

func TestVarFileValidated(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	f := filepath.Join(t.TempDir(), "bad.tfvars")
	if err := os.WriteFile(f, []byte("allowed_principals = [\"arn:aws:iam::*:root\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := h.run(append([]string{"plan", "--var-file", f}, fixtureInputs[:8]...)...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "allowed_principals in "+f) || !strings.Contains(r.stderr, "wildcard") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

func TestHelpTeaches(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.must("--help")
	for _, want := range []string{"Exit codes:", "130", "--external-id", "NCC private endpoint rule", "MSKVPCE_REGION", "--var-file", "--yes",
		"--databricks", "--databricks-workspace-host", "MSKVPCE_DATABRICKS_ACCOUNT_ID", "private-connectivity-role-<region>", "GovCloud", "565502421330"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if strings.Contains(r.stdout, "<databricks-account>") {
		t.Error("help still shows the <databricks-account> placeholder")
	}
	if r := h.run(); r.code != ExitUsage {
		t.Errorf("no command: exit %d, want 2", r.code)
	}
	if r := h.run("frobnicate"); r.code != ExitUsage {
		t.Errorf("unknown command: exit %d, want 2", r.code)
	}
}

func TestNoTTYWithoutYesRefuses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run(append([]string{"apply"}, fixtureInputs...)...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "pass --yes") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	// Refused before any Terraform work: nothing planned, nothing written.
	if strings.Contains(r.stdout, "Plan:") {
		t.Errorf("planned before refusing:\n%s", r.stdout)
	}
	if entries, _ := os.ReadDir(h.env["XDG_STATE_HOME"]); len(entries) > 0 {
		t.Errorf("a refused apply wrote %s", entries[0].Name())
	}
	h.must(append([]string{"apply", "--yes"}, fixtureInputs...)...)
	if r := h.run("destroy"); r.code != ExitUsage || !strings.Contains(r.stderr, "pass --yes") || strings.Contains(r.stdout, "Plan:") {
		t.Errorf("destroy on a non-terminal: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestTypedConfirmation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.tty = true
	h.stdin = "no\n"
	r := h.run(append([]string{"apply"}, fixtureInputs...)...)
	if r.code != ExitFailed || !strings.Contains(r.stderr, "nothing was changed") {
		t.Fatalf("declined apply: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	h.stdin = "yes\n"
	h.must("apply")
	h.stdin = "prod\n"
	r = h.run("destroy")
	if r.code != ExitFailed || !strings.Contains(r.stderr, `not "test-dep"`) {
		t.Fatalf("destroy with the wrong prefix: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	h.stdin = "test-dep\n"
	r = h.must("destroy")
	if !strings.Contains(r.stdout, "Destroyed.") {
		t.Errorf("destroy output:\n%s", r.stdout)
	}
}

func TestApplyOutputExternalIDDestroy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if r := h.run("status", "--name", "test-dep"); r.code != ExitUsage || !strings.Contains(r.stderr, "no deployment named test-dep") {
		t.Errorf("fresh status: exit %d\n%s", r.code, r.stderr)
	}
	h.must(append([]string{"init"}, fixtureInputs...)...)

	// Phase 1: placeholder external ID.
	r := h.must("apply", "--yes")
	for _, want := range []string{
		"Plan: 5 to add, 0 to change, 0 to destroy.",
		"arn:aws:iam::123456789012:role/test-dep-databricks-msk",
		`deploy apply --name test-dep --external-id <external ID>`,
		`{"domain_names":["b-2.test-dep-msk.abc123.c2.kafka.us-east-1.amazonaws.com"],"endpoint_service":"com.amazonaws.vpce.us-east-1.vpce-svc-00000000000000002"}`,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(h.workdir(), "terraform.tfstate")); err != nil {
		t.Fatalf("state is not in the working directory: %v", err)
	}
	r = h.must("status")
	if !strings.Contains(r.stdout, string(phasePlaceholder)) || !strings.Contains(r.stderr, "WARNING") {
		t.Errorf("status with the placeholder:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}

	// output --output json is `terraform output -json`, the tfoutputs contract.
	r = h.must("output", "--output", "json")
	d, err := tfoutputs.Parse(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatalf("output json: %v\n%s", err, r.stdout)
	}
	if len(d.Brokers) != 3 || !d.ExternalIDIsPlaceholder || d.Region != "us-east-1" {
		t.Errorf("outputs: %+v", d)
	}

	// Phase 2: the external ID changes exactly one resource.
	r = h.must("apply", "--yes", "--external-id", "a1b2c3d4-external")
	if !strings.Contains(r.stdout, "Plan: 0 to add, 1 to change, 0 to destroy.") || !strings.Contains(r.stdout, "~   module.msk_vpce.terraform_data.aws_iam_role (input, output)") {
		t.Errorf("external ID apply:\n%s", r.stdout)
	}
	if strings.Contains(r.stderr, "besides the external ID") {
		t.Errorf("warned about other changes:\n%s", r.stderr)
	}
	if strings.Contains(r.stdout, "Next: connect Databricks") {
		t.Errorf("still prints the placeholder steps:\n%s", r.stdout)
	}
	r = h.must("status", "--output", "json")
	var s statusReport
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Phase != phaseReady || s.Placeholder {
		t.Errorf("status after the external ID: %+v", s)
	}
	// Inputs are remembered: a bare plan has nothing to do.
	r = h.must("plan")
	if !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("re-plan with recorded inputs:\n%s", r.stdout)
	}

	r = h.must("destroy", "--yes")
	if !strings.Contains(r.stdout, "Plan: 0 to add, 0 to change, 5 to destroy.") || !strings.Contains(r.stdout, "Destroyed.") {
		t.Errorf("destroy:\n%s", r.stdout)
	}
	r = h.must("status", "--output", "json")
	_ = json.Unmarshal([]byte(r.stdout), &s)
	if s.Phase != phaseInitialised {
		t.Errorf("status after destroy: %+v", s)
	}
	// The state file is kept (empty of resources), never deleted.
	if _, err := os.Stat(filepath.Join(h.workdir(), "terraform.tfstate")); err != nil {
		t.Errorf("state file gone after destroy: %v", err)
	}
}

func TestStateSurvivesReRunAndTreeUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(append([]string{"apply", "--yes"}, fixtureInputs...)...)
	wd := h.workdir()
	state := filepath.Join(wd, "terraform.tfstate")
	before, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	// Files the operator wrote next to the state and inside the laid tree.
	userVars := filepath.Join(wd, "mine.tfvars")
	os.WriteFile(userVars, []byte("service_name = \"Mine\"\n"), 0o644)
	userInTree := filepath.Join(wd, "hcl", "examples", "complete", "terraform.tfvars")
	os.WriteFile(userInTree, []byte("# operator notes\n"), 0o644)

	// Re-run with the same tree: nothing changes, state untouched.
	r := h.must("apply", "--yes")
	if !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("re-run:\n%s", r.stdout)
	}
	after, _ := os.ReadFile(state)
	if !bytes.Equal(before, after) {
		t.Error("state changed on a no-op re-run")
	}

	// A newer embedded tree: a file renamed, one added, the module moved.
	tree := fstest.MapFS{}
	for p, f := range h.tree {
		switch {
		case p == "examples/complete/versions.tf":
			tree["examples/complete/terraform.tf"] = f
		case strings.HasPrefix(p, "modules/fake/"):
			tree["modules/fake-v2/"+strings.TrimPrefix(p, "modules/fake/")] = f
		case p == "examples/complete/main.tf":
			tree[p] = &fstest.MapFile{Data: bytes.ReplaceAll(f.Data, []byte("../../modules/fake\""), []byte("../../modules/fake-v2\"")), Mode: 0o644}
		default:
			tree[p] = f
		}
	}
	tree["examples/complete/extra.tf"] = &fstest.MapFile{Data: []byte("resource \"terraform_data\" \"added\" {\n  input = \"v2\"\n}\n"), Mode: 0o644}
	h.tree = tree
	r = h.must("apply", "--yes")
	// Moving a module re-creates its resources: Terraform shows that honestly;
	// what matters is the state was read, not lost.
	if strings.Contains(r.stdout, "Plan: 6 to add, 0 to change, 0 to destroy.") {
		t.Errorf("state was lost on the tree update (everything re-created from scratch):\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "+   terraform_data.added") {
		t.Errorf("new resource not planned:\n%s", r.stdout)
	}
	for _, gone := range []string{"hcl/examples/complete/versions.tf", "hcl/modules/fake/main.tf", "hcl/modules/fake"} {
		if _, err := os.Stat(filepath.Join(wd, gone)); err == nil {
			t.Errorf("stale %s left behind", gone)
		}
	}
	for _, kept := range []string{userVars, userInTree, state, filepath.Join(wd, ".terraform")} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("%s was removed: %v", kept, err)
		}
	}
	h.must("destroy", "--yes")
}

func TestLayRefusesToOverwriteOperatorEdits(t *testing.T) {
	t.Parallel()
	wd := deploy.Workdir{Dir: t.TempDir(), Root: "examples/complete"}
	tree := fixtureTree(t)
	if _, err := wd.Lay(context.Background(), tree, nil); err != nil {
		t.Fatal(err)
	}
	edited := filepath.Join(wd.RootDir(), "main.tf")
	os.WriteFile(edited, []byte("# my edit\n"), 0o644)
	newTree := fstest.MapFS{}
	for p, f := range tree {
		newTree[p] = f
	}
	newTree["examples/complete/main.tf"] = &fstest.MapFile{Data: []byte("# v2\n")}
	if _, err := wd.Lay(context.Background(), newTree, nil); err == nil || !strings.Contains(err.Error(), "was modified since mskvpce laid it") {
		t.Fatalf("Lay over an edited file: %v", err)
	}
	if b, _ := os.ReadFile(edited); string(b) != "# my edit\n" {
		t.Errorf("edited file overwritten: %q", b)
	}
	// A file the tool never laid is never overwritten either.
	os.Remove(edited)
	newTree["examples/complete/new.tf"] = &fstest.MapFile{Data: []byte("# new\n")}
	mine := filepath.Join(wd.RootDir(), "new.tf")
	os.WriteFile(mine, []byte("# mine\n"), 0o644)
	if _, err := wd.Lay(context.Background(), newTree, nil); err == nil || !strings.Contains(err.Error(), "was not laid by mskvpce") {
		t.Fatalf("Lay over an operator file: %v", err)
	}
	// Protected names in a tree are never laid.
	newTree["examples/complete/terraform.tfstate"] = &fstest.MapFile{Data: []byte("{}")}
	os.Remove(mine)
	res, err := wd.Lay(context.Background(), newTree, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Written {
		if strings.HasSuffix(p, ".tfstate") {
			t.Errorf("laid a state file from the tree: %s", p)
		}
	}
}

func TestInterruptStopsCleanlyAndReleasesLock(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.signals = make(chan os.Signal, 4)
	vars := filepath.Join(t.TempDir(), "slow.tfvars")
	os.WriteFile(vars, []byte("sleep_seconds = 120\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		done <- h.runCtx(ctx, stderr, append([]string{"apply", "--yes", "--var-file", vars}, fixtureInputs...)...)
	}()
	// Interrupt once the slow resource is being created and the five fast
	// ones are done (on a loaded machine they can finish after slow starts).
	deadline := time.After(60 * time.Second)
	for !strings.Contains(stderr.String(), "terraform_data.slow[0]") || strings.Count(stderr.String(), " done ") < 5 {
		select {
		case r := <-done:
			t.Fatalf("apply ended before the interrupt: exit %d\n%s", r.code, r.stderr)
		case <-deadline:
			t.Fatalf("slow resource never started:\n%s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	h.signals <- os.Interrupt
	r := <-done
	if r.code != ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitInterrupted, r.stderr)
	}
	if elapsed := time.Since(start); elapsed > 100*time.Second {
		t.Errorf("Terraform did not stop on the interrupt (ran %s; the sleep is 120s)", elapsed)
	}
	for _, want := range []string{"asking Terraform to stop", "Apply was interrupted", "deploy apply --name test-dep"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	wd := h.workdir()
	if _, err := os.Stat(filepath.Join(wd, ".terraform.tfstate.lock.info")); err == nil {
		t.Error("state lock still held after the interrupt")
	}
	// The lock is free: the next run plans without -lock=false, and sees the
	// resources created before the interrupt in state.
	fast := filepath.Join(t.TempDir(), "fast.tfvars")
	os.WriteFile(fast, []byte("sleep_seconds = 0\n"), 0o644)
	r = h.must("plan", "--var-file", fast)
	if strings.Contains(r.stdout, "Plan: 5 to add") {
		t.Errorf("resources created before the interrupt are not in state:\n%s", r.stdout)
	}
}

func TestS3BackendSettings(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// A deployment (local state, nothing applied) switched to S3 by status,
	// which lays the configuration without running init (S3 is unreachable here).
	h.must("init", "--name", "team")
	h.must("status", "--name", "team", "--backend-bucket", "tf-state", "--backend-key", "mskvpce/team.tfstate", "--backend-region", "eu-west-1")
	wd := filepath.Join(h.env["XDG_STATE_HOME"], "mskvpce", "team")
	cfg, err := os.ReadFile(filepath.Join(wd, "backend.s3.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`bucket       = "tf-state"`, `key          = "mskvpce/team.tfstate"`, `region       = "eu-west-1"`, "use_lockfile = true"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("backend.s3.hcl lacks %q:\n%s", want, cfg)
		}
	}
	override, _ := os.ReadFile(filepath.Join(wd, "hcl", "examples", "complete", deploy.OverrideName))
	if !strings.Contains(string(override), `backend "s3" {}`) {
		t.Errorf("override file:\n%s", override)
	}
	// Other settings for an existing file are refused, not overwritten.
	r := h.run("status", "--name", "team", "--backend-bucket", "other", "--backend-key", "k", "--backend-region", "eu-west-1")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "exists with other settings") {
		t.Errorf("changed backend flags: exit %d\n%s", r.code, r.stderr)
	}
	// The backend is remembered.
	r = h.must("status", "--name", "team", "--output", "json")
	if !strings.Contains(r.stdout, `"backend":"s3"`) || !strings.Contains(r.stdout, `"phase":"init needed"`) {
		t.Errorf("status: %s", r.stdout)
	}

	// A deployment with local state is not silently switched to S3.
	h2 := newHarness(t)
	h2.must(append([]string{"apply", "--yes"}, fixtureInputs...)...)
	r = h2.run("status", "--backend-bucket", "tf-state", "--backend-key", "k", "--backend-region", "eu-west-1")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "never moves state between backends") {
		t.Errorf("switching a local-state deployment to S3: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(h2.workdir(), "terraform.tfstate")); err != nil {
		t.Errorf("local state touched: %v", err)
	}
}
