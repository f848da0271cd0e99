package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/testbin"
)

// refusalBound is how long a refusal may take: before any listener, file
// or directory.
const refusalBound = 10 * time.Second

// TestBadInputsRefused runs the built localmsk with each bad input of
// issue 31: exit 2 with a message naming the input, nothing on stdout,
// nothing written (the working directory, HOME, TMPDIR and the inputs'
// directory are the same before and after: no temporary --dir, no
// ca.pem, no lock), within refusalBound.
func TestBadInputsRefused(t *testing.T) {
	t.Parallel()
	bin := testbin.Shared(t, "../../../cmd/localmsk")
	in := t.TempDir()
	real := filepath.Join(in, "real-dir")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	linkDir := filepath.Join(in, "link-dir")
	if err := os.Symlink(real, linkDir); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(in, "foreign-dir")
	if err := os.Mkdir(foreign, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	} else {
		foreign = "/"
	}
	file := filepath.Join(in, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	dupPolicy := filepath.Join(in, "dup-policy.json")
	if err := os.WriteFile(dupPolicy, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*","Effect":"Deny"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(in, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	hostsLink := filepath.Join(in, "hosts-link")
	if err := os.Symlink(file, hostsLink); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // stderr starts with it
		not  string
	}{
		{"region mars", []string{"--region", "mars"}, `localmsk: --region: "mars" is not an AWS region name`, ""},
		{"region with a newline", []string{"--region", "us-east-1\n"}, `localmsk: --region: "us-east-1\n" is not an AWS region name`, "us-east-1\n"},
		{"region with control characters", []string{"--region", "us-\x1b[31m-1"}, `localmsk: --region: "us-\x1b[31m-1" is not`, "\x1b"},
		{"dir of blanks", []string{"--dir", " "}, `localmsk: --dir " ": leading or trailing blanks`, ""},
		{"dir with a control character", []string{"--dir", "a\x1bb"}, `localmsk: --dir "a\x1bb": `, "\x1b"},
		{"dir empty", []string{"--dir", ""}, "localmsk: --dir '' names no directory", ""},
		{"dir a symbolic link", []string{"--dir", linkDir}, "localmsk: --dir " + linkDir + " is a symbolic link (to " + real + ")", ""},
		{"dir of another user", []string{"--dir", foreign}, "localmsk: --dir " + foreign + " is owned by uid ", ""},
		{"dir a file", []string{"--dir", file}, "localmsk: --dir " + file + " is not a directory", ""},
		{"loopback net 0", []string{"--stock-clients", "--loopback-net", "0"}, "localmsk: --loopback-net 0: use 1 to 254", ""},
		{"route one NLB twice", []string{"--route-nlb", "1=2,1=3"}, `localmsk: --route-nlb 1=2,1=3: broker 1 is given twice (1=2 and 1=3)`, ""},
		{"latency for one NLB twice", []string{"--latency", "2=1ms,2=5ms"}, `localmsk: --latency 2=1ms,2=5ms: broker 2 is given twice`, ""},
		{"policy with a duplicate key", []string{"--policy", dupPolicy}, `localmsk: --policy ` + dupPolicy + `: policy statement 1, element "Effect": named twice`, ""},
		{"policy a FIFO", []string{"--policy", fifo}, "localmsk: --policy " + fifo + ": a named pipe (FIFO), not a regular file", ""},
		{"policy a directory", []string{"--policy", in}, "localmsk: --policy " + in + ": a directory, not a regular file", ""},
		{"policy a device", []string{"--policy", "/dev/zero"}, "localmsk: --policy /dev/zero: a character device", ""},
		{"policy empty", []string{"--policy", ""}, "localmsk: --policy '' names no file", ""},
		{"hosts file in a missing directory", []string{"--stock-clients", "--hosts-file", "/nonexistent/dir/h"}, "localmsk: --hosts-file: /nonexistent/dir/h: its directory /nonexistent/dir: no such file or directory", ""},
		{"hosts file a symbolic link", []string{"--stock-clients", "--hosts-file", hostsLink}, "localmsk: --hosts-file: " + hostsLink + " is a symbolic link", ""},
		{"hosts file a FIFO", []string{"--stock-clients", "--hosts-file", fifo}, "localmsk: --hosts-file: " + fifo + " is not a regular file", ""},
		{"hosts file empty", []string{"--stock-clients", "--hosts-file", ""}, "localmsk: --hosts-file '' names no file", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			box := testbin.NewSandbox(t)
			before := box.Snapshot(t, in)
			r := box.Run(t, 3*refusalBound, nil, nil, bin, tc.args...)
			if r.Code != 2 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, tc.want) {
				t.Errorf("exit %d, want 2, nothing on stdout and stderr starting %q\nstdout: %s\nstderr: %q", r.Code, tc.want, r.Stdout, r.Stderr)
			}
			if tc.not != "" && strings.Contains(r.Stderr, tc.not) {
				t.Errorf("stderr has %q raw: %q", tc.not, r.Stderr)
			}
			if r.Took > refusalBound {
				t.Errorf("took %s, want at most %s", r.Took, refusalBound)
			}
			if after := box.Snapshot(t, in); after != before {
				t.Errorf("wrote something:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// TestSignalsEndIt: localmsk stops within a margin of SIGINT or SIGTERM
// once up (exit 0, its documented way to stop), and leaves no process.
func TestSignalsEndIt(t *testing.T) {
	t.Parallel()
	bin := testbin.Shared(t, "../../../cmd/localmsk")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			box := testbin.NewSandbox(t)
			p := box.Start(t, nil, nil, bin, "--log-level", "warn")
			if !waitStdout(p, "Ctrl-C", 20*time.Second) {
				r, _ := p.Wait(time.Second)
				t.Fatalf("not up within 20s\nstderr: %s", r.Stderr)
			}
			p.Signal(t, sig)
			r, ok := p.Wait(5 * time.Second)
			if !ok || r.Code != 0 || !strings.HasSuffix(r.Stderr, "localmsk: stopping\n") {
				t.Errorf("after %v: ended %v, exit %d, want 0 within 5s\nstderr: %s", sig, ok, r.Code, r.Stderr)
			}
			if ents, _ := os.ReadDir(box.Tmp); len(ents) != 0 {
				t.Errorf("left its temporary directory: %v", ents)
			}
		})
	}
}

// waitStdout waits for s on the process's stdout.
func waitStdout(p *testbin.Proc, s string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if strings.Contains(p.Stdout(), s) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}
