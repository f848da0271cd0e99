// Package dbprovider runs real terraform with the real Databricks provider
// (bin/providers/databricks, v1.84.0) against internal/databricksfake, through
// terraform/modules/databricks-serverless-msk itself: the plain-Terraform
// two-apply path of issue 12 item 1.
//
// The AWS provider in bin/ is the schema-only stand-in: it plans but refuses
// to apply, so these tests prove what Terraform plans for the accepter (its
// endpoint IDs) and never apply it. The workspace binding is not exercised
// (workspace_id stays null), nor the module's NCC-less path.
package dbprovider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/databricksfake"
	"github.com/mskvpce/mskvpce/internal/testbin"
)

const accountID = "00000000-0000-4000-8000-00000000a11c"

var brokers = []struct{ host, svcID, endpoint string }{
	{"b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "vpce-svc-0aaaaaaaaaaaaaaa1", "vpce-0dbx000000000001"},
	{"b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com", "vpce-svc-0aaaaaaaaaaaaaaa2", "vpce-0dbx000000000002"},
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// connectProxy tunnels every CONNECT to target, whatever host it names: the
// provider talks to https://accounts.cloud.databricks.com (the SDK treats
// only accounts.* hosts as account hosts) and reaches the fake.
func connectProxy(t *testing.T, target string) string {
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		up, err := net.Dial("tcp", target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		go func() { _, _ = io.Copy(up, buf); up.Close() }()
		go func() { _, _ = io.Copy(conn, up); conn.Close() }()
	}))
	t.Cleanup(p.Close)
	return p.URL
}

type tf struct {
	t   *testing.T
	dir string
	env []string
}

// runTimeout bounds one terraform command.
const runTimeout = 40 * time.Second

// run runs terraform in its own process group, killed whole when the run
// times out or the test ends: killing terraform alone left the provider
// processes it started running for good. The run also ends before go
// test's -timeout, which exits the test binary without any cleanup.
func (x *tf) run(args ...string) (string, error) {
	timeout := runTimeout
	if dl, ok := x.t.Deadline(); ok {
		timeout = min(timeout, max(time.Until(dl)-10*time.Second, time.Second))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := testbin.Command(x.t, ctx, "terraform", append([]string{"-chdir=" + x.dir}, args...)...)
	cmd.Env = x.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (x *tf) must(args ...string) string {
	out, err := x.run(args...)
	if err != nil {
		x.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// setup writes a root module that calls the module with two brokers, both
// Databricks providers pointed at the fake.
func setup(t *testing.T, fake *databricksfake.Server) *tf {
	root := repoRoot(t)
	bin := filepath.Join(root, "bin", "providers")
	for _, p := range []string{"databricks", "aws"} {
		exe := filepath.Join(bin, p, "terraform-provider-"+p)
		if _, err := os.Stat(exe); err != nil {
			if os.Getenv("CI") == "true" { // CI builds the tools first: missing there is a failure
				t.Fatalf("%s is missing: build it with make %s (make tools builds it too)", exe, exe)
			}
			t.Skipf("%s is missing: build it with make %s (make tools builds it too)", exe, exe)
		}
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		t.Fatalf("terraform is not on PATH (1.11.4 expected): %v", err)
	}
	u, _ := strings.CutPrefix(fake.URL(), "https://")
	proxy := connectProxy(t, u)

	dir := t.TempDir()
	rc := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/hashicorp/aws" = %q
    "registry.terraform.io/databricks/databricks" = %q
  }
  direct {}
}
`, filepath.Join(bin, "aws"), filepath.Join(bin, "databricks"))
	var bs []string
	for i, b := range brokers {
		bs = append(bs, fmt.Sprintf(`{ broker_id = %d, hostname = %q, endpoint_service_id = %q, endpoint_service_name = "com.amazonaws.vpce.us-east-1.%s" }`, i+1, b.host, b.svcID, b.svcID))
	}
	main := fmt.Sprintf(`terraform {
  required_providers {
    aws        = { source = "hashicorp/aws" }
    databricks = { source = "databricks/databricks" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  access_key                  = "AKIAFAKE"
  secret_key                  = "fake"
}

provider "databricks" {
  alias       = "account"
  host        = "https://accounts.cloud.databricks.com"
  account_id  = %[1]q
  token       = %[2]q
  skip_verify = true
}

provider "databricks" {
  alias       = "workspace"
  host        = "https://dbc-fake0000-0000.cloud.databricks.com"
  token       = %[2]q
  skip_verify = true
}

module "databricks" {
  source    = %[3]q
  providers = { databricks.account = databricks.account, databricks.workspace = databricks.workspace }

  prefix   = "dbprov"
  region   = "us-east-1"
  role_arn = "arn:aws:iam::111122223333:role/dbprov-msk"
  brokers  = [%[4]s]
}
`, accountID, fake.Token, filepath.Join(root, "terraform", "modules", "databricks-serverless-msk"), strings.Join(bs, ",\n    "))
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "terraformrc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TF_CLI_CONFIG_FILE=" + filepath.Join(dir, "terraformrc"),
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "HTTPS_PROXY=" + proxy, "NO_PROXY=", "TF_PLUGIN_CACHE_DIR="}
	x := &tf{t: t, dir: dir, env: env}
	// dev_overrides need no provider install (init would ask the registry): get only installs the module.
	x.must("get", "-no-color")
	return x
}

func count(calls []string, prefix string) int {
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

type plan struct {
	ResourceChanges []struct {
		Address string `json:"address"`
		Change  struct {
			Actions []string       `json:"actions"`
			After   map[string]any `json:"after"`
		} `json:"change"`
	} `json:"resource_changes"`
}

type state struct {
	Values struct {
		RootModule struct {
			ChildModules []struct {
				Resources []struct {
					Address string         `json:"address"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"child_modules"`
		} `json:"root_module"`
	} `json:"values"`
}

func (x *tf) state() map[string]map[string]any {
	var s state
	if err := json.Unmarshal([]byte(x.must("show", "-json")), &s); err != nil {
		x.t.Fatal(err)
	}
	m := map[string]map[string]any{}
	for _, c := range s.Values.RootModule.ChildModules {
		for _, r := range c.Resources {
			m[r.Address] = r.Values
		}
	}
	return m
}

const rulesBase = "/api/2.0/accounts/" + accountID + "/network-connectivity-configs"

// firstApply creates the NCC, the credential and the rules; the rules stay
// CREATING and the accepter's precondition stops the apply.
func firstApply(t *testing.T, x *tf, fake *databricksfake.Server) {
	out, err := x.run("apply", "-auto-approve", "-input=false", "-no-color")
	if err == nil {
		t.Fatalf("first apply succeeded while the rules had no vpc_endpoint_id:\n%s", out)
	}
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "Run terraform apply again") {
		t.Fatalf("first apply failed without the module's 'Run terraform apply again' message:\n%s", out)
	}
	calls := fake.Calls()
	if n := count(calls, "POST "+rulesBase+"/ncc-"); n != len(brokers) {
		t.Fatalf("the provider created %d rules, want %d; calls: %q", n, len(brokers), calls)
	}
	st := x.state()
	for i := range brokers {
		r := st[fmt.Sprintf("module.databricks.databricks_mws_ncc_private_endpoint_rule.broker[\"%d\"]", i+1)]
		if r == nil || r["connection_state"] != "CREATING" || (r["vpc_endpoint_id"] != nil && r["vpc_endpoint_id"] != "") {
			t.Fatalf("rule %d in state after the first apply: %v, want CREATING without vpc_endpoint_id", i, r)
		}
		if a := st[fmt.Sprintf("module.databricks.aws_vpc_endpoint_connection_accepter.broker[\"%d\"]", i+1)]; a != nil {
			t.Fatalf("the first apply accepted a connection: %v", a)
		}
	}
}

func TestTwoApplyPathWithRealProvider(t *testing.T) {
	t.Parallel() // each has its own fake, proxy and directory
	fake := databricksfake.Start(accountID)
	defer fake.Close()
	fake.NewRule = func(r *databricksfake.Rule) {
		r.CreateLatency = time.Hour // Advance below plays the wait
		for _, b := range brokers {
			if strings.HasSuffix(r.EndpointService, "."+b.svcID) {
				r.EndpointID = b.endpoint
			}
		}
	}
	fake.Connection = func(serviceID, endpointID string) string { return "pendingAcceptance" }
	x := setup(t, fake)

	firstApply(t, x, fake)

	// (b) Databricks has created the endpoints; the second run reads them
	// and plans to accept exactly those.
	fake.Advance(2 * time.Hour)
	x.must("plan", "-input=false", "-no-color", "-out=second.tfplan")
	var p plan
	if err := json.Unmarshal([]byte(x.must("show", "-json", "second.tfplan")), &p); err != nil {
		t.Fatal(err)
	}
	var accepted []string
	for _, rc := range p.ResourceChanges {
		if slices.Equal(rc.Change.Actions, []string{"no-op"}) || slices.Equal(rc.Change.Actions, []string{"read"}) {
			continue
		}
		if !strings.HasPrefix(rc.Address, "module.databricks.aws_vpc_endpoint_connection_accepter.broker[") || !slices.Equal(rc.Change.Actions, []string{"create"}) {
			t.Errorf("second plan: %s %v, want only accepter creates", rc.Address, rc.Change.Actions)
			continue
		}
		accepted = append(accepted, fmt.Sprint(rc.Change.After["vpc_endpoint_service_id"], " ", rc.Change.After["vpc_endpoint_id"]))
	}
	var want []string
	for _, b := range brokers {
		want = append(want, b.svcID+" "+b.endpoint)
	}
	slices.Sort(accepted)
	if !slices.Equal(accepted, want) {
		t.Fatalf("second plan accepts %q, want exactly %q", accepted, want)
	}

	// (d) destroy deletes the rules, the NCC and the credential.
	before := len(fake.Calls())
	x.must("destroy", "-auto-approve", "-input=false", "-no-color")
	calls := fake.Calls()[before:]
	if n := count(calls, "DELETE "+rulesBase+"/ncc-"); n != len(brokers)+1 {
		t.Errorf("destroy sent %d DELETEs for rules and NCC, want %d; calls: %q", n, len(brokers)+1, calls)
	}
	if count(calls, "DELETE /api/2.1/unity-catalog/credentials/dbprov-msk") != 1 {
		t.Errorf("destroy did not delete the credential; calls: %q", calls)
	}
	if st := x.state(); len(st) != 0 {
		t.Errorf("state after destroy: %v", st)
	}
}

// TestCreateFailedWithRealProvider: a rule that ends CREATE_FAILED stops the
// second apply with that state and where to read its error_message (provider
// v1.84 does not carry the field), not with "run apply again".
func TestCreateFailedWithRealProvider(t *testing.T) {
	t.Parallel() // each has its own fake, proxy and directory
	fake := databricksfake.Start(accountID)
	defer fake.Close()
	fake.NewRule = func(r *databricksfake.Rule) {
		r.CreateLatency = time.Hour
		r.Fail = "The endpoint service does not allow the principal arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1."
	}
	x := setup(t, fake)

	firstApply(t, x, fake)

	fake.Advance(2 * time.Hour)
	out, err := x.run("apply", "-auto-approve", "-input=false", "-no-color")
	flat := strings.Join(strings.Fields(out), " ")
	if err == nil || !strings.Contains(flat, "(state CREATE_FAILED): another apply will not fix it") || strings.Contains(flat, "Run terraform apply again") {
		t.Fatalf("second apply with CREATE_FAILED rules: err %v, want the CREATE_FAILED message (not 'run apply again'):\n%s", err, out)
	}
	// The failed apply stopped at plan, so its refresh was not saved.
	x.must("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
	st := x.state()
	for i := range brokers {
		r := st[fmt.Sprintf("module.databricks.databricks_mws_ncc_private_endpoint_rule.broker[\"%d\"]", i+1)]
		if r["connection_state"] != "CREATE_FAILED" {
			t.Errorf("rule %d after the second apply: %v, want CREATE_FAILED", i, r)
		}
	}
	x.must("destroy", "-auto-approve", "-input=false", "-no-color")
	if n := count(fake.Calls(), "DELETE "+rulesBase+"/ncc-"); n != len(brokers)+1 {
		t.Errorf("destroy sent %d DELETEs for rules and NCC, want %d", n, len(brokers)+1)
	}
}

// TestCountLayoutMovesWithRealProvider: a deployment made when rules and
// acceptances were indexed by position (count) migrates to the layout keyed
// by broker id through the module's generated moved blocks, and the real
// provider plans no change to any rule: a replaced rule would mean a new
// endpoint for Databricks to create and for the operator to accept again.
// The old state is made by moving today's instances back to their indexes.
func TestCountLayoutMovesWithRealProvider(t *testing.T) {
	t.Parallel()
	fake := databricksfake.Start(accountID)
	defer fake.Close()
	fake.NewRule = func(r *databricksfake.Rule) {
		r.CreateLatency = time.Hour
		for _, b := range brokers {
			if strings.HasSuffix(r.EndpointService, "."+b.svcID) {
				r.EndpointID = b.endpoint
			}
		}
	}
	fake.Connection = func(serviceID, endpointID string) string { return "pendingAcceptance" }
	x := setup(t, fake)
	firstApply(t, x, fake)
	fake.Advance(2 * time.Hour)
	x.must("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
	for i := range brokers {
		x.must("state", "mv",
			fmt.Sprintf(`module.databricks.databricks_mws_ncc_private_endpoint_rule.broker["%d"]`, i+1),
			fmt.Sprintf(`module.databricks.databricks_mws_ncc_private_endpoint_rule.broker[%d]`, i))
	}
	x.must("plan", "-input=false", "-no-color", "-refresh=false", "-out=moved.tfplan")
	var p struct {
		ResourceChanges []struct {
			Address         string `json:"address"`
			PreviousAddress string `json:"previous_address"`
			Type            string `json:"type"`
			Change          struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(x.must("show", "-json", "moved.tfplan")), &p); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, rc := range p.ResourceChanges {
		if rc.Type != "databricks_mws_ncc_private_endpoint_rule" {
			continue
		}
		if rc.PreviousAddress == "" || !slices.Equal(rc.Change.Actions, []string{"no-op"}) {
			t.Errorf("%s (was %q): %v, want moved from its index and nothing else", rc.Address, rc.PreviousAddress, rc.Change.Actions)
			continue
		}
		moved++
	}
	if moved != len(brokers) {
		t.Errorf("%d rules moved, want %d", moved, len(brokers))
	}
}
