package localmsk

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mskvpce/mskvpce/internal/mskauthz"
)

var updatePolicy = flag.Bool("update-policy", false, "re-render default_policy.json with terraform")

// renderPolicy applies the provider-free policy module with the real
// terraform binary, offline, and returns its policy_json output.
func renderPolicy(t *testing.T, clusterARN string) []byte {
	t.Helper()
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("terraform is not on PATH (%v): install Terraform 1.11 to check the default policy against terraform/modules/msk-access-policy", err)
	}
	src, err := filepath.Abs("../../terraform/modules/msk-access-policy")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tfs, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil || len(tfs) == 0 {
		t.Fatalf("no .tf files in %s (%v)", src, err)
	}
	for _, f := range tfs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) []byte {
		cmd := exec.Command(tf, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("terraform %v in %s: %v\n%s", args, dir, err, stderr.String())
		}
		return out
	}
	run("init", "-input=false", "-no-color")
	run("apply", "-auto-approve", "-input=false", "-no-color", "-var", "cluster_arn="+clusterARN)
	return run("output", "-raw", "policy_json")
}

func TestDefaultPolicyMatchesTerraform(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the policy with terraform (seconds); skipped with -short")
	}
	t.Parallel()
	got := renderPolicy(t, DefaultClusterARN)
	if *updatePolicy {
		if err := os.WriteFile("default_policy.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, defaultPolicy) {
		t.Fatalf("default_policy.json is not what terraform/modules/msk-access-policy renders for %s; run `go generate ./internal/localmsk` and commit.\nterraform: %s\ncommitted: %s", DefaultClusterARN, got, defaultPolicy)
	}
	if _, err := mskauthz.ParsePolicy(defaultPolicy); err != nil {
		t.Fatalf("the default policy does not parse: %v", err)
	}
}

func TestDefaultPolicyForOtherClusterMatchesTerraform(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the policy with terraform (seconds); skipped with -short")
	}
	t.Parallel()
	arn := mskauthz.Cluster{Region: "eu-west-2", Account: "444455556666", Name: "other", UUID: "0a1b2c3d-1111-2222-3333-444455556666-7"}.ARN()
	want := renderPolicy(t, arn)
	if got := DefaultPolicy(arn); !bytes.Equal(got, want) {
		t.Fatalf("DefaultPolicy(%s) differs from terraform's rendering:\n got: %s\nwant: %s", arn, got, want)
	}
}
