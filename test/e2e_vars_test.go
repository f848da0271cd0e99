package test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/files"
	"github.com/gruntwork-io/terratest/modules/terraform"
)

// e2eRun is what one AWS e2e run is keyed by. moduleOptions turns it into
// the exact Terraform options TestE2EAWS applies, so the offline plan below
// and the nightly share one code path.
type e2eRun struct {
	Region, Prefix, CreatedAt, ExternalID string
}

// e2eCIDR is the MSK VPC of every e2e run; the canary's default VPC
// (10.99.0.0/24) stays clear of it.
const e2eCIDR = "10.42.0.0/16"

// moduleOptions copies terraform/examples/complete to a temp folder and
// returns the options the e2e deploys it with.
func moduleOptions(t *testing.T, r e2eRun) *terraform.Options {
	// terratest's files package, not test_structure's wrapper of it: see
	// runStage. The copy outlives the test (as test_structure's does), so a
	// later run with SKIP_deploy finds the state under it.
	root, err := files.CopyTerraformFolderToDest("../terraform", os.TempDir(), strings.ReplaceAll(t.Name(), "/", "-"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "examples", "complete")
	return terraform.WithDefaultRetryableErrors(t, &terraform.Options{
		TerraformDir: dir,
		Vars: map[string]any{
			"region":       r.Region,
			"cidr_block":   e2eCIDR,
			"prefix":       r.Prefix,
			"user_name":    "mskvpce-e2e",
			"service_name": "mskvpce e2e " + r.Prefix,
			// allowed_principals left to the example: Databricks serverless
			// in the region, as for an operator; the canary adds this
			// account while it is on (acceptance stays required).
			"databricks_external_id": r.ExternalID,
			// Tagged on everything, so e2e-cleanup can sweep what a killed run leaves.
			// E2ERegion: IAM is global, and a sweep in another region must
			// leave this stack's roles alone.
			"extra_tags": map[string]string{"E2EPrefix": r.Prefix, "E2ECreatedAt": r.CreatedAt, "E2ERegion": r.Region},
			// The runner holds only the Databricks role; it creates the
			// verification topic (auto-creation is off on the cluster).
			"allow_create_topic": true,
		},
		NoColor: true,
	})
}

// canaryVars are what the e2e's second apply adds to moduleOptions: the
// example's verify canary with its schedule, alarms and SNS topic, as an
// operator turns it on, with the Lambda zip built from this checkout.
func canaryVars(zipPath string) map[string]any {
	return map[string]any{
		"enable_verify_canary":            true,
		"verify_canary_lambda_zip_path":   zipPath,
		"verify_canary_schedule_enabled":  true,
		"verify_canary_sns_topic_enabled": true,
	}
}

// healerVars turn on the broker-path healer on its one-minute schedule
// (terraform/modules/broker-healer), as the nightly's consumer stage does.
func healerVars(zipPath string) map[string]any {
	return map[string]any{
		"enable_broker_healer":          true,
		"broker_healer_lambda_zip_path": zipPath,
	}
}

var reOverrideDir = regexp.MustCompile(`"[^"]+/[^"]+/([^"]+)"\s*=\s*"([^"]+)"`)

// schemaProviderConfig returns bin/terraformrc once every provider it
// overrides is built (`make test` builds them first). Missing pieces fail in
// CI (CI=true) and skip elsewhere, saying which make target builds them.
func schemaProviderConfig(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	missing := func(what string) {
		msg := what + ": build the offline providers with `make tools` (or `make " +
			filepath.Join(root, "bin/providers/aws/terraform-provider-aws") + " " +
			filepath.Join(root, "bin/providers/databricks/terraform-provider-databricks") + " " +
			filepath.Join(root, "bin/terraformrc") + "`)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	rc := filepath.Join(root, "bin", "terraformrc")
	body, err := os.ReadFile(rc)
	if err != nil {
		missing("no bin/terraformrc")
	}
	overrides := reOverrideDir.FindAllStringSubmatch(string(body), -1)
	if len(overrides) == 0 {
		t.Fatalf("%s overrides no provider; update this test:\n%s", rc, body)
	}
	for _, m := range overrides {
		bin := filepath.Join(m[2], "terraform-provider-"+m[1])
		if _, err := os.Stat(bin); err != nil {
			missing("provider " + m[1] + " not built (" + bin + ")")
		}
	}
	return rc
}

// TestE2EVarsPlan plans terraform/examples/complete offline with exactly the
// variables the AWS e2e applies, through the same terratest calls, against
// the schema-only AWS provider: an input the nightly forgets (cidr_block was
// one) fails here on every CI run instead of at the nightly's first apply.
func TestE2EVarsPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("plans the full example (tens of seconds); run without -short")
	}
	t.Setenv("TF_CLI_CONFIG_FILE", schemaProviderConfig(t))
	t.Setenv("MSKVPCE_SCHEMA_PROVIDER_DATA", filepath.Join("..", "tools", "fixtures", "data-sources.json"))
	if abs, err := filepath.Abs(os.Getenv("MSKVPCE_SCHEMA_PROVIDER_DATA")); err == nil {
		t.Setenv("MSKVPCE_SCHEMA_PROVIDER_DATA", abs)
	}
	// The same shapes a run makes: random.UniqueID is 6 characters.
	run := e2eRun{
		Region:     "us-east-1",
		Prefix:     "e2e-ab12cd",
		CreatedAt:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339),
		ExternalID: "e2e-AbCdEfGhIjKl",
	}
	opts := moduleOptions(t, run)
	opts.PlanFilePath = filepath.Join(t.TempDir(), "e2e.tfplan")
	out, err := terraform.InitAndPlanE(t, opts)
	if err != nil {
		t.Fatalf("terraform plan with the e2e's variables: %v\n%s", err, out)
	}
	plan := terraform.ShowWithStruct(t, opts)
	for _, addr := range []string{
		"module.msk_vpce.aws_msk_cluster.this",
		"module.msk_vpce.module.privatelink.aws_iam_role.databricks",
	} {
		if _, ok := plan.ResourceChangesMap[addr]; !ok {
			t.Errorf("the e2e plan does not create %s", addr)
		}
	}
	if !strings.Contains(out, "Plan:") {
		t.Errorf("no plan summary in the output:\n%s", out)
	}
}

// TestE2ECanaryVarsPlan plans the example offline with exactly what the
// e2e's canary stage applies (moduleOptions plus canaryVars, a zip written
// by the e2e's own writer): the canary module with one endpoint per broker,
// the schedule, one alarm per path and the topic. An input the stage
// forgets, or a canary the example cannot build with them, fails here on
// every CI run and not at the nightly's apply.
func TestE2ECanaryVarsPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("plans the full example with the canary (tens of seconds); run without -short")
	}
	t.Setenv("TF_CLI_CONFIG_FILE", schemaProviderConfig(t))
	fx, err := filepath.Abs(filepath.Join("..", "tools", "fixtures", "data-sources.json"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("MSKVPCE_SCHEMA_PROVIDER_DATA", fx)
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(bin, []byte("offline plan"), 0o755); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "verify-lambda.zip")
	if err := writeRunnerZip(zipPath, bin); err != nil {
		t.Fatal(err)
	}
	opts := moduleOptions(t, e2eRun{
		Region:     "us-east-1",
		Prefix:     "e2e-ab12cd",
		CreatedAt:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339),
		ExternalID: "e2e-AbCdEfGhIjKl",
	})
	for k, v := range canaryVars(zipPath) {
		opts.Vars[k] = v
	}
	healZip := filepath.Join(t.TempDir(), "heal-lambda.zip")
	if err := writeRunnerZip(healZip, bin); err != nil {
		t.Fatal(err)
	}
	for k, v := range healerVars(healZip) {
		opts.Vars[k] = v
	}
	opts.PlanFilePath = filepath.Join(t.TempDir(), "canary.tfplan")
	out, err := terraform.InitAndPlanE(t, opts)
	if err != nil {
		t.Fatalf("terraform plan with the e2e's canary variables: %v\n%s", err, out)
	}
	plan := terraform.ShowWithStruct(t, opts)
	count := map[string]int{}
	healer := map[string]int{}
	for _, rc := range plan.ResourceChangesMap {
		if strings.HasPrefix(rc.Address, "module.verify_canary[0].") {
			count[rc.Type]++
		}
		if strings.HasPrefix(rc.Address, "module.msk_vpce.module.privatelink.module.healer[0].") {
			healer[rc.Type]++
		}
	}
	if healer["aws_lambda_function"] != 1 || healer["aws_cloudwatch_event_rule"] != 1 {
		t.Errorf("the consumer stage plans the healer's %v, want its function and its schedule", healer)
	}
	for typ, want := range map[string]int{
		"aws_lambda_function":         1,
		"aws_vpc_endpoint":            4, // one per broker's service, and STS
		"aws_route53_zone":            1,
		"aws_cloudwatch_event_rule":   1,
		"aws_cloudwatch_event_target": 1,
		"aws_cloudwatch_metric_alarm": 3,
		"aws_sns_topic":               1,
	} {
		if count[typ] != want {
			t.Errorf("the canary stage plans %d %s, want %d (all planned: %v)", count[typ], typ, want, count)
		}
	}
	rc, ok := plan.ResourceChangesMap["module.verify_canary[0].aws_lambda_function.runner"]
	if !ok {
		t.Fatal("the canary stage plans no module.verify_canary[0].aws_lambda_function.runner")
	}
	after, _ := rc.Change.After.(map[string]any)
	if after["filename"] != zipPath || after["runtime"] != "provided.al2023" {
		t.Errorf("canary Lambda: filename %v runtime %v, want the e2e's zip %s on provided.al2023", after["filename"], after["runtime"], zipPath)
	}
}
