package cli

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
	"github.com/mskvpce/mskvpce/internal/testbin"
)

// The built deploy (the embedded Terraform tree, the SDK's own AWS
// configuration pointed at the fake with AWS_ENDPOINT_URL) refuses a
// cluster it cannot front with exit 2 before anything is written: the
// sandbox (working directory, HOME, TMPDIR, the state directory) is byte
// for byte what it was, and the fake saw reads only.
func TestBuiltDeployRefusesBeforeWriting(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t, "../../../cmd/deploy")
	for _, tc := range []struct {
		name string
		edit func(*awsfake.State)
		want string
	}{
		{"IAM off", func(s *awsfake.State) { s.Cluster.IAMAuth = false; s.Cluster.BootstrapBrokersSASLIAM = "" }, "IAM authentication is not enabled"},
		{"Serverless", func(s *awsfake.State) { s.Cluster.Serverless = true; s.Nodes = nil }, "is an MSK Serverless cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := awsfake.Sample()
			st := awsfake.Healthy(d)
			tc.edit(st)
			aws := awsfake.Start(st)
			t.Cleanup(aws.Close)
			box := testbin.NewSandbox(t)
			state := filepath.Join(box.Home, "state")
			before := box.Snapshot(t)
			r := box.Run(t, time.Minute, nil, []string{
				"AWS_ENDPOINT_URL=" + aws.URL, "AWS_ACCESS_KEY_ID=AKIAFAKE", "AWS_SECRET_ACCESS_KEY=fake",
				"XDG_STATE_HOME=" + state, "MSKVPCE_SKIP_IDENTITY_CHECK=1",
			}, bin, append([]string{"plan"}, existingInputs(d.ClusterARN)...)...)
			if r.Code != ExitUsage || !strings.Contains(r.Stderr, tc.want) || !strings.Contains(r.Stderr, "Nothing was planned or changed") {
				t.Errorf("exit %d, want 2 and %q\nstdout: %s\nstderr: %s", r.Code, tc.want, r.Stdout, r.Stderr)
			}
			if after := box.Snapshot(t); after != before {
				t.Errorf("a refused plan wrote:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			calls := aws.Calls()
			if len(calls) == 0 {
				t.Error("no AWS call: the cluster was not read")
			}
			for _, c := range calls {
				if !strings.Contains(c, ":Describe") && !strings.Contains(c, ":List") && !strings.Contains(c, ":Get") {
					t.Errorf("a refused plan called %s", c)
				}
			}
		})
	}
}

// Without AWS credentials the built deploy says what to configure, once: the
// SDK's own log lines (e.g. "WARN falling back to IMDSv1" when the instance
// metadata service refuses, as off EC2) go to -v's debug log, not stderr.
func TestBuiltDeployWithoutCredentialsNamesTheFix(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t, "../../../cmd/deploy")
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not on EC2", http.StatusForbidden)
	}))
	t.Cleanup(imds.Close)
	box := testbin.NewSandbox(t)
	r := box.Run(t, time.Minute, nil, []string{
		"AWS_EC2_METADATA_DISABLED=false", "AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL,
		"XDG_STATE_HOME=" + filepath.Join(box.Home, "state"),
	}, bin, append([]string{"plan"}, existingInputs(awsfake.Sample().ClusterARN)...)...)
	if r.Code == 0 || !strings.Contains(r.Stderr, "configure AWS credentials") {
		t.Errorf("exit %d, want a failure naming the fix (configure AWS credentials)\nstderr: %s", r.Code, r.Stderr)
	}
	if strings.Contains(r.Stderr, "WARN") || strings.Contains(r.Stderr, "SDK ") {
		t.Errorf("the SDK's own log line reached stderr:\n%s", r.Stderr)
	}
}
