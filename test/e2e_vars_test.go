package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gruntwork-io/terratest/modules/terraform"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"
)

// e2eRun is what one AWS e2e run is keyed by. moduleOptions turns it into
// the exact Terraform options TestE2EAWS applies, so the offline plan below
// and the nightly share one code path.
type e2eRun struct {
	Region, Prefix, Account, CreatedAt, ExternalID string
}

// e2eCIDR is the MSK VPC of every e2e run; the consumer fixture's default
// (10.99.0.0/16) stays clear of it.
const e2eCIDR = "10.42.0.0/16"

// moduleOptions copies terraform/examples/complete to a temp folder and
// returns the options the e2e deploys it with.
func moduleOptions(t *testing.T, r e2eRun) *terraform.Options {
	dir := test_structure.CopyTerraformFolderToTemp(t, "../terraform", "examples/complete")
	return terraform.WithDefaultRetryableErrors(t, &terraform.Options{
		TerraformDir: dir,
		Vars: map[string]any{
			"region":                 r.Region,
			"cidr_block":             e2eCIDR,
			"prefix":                 r.Prefix,
			"user_name":              "mskvpce-e2e",
			"service_name":           "mskvpce e2e " + r.Prefix,
			"allowed_principals":     []string{"arn:aws:iam::" + r.Account + ":root"},
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

// consumerRun is what the e2e hands the consumer fixture once the module is up.
type consumerRun struct {
	Region, Prefix, RoleARN, ZipPath, CreatedAt string
	Brokers                                     []map[string]any
}

// consumerOptions copies test/fixtures/consumer to a temp folder and
// returns the options the e2e deploys it with.
func consumerOptions(t *testing.T, r consumerRun) *terraform.Options {
	dir := test_structure.CopyTerraformFolderToTemp(t, "fixtures", "consumer")
	return terraform.WithDefaultRetryableErrors(t, &terraform.Options{
		TerraformDir: dir,
		Vars: map[string]any{
			"region":          r.Region,
			"prefix":          r.Prefix,
			"brokers":         r.Brokers,
			"msk_role_arn":    r.RoleARN,
			"lambda_zip_path": r.ZipPath,
			"created_at":      r.CreatedAt,
		},
		NoColor: true,
	})
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
		Account:    "123456789012",
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
		"module.msk_vpce.aws_iam_role.databricks",
	} {
		if _, ok := plan.ResourceChangesMap[addr]; !ok {
			t.Errorf("the e2e plan does not create %s", addr)
		}
	}
	if !strings.Contains(out, "Plan:") {
		t.Errorf("no plan summary in the output:\n%s", out)
	}
}

// TestE2EConsumerVarsPlan plans the consumer fixture offline with the
// variables the e2e passes it, brokers shaped like the module's output, and
// endpoint services in the module's zones: a missing input, or a consumer
// with no subnet in a service's zone, fails here and not on AWS.
func TestE2EConsumerVarsPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("plans the consumer fixture; run without -short")
	}
	t.Setenv("TF_CLI_CONFIG_FILE", schemaProviderConfig(t))
	// The shared data-source fixture, plus what the consumer reads: each
	// broker's endpoint service, offered in the module's first zone.
	base, err := os.ReadFile(filepath.Join("..", "tools", "fixtures", "data-sources.json"))
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(base, &data); err != nil {
		t.Fatal(err)
	}
	data["aws_vpc_endpoint_service"] = map[string]any{
		"service_name":       "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
		"service_id":         "vpce-svc-0123456789abcdef0",
		"availability_zones": []string{"us-east-1a"},
	}
	fx := filepath.Join(t.TempDir(), "data-sources.json")
	b, _ := json.Marshal(data)
	if err := os.WriteFile(fx, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MSKVPCE_SCHEMA_PROVIDER_DATA", fx)

	bin := filepath.Join(t.TempDir(), "bootstrap")
	if err := os.WriteFile(bin, []byte("offline plan"), 0o755); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "runner.zip")
	if err := writeRunnerZip(zipPath, bin); err != nil {
		t.Fatal(err)
	}
	var brokers []map[string]any
	for i := 1; i <= 3; i++ {
		brokers = append(brokers, map[string]any{
			"broker_id":             i,
			"hostname":              fmt.Sprintf("b-%d.e2e-ab12cd-msk.abc123.c2.kafka.us-east-1.amazonaws.com", i),
			"endpoint_service_id":   fmt.Sprintf("vpce-svc-%017d", i),
			"endpoint_service_name": fmt.Sprintf("com.amazonaws.vpce.us-east-1.vpce-svc-%017d", i),
		})
	}
	opts := consumerOptions(t, consumerRun{
		Region:    "us-east-1",
		Prefix:    "e2e-ab12cd",
		Brokers:   brokers,
		RoleARN:   "arn:aws:iam::123456789012:role/e2e-ab12cd-databricks-msk",
		ZipPath:   zipPath,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(time.RFC3339),
	})
	opts.PlanFilePath = filepath.Join(t.TempDir(), "consumer.tfplan")
	out, err := terraform.InitAndPlanE(t, opts)
	if err != nil {
		t.Fatalf("terraform plan of the consumer with the e2e's variables: %v\n%s", err, out)
	}
	plan := terraform.ShowWithStruct(t, opts)
	subnets := 0
	for addr, rc := range plan.ResourceChangesMap {
		if rc.Type != "aws_subnet" {
			continue
		}
		subnets++
		after, _ := rc.Change.After.(map[string]any)
		if id, _ := after["availability_zone_id"].(string); id == "" || id == "use1-az3" {
			t.Errorf("%s: availability_zone_id %v, want one of the module's zone IDs", addr, after["availability_zone_id"])
		}
	}
	if subnets != 3 {
		t.Errorf("%d consumer subnets planned, want 3", subnets)
	}
}
