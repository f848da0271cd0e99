//go:build e2e

package test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	terratestaws "github.com/gruntwork-io/terratest/modules/aws"
	"github.com/gruntwork-io/terratest/modules/random"
	"github.com/gruntwork-io/terratest/modules/retry"
	"github.com/gruntwork-io/terratest/modules/terraform"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"

	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestE2EAWS deploys the module on real AWS, deploys a Databricks-like
// consumer, verifies every broker path from inside the consumer VPC and tears
// it all down. `make e2e` runs it (MSK alone takes 15-30 minutes to create).
//
// Stage data lives in test/.test-data and test/fixtures/consumer/.test-data,
// so SKIP_<stage>=true
// iterates on a stack that is already up.
func TestE2EAWS(t *testing.T) {
	requireAWSCredentials(t)
	runFlow(t, &awsStack{dir: ".", consumerDir: "fixtures/consumer"})
}

// requireAWSCredentials skips, saying so, when no AWS credentials are
// configured at all, and fails on any other problem (expired session, wrong
// profile, no region...). It never probes instance metadata, so a laptop
// without credentials skips at once.
func requireAWSCredentials(t *testing.T) {
	t.Helper()
	configured := false
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if os.Getenv(v) != "" {
			configured = true
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		for _, f := range []string{".aws/credentials", ".aws/config"} {
			if _, err := os.Stat(filepath.Join(home, f)); err == nil {
				configured = true
			}
		}
	}
	if !configured {
		t.Skip("no AWS credentials configured (AWS_PROFILE, AWS_ACCESS_KEY_ID, web identity or ~/.aws): the AWS e2e needs a real account; `make e2e-local` runs the same flow locally")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatalf("AWS credentials are configured but unusable: %v", err)
	}
	if cfg.Region == "" {
		t.Fatal("AWS credentials are configured but no region: set AWS_REGION")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		t.Fatalf("AWS credentials are configured but cannot be retrieved: %v", err)
	}
}

var reE2EPrefix = regexp.MustCompile(`^e2e-[a-z0-9][a-z0-9-]{0,18}[a-z0-9]$`)

// awsStack keeps its stage data (terratest .test-data) beside this file for
// the module and beside the fixture for the consumer.
type awsStack struct {
	dir, consumerDir string
}

func (s *awsStack) region(t *testing.T) string {
	if r := os.Getenv("AWS_REGION"); r != "" {
		return r
	}
	return os.Getenv("AWS_DEFAULT_REGION")
}

func (s *awsStack) deploy(t *testing.T) {
	prefix := "e2e-" + strings.ToLower(random.UniqueID())
	// The nightly picks the prefix so its sweep step knows it up front.
	if p := os.Getenv("E2E_PREFIX"); p != "" {
		if !reE2EPrefix.MatchString(p) {
			t.Fatalf("E2E_PREFIX=%q: want e2e-<run id>, at most 24 lowercase letters, digits and hyphens", p)
		}
		prefix = p
	}
	createdAt := time.Now().UTC().Format(time.RFC3339)
	// TestE2EVarsPlan plans these same options offline on every CI run.
	opts := moduleOptions(t, e2eRun{
		Region:     s.region(t),
		Prefix:     prefix,
		Account:    terratestaws.GetAccountId(t),
		CreatedAt:  createdAt,
		ExternalID: "e2e-" + random.UniqueID() + random.UniqueID(),
	})
	test_structure.SaveTerraformOptions(t, s.dir, opts)
	test_structure.SaveString(t, s.dir, "prefix", prefix)
	test_structure.SaveString(t, s.dir, "created_at", createdAt)
	terraform.InitAndApply(t, opts)
}

func (s *awsStack) deployment(t *testing.T) (tfoutputs.Deployment, *terraform.Options) {
	opts := test_structure.LoadTerraformOptions(t, s.dir)
	d, err := tfoutputs.Parse(strings.NewReader(terraform.OutputJson(t, opts, "")))
	if err != nil {
		t.Fatalf("module outputs: %v", err)
	}
	return d, opts
}

func (s *awsStack) deployConsumer(t *testing.T) {
	d, mskOpts := s.deployment(t)
	var brokers []map[string]any
	for _, b := range d.Brokers {
		brokers = append(brokers, map[string]any{
			"broker_id":             b.ID,
			"hostname":              b.Hostname,
			"endpoint_service_id":   b.EndpointServiceID,
			"endpoint_service_name": b.EndpointServiceName,
		})
	}
	// TestE2EConsumerVarsPlan plans these same options offline.
	opts := consumerOptions(t, consumerRun{
		Region:    d.Region,
		Prefix:    test_structure.LoadString(t, s.dir, "prefix"),
		Brokers:   brokers,
		RoleARN:   d.RoleARN,
		ZipPath:   buildRunnerZip(t, s.consumerDir),
		CreatedAt: test_structure.LoadString(t, s.dir, "created_at"),
	})
	test_structure.SaveTerraformOptions(t, s.consumerDir, opts)
	terraform.InitAndApply(t, opts)

	// The Databricks role admits the runner only through the module's
	// test-only variable, the way it admits Databricks' UC master role.
	mskOpts.Vars["additional_trusted_role_arns"] = []string{terraform.Output(t, opts, "runner_role_arn")}
	test_structure.SaveTerraformOptions(t, s.dir, mskOpts)
	terraform.Apply(t, mskOpts)
}

func (s *awsStack) verify(t *testing.T) *verify.Report {
	d, mskOpts := s.deployment(t)
	consumer := test_structure.LoadTerraformOptions(t, s.consumerDir)
	ev := remoteverify.Event{
		Region:         d.Region,
		Bootstrap:      d.Bootstrap(),
		RoleARN:        d.RoleARN,
		ExternalID:     mskOpts.Vars["databricks_external_id"].(string),
		TimeoutSeconds: 90,
	}
	for _, b := range d.Brokers {
		// No endpoint: the runner dials the broker's own hostname, which the
		// consumer's private hosted zone resolves to that broker's endpoint.
		ev.Brokers = append(ev.Brokers, remoteverify.Broker{ID: b.ID, Advertised: b.Advertised()})
	}
	fn := terraform.Output(t, consumer, "function_name")
	var report verify.Report
	// IAM trust changes take seconds to propagate; retry only that.
	retry.DoWithRetry(t, "invoke the runner", 10, 15*time.Second, func() (string, error) {
		out, err := terratestaws.InvokeFunctionE(t, d.Region, fn, ev)
		if err != nil {
			var fnErr *terratestaws.FunctionError
			if errors.As(err, &fnErr) && strings.Contains(string(fnErr.Payload), "AccessDenied") {
				return "", err
			}
			return "", retry.FatalError{Underlying: err}
		}
		return "", json.Unmarshal(out, &report)
	})
	return &report
}

func (s *awsStack) brokers(t *testing.T) int {
	d, _ := s.deployment(t)
	return len(d.Brokers)
}

// teardown attempts every stack's destroy, consumer first (its endpoints use
// the module's endpoint services), and reports each failure: a consumer whose
// Lambda ENIs are still draining must not keep the MSK stack alive.
func (s *awsStack) teardown(t *testing.T) {
	for _, st := range []struct{ name, dir string }{{"consumer", s.consumerDir}, {"module", s.dir}} {
		if !test_structure.IsTestDataPresent(t, test_structure.FormatTestDataPath(st.dir, "TerraformOptions.json")) {
			continue
		}
		if _, err := terraform.DestroyE(t, test_structure.LoadTerraformOptions(t, st.dir)); err != nil {
			t.Errorf("destroy the %s stack (%s): %v; the nightly's cleanup step sweeps what it left", st.name, st.dir, err)
		}
	}
}

// buildRunnerZip cross-compiles cmd/verify-lambda for provided.al2023/arm64
// and zips it as the Lambda runtime expects (an executable named bootstrap).
//
// The zip lives in the consumer's stage data, not a test temp dir: destroy
// evaluates filebase64sha256(lambda_zip_path) too, so a teardown in a later
// run (SKIP_deploy...) needs the file still there.
func buildRunnerZip(t *testing.T, stageDir string) string {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, "../cmd/verify-lambda")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the runner: %v\n%s", err, out)
	}
	zipPath, err := filepath.Abs(test_structure.FormatTestDataPath(stageDir, "runner.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(zipPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeRunnerZip(zipPath, bin); err != nil {
		t.Fatal(err)
	}
	return zipPath
}
