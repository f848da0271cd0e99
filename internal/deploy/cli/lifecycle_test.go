package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/databricksfake"
	"github.com/mskvpce/mskvpce/internal/deploy"
)

// The fixture tree's NCC, rules and endpoints (testdata/tree/modules/fake).
const (
	fixtureNCC       = "9f0e8d7c-6b5a-4938-8271-605f4e3d2c1b"
	fixtureAccountID = "0d26daa6-5e44-4c97-a497-ef015f91254a"
	databricksOwner  = "565502421330"
	strangerOwner    = "999988887777"
)

func fixtureService(i int) string { return fmt.Sprintf("vpce-svc-0000000000000000%d", i) }
func fixtureEndpoint(i int) string {
	return fmt.Sprintf("vpce-0dbx000000000000%d", i)
}

// fixtureAWS is the fixture's three endpoint services, acceptance required,
// with connection requests that are not this deployment's: another
// account's, and another Databricks customer's (the same principal).
func fixtureAWS(t *testing.T) *awsfake.Server {
	t.Helper()
	st := &awsfake.State{Region: "us-east-1", Account: "123456789012", AcceptLatency: 60 * time.Millisecond}
	for i := 1; i <= 3; i++ {
		st.EndpointServices = append(st.EndpointServices, awsfake.EndpointService{
			ID: fixtureService(i), Name: "com.amazonaws.vpce.us-east-1." + fixtureService(i), State: "Available", AcceptanceRequired: true,
			AllowedPrincipals: []string{"arn:aws:iam::565502421330:role/private-connectivity-role-us-east-1"},
		})
	}
	st.EndpointServices[0].Connections = []awsfake.Connection{
		{EndpointID: "vpce-0e5e0000000000001", Owner: strangerOwner, State: "pendingAcceptance", Created: time.Now()},
		{EndpointID: "vpce-0db00ther0000001", Owner: databricksOwner, State: "pendingAcceptance", Created: time.Now()},
	}
	srv := awsfake.Start(st)
	t.Cleanup(srv.Close)
	return srv
}

// fixtureRules are the fixture's rules, CREATING for latency[i] each.
func fixtureRules(latency ...time.Duration) []databricksfake.Rule {
	var rules []databricksfake.Rule
	for i := 1; i <= 3; i++ {
		rules = append(rules, databricksfake.Rule{
			ID: fmt.Sprintf("rule-%d", i), NCC: fixtureNCC, EndpointService: "com.amazonaws.vpce.us-east-1." + fixtureService(i),
			DomainNames:   []string{fmt.Sprintf("b-%d.test-dep-msk.abc123.c2.kafka.us-east-1.amazonaws.com", i)},
			CreateLatency: latency[i-1], EndpointID: fixtureEndpoint(i),
		})
	}
	return rules
}

// lifecycleHarness wires the account API fake to the AWS fake: a rule's
// endpoint asks its endpoint service for a connection, and the rule's state
// follows that connection.
func lifecycleHarness(t *testing.T, rules ...databricksfake.Rule) *harness {
	t.Helper()
	h := newHarness(t)
	h.aws = fixtureAWS(t)
	h.dbx = databricksfake.Start(fixtureAccountID, rules...)
	t.Cleanup(h.dbx.Close)
	h.dbx.Endpoint = func(svc, ep string) {
		if err := h.aws.AddConnection(svc, ep, databricksOwner); err != nil {
			t.Error(err)
		}
	}
	h.dbx.Connection = h.aws.ConnectionState
	h.dbx.FromFirstRead = true
	return h
}

func applyArgs(extra ...string) []string {
	return append(append(append([]string{"apply", "--yes"}, fixtureInputs...), databricksInputs...), extra...)
}

// deploy apply with the Databricks side: rules CREATING without an
// endpoint for a while, then PENDING with one; deploy accepts exactly those
// endpoints (never the other pending connections) and waits for ESTABLISHED.
func TestDatabricksLifecycleApply(t *testing.T) {
	t.Parallel()
	h := lifecycleHarness(t, fixtureRules(150*time.Millisecond, 300*time.Millisecond, 450*time.Millisecond)...)
	r := h.must(applyArgs()...)

	for _, want := range []string{
		"waiting for the private endpoint rules",
		"broker 3 CREATING",
		"PENDING (vpce-0dbx0000000000001)",
		"accepted endpoint vpce-0dbx0000000000001 of private endpoint rule rule-1 on endpoint service vpce-svc-00000000000000001 (broker 1)",
		"accepted endpoint vpce-0dbx0000000000003 of private endpoint rule rule-3 on endpoint service vpce-svc-00000000000000003 (broker 3)",
		"left 2 other pending connection(s) to the endpoint services alone",
		"vpce-0e5e0000000000001 (account 999988887777)",
		"every private endpoint rule is ESTABLISHED",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("apply progress lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, want := range []string{
		"The private endpoint rules are new",
		"Recording the accepted connections in Terraform state (second apply)",
		"broker 2  b-2.test-dep-msk.abc123.c2.kafka.us-east-1.amazonaws.com",
		"endpoint vpce-0dbx0000000000002  ESTABLISHED",
		`"databricks.serviceCredential": "test-dep-msk"`,
		"Check every broker path end to end: deploy verify --name test-dep",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Not every private endpoint connection") || strings.Contains(r.stdout, "Add them in the account console") {
		t.Errorf("apply after acceptance still prints manual steps:\n%s", r.stdout)
	}
	// Acceptance as AWS saw it: exactly the rules' endpoints.
	for _, es := range h.aws.Snapshot().EndpointServices {
		for _, c := range es.Connections {
			mine := strings.HasPrefix(c.EndpointID, "vpce-0dbx")
			if mine && c.State != "available" || !mine && c.State != "pendingAcceptance" {
				t.Errorf("%s: connection %s of account %s is %s", es.ID, c.EndpointID, c.Owner, c.State)
			}
		}
	}

	s := statusJSON(t, h)
	if s.Phase != phaseReady || s.RulesSource != "account API" || len(s.Steps) != 0 {
		t.Errorf("status after the lifecycle: %+v", s)
	}
	// The credential's external ID (the fixture's) is a secret: no output
	// mode prints it unless --show-secrets asks.
	const extID = "ext-test-dep-msk"
	printed := r.stdout + r.stderr
	for _, args := range [][]string{{"output", "--output", "json"}, {"status", "--output", "json"}, {"output"}, {"status"}} {
		r := h.must(args...)
		printed += r.stdout + r.stderr
		if strings.Contains(args[len(args)-1], "json") && !strings.Contains(r.stdout, `"external_id":"`+deploy.Redacted+`"`) {
			t.Errorf("%q: no redacted external_id:\n%s", args, r.stdout)
		}
	}
	if strings.Contains(printed, extID) {
		t.Errorf("the external ID was printed without --show-secrets:\n%s", printed)
	}
	for _, args := range [][]string{{"output", "--output", "json"}, {"status", "--output", "json"}, {"output"}} {
		if r := h.must(append(args, "--show-secrets")...); !strings.Contains(r.stdout, extID) {
			t.Errorf("%q --show-secrets does not show the external ID:\n%s", args, r.stdout)
		}
	}
	rec, err := os.ReadFile(deploy.Workdir{Dir: h.workdir()}.InputsFile())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"enable_databricks": true`, `"databricks_workspace_id": 1234567890123456`, `"databricks_bind_new_ncc_to_workspace": true`} {
		if !strings.Contains(string(rec), want) {
			t.Errorf("recorded inputs lack %s:\n%s", want, rec)
		}
	}
	if strings.Contains(string(rec), "databricks_accept_connections") {
		t.Errorf("the first apply's databricks_accept_connections=false was recorded (Terraform by hand would drop the accepters):\n%s", rec)
	}

	// A later apply (nothing new) waits again and accepts nothing else.
	r = h.must("apply", "--yes")
	if strings.Contains(r.stderr, "accepted endpoint") || strings.Contains(r.stdout, "The private endpoint rules are new") {
		t.Errorf("re-apply accepted again or ran the first-apply steps:\n%s\n%s", r.stdout, r.stderr)
	}
}

// A rule that ends CREATE_FAILED stops apply with its error message and
// what to do; its broker's service accepts nothing.
func TestDatabricksLifecycleCreateFailed(t *testing.T) {
	t.Parallel()
	rules := fixtureRules(50*time.Millisecond, 100*time.Millisecond, 50*time.Millisecond)
	rules[1].Fail = "Endpoint service com.amazonaws.vpce.us-east-1.vpce-svc-00000000000000002 does not allow principal private-connectivity-role-us-east-1"
	h := lifecycleHarness(t, rules...)
	r := h.run(applyArgs()...)
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitFailed, r.stderr)
	}
	for _, want := range []string{
		"broker 2: Databricks could not create the endpoint of private endpoint rule rule-2 (CREATE_FAILED: Endpoint service com.amazonaws.vpce.us-east-1.vpce-svc-00000000000000002 does not allow principal",
		"delete the rule (account console",
		"run `deploy apply --name test-dep`",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if got := h.aws.ConnectionState(fixtureService(2), fixtureEndpoint(2)); got != "" {
		t.Errorf("broker 2's service has a connection %q from a failed rule", got)
	}
	s := statusJSON(t, h)
	if s.Phase != phaseRulesPending || len(s.Steps) == 0 || !strings.Contains(strings.Join(s.Steps, "\n"), "CREATE_FAILED") {
		t.Errorf("status after CREATE_FAILED: %+v", s)
	}
}

// A rule that never gets its endpoint times out with progress and the next step.
func TestDatabricksLifecycleTimeout(t *testing.T) {
	t.Parallel()
	h := lifecycleHarness(t, fixtureRules(time.Hour, 0, 0)...)
	h.ruleTimeout = 2 * time.Second
	r := h.runCtx(context.Background(), nil, applyArgs()...)
	if r.code != ExitFailed || !strings.Contains(r.stderr, "private endpoint rules not ESTABLISHED after 2s: broker 1 CREATING") ||
		!strings.Contains(r.stderr, "run `deploy apply --name test-dep` again later") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if got := h.aws.ConnectionState(fixtureService(2), fixtureEndpoint(2)); got != "available" {
		t.Errorf("broker 2's endpoint: %q, want accepted while broker 1 waits", got)
	}
}

// deploy status reads each rule's live state and says what to do for each.
func TestStatusEveryRuleState(t *testing.T) {
	t.Parallel()
	h := lifecycleHarness(t, fixtureRules(0, 0, 0)...)
	h.must(applyArgs()...)
	cases := []struct {
		state string
		rule  func(*databricksfake.Rule)
		step  string // in the broker-1 step; "" = no step
	}{
		{"CREATING", func(r *databricksfake.Rule) { r.CreateLatency = time.Hour }, "Databricks is still creating the endpoint of rule rule-1"},
		{"PENDING", func(r *databricksfake.Rule) { r.Pinned = "PENDING" }, "waits for acceptance on endpoint service vpce-svc-00000000000000001"},
		{"ESTABLISHED", func(r *databricksfake.Rule) {}, ""},
		{"REJECTED", func(r *databricksfake.Rule) { r.Pinned = "REJECTED" }, "was rejected on endpoint service vpce-svc-00000000000000001"},
		{"DISCONNECTED", func(r *databricksfake.Rule) { r.Pinned = "DISCONNECTED" }, "is disconnected from endpoint service"},
		{"EXPIRED", func(r *databricksfake.Rule) { r.Pinned = "EXPIRED" }, "not accepted within 14 days"},
		{"CREATE_FAILED", func(r *databricksfake.Rule) { r.Fail = "quota exceeded" }, "CREATE_FAILED: quota exceeded"},
	}
	for _, tc := range cases {
		rules := fixtureRules(0, 0, 0)
		tc.rule(&rules[0])
		h.dbx.Replace(rules...)
		s := statusJSON(t, h)
		text := h.must("status")
		if s.RulesSource != "account API" || s.Databricks == nil || s.Databricks.Rules[0].ConnectionState != tc.state {
			t.Errorf("%s: status json %+v", tc.state, s)
			continue
		}
		if !strings.Contains(text.stdout, "rule rule-1  endpoint") || !strings.Contains(text.stdout, tc.state) {
			t.Errorf("%s: status text lacks the state:\n%s", tc.state, text.stdout)
		}
		if tc.step == "" {
			if len(s.Steps) != 0 || s.Phase != phaseReady {
				t.Errorf("%s: phase %s, steps %q", tc.state, s.Phase, s.Steps)
			}
			continue
		}
		if s.Phase != phaseRulesPending || len(s.Steps) != 1 || !strings.Contains(s.Steps[0], tc.step) {
			t.Errorf("%s: phase %s, steps %q, want one with %q", tc.state, s.Phase, s.Steps, tc.step)
			continue
		}
		if !strings.Contains(text.stdout, "  - "+s.Steps[0]+"\n") {
			t.Errorf("%s: the text does not show the JSON's step:\n%s", tc.state, text.stdout)
		}
	}
	// A PENDING rule shows the days left of the 14 after which Databricks
	// expires it, counted from the rule's creation.
	rules := fixtureRules(0, 0, 0)
	rules[0].Pinned = "PENDING"
	h.dbx.Replace(rules...)
	statusJSON(t, h) // the harness starts a rule's clock at its first read
	h.dbx.Advance(3*24*time.Hour + time.Hour)
	s := statusJSON(t, h)
	if r := s.Databricks.Rules; r[0].PendingDaysLeft == nil || *r[0].PendingDaysLeft != 10 || r[1].PendingDaysLeft != nil || len(s.Steps) != 1 ||
		!strings.Contains(s.Steps[0], "10 days left: Databricks expires it at "+r[0].PendingExpires) {
		t.Errorf("PENDING for 3 days 1 hour: rules %+v, steps %q", r, s.Steps)
	}
	if text := h.must("status"); !strings.Contains(text.stdout, "PENDING (10 days left of 14 before Databricks expires it, ") {
		t.Errorf("status text lacks the days left:\n%s", text.stdout)
	}

	// The account API unreachable: the states of the last apply, and why.
	h.dbx.Close()
	s = statusJSON(t, h)
	if s.RulesSource != "terraform state" || s.RulesError == "" {
		t.Errorf("status without the account API: %+v", s)
	}
	if text := h.must("status"); !strings.Contains(text.stdout, "as of the last apply (terraform state): the account API could not be read") {
		t.Errorf("status text without the account API:\n%s", text.stdout)
	}
}

// destroy rejects every remaining connection of the endpoint services
// first: AWS (and the fake) refuse to delete a service that has them.
func TestDestroyRejectsConnectionsFirst(t *testing.T) {
	t.Parallel()
	h := lifecycleHarness(t, fixtureRules(0, 0, 0)...)
	h.must(applyArgs()...)
	ctx := context.Background()
	ec := ec2.NewFromConfig(h.aws.Config())
	del := func() int {
		t.Helper()
		out, err := ec.DeleteVpcEndpointServiceConfigurations(ctx, &ec2.DeleteVpcEndpointServiceConfigurationsInput{ServiceIds: []string{fixtureService(1), fixtureService(2), fixtureService(3)}})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Unsuccessful)
	}
	// What Terraform's delete would meet without the rejection: refused.
	before := h.aws.Snapshot()
	if n := del(); n != 3 {
		t.Fatalf("delete with established connections: %d unsuccessful, want 3 (the fake must refuse)", n)
	}

	r := h.must("destroy", "--yes")
	if !strings.Contains(r.stdout, "Rejected 5 endpoint connection(s) first") || !strings.Contains(r.stdout, "vpce-0dbx0000000000002 (vpce-svc-00000000000000002)") {
		t.Errorf("destroy output:\n%s", r.stdout)
	}
	for _, es := range h.aws.Snapshot().EndpointServices {
		for _, c := range es.Connections {
			if c.State != "rejected" {
				t.Errorf("after destroy %s: %s is %s", es.ID, c.EndpointID, c.State)
			}
		}
	}
	if n := del(); n != 0 {
		t.Errorf("delete after the destroy's rejection: %d unsuccessful", n)
	}
	if len(before.EndpointServices) != 3 {
		t.Fatalf("fixture services: %d", len(before.EndpointServices))
	}
	_ = aws.String
}
