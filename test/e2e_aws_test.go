//go:build e2e

package test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/gruntwork-io/terratest/modules/random"
	"github.com/gruntwork-io/terratest/modules/retry"
	"github.com/gruntwork-io/terratest/modules/terraform"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"

	"github.com/mskvpce/mskvpce/internal/lambdazip"
	"github.com/mskvpce/mskvpce/internal/remoteverify/invoke"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestE2EAWS deploys the example on real AWS, then turns on its verify
// canary (terraform/modules/verify-canary, through enable_verify_canary, with
// the schedule, alarms and SNS topic, as an operator would), verifies every
// broker path by invoking the canary with the event its schedule sends, and
// tears it all down. `make e2e` runs it (MSK alone takes 15-30 minutes to
// create).
//
// Stage data lives in test/.test-data, so SKIP_<stage>=true iterates on a
// stack that is already up.
func TestE2EAWS(t *testing.T) {
	requireAWSCredentials(t)
	runFlow(t, &awsStack{dir: "."})
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

// awsStack keeps its stage data (terratest .test-data) beside this file.
type awsStack struct {
	dir string
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

// deployConsumer turns on the example's verify canary and the broker-path
// healer. The canary: the consumer VPC,
// one interface endpoint per broker's service (accepted by its exact ID),
// the private hosted zone, the STS endpoint, the Lambda, and the schedule
// with its alarms and SNS topic. The Databricks role trusts the canary's
// role and the endpoint services allow this account while it is on, all in
// the example itself.
func (s *awsStack) deployConsumer(t *testing.T) {
	opts := test_structure.LoadTerraformOptions(t, s.dir)
	// TestE2ECanaryVarsPlan plans these same variables offline.
	for k, v := range canaryVars(buildRunnerZip(t, s.dir)) {
		opts.Vars[k] = v
	}
	for k, v := range healerVars(buildHealZip(t, s.dir)) {
		opts.Vars[k] = v
	}
	test_structure.SaveTerraformOptions(t, s.dir, opts)
	terraform.Apply(t, opts)
}

func (s *awsStack) verify(t *testing.T) *verify.Report {
	d, _ := s.deployment(t)
	c := d.VerifyCanary
	if c == nil {
		t.Fatal("the example's outputs have no verify_canary after enable_verify_canary = true")
	}
	if len(c.Endpoints) != len(d.Brokers) || len(c.AlarmARNs) != len(d.Brokers) || c.SNSTopicARN == "" {
		t.Errorf("verify_canary: %d endpoints, %d alarms, SNS topic %q; want one endpoint and one alarm per broker (%d) and a topic", len(c.Endpoints), len(c.AlarmARNs), c.SNSTopicARN, len(d.Brokers))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(d.Region))
	if err != nil {
		t.Fatal(err)
	}
	var report *verify.Report
	// Exactly the bytes the schedule sends (the module's event output),
	// through the client deploy verify --remote uses. IAM trust changes
	// take seconds to propagate; retry only that.
	retry.DoWithRetry(t, "invoke the canary", 10, 15*time.Second, func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		res, err := invoke.Invoke(ctx, cfg, c.FunctionName, []byte(c.Event))
		var fe *invoke.FunctionError
		switch {
		case errors.As(err, &fe) && fe.Input() && strings.Contains(fe.Message, "AccessDenied"):
			return "", err
		case err != nil:
			return "", retry.FatalError{Underlying: err}
		}
		report = res.Report
		return "", nil
	})
	// A stranger's event (the issue-31 probe): refused as bad input, the
	// function's configuration untouched by it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = invoke.Invoke(ctx, cfg, c.FunctionName, []byte(`{"sts_endpoint":"https://sts.example.invalid","brokers":[{"broker_id":1,"advertised":"b-1.example.invalid:9098","endpoint":"169.254.169.254:80"}]}`))
	var fe *invoke.FunctionError
	if !errors.As(err, &fe) || !fe.Input() || !strings.Contains(fe.Message, "event refused") {
		t.Errorf("the canary took an event with sts_endpoint and a broker endpoint: %v, want it refused as bad input", err)
	}
	return report
}

func (s *awsStack) brokers(t *testing.T) int {
	d, _ := s.deployment(t)
	return len(d.Brokers)
}

// teardown destroys the example, canary included.
func (s *awsStack) teardown(t *testing.T) {
	if !test_structure.IsTestDataPresent(t, test_structure.FormatTestDataPath(s.dir, "TerraformOptions.json")) {
		return
	}
	if _, err := terraform.DestroyE(t, test_structure.LoadTerraformOptions(t, s.dir)); err != nil {
		t.Errorf("destroy the stack: %v; the nightly's cleanup step sweeps what it left", err)
	}
}

// buildRunnerZip cross-compiles cmd/verify-lambda for provided.al2023/arm64
// and zips it as the Lambda runtime expects (an executable named bootstrap).
//
// The zip lives in the stage data, not a test temp dir: destroy evaluates
// filebase64sha256(verify_canary_lambda_zip_path) too, so a teardown in a
// later run (SKIP_deploy...) needs the file still there.
func buildRunnerZip(t *testing.T, stageDir string) string {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, "../cmd/verify-lambda")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the runner: %v\n%s", err, out)
	}
	zipPath, err := filepath.Abs(test_structure.FormatTestDataPath(stageDir, "verify-lambda.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(zipPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeRunnerZip(zipPath, bin); err != nil {
		t.Fatal(err)
	}
	// The check deploy verify --remote --canary-zip makes, before any apply.
	if err := lambdazip.Check(zipPath); err != nil {
		t.Fatal(err)
	}
	return zipPath
}
