package cli

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/testbin"
)

// refusalBound is how long a refusal may take: before any AWS call.
const refusalBound = 10 * time.Second

// deadlineMargin is what a run may take beyond --request-timeout, or
// beyond a signal: a -race binary on a loaded 2-core machine.
const deadlineMargin = 5 * time.Second

var fakeCreds = []string{"AWS_ACCESS_KEY_ID=AKIAFAKE", "AWS_SECRET_ACCESS_KEY=fake"}

// TestBadInputsRefused runs the built e2e-cleanup with each bad input of
// issue 31: exit 2 with a message naming the input, nothing on stdout, no
// AWS call (the endpoint counts them), nothing written, within
// refusalBound.
func TestBadInputsRefused(t *testing.T) {
	t.Parallel()
	bin := testbin.Shared(t, "../../../cmd/e2e-cleanup")
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no call expected", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	region := []string{"AWS_REGION=us-east-1"}
	// An instance metadata service that refuses everything, as off EC2
	// behind a proxy: the SDK then logs "WARN falling back to IMDSv1".
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not on EC2", http.StatusForbidden)
	}))
	t.Cleanup(imds.Close)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string // stderr starts with it
		not  string
	}{
		{"no credentials", region, nil, "e2e-cleanup: no AWS credentials (", ""},
		// Issue 30: one message that names the fix, not the SDK's raw line.
		{"no credentials, IMDS refusing", append([]string{"AWS_EC2_METADATA_DISABLED=false", "AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL}, region...), nil, "e2e-cleanup: no AWS credentials (", "WARN"},
		{"region with a newline", fakeCreds, []string{"--region", "us-east-1\n"}, `e2e-cleanup: --region: "us-east-1\n" is not an AWS region name`, "us-east-1\n"},
		{"AWS_REGION with a newline", append([]string{"AWS_REGION=us-east-1\n"}, fakeCreds...), nil, `e2e-cleanup: the configured region (AWS_REGION, or the profile's region): "us-east-1\n" is not`, ""},
		{"region mars", fakeCreds, []string{"--region", "mars"}, `e2e-cleanup: --region: "mars" is not an AWS region name`, ""},
		{"no region", fakeCreds, nil, "e2e-cleanup: no AWS region: pass --region or set AWS_REGION", ""},
		{"endpoint URL not a URL", append(region, fakeCreds...), []string{"--aws-endpoint-url", "not a url"}, `e2e-cleanup: --aws-endpoint-url: "not a url" is not an http(s) URL with a host`, ""},
		{"AWS_ENDPOINT_URL not a URL", append([]string{"AWS_ENDPOINT_URL=not a url"}, append(region, fakeCreds...)...), nil, `e2e-cleanup: AWS_ENDPOINT_URL (or the profile's endpoint_url): "not a url" is not`, ""},
		{"poll 1ns", append(region, fakeCreds...), []string{"--poll", "1ns"}, "e2e-cleanup: --poll 1ns: use at least 1s", ""},
		{"poll negative", append(region, fakeCreds...), []string{"--poll", "-1s"}, "e2e-cleanup: --poll -1s: must not be negative", ""},
		{"budget negative", append(region, fakeCreds...), []string{"--budget", "-1s"}, "e2e-cleanup: --budget -1s: must not be negative", ""},
		{"wait-clusters negative", append(region, fakeCreds...), []string{"--wait-clusters", "-1s"}, "e2e-cleanup: --wait-clusters -1s: must not be negative", ""},
		{"AWS_CONFIG_FILE a FIFO", append([]string{"AWS_CONFIG_FILE=" + fifo}, append(region, fakeCreds...)...), nil, "e2e-cleanup: AWS configuration: " + fifo + ": a named pipe (FIFO)", ""},
		{"request timeout 0", append(region, fakeCreds...), []string{"--request-timeout", "0s"}, "e2e-cleanup: --request-timeout 0s: use at least 1s", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			box := testbin.NewSandbox(t)
			before := box.Snapshot(t)
			n := calls.Load()
			args := tc.args
			if !strings.Contains(strings.Join(args, " "), "--aws-endpoint-url") && !strings.Contains(strings.Join(tc.env, " "), "AWS_ENDPOINT_URL") {
				args = append([]string{"--aws-endpoint-url", srv.URL}, args...)
			}
			r := box.Run(t, 3*refusalBound, nil, tc.env, bin, append(args, "--yes")...)
			if r.Code != 2 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, tc.want) {
				t.Errorf("exit %d, want 2, nothing on stdout and stderr starting %q\nstdout: %s\nstderr: %q", r.Code, tc.want, r.Stdout, r.Stderr)
			}
			if tc.not != "" && strings.Contains(r.Stderr, tc.not) {
				t.Errorf("stderr has %q raw: %q", tc.not, r.Stderr)
			}
			if r.Took > refusalBound {
				t.Errorf("took %s, want at most %s", r.Took, refusalBound)
			}
			if d := calls.Load() - n; d != 0 {
				t.Errorf("%d AWS calls before the refusal", d)
			}
			if after := box.Snapshot(t); after != before {
				t.Errorf("wrote something:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// TestDeadlines: an endpoint that never answers ends a listing within
// --request-timeout plus a margin (exit 1, saying so), and a delete that
// never answers ends within the same bound, the sweep going on; SIGINT and
// SIGTERM end a hung listing within the margin (exit 130, nothing
// deleted), and a hung delete within --request-timeout plus the margin.
func TestDeadlines(t *testing.T) {
	t.Parallel()
	bin := testbin.Shared(t, "../../../cmd/e2e-cleanup")
	const reqTimeout = 2 * time.Second
	env := append([]string{"AWS_REGION=us-east-1"}, fakeCreds...)
	type server struct {
		url     string
		reached <-chan struct{} // the hung call arrived
		f       *fakeAWS
	}
	// silent never answers anything.
	silent := func(t *testing.T) server {
		reached := make(chan struct{})
		var once atomic.Bool
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if once.CompareAndSwap(false, true) {
				close(reached)
			}
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		return server{url: srv.URL, reached: reached}
	}
	// hungDelete answers like AWS, except that the first delete (the
	// Lambda function) never answers.
	hungDelete := func(t *testing.T) server {
		f := leftovers()
		reached := make(chan struct{})
		release := make(chan struct{})
		var once atomic.Bool
		f.onCall = func(call string) {
			if strings.HasPrefix(call, "lambda:DeleteFunction") && once.CompareAndSwap(false, true) {
				close(reached)
				<-release
			}
		}
		srv := httptest.NewServer(f)
		t.Cleanup(srv.Close)
		t.Cleanup(func() { close(release) })
		return server{url: srv.URL, reached: reached, f: f}
	}
	for _, tc := range []struct {
		name   string
		server func(t *testing.T) server
		args   []string
		sig    syscall.Signal
		bound  time.Duration // from start, or from the signal
		code   int
		want   []string // in stdout+stderr
	}{
		{"listing never answered", silent, nil, 0, reqTimeout + deadlineMargin, 1, []string{"list tagged resources (tag:GetResources)", "no answer within the request timeout (2s)"}},
		{"listing never answered, SIGINT", silent, nil, syscall.SIGINT, deadlineMargin, 130, []string{"interrupted while listing: nothing was deleted"}},
		{"listing never answered, SIGTERM", silent, nil, syscall.SIGTERM, deadlineMargin, 130, []string{"interrupted while listing: nothing was deleted"}},
		{"delete never answered", hungDelete, []string{"--yes", "--budget", "0s"}, 0, reqTimeout + 2*deadlineMargin, 1, []string{"failed   lambda-function", "no answer within the request timeout (2s)", "1 failed, 0 not attempted"}},
		{"delete never answered, SIGINT", hungDelete, []string{"--yes"}, syscall.SIGINT, reqTimeout + deadlineMargin, 130, []string{"interrupted", "\n0 deleted,", "1 failed"}},
		{"delete never answered, SIGTERM", hungDelete, []string{"--yes"}, syscall.SIGTERM, reqTimeout + deadlineMargin, 130, []string{"interrupted", "\n0 deleted,", "1 failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.server(t)
			box := testbin.NewSandbox(t)
			args := append([]string{"--aws-endpoint-url", s.url, "--request-timeout", reqTimeout.String()}, tc.args...)
			p := box.Start(t, nil, env, bin, args...)
			from := time.Now()
			if tc.sig != 0 {
				select {
				case <-s.reached:
				case <-time.After(3 * deadlineMargin):
					r, _ := p.Wait(time.Second)
					t.Fatalf("never reached the hung call\nstderr: %s", r.Stderr)
				}
				from = time.Now()
				p.Signal(t, tc.sig)
			}
			r, ok := p.Wait(tc.bound + deadlineMargin)
			if !ok {
				t.Fatalf("still running %s after %s: killed\nstderr: %s", time.Since(from).Round(time.Millisecond), map[bool]string{true: "the signal", false: "start"}[tc.sig != 0], r.Stderr)
			}
			if took := time.Since(from); took > tc.bound {
				t.Errorf("ended %s after %s, want at most %s", took.Round(time.Millisecond), map[bool]string{true: "the signal", false: "start"}[tc.sig != 0], tc.bound)
			}
			if r.Code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.Code, tc.code, r.Stdout, r.Stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Stdout+r.Stderr, w) {
					t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", w, r.Stdout, r.Stderr)
				}
			}
			if s.f != nil && tc.sig != 0 {
				// The hung delete is never answered, so never recorded.
				if m := s.f.mutations(); len(m) != 0 {
					t.Errorf("deletes after the signal: %v", m)
				}
			}
		})
	}
}
