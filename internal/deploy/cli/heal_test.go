package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/heal"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// healHarness applies the fixture and serves its AWS state, healthy, with
// the fake's NLB health checks 300 times faster than AWS's, changed by edit.
func healHarness(t *testing.T, edit func(*awsfake.State)) (*harness, tfoutputs.Deployment) {
	t.Helper()
	h := newHarness(t)
	h.must(append([]string{"apply", "--yes"}, fixtureInputs...)...)
	d, err := tfoutputs.Parse(strings.NewReader(h.must("output", "--output", "json").stdout))
	if err != nil {
		t.Fatal(err)
	}
	h.aws.Update(func(s *awsfake.State) {
		*s = *awsfake.Healthy(d)
		hc := awsfake.DefaultHealthCheck.Scaled(300)
		s.HealthCheck = &hc
		s.MarkLive(time.Now().Add(-time.Hour))
		if edit != nil {
			edit(s)
		}
	})
	return h, d
}

func (h *harness) elbWrites() int {
	n := 0
	for _, c := range h.aws.Calls() {
		if c == "elasticloadbalancing:RegisterTargets" || c == "elasticloadbalancing:DeregisterTargets" {
			n++
		}
	}
	return n
}

// TestHealDryRunThenYes: broker 2 moved. `deploy heal` prints what it would
// change and changes nothing (exit 0); `--yes` heals it (exit 0); a second
// run finds nothing to do, in JSON.
func TestHealDryRunThenYes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Terraform")
	}
	t.Parallel()
	h, d := healHarness(t, func(s *awsfake.State) { s.Nodes[1].ClientIP = "172.18.2.150" })

	r := h.must("heal")
	if !regexp.MustCompile(`(?m)^2\s+test-dep-b2\s+172\.18\.2\.150:9098\s+would-heal\s+register 172\.18\.2\.150:9098; deregister 172\.18\.2\.10:9098$`).MatchString(r.stdout) {
		t.Errorf("dry run lacks broker 2's row:\n%s", r.stdout)
	}
	for _, w := range []string{
		"Broker paths of " + d.ClusterARN + " (dry run: nothing is changed)",
		"WOULD HEAL 1 broker(s): nothing changed (dry run)",
		"Apply it: deploy heal --name test-dep --yes",
	} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("dry run lacks %q:\n%s", w, r.stdout)
		}
	}
	if n := h.elbWrites(); n != 0 {
		t.Fatalf("the dry run wrote %d times", n)
	}

	r = h.must("heal", "--yes", "--timeout", "5s")
	if !regexp.MustCompile(`(?m)^2\s+test-dep-b2\s+172\.18\.2\.150:9098\s+healed\s+register 172\.18\.2\.150:9098; deregister 172\.18\.2\.10:9098$`).MatchString(r.stdout) {
		t.Errorf("heal --yes lacks broker 2's row:\n%s", r.stdout)
	}
	for _, w := range []string{"(changes allowed)", "HEALED 1 broker(s)"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("heal --yes lacks %q:\n%s", w, r.stdout)
		}
	}
	var got []string
	for _, e := range h.aws.TargetEvents() {
		if e.TargetGroupARN == d.Brokers[1].TargetGroupARN && e.Kind != awsfake.EventUnhealthy {
			got = append(got, e.ID+" "+e.Kind)
		}
	}
	if strings.Join(got, ", ") != "172.18.2.150 registered, 172.18.2.150 healthy, 172.18.2.10 draining" {
		t.Errorf("broker 2's group: %v", got)
	}

	r = h.must("heal", "--output", "json")
	var rep heal.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.SchemaVersion != heal.SchemaVersion || rep.Outcome != heal.OutcomeInSync || len(rep.Brokers) != 3 || rep.Apply {
		t.Errorf("second run: %+v", rep)
	}
}

// TestHealExitCodes: refused → 2 with the reason; a new address that never
// becomes healthy → 1 with both targets kept; a read refused → 1; in JSON the
// report is the only document on stdout.
func TestHealExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Terraform")
	}
	t.Parallel()
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		h, _ := healHarness(t, func(s *awsfake.State) {
			s.Nodes[1].ClientIP = "172.18.2.150"
			s.TargetGroups[1].Tags["BrokerId"] = "3"
		})
		r := h.run("heal", "--yes", "--output", "json")
		if r.code != ExitUsage {
			t.Fatalf("exit %d, want 2\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		var rep heal.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("stdout is not one report: %v\n%s", err, r.stdout)
		}
		if rep.Outcome != heal.OutcomeRefused || len(rep.Refusals) != 1 || rep.Refusals[0].Reason != heal.RefuseTagMismatch || h.elbWrites() != 0 {
			t.Errorf("report %+v, writes %d", rep, h.elbWrites())
		}
		if !strings.Contains(r.stderr, "deploy heal: refused: REFUSED (1 reason(s)): nothing changed") {
			t.Errorf("stderr: %s", r.stderr)
		}
		r = h.run("heal")
		if r.code != ExitUsage || !strings.Contains(r.stdout, "tag-mismatch: target group test-dep-b2 is tagged BrokerId=3 but is broker 2's path") {
			t.Errorf("text: exit %d\n%s", r.code, r.stdout)
		}
	})
	t.Run("never healthy", func(t *testing.T) {
		t.Parallel()
		h, _ := healHarness(t, func(s *awsfake.State) {
			s.Nodes[1].ClientIP = "172.18.2.150"
			hc := *s.HealthCheck
			hc.Listening = func(ip string, _ int32) bool { return ip != "172.18.2.150" }
			s.HealthCheck = &hc
		})
		r := h.run("heal", "--yes", "--timeout", "400ms")
		if r.code != ExitFailed {
			t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if !regexp.MustCompile(`not-healthy\s+register 172\.18\.2\.150:9098; kept 172\.18\.2\.10:9098`).MatchString(r.stdout) {
			t.Errorf("stdout lacks broker 2's row:\n%s", r.stdout)
		}
		for _, w := range []string{"did not become healthy within 400ms", "FAILED: 1 broker(s) not healed"} {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
			}
		}
	})
	t.Run("read refused", func(t *testing.T) {
		t.Parallel()
		h, _ := healHarness(t, func(s *awsfake.State) {
			s.Errors = map[string]awsfake.APIError{"DescribeTags": awsfake.AccessDenied("AccessDenied", s.Account, "elasticloadbalancing:DescribeTags")}
		})
		r := h.run("heal", "--output", "json")
		if r.code != ExitFailed || !strings.Contains(r.stdout, `"error": "DescribeTags on 3 target groups: operation error Elastic Load Balancing v2: DescribeTags`) {
			t.Errorf("exit %d\n%s", r.code, r.stdout)
		}
		if strings.Count(r.stdout, "schema_version") != 1 {
			t.Errorf("more than one JSON document:\n%s", r.stdout)
		}
	})
	t.Run("bad timeout", func(t *testing.T) {
		t.Parallel()
		h, _ := healHarness(t, nil)
		if r := h.run("heal", "--timeout", "0s"); r.code != ExitUsage || !strings.Contains(r.stderr, "--timeout 0s: the wait for a healthy target must be positive") {
			t.Errorf("exit %d: %s", r.code, r.stderr)
		}
	})
}
