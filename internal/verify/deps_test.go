package verify_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestProductionBinariesLinkNoTestCluster keeps the fake cluster and its
// authorizer out of the binaries that run against AWS: deploy and the Lambda
// import this package, so it must not import them (the --local wiring lives
// in package cli). Nor lambdafake: it is the one door through which a
// remoteverify.Function gets a stand-in VPC (another STS, CA or broker
// address), which the canary must never take in production.
func TestProductionBinariesLinkNoTestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping go list of the production binaries")
	}
	out, err := exec.Command("go", "list", "-deps", "../../cmd/deploy", "../../cmd/verify-lambda").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{"/pkg/kfake", "/internal/localmsk", "/internal/mskauthz", "/internal/mskiam", "/internal/testbin", "/internal/remoteverify/lambdafake"}
	var found []string
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasSuffix(pkg, f) || strings.Contains(pkg, f+"/") {
				found = append(found, pkg)
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("cmd/deploy or cmd/verify-lambda links test-only packages %v: move the code that imports them to a CLI or _test file", found)
	}
	if !strings.Contains(string(out), "github.com/mskvpce/mskvpce/internal/verify\n") {
		t.Errorf("go list -deps output does not list internal/verify; the test no longer checks what it claims:\n%s", out)
	}
}

// TestLambdaLinksNoControlPlane keeps the control-plane checks, and the EC2,
// ELBv2, IAM and MSK API clients they need, out of the Lambda: it runs the
// data path only (verify.Request.RunControlPlane is how the CLIs add them).
func TestLambdaLinksNoControlPlane(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping go list of the Lambda")
	}
	out, err := exec.Command("go", "list", "-deps", "../../cmd/verify-lambda").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	var found []string
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range []string{"/internal/controlplane", "/service/ec2", "/service/elasticloadbalancingv2", "/service/iam", "/service/kafka"} {
			if strings.HasSuffix(pkg, f) {
				found = append(found, pkg)
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("cmd/verify-lambda links %v: the control plane belongs to the CLIs (verify.Request.RunControlPlane), not to package verify", found)
	}
	if !strings.Contains(string(out), "github.com/mskvpce/mskvpce/internal/verify\n") {
		t.Errorf("go list -deps output does not list internal/verify; the test no longer checks what it claims:\n%s", out)
	}
}
