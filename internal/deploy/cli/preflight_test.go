package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

// Commands on an existing deployment refuse an unknown one, list the known
// ones and create nothing (no phantom deployment, no terraform init).
func TestUnknownDeploymentExit2CreatesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(append([]string{"init"}, fixtureInputs...)...)
	base := filepath.Join(h.env["XDG_STATE_HOME"], "mskvpce")
	for _, args := range [][]string{
		{"output", "--name", "nope"},
		{"output", "--name", "nope", "--output", "json"},
		{"verify", "--name", "nope"},
		{"destroy", "--name", "nope", "--yes"},
	} {
		r := h.run(args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "no deployment named nope") || !strings.Contains(r.stderr, "known deployments: test-dep") {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(base, "nope")); err == nil {
			t.Errorf("%q created %s", args, filepath.Join(base, "nope"))
		}
	}
	wd := filepath.Join(t.TempDir(), "wd")
	r := h.run("output", "--workdir", wd)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no deployment in "+wd) {
		t.Errorf("output --workdir <empty>: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(wd); err == nil {
		t.Errorf("output --workdir created %s", wd)
	}
	// With no deployment at all, the message says how to make one.
	h2 := newHarness(t)
	if r := h2.run("output", "--name", "nope"); r.code != ExitUsage || !strings.Contains(r.stderr, "there are none yet") {
		t.Errorf("no deployments: exit %d\n%s", r.code, r.stderr)
	}
	// Issue 30: a bare status on a fresh machine said "pass --prefix ... or
	// --name", and --name then said there was none: it says how to create one.
	for _, cmd := range []string{"status", "output", "verify", "destroy"} {
		r := h2.run(cmd)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "there is no deployment yet") || !strings.Contains(r.stderr, "apply --prefix NAME") || strings.Contains(r.stderr, "or --name") {
			t.Errorf("%s with no deployment: exit %d, want 2 saying how to create one\n%s", cmd, r.code, r.stderr)
		}
	}
	if r := h2.run("plan"); r.code != ExitUsage || !strings.Contains(r.stderr, "pass --prefix") {
		t.Errorf("plan with no deployment and no inputs: exit %d\n%s", r.code, r.stderr)
	}
}

// --terraform is used as given or refused: never replaced from $PATH.
func TestTerraformFlagUsedAsGiven(t *testing.T) {
	t.Parallel()
	old := filepath.Join(t.TempDir(), "terraform")
	if err := os.WriteFile(old, []byte("#!/bin/sh\necho '{\"terraform_version\":\"1.5.7\"}'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tf := range []string{"/nonexistent/terraform", "/bin/false", old} {
		h := newHarness(t)
		r := h.run(append([]string{"plan", "--terraform", tf}, fixtureInputs...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "--terraform") || !strings.Contains(r.stderr, tf) {
			t.Errorf("--terraform %s: exit %d\n%s", tf, r.code, r.stderr)
		}
		if strings.Contains(r.stdout, "Plan:") {
			t.Errorf("--terraform %s: planned with another terraform:\n%s", tf, r.stdout)
		}
	}
}

func TestHelpUnknownCommandExit2(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("help", "nope")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `unknown command "nope"`) || !strings.Contains(r.stderr, "apply") {
		t.Errorf("help nope: exit %d\n%s", r.code, r.stderr)
	}
	h.must("help", "apply")
}

func TestWorkdirIsAFileExit2(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, wd := range []string{f, filepath.Join(f, "below")} {
		r := h.run(append([]string{"plan", "--workdir", wd}, fixtureInputs...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "pass --workdir with a directory") {
			t.Errorf("--workdir %s: exit %d\n%s", wd, r.code, r.stderr)
		}
	}
}

// With --output json, errors are JSON on stdout too.
func TestJSONErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, args := range [][]string{
		{"plan", "--output", "json", "--prefix", "test-dep"},
		{"output", "--output", "json", "--name", "nope"},
		{"status", "--output", "json", "--colour"},
	} {
		r := h.run(args...)
		var v struct {
			SchemaVersion int `json:"schema_version"`
			Error         struct {
				Command, Message string
				ExitCode         int `json:"exit_code"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != ExitUsage || v.Error.ExitCode != ExitUsage || v.Error.Message == "" || v.Error.Command != args[0] {
			t.Errorf("%q: exit %d, stdout %q (%v)", args, r.code, r.stdout, err)
		}
	}
}

func statusOf(t *testing.T, h *harness, args ...string) statusReport {
	t.Helper()
	var s statusReport
	r := h.must(append([]string{"status", "--output", "json"}, args...)...)
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// Before the first apply, status says what the plan will give the role.
func TestStatusPlaceholderBeforeApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.must(append([]string{"plan"}, fixtureInputs...)...)
	if s := statusOf(t, h); !s.Placeholder || s.Phase != phasePlanned {
		t.Errorf("planned with the placeholder: %+v", s)
	}
	h.must("plan", "--external-id", "0123456789abcdef0123456789abcdef")
	if s := statusOf(t, h); s.Placeholder {
		t.Errorf("planned with a real external ID: %+v", s)
	}
}

// Hints repeat how the operator ran deploy and which deployment, and work verbatim.
func TestHintsCarryWorkdirAndProg(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.prog = "go run ./cmd/deploy"
	wd := filepath.Join(t.TempDir(), "demo")
	r := h.must(append([]string{"plan", "--workdir", wd}, fixtureInputs...)...)
	want := "Apply it: go run ./cmd/deploy apply --workdir " + wd + "\n"
	if !strings.Contains(r.stdout, want) {
		t.Fatalf("plan hint, want %q:\n%s", want, r.stdout)
	}
	hint := strings.Fields(strings.TrimPrefix(want, "Apply it: go run ./cmd/deploy "))
	h.must(append(hint, "--yes")...) // the hint works as printed
	// The next steps after apply (placeholder external ID, verify) carry them too.
	r = h.must("status", "--workdir", wd)
	for _, want := range []string{
		"go run ./cmd/deploy apply --workdir " + wd + " --external-id <external ID>",
		"(go run ./cmd/deploy apply --workdir " + wd + " --external-id <id>)",
	} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("status hint, want %q:\n%s\n%s", want, r.stdout, r.stderr)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "deploy apply --name") {
		t.Errorf("a hint forgets the workdir and the invocation:\n%s\n%s", r.stdout, r.stderr)
	}
	h.prog = "bin/deploy"
	r = h.must(append([]string{"init", "--name", "other"}, fixtureInputs...)...)
	if !strings.Contains(r.stdout, "Next: bin/deploy plan --name other") {
		t.Errorf("init hint:\n%s", r.stdout)
	}
}

// The errors whose Terraform text does not say the fix get it added.
func TestTerraformHints(t *testing.T) {
	t.Parallel()
	rc := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(rc, []byte("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/hashicorp/aws\" = \"/x/bin/providers/aws\"\n  }\n  direct {}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	registry := errors.New(`Error: Failed to query available provider packages: could not connect to registry.terraform.io: dial tcp: lookup registry.terraform.io on 127.0.0.53:53: no such host`)
	azs := errors.New(`Error: Resource precondition failed: The region needs at least 3 available availability zones`)
	for _, tc := range []struct {
		env  map[string]string
		err  error
		want string
	}{
		{map[string]string{}, registry, "TF_CLI_CONFIG_FILE is not set. Offline: `make plan-tools`, then put TF_CLI_CONFIG_FILE=$PWD/bin/terraformrc"},
		{map[string]string{"TF_CLI_CONFIG_FILE": "/root/.terraformrc"}, registry, "TF_CLI_CONFIG_FILE=/root/.terraformrc does not override the providers"},
		{map[string]string{"TF_CLI_CONFIG_FILE": rc}, registry, ""}, // bin/terraformrc in use: not the cause
		{map[string]string{"TF_CLI_CONFIG_FILE": rc}, azs, "MSKVPCE_SCHEMA_PROVIDER_DATA=$PWD/tools/fixtures/data-sources.json"},
		{map[string]string{}, azs, ""}, // the real provider: the region really lacks AZs
	} {
		c := &cli{env: Env{Getenv: func(k string) string { return tc.env[k] }}}
		got := c.terraformHint(tc.err)
		if !errors.Is(got, tc.err) {
			t.Errorf("%v: lost the cause: %v", tc.err, got)
		}
		if tc.want == "" && got.Error() != tc.err.Error() {
			t.Errorf("%v: added a hint where none applies: %v", tc.err, got)
		}
		if tc.want != "" && !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%v: hint lacks %q: %v", tc.err, tc.want, got)
		}
	}
}

// fakeSTS answers GetCallerIdentity as STS does: a SigV4-signed POST, XML
// answer; unknown keys get InvalidClientTokenId (403).
func fakeSTS(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		auth := r.Header.Get("Authorization")
		if r.Method != http.MethodPost || form.Get("Action") != "GetCallerIdentity" || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		if !strings.Contains(auth, "Credential=AKIAFAKEGOOD/") {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprint(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::210987654321:user/alice</Arn><UserId>AIDAFAKE</UserId><Account>210987654321</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The identity check runs before any plan; it uses the SDK's own
// environment, so these tests set the process environment (not parallel).
func TestIdentityPreflight(t *testing.T) {
	srv := fakeSTS(t)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_STS":        srv.URL,
		"AWS_EC2_METADATA_DISABLED":   "true", // never the instance metadata address
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE":                 "",
		"AWS_SESSION_TOKEN":           "",
		"AWS_ACCESS_KEY_ID":           "",
		"AWS_SECRET_ACCESS_KEY":       "",
	} {
		t.Setenv(k, v)
	}
	newH := func() *harness {
		h := newHarness(t)
		delete(h.env, "MSKVPCE_SKIP_IDENTITY_CHECK")
		return h
	}

	// No credentials: exit 2 naming the fix, nothing planned or written.
	h := newH()
	r := h.run(append([]string{"plan"}, fixtureInputs...)...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "no AWS credentials") || !strings.Contains(r.stderr, "--profile") {
		t.Errorf("no credentials: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(h.workdir()); err == nil {
		t.Error("plan without credentials created the working directory")
	}

	// Refused credentials: exit 2 too.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEBAD")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	r = newH().run(append([]string{"plan"}, fixtureInputs...)...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "InvalidClientTokenId") {
		t.Errorf("refused credentials: exit %d\n%s", r.code, r.stderr)
	}

	// Good credentials: the identity is shown, then the plan.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEGOOD")
	h = newH()
	r = h.must(append([]string{"plan"}, fixtureInputs...)...)
	if !strings.Contains(r.stderr, "AWS identity: account 210987654321, arn:aws:iam::210987654321:user/alice, region us-east-1") {
		t.Errorf("identity not shown:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "Plan:") {
		t.Errorf("no plan after the identity:\n%s", r.stdout)
	}

	// The schema-only provider configured (offline planning): no AWS call, said so.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, []byte("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/hashicorp/aws\" = \"/x/bin/providers/aws\"\n  }\n  direct {}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h = newH()
	h.env["TF_CLI_CONFIG_FILE"] = rc
	r = h.must(append([]string{"plan"}, fixtureInputs...)...)
	if !strings.Contains(r.stderr, "AWS identity not checked: TF_CLI_CONFIG_FILE overrides hashicorp/aws with /x/bin/providers/aws") {
		t.Errorf("offline plan:\n%s", r.stderr)
	}
}

// --diff shows the full plan; the destroy warning lists what goes.
func TestPlanDiffAndDestroyWarning(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.must(append([]string{"plan", "--diff"}, fixtureInputs...)...)
	if !strings.Contains(r.stdout, "Terraform will perform the following actions") || !strings.Contains(r.stdout, "will be created") {
		t.Errorf("plan --diff:\n%s", r.stdout)
	}
	h.must("apply", "--yes")
	h.tty = true
	h.stdin = "no\n"
	r = h.run("destroy")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "This permanently deletes:\n  - ") {
		t.Fatalf("destroy warning: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "MSK cluster") {
		t.Errorf("the fixture has no MSK cluster, yet the warning names one:\n%s", r.stderr)
	}
}

func TestDestroyWarningNamesMSK(t *testing.T) {
	t.Parallel()
	w := destroyWarning(summaryOf("delete", "module.m.aws_msk_cluster.this", "module.m.aws_cloudwatch_log_group.broker"))
	if !strings.Contains(w, "  - module.m.aws_msk_cluster.this\n") || !strings.Contains(w, "MSK cluster and all its data") {
		t.Errorf("warning:\n%s", w)
	}
	w = destroyWarning(summaryOf("delete", "module.m.aws_cloudwatch_log_group.broker"))
	if strings.Contains(w, "MSK cluster") {
		t.Errorf("log group only, warning:\n%s", w)
	}
}

func summaryOf(action string, addrs ...string) tfrunner.Summary {
	var s tfrunner.Summary
	for _, a := range addrs {
		s.Changes = append(s.Changes, tfrunner.Change{Address: a, Action: action})
		s.Destroy++
	}
	return s
}

// A deployment in a working directory given by MSKVPCE_WORKDIR is named by
// its directory in hints, not by a --name that would look elsewhere.
func TestHintsNameTheWorkdirFromTheEnvironment(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	wd := filepath.Join(t.TempDir(), "env-wd")
	h.env["MSKVPCE_WORKDIR"] = wd
	r := h.must(append([]string{"plan"}, fixtureInputs...)...)
	if !strings.Contains(r.stdout, "Apply it: deploy apply --workdir "+wd+"\n") {
		t.Errorf("plan hint:\n%s", r.stdout)
	}
	h.prog = "bin/deploy"
	if r := h.run("plan", "--colour"); !strings.Contains(r.stderr, "Run `bin/deploy help plan` for its flags.") {
		t.Errorf("usage hint:\n%s", r.stderr)
	}
}

// A usable --terraform is the binary that runs, not the one on $PATH.
func TestTerraformFlagIsTheOneThatRuns(t *testing.T) {
	t.Parallel()
	real, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("terraform %s must be on $PATH for the deploy tests: %v", tfrunner.Version, err)
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	wrapper := filepath.Join(dir, "my-terraform")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\necho \"$1\" >> "+marker+"\nexec "+real+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.must(append([]string{"plan", "--terraform", wrapper}, fixtureInputs...)...)
	b, _ := os.ReadFile(marker)
	for _, sub := range []string{"version", "init", "plan"} {
		if !strings.Contains(string(b), sub+"\n") {
			t.Errorf("terraform %s did not run through --terraform %s; it ran: %q", sub, wrapper, b)
		}
	}
}
