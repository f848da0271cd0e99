package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/sweep"
	"github.com/mskvpce/mskvpce/internal/testbin"
)

// touches are the mutating calls that name id.
func touches(f *fakeAWS, id string) []string {
	var out []string
	for _, m := range f.mutations() {
		if strings.Contains(m, id) {
			out = append(out, m)
		}
	}
	return out
}

func outcomes(t *testing.T, out string) map[string]string {
	t.Helper()
	var res struct {
		Interrupted bool            `json:"interrupted"`
		Outcomes    []sweep.Outcome `json:"outcomes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	st := map[string]string{}
	for _, oc := range res.Outcomes {
		st[oc.ID] = oc.Status
	}
	return st
}

// A CI role named e2e-… without the e2e tags, production, and a handmade
// configuration survive a full sweep untouched.
func TestForeignResourcesSurviveUntouched(t *testing.T) {
	f := leftovers()
	code, out, errOut := runSweep(t, f, "--yes", "--older-than", "1h")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, id := range []string{"e2e-platform-ci-deployer", "prod-x", "e2e-handmade", "e2e-new1", "e2e-old12"} {
		if got := touches(f, id); len(got) != 0 {
			t.Errorf("changed %s: %v", id, got)
		}
	}
	// Tags decide, not names: the old run's role goes.
	if len(touches(f, "e2e-old1-runner")) == 0 {
		t.Errorf("the tagged leftover role was not deleted: %v", f.mutations())
	}
}

// A role still in an instance profile, a group still used by an ENI and a
// group referenced by one outside the sweep are left whole: nothing is
// stripped, the sweep reports them and exits 3.
func TestHeldResourcesAreLeftWhole(t *testing.T) {
	f := leftovers()
	f.roles[0].profiles = []string{"someone-elses-profile"}
	f.enis["sg-broker"] = 1 << 20
	f.refs["sg-nlb"] = []string{"sg-foreign"}
	code, out, errOut := runSweep(t, f, "--yes", "--output", "json")
	if code != 3 {
		t.Fatalf("exit %d, want 3 (still held at the end)\n%s\n%s", code, out, errOut)
	}
	for _, id := range []string{"e2e-old1-runner", "sg-broker", "sg-nlb"} {
		if got := touches(f, id); len(got) != 0 {
			t.Errorf("%s was changed although held: %v", id, got)
		}
	}
	st := outcomes(t, out)
	for _, id := range []string{"e2e-old1-runner", "sg-broker", "sg-nlb", "vpc-old"} {
		if st[id] != sweep.StatusDeferred {
			t.Errorf("%s: %q, want deferred", id, st[id])
		}
	}
	if !strings.Contains(errOut, "someone-elses-profile") || !strings.Contains(errOut, "sg-foreign") {
		t.Errorf("the log does not say what holds them:\n%s", errOut)
	}
}

// The VPC's default group is never planned (it goes with its VPC).
func TestDefaultSecurityGroupSkipped(t *testing.T) {
	f := leftovers()
	old := f.tagged[0].tags
	f.tagged = append(f.tagged, taggedResource{"arn:aws:ec2:us-east-1:123456789012:security-group/sg-default", old})
	f.defaults["sg-default"] = true
	code, out, errOut := runSweep(t, f, "--yes")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out, "sg-default") || len(touches(f, "sg-default")) != 0 {
		t.Errorf("the default group was planned or touched: %v\n%s", touches(f, "sg-default"), out)
	}
}

// One leftover stack goes in one run: held resources are retried until they
// free up, an already-gone subnet counts as done, policies come from every page.
func TestFullLeftoverStackInOneRun(t *testing.T) {
	f := leftovers()
	f.roles[0].inline = []string{"a", "b", "c"}
	f.roles[0].attached = []string{"arn:aws:iam::aws:policy/x", "arn:aws:iam::aws:policy/y"}
	f.enis["sg-broker"] = 3
	f.fail["ec2:DeleteSecurityGroup sg-nlb"] = failure{code: "DependencyViolation", times: 2}
	f.fail["ec2:DeleteVpc vpc-old"] = failure{code: "DependencyViolation", times: 4}
	f.fail["kafka:DeleteConfiguration arn:aws:kafka:us-east-1:123456789012:configuration/e2e-old1-kafka-3-8-x/uuid-c"] = failure{code: "BadRequestException", times: 1}
	f.fail["ec2:DeleteSubnet subnet-old"] = failure{code: "InvalidSubnetID.NotFound"}
	f.vpcMembers["vpc-old"] = []string{"sg-nlb", "sg-broker"} // the subnet was already gone
	code, out, errOut := runSweep(t, f, "--yes", "--output", "json", "--budget", "5s")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, out, errOut)
	}
	st := outcomes(t, out)
	for id, s := range st {
		want := sweep.StatusDeleted
		if id == "subnet-old" {
			want = sweep.StatusGone
		}
		if s != want {
			t.Errorf("%s: %q, want %q", id, s, want)
		}
	}
	if len(st) != 14 {
		t.Errorf("%d outcomes, want 14", len(st))
	}
	for _, want := range []string{
		"iam:DeleteRolePolicy e2e-old1-runner a", "iam:DeleteRolePolicy e2e-old1-runner b", "iam:DeleteRolePolicy e2e-old1-runner c",
		"iam:DetachRolePolicy e2e-old1-runner arn:aws:iam::aws:policy/x", "iam:DetachRolePolicy e2e-old1-runner arn:aws:iam::aws:policy/y",
	} {
		if !slices.Contains(f.mutations(), want) {
			t.Errorf("missing %s (a later page of the policy listing): %v", want, touches(f, "e2e-old1-runner"))
		}
	}
}

// Without --aws-endpoint-url, AWS_ENDPOINT_URL is where the calls go.
func TestAWSEndpointURLHonoured(t *testing.T) {
	f := leftovers()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	nowFn = func() time.Time { return now }
	t.Cleanup(func() { nowFn = time.Now })
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), &stdout, &stderr, nil)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !slices.Contains(f.calls, "tagging:GetResources") || !slices.Contains(f.calls, "iam:ListRoles") {
		t.Errorf("the fake behind AWS_ENDPOINT_URL saw %v", f.calls)
	}
}

// A signal (ctx ending, as signal.NotifyContext does) stops a --yes sweep
// after the delete in flight, exit 130, with a summary of what was done.
func TestInterruptStopsBetweenDeletes(t *testing.T) {
	f := leftovers()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.onCall = func(call string) {
		if strings.HasPrefix(call, "lambda:DeleteFunction") {
			cancel()
		}
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	nowFn = func() time.Time { return now }
	t.Cleanup(func() { nowFn = time.Now })
	var stdout, stderr bytes.Buffer
	code := Run(ctx, &stdout, &stderr, []string{"--aws-endpoint-url", srv.URL, "--yes"})
	if code != 130 {
		t.Fatalf("exit %d, want 130\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if m := f.mutations(); !slices.Equal(m, []string{"lambda:DeleteFunction e2e-old1-verify"}) {
		t.Errorf("deletes after the signal: %v", m)
	}
	out := stdout.String()
	if !strings.Contains(out, "1 deleted, 0 already gone, 0 deferred (still held), 0 failed, 13 not attempted") || !strings.Contains(out, "interrupted") {
		t.Errorf("no summary:\n%s", out)
	}
}

// The same through the real binary and a real SIGINT (main's NotifyContext).
func TestSIGINTExits130(t *testing.T) {
	bin := testbin.Shared(t, "../../../cmd/e2e-cleanup")
	f := leftovers()
	procs := make(chan *os.Process, 1)
	signalled := make(chan struct{})
	f.onCall = func(call string) {
		if strings.HasPrefix(call, "lambda:DeleteFunction") {
			_ = (<-procs).Signal(syscall.SIGINT)
			close(signalled)
			time.Sleep(200 * time.Millisecond) // the signal lands while this delete is in flight
		}
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cmd := testbin.Command(t, context.Background(), bin, "--aws-endpoint-url", srv.URL, "--yes")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAFAKE", "AWS_SECRET_ACCESS_KEY=fake", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_ENDPOINT_URL=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	procs <- cmd.Process
	err := cmd.Wait()
	select {
	case <-signalled:
	default:
		t.Fatalf("the sweep never reached a delete: %v\n%s", err, stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if m := f.mutations(); len(m) != 1 {
		t.Errorf("deletes after SIGINT: %v", m)
	}
	if !strings.Contains(stdout.String(), "not attempted") || !strings.Contains(stdout.String(), "interrupted") {
		t.Errorf("no summary:\n%s", stdout.String())
	}
}

// IAM is global: a role whose stack is in another region (E2ERegion) is
// that region's sweep's, whatever its age.
func TestRoleOfAnotherRegionKept(t *testing.T) {
	f := leftovers()
	tags := map[string]string{}
	for k, v := range f.roles[0].tags {
		tags[k] = v
	}
	tags[sweep.TagRegion] = "eu-west-1"
	f.roles = append(f.roles, fakeRole{name: "e2e-old1-eu-runner", created: now.Add(-5 * time.Hour), tags: tags})
	code, out, errOut := runSweep(t, f, "--yes")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if got := touches(f, "e2e-old1-eu-runner"); len(got) != 0 {
		t.Errorf("a role of a eu-west-1 stack was changed by a us-east-1 sweep: %v", got)
	}
	if !strings.Contains(out, "1 kept") && !strings.Contains(out, "kept") {
		t.Errorf("no kept count:\n%s", out)
	}
}

// A cluster a killed destroy left DELETING is waited for, not a failure.
func TestClusterAlreadyDeletingIsWaitedFor(t *testing.T) {
	f := leftovers()
	arn := "arn:aws:kafka:us-east-1:123456789012:cluster/e2e-old1/uuid-1"
	f.fail["kafka:DeleteCluster "+arn] = failure{code: "BadRequestException"}
	code, out, errOut := runSweep(t, f, "--yes", "--output", "json", "--wait-clusters", "1m")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if st := outcomes(t, out); st[arn] != sweep.StatusDeleted {
		t.Errorf("cluster: %q, want deleted", st[arn])
	}
	if !slices.Contains(f.calls, "kafka:DescribeClusterV2 "+arn) {
		t.Errorf("did not wait for the deleting cluster: %v", f.calls)
	}
}
