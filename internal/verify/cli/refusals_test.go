package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/testbin"
)

// refusalBound is how long a refusal may take: it happens before any
// network, file wait or environment start.
const refusalBound = 10 * time.Second

// TestBadInputsRefused runs the built verify with each bad input of issue
// 31: exit 2, a message naming the input (and no raw control character
// from it), nothing on stdout, nothing written anywhere (its working
// directory, HOME, TMPDIR and the inputs' directory are the same before
// and after), within refusalBound.
func TestBadInputsRefused(t *testing.T) {
	t.Parallel()
	bin := testbin.Shared(t, "../../../cmd/verify")
	in := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("outputs.json", outputs(t, ""))
	westRegion := write("west.json", strings.Replace(outputs(t, ""), `"us-east-1"`, `"us-west-2"`, 1))
	marsRegion := write("mars.json", strings.Replace(outputs(t, ""), `"us-east-1"`, `"mars"`, 1))
	fifo := filepath.Join(in, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	envDir := filepath.Join(in, "localmsk-dir")
	if err := os.Mkdir(envDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ep := "--endpoint=b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=127.0.0.1:9"
	for _, tc := range []struct {
		name string
		args []string
		want []string // in stderr
		not  []string // never in stderr
		env  []string
	}{
		{"run id of 40,000 characters", []string{"--local", "--run-id", strings.Repeat("r", 40000)}, []string{"--run-id: run id is 40000 characters long: use at most 64"}, []string{"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"}, nil},
		{"run id with a newline", []string{"--local", "--run-id", "ok\nFAIL: injected"}, []string{`--run-id: run id "ok\nFAIL: injected" has '\n'`}, []string{"\nFAIL: injected"}, nil},
		{"run id empty", []string{"--local", "--run-id", ""}, []string{"--run-id: run id is empty"}, nil, nil},
		{"region not a region", []string{ep, "--region", "mars"}, []string{`--region: "mars" is not an AWS region name`}, nil, nil},
		{"region with control characters", []string{ep, "--region", "us-east-1\x1b[2J\n"}, []string{`--region: "us-east-1\x1b[2J\n" is not an AWS region name`}, []string{"\x1b"}, nil},
		{"region against the brokers' hostnames (--endpoint)", []string{ep, "--region", "us-west-2"}, []string{"--region us-west-2 contradicts the brokers: broker 1: hostname b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com is in region us-east-1", "or drop --region"}, nil, nil},
		{"region against the brokers' hostnames (--tf-outputs)", []string{"--tf-outputs", good, "--region", "us-west-2"}, []string{"--region us-west-2 contradicts the brokers"}, nil, nil},
		{"outputs' region against their hostnames", []string{"--tf-outputs", westRegion}, []string{"broker map: broker 1: hostname b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com is in region us-east-1, not \"us-west-2\""}, nil, nil},
		{"outputs' region not a region", []string{"--tf-outputs", marsRegion}, []string{`broker map: "mars" is not an AWS region name`}, nil, nil},
		{"empty topic", []string{"--local", "--topic", ""}, []string{"--topic '' names no topic"}, nil, nil},
		{"empty SASL mechanism", []string{"--local", "--sasl-mechanism", ""}, []string{"--sasl-mechanism '' names no mechanism"}, nil, nil},
		{"--local-info a directory", []string{"--local-info", envDir}, []string{"--local-info " + envDir + " is a directory: pass the info.json in it (" + filepath.Join(envDir, "info.json") + ")"}, []string{"read read"}, nil},
		{"--local-info missing, not info.json", []string{"--local-info", "/nonexistent"}, []string{"--local-info /nonexistent does not exist: pass the info.json a local environment writes into its --dir"}, []string{"--dir /`"}, nil},
		{"--local-info a FIFO", []string{"--local-info", fifo}, []string{"--local-info " + fifo + ": a named pipe (FIFO), not a regular file"}, nil, nil},
		{"--tf-outputs a FIFO", []string{"--tf-outputs", fifo, "--timeout", "3s"}, []string{"--tf-outputs " + fifo + ": a named pipe (FIFO), not a regular file", "pass --tf-outputs - with it on stdin"}, nil, nil},
		{"--tf-outputs a device", []string{"--tf-outputs", "/dev/zero"}, []string{"--tf-outputs /dev/zero: a character device, not a regular file"}, nil, nil},
		{"--ca-file a FIFO", []string{ep, "--region", "us-east-1", "--ca-file", fifo}, []string{"--ca-file " + fifo + ": a named pipe (FIFO), not a regular file"}, nil, nil},
		{"permissions --tf-outputs a FIFO", []string{"permissions", "--tf-outputs", fifo}, []string{"verify permissions: --tf-outputs " + fifo + ": a named pipe (FIFO)"}, nil, nil},
		{"AWS_SHARED_CREDENTIALS_FILE a FIFO", []string{"--tf-outputs", good}, []string{"verify: AWS configuration: " + fifo + ": a named pipe (FIFO)", "AWS_SHARED_CREDENTIALS_FILE"}, nil, []string{"AWS_SHARED_CREDENTIALS_FILE=" + fifo}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			box := testbin.NewSandbox(t)
			before := box.Snapshot(t, in)
			r := box.Run(t, 3*refusalBound, nil, tc.env, bin, tc.args...)
			if r.Code != 2 || r.Stdout != "" {
				t.Errorf("exit %d, want 2 and nothing on stdout\nstdout: %s\nstderr: %s", r.Code, r.Stdout, r.Stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.Stderr)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(r.Stderr, n) {
					t.Errorf("stderr has %q:\n%.500q", n, r.Stderr)
				}
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
