//go:build e2e

package test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	test_structure "github.com/gruntwork-io/terratest/modules/test-structure"

	"github.com/mskvpce/mskvpce/internal/lambdazip"
)

// healScheduleMinutes is the broker healer's schedule in the nightly (the
// module's default).
const healScheduleMinutes = 1

// heal is the nightly's test of the broker healer
// (terraform/modules/broker-healer, on its one-minute schedule): it
// deregisters broker 1's target by hand, as an operator's mistake or a
// half-finished change would, and requires that the healer registers the
// broker's address again and the NLB finds it healthy within one schedule
// interval plus the NLB's health checks (3 × 10 s) and registration, with
// margin: 4 minutes.
func (s *awsStack) heal(t *testing.T) {
	d, _ := s.deployment(t)
	b := d.Brokers[0]
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(d.Region))
	if err != nil {
		t.Fatal(err)
	}
	c := elb.NewFromConfig(cfg)
	target := []elbtypes.TargetDescription{{Id: aws.String(b.ClientIP), Port: aws.Int32(9098)}}
	if _, err := c.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{TargetGroupArn: aws.String(b.TargetGroupARN), Targets: target}); err != nil {
		t.Fatalf("deregister broker %d's target by hand: %v", b.ID, err)
	}
	start := time.Now()
	deadline := start.Add(time.Duration(healScheduleMinutes)*time.Minute + 3*time.Minute)
	sawDraining := false
	for {
		out, err := c.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(b.TargetGroupARN), Targets: target})
		if err != nil {
			t.Fatalf("DescribeTargetHealth: %v", err)
		}
		state := ""
		if len(out.TargetHealthDescriptions) == 1 && out.TargetHealthDescriptions[0].TargetHealth != nil {
			state = string(out.TargetHealthDescriptions[0].TargetHealth.State)
		}
		sawDraining = sawDraining || state == string(elbtypes.TargetHealthStateEnumDraining) || state == string(elbtypes.TargetHealthStateEnumUnused)
		if state == string(elbtypes.TargetHealthStateEnumHealthy) && sawDraining {
			t.Logf("broker %d's target %s:9098 healthy again %s after it was deregistered by hand", b.ID, b.ClientIP, time.Since(start).Round(time.Second))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("broker %d's target %s:9098 is %q %s after it was deregistered: the broker healer did not restore it within its %d-minute schedule plus the health checks (read its log group /aws/lambda/%s-broker-healer)",
				b.ID, b.ClientIP, state, time.Since(start).Round(time.Second), healScheduleMinutes, prefixOf(t, s))
		}
		time.Sleep(5 * time.Second)
	}
}

func prefixOf(t *testing.T, s *awsStack) string {
	return test_structure.LoadString(t, s.dir, "prefix")
}

// buildHealZip cross-compiles cmd/heal-lambda as `make heal-lambda-zip`
// does, into the stage data (destroy reads the zip's hash too), and checks it
// as Lambda will run it.
func buildHealZip(t *testing.T, stageDir string) string {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", bin, "../cmd/heal-lambda")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the healer: %v\n%s", err, out)
	}
	zipPath, err := filepath.Abs(test_structure.FormatTestDataPath(stageDir, "heal-lambda.zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(zipPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeRunnerZip(zipPath, bin); err != nil {
		t.Fatal(err)
	}
	if err := lambdazip.Check(zipPath); err != nil {
		t.Fatal(fmt.Errorf("the healer's zip: %w", err))
	}
	return zipPath
}
