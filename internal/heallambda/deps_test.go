package heallambda_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHealLambdaLinksOnlyWhatItCalls keeps the healer's binary to the
// reconciler and its two API clients (MSK, ELBv2): no test fake (awsfake
// lives under internal/controlplane), no verifier, no EC2 or IAM client.
func TestHealLambdaLinksOnlyWhatItCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping go list of the Lambda")
	}
	out, err := exec.Command("go", "list", "-deps", "../../cmd/heal-lambda").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{"/internal/controlplane", "/internal/localmsk", "/pkg/kfake", "/internal/testbin", "/internal/verify", "/service/ec2", "/service/iam"}
	var found []string
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if strings.HasSuffix(pkg, f) || strings.Contains(pkg, f+"/") {
				found = append(found, pkg)
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("cmd/heal-lambda links %v: keep test fakes and other tools' clients out of internal/heal and internal/heallambda", found)
	}
	for _, want := range []string{"github.com/mskvpce/mskvpce/internal/heal\n", "/service/elasticloadbalancingv2\n", "/service/kafka\n"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("go list -deps output lacks %q; the test no longer checks what it claims", strings.TrimSpace(want))
		}
	}
}
