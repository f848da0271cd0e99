package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mskvpce/mskvpce/internal/databricksfake"
	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

var databricksInputs = []string{
	"--databricks",
	"--databricks-account-id", "0d26daa6-5e44-4c97-a497-ef015f91254a",
	"--databricks-workspace-host", "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com",
	"--databricks-workspace-id", "1234567890123456",
	"--databricks-bind-new-ncc",
}

func writeVars(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "fixture.tfvars")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func statusJSON(t *testing.T, h *harness) statusReport {
	t.Helper()
	r := h.must("status", "--output", "json")
	var s statusReport
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("status json: %v\n%s", err, r.stdout)
	}
	return s
}

// Without the Databricks side the snippet has a credential placeholder and
// the manual NCC steps stay.
func TestSnippetWithoutDatabricks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.must(append([]string{"apply", "--yes"}, fixtureInputs...)...)
	for _, want := range []string{
		`"databricks.serviceCredential": "` + credentialPlaceholder + `"`,
		`"kafka.bootstrap.servers": "b-1.test-dep-msk.abc123.c2.kafka.us-east-1.amazonaws.com:9098,`,
		"Add them in the account console",
		"Next: connect Databricks",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.stdout)
		}
	}
	var d tfoutputs.Deployment
	d, err := tfoutputs.Parse(strings.NewReader(h.must("output", "--output", "json").stdout))
	if err != nil || d.Databricks != nil {
		t.Errorf("outputs without Databricks: %+v, %v", d.Databricks, err)
	}
}

func TestExternalIDUnnecessaryWithDatabricks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.dbx = databricksfake.Start(fixtureAccountID) // the account limits are read before the plan
	t.Cleanup(h.dbx.Close)
	r := h.must(append(append([]string{"plan", "--external-id", "a1b2c3d4-external"}, fixtureInputs...), databricksInputs...)...)
	if !strings.Contains(r.stderr, "--external-id is unnecessary with --databricks") {
		t.Errorf("no note about --external-id:\n%s", r.stderr)
	}
}

func TestDefaultAllowedPrincipal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		region, want string
		ok           bool
	}{
		{"us-east-1", "arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1", true},
		{"eu-central-1", "arn:aws:iam::565502421330:role/private-connectivity-role-eu-central-1", true},
		{"ap-southeast-2", "arn:aws:iam::565502421330:role/private-connectivity-role-ap-southeast-2", true},
		{"us-gov-west-1", "", false},
		{"cn-north-1", "", false},
		{"", "", false},
	}
	for _, tc := range cases {
		got, ok := deploy.DefaultAllowedPrincipal(tc.region)
		if got != tc.want || ok != tc.ok {
			t.Errorf("DefaultAllowedPrincipal(%q) = %q, %v; want %q, %v", tc.region, got, ok, tc.want, tc.ok)
		}
	}
}

// Without --allowed-principal the plan gets the regional serverless
// principal; in GovCloud the input stays required.
func TestDefaultAllowedPrincipalApplied(t *testing.T) {
	t.Parallel()
	noPrincipal := fixtureInputs[:len(fixtureInputs)-2]
	h := newHarness(t)
	h.must(append(append([]string{"apply", "--yes"}, noPrincipal[2:]...), "--region", "eu-west-2")...)
	d, err := tfoutputs.Parse(strings.NewReader(h.must("output", "--output", "json").stdout))
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:iam::565502421330:role/private-connectivity-role-eu-west-2"; len(d.AllowedPrincipals) != 1 || d.AllowedPrincipals[0] != want {
		t.Errorf("allowed principals %q, want [%s]", d.AllowedPrincipals, want)
	}

	g := newHarness(t)
	r := g.run(append(append([]string{"plan"}, noPrincipal[2:]...), "--region", "us-gov-west-1")...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "allowed_principals: --allowed-principal") {
		t.Errorf("GovCloud without --allowed-principal: exit %d\n%s", r.code, r.stderr)
	}
}

func TestDatabricksInputsExit2(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"account id", []string{"--databricks-account-id", "12345"}, nil, "--databricks-account-id: \"12345\" is not a Databricks account ID"},
		{"workspace host http", []string{"--databricks-workspace-host", "http://dbc-1.cloud.databricks.com"}, nil, "--databricks-workspace-host: \"http://dbc-1.cloud.databricks.com\" is not an https URL"},
		{"account host path", []string{"--databricks-account-host", "https://accounts.cloud.databricks.com/login"}, nil, "--databricks-account-host"},
		{"workspace id", []string{"--databricks-workspace-id", "ws-1"}, nil, "--databricks-workspace-id: \"ws-1\" is not a workspace ID"},
		{"ncc id", []string{"--databricks-ncc-id", "ncc-1"}, nil, "--databricks-ncc-id: \"ncc-1\" is not an NCC ID"},
		{"env account id", nil, map[string]string{"MSKVPCE_DATABRICKS_ACCOUNT_ID": "nope"}, "MSKVPCE_DATABRICKS_ACCOUNT_ID: \"nope\" is not a Databricks account ID"},
		{"env enable", nil, map[string]string{"MSKVPCE_ENABLE_DATABRICKS": "perhaps"}, "MSKVPCE_ENABLE_DATABRICKS: \"perhaps\" is not true or false"},
		{"flag enable", []string{"--databricks=perhaps"}, nil, "want true or false"},
		{"missing workspace", []string{"--databricks", "--databricks-account-id", "0d26daa6-5e44-4c97-a497-ef015f91254a"}, nil, "databricks_workspace_host: --databricks-workspace-host"},
		{"bind new ncc not true or false", []string{"--databricks-bind-new-ncc=maybe"}, nil, "want true or false"},
		{"env bind new ncc", nil, map[string]string{"MSKVPCE_DATABRICKS_BIND_NEW_NCC_TO_WORKSPACE": "perhaps"}, "MSKVPCE_DATABRICKS_BIND_NEW_NCC_TO_WORKSPACE: \"perhaps\" is not true or false"},
		// A workspace has one NCC: binding a new one needs the explicit opt-in.
		{"workspace id without ncc or opt-in", databricksInputs[:len(databricksInputs)-1], nil, "--databricks-workspace-id without --databricks-ncc-id would bind a new NCC"},
		{"workspace id with opt-in off", append(append([]string(nil), databricksInputs[:len(databricksInputs)-1]...), "--databricks-bind-new-ncc=false"), nil, "or --databricks-bind-new-ncc if the workspace has none to keep"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			for k, v := range tc.env {
				h.env[k] = v
			}
			r := h.run(append(append([]string{"plan"}, fixtureInputs...), tc.args...)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d (want %d), stderr does not say %q:\n%s", r.code, ExitUsage, tc.want, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(h.workdir(), ".terraform")); err == nil {
				t.Error("terraform ran despite the bad input")
			}
		})
	}
}

// status of a deployment that does not exist exits 2 and creates nothing.
func TestStatusOfUnknownDeploymentCreatesNothing(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"status", "--name", "nobody"},
		{"status", "--name", "nobody", "--output", "json"},
		{"status", "--name", "nobody", "--backend-bucket", "b", "--backend-key", "k", "--backend-region", "eu-west-1"},
		{"status", "--workdir", "WORKDIR"},
	} {
		h := newHarness(t)
		base := h.env["XDG_STATE_HOME"]
		wd := filepath.Join(t.TempDir(), "wd")
		for i, a := range args {
			if a == "WORKDIR" {
				args[i] = wd
			}
		}
		r := h.run(args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "no deployment") {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
		entries, _ := os.ReadDir(base)
		if len(entries) > 0 {
			t.Errorf("%q created %s/%s", args, base, entries[0].Name())
		}
		if _, err := os.Stat(wd); err == nil {
			t.Errorf("%q created %s", args, wd)
		}
	}
}

// A failed init is not "initialised".
func TestStatusAfterFailedInit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.tree["examples/complete/broken.tf"] = fixtureFile("module \"missing\" {\n  source = \"../../modules/does-not-exist\"\n}\n")
	r := h.run(append([]string{"init"}, fixtureInputs...)...)
	if r.code != ExitFailed {
		t.Fatalf("init of a broken configuration: exit %d\n%s", r.code, r.stderr)
	}
	s := statusJSON(t, h)
	if s.Phase != phaseInitFailed || !strings.Contains(s.Next, "deploy init --name test-dep") {
		t.Errorf("status after a failed init: %+v", s)
	}
}

func fixtureFile(body string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(body), Mode: 0o644}
}
