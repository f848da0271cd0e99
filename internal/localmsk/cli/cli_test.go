package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk"
)

// syncBuffer is a bytes.Buffer safe to read while Run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout (help) or stderr
	}{
		{[]string{"--help"}, ExitOK, "Exit codes"},
		{[]string{"--no-such-flag"}, ExitUsage, "flag provided but not defined"},
		{[]string{"extra"}, ExitUsage, `unexpected argument "extra"`},
		{[]string{"--output", "yaml"}, ExitUsage, "want text or json"},
		{[]string{"--log-level", "loud"}, ExitUsage, "want debug, info, warn or error"},
		{[]string{"--cert", "expired"}, ExitUsage, "wrong-host"},
		{[]string{"--route-nlb", "1-2"}, ExitUsage, "want <broker id>:<value>"},
		{[]string{"--latency", "1=fast"}, ExitUsage, "invalid duration"},
		{[]string{"--nlb-down", "x"}, ExitUsage, "not a broker id"},
		{[]string{"--nlb-down", "7"}, ExitUsage, "broker 7 does not exist"},
		{[]string{"--policy", "/nonexistent/policy.json"}, ExitUsage, "no such file"},
		{[]string{"--account", "12"}, ExitUsage, "12-digit"},
		{[]string{"--brokers", "0"}, ExitUsage, "--brokers 0: use 1 to 30"},
		{[]string{"--brokers", "-1"}, ExitUsage, "--brokers -1: use 1 to 30"},
		{[]string{"--brokers", "31"}, ExitUsage, "--brokers 31: use 1 to 30"},
		{[]string{"--brokers", "99999999999"}, ExitUsage, "--brokers 99999999999: use 1 to 30"},
		{[]string{"--max-session", "0s"}, ExitUsage, "--max-session 0s: use a positive duration"},
		{[]string{"--max-session", "-1m"}, ExitUsage, "--max-session -1m0s: use a positive duration"},
		{[]string{"--connect-rate-limit", "-1"}, ExitUsage, "--connect-rate-limit -1"},
		{[]string{"--connect-rate-limit", "NaN"}, ExitUsage, "--connect-rate-limit NaN"},
		{[]string{"--connect-rate-limit", "Inf"}, ExitUsage, "--connect-rate-limit Inf: use a finite number"},
		{[]string{"--topic", "a b"}, ExitUsage, `--topic: topic name "a b" has " "`},
		{[]string{"--topic", ".."}, ExitUsage, "not allowed by Kafka"},
		{[]string{"--topic", strings.Repeat("t", 250)}, ExitUsage, "Kafka allows 249"},
		{[]string{"--topic", "__consumer_offsets"}, ExitUsage, `--topic: topic name "__consumer_offsets" is internal to Kafka`},
		{[]string{"--topic", "__transaction_state"}, ExitUsage, "Cannot append to internal topic"},
		{[]string{"--nlb-down", "0"}, ExitUsage, "--nlb-down 0: broker 0 does not exist"},
		{[]string{"--broker-down", "4"}, ExitUsage, "--broker-down 4: broker 4 does not exist: ids are 1..3"},
		{[]string{"--brokers", "5", "--broker-down", "5", "--nlb-down", "6"}, ExitUsage, "--nlb-down 6: broker 6 does not exist: ids are 1..5"},
		{[]string{"--route-nlb", "1=9"}, ExitUsage, "--route-nlb 1=9: broker 9 does not exist"},
		{[]string{"--latency", "4=1ms"}, ExitUsage, "--latency 4=1ms: broker 4 does not exist"},
		{[]string{"--latency", "1=-5ms"}, ExitUsage, "latency cannot be negative"},
		{[]string{"--kafka-version", "2.8.1"}, ExitUsage, "use one of 3.6.0, 3.7.x, 3.8.x, 3.9.x, 4.0.x, 4.1.x"},
		{[]string{"--loopback-net", "20"}, ExitUsage, "add --stock-clients"},
		{[]string{"--stock-clients", "--loopback-net", "255"}, ExitUsage, "loopback network 255: use 1 to 254"},
		{[]string{"--hosts-file", "h"}, ExitUsage, "--hosts-file applies to --stock-clients only"},
		{[]string{"--stock-clients", "--hosts-file", "/etc/hosts"}, ExitUsage, "never edits"},
		{[]string{"--cluster-name", "Bad_Name"}, ExitUsage, "cluster name"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr syncBuffer
			// Should a case start the environment, it stops after 5s.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if code := Run(ctx, &stdout, &stderr, tc.args); code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			if all := stdout.String() + stderr.String(); !strings.Contains(all, tc.out) {
				t.Errorf("output does not mention %q:\n%s", tc.out, all)
			}
			switch {
			case tc.code == ExitOK && (stderr.String() != "" || strings.Count(stdout.String(), "Exit codes") != 1):
				t.Errorf("--help: want the usage once on stdout, nothing on stderr; stdout %d bytes, stderr %q", len(stdout.String()), stderr.String())
			case tc.code == ExitUsage && (stdout.String() != "" || strings.Count(stderr.String(), "localmsk:") != 1 || !strings.HasPrefix(stderr.String(), "localmsk: ")):
				t.Errorf("a usage error is one line prefixed once with \"localmsk: \" on stderr; stdout %q, stderr %q", stdout.String(), stderr.String())
			}
		})
	}
}

// TestRunServesUntilCancelled runs the command as a user would, reads the
// info.json it writes, and stops it like Ctrl-C does.
func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	for _, output := range []string{"text", "json"} {
		t.Run(output, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var stdout, stderr syncBuffer
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int)
			// The text run spells --latency the old way (issue 30: one
			// fault syntax, ID:VALUE, shared with verify --local-fault).
			latency := map[string]string{"text": "2=1ms", "json": "2:1ms"}[output]
			go func() {
				done <- Run(ctx, &stdout, &stderr, []string{"--dir", dir, "--output", output, "--latency", latency, "--deny", "AlterGroup", "--log-level", "warn"})
			}()
			deadline := time.Now().Add(10 * time.Second)
			// Whole: the last line of the text, or a complete JSON document.
			printed := func() bool {
				if output == "json" {
					return json.Valid([]byte(stdout.String())) && strings.Contains(stdout.String(), "b-3.")
				}
				return strings.Contains(stdout.String(), "Ctrl-C")
			}
			for !printed() {
				if time.Now().After(deadline) {
					t.Fatalf("nothing printed within 10s\nstderr: %s", stderr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			b, err := os.ReadFile(filepath.Join(dir, "info.json"))
			if err != nil {
				t.Fatal(err)
			}
			var info localmsk.Info
			if err := json.Unmarshal(b, &info); err != nil {
				t.Fatalf("info.json: %v", err)
			}
			if info.Version != 1 || len(info.Brokers) != 3 || info.CAFile != filepath.Join(dir, "ca.pem") || info.ClusterARN != localmsk.DefaultClusterARN {
				t.Errorf("info.json is not as documented: %+v", info)
			}
			if output == "json" {
				var printed localmsk.Info
				if err := json.Unmarshal([]byte(stdout.String()), &printed); err != nil || printed.ClusterARN != info.ClusterARN {
					t.Errorf("--output json printed %q (%v)", stdout.String(), err)
				}
			} else {
				for _, want := range []string{info.BootstrapBrokersSASLIAM, info.Brokers[0].Endpoint, info.CAFile, "export AWS_ACCESS_KEY_ID=" + info.Credentials.AccessKeyID, "NLB stand-in 2 +1ms each way", "policy without kafka-cluster:AlterGroup", "Ctrl-C"} {
					if !strings.Contains(stdout.String(), want) {
						t.Errorf("stdout does not show %q:\n%s", want, stdout.String())
					}
				}
				if note := "localmsk: note: --latency 2=1ms is the old spelling, accepted until the next release: write --latency 2:1ms"; !strings.Contains(stderr.String(), note) {
					t.Errorf("stderr does not say %q:\n%s", note, stderr.String())
				}
			}
			if strings.Contains(info.PolicyJSON, "kafka-cluster:AlterGroup") {
				t.Errorf("--deny AlterGroup: the policy still grants it: %s", info.PolicyJSON)
			}
			// The environment really serves.
			if err := ping(ctx, info); err != nil {
				t.Fatalf("ping the running environment: %v", err)
			}
			cancel()
			select {
			case code := <-done:
				if code != ExitOK {
					t.Fatalf("exit code %d after cancellation, want 0", code)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return within 10s of cancellation")
			}
		})
	}
}

// TestSecondInstanceLeavesTheFirstAlone: a second localmsk on a running
// environment's --dir, or one with a bad flag, exits 2 and changes none of
// its files; once the first stops, LoadInfo says it is not running.
func TestSecondInstanceLeavesTheFirstAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go func() { done <- Run(ctx, &stdout, &stderr, []string{"--dir", dir, "--log-level", "warn"}) }()
	infoPath := filepath.Join(dir, "info.json")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stdout.String(), "Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("the first environment did not come up: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	snapshot := func() map[string]string {
		m := map[string]string{}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			m[e.Name()] = string(b)
		}
		return m
	}
	before := snapshot()
	if _, err := localmsk.LoadInfo(context.Background(), infoPath); err != nil {
		t.Fatalf("LoadInfo of the running environment: %v", err)
	}

	for _, args := range [][]string{
		{"--dir", dir},
		{"--dir", dir, "--stock-clients"},
		{"--dir", dir, "--brokers", "0"},
		{"--dir", dir, "--nlb-down", "9"},
		{"--dir", dir, "--policy", "/nonexistent.json"},
	} {
		var out, errOut syncBuffer
		if code := Run(context.Background(), &out, &errOut, args); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2; stderr %s", args, code, errOut.String())
		}
		if args[len(args)-1] == dir || args[len(args)-1] == "--stock-clients" {
			want := fmt.Sprintf("localmsk: another localmsk (pid %d) is running on %s", os.Getpid(), dir)
			if !strings.HasPrefix(errOut.String(), want) {
				t.Errorf("%v: stderr %q, want it to start %q", args, errOut.String(), want)
			}
		}
		if after := snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%v changed the running environment's files", args)
		}
	}

	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("first environment exit %d", code)
	}
	_, err := localmsk.LoadInfo(context.Background(), infoPath)
	var nr *localmsk.NotRunningError
	if !errors.As(err, &nr) {
		t.Fatalf("LoadInfo after the environment stopped: %v, want *localmsk.NotRunningError", err)
	}
	if want := fmt.Sprintf("%s: the local environment in %s is not running (start it with `go run ./cmd/localmsk --dir %s --log-level warn`)", infoPath, dir, dir); err.Error() != want {
		t.Errorf("LoadInfo: %q\nwant %q", err, want)
	}
	// And the directory can be used again.
	e, err := localmsk.Start(context.Background(), localmsk.Options{Dir: dir})
	if err != nil {
		t.Fatalf("Start on the freed directory: %v", err)
	}
	if _, err := localmsk.LoadInfo(context.Background(), filepath.Join(dir, "info.json")); err != nil {
		t.Errorf("LoadInfo after a restart: %v", err)
	}
	e.Close()
}

// TestReplaceBrokerFlag: --replace-broker 2 starts with broker 2 at a new
// client IP, says so among the faults, and info.json shows NLB stand-in 2
// still targeting the old IP; --control-plane serves the cluster's AWS APIs
// at the URL info.json and stdout give.
func TestReplaceBrokerFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- Run(ctx, &stdout, &stderr, []string{"--dir", dir, "--replace-broker", "2", "--control-plane", "--log-level", "warn"})
	}()
	defer func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("exit %d after cancellation\nstderr: %s", code, stderr.String())
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), "Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("not up within 20s\nstderr: %s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, err := os.ReadFile(filepath.Join(dir, "info.json"))
	if err != nil {
		t.Fatal(err)
	}
	var info localmsk.Info
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatal(err)
	}
	b2, b1 := info.Brokers[1], info.Brokers[0]
	if b2.NLBTarget == b2.ClientIP+":9098" || b1.NLBTarget != b1.ClientIP+":9098" {
		t.Errorf("info.json: broker 2 client IP %s, NLB target %s (want the old IP); broker 1 %s → %s", b2.ClientIP, b2.NLBTarget, b1.ClientIP, b1.NLBTarget)
	}
	want := fmt.Sprintf("broker 2 replaced: client IP %s (listener %s), NLB stand-in 2 still targets %s", b2.ClientIP, b2.BrokerAddr, b2.NLBTarget)
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
	}
	// --control-plane: its URL in info.json and on stdout, serving.
	if !strings.HasPrefix(info.ControlPlaneURL, "http://127.0.0.1:") || !strings.Contains(stdout.String(), "AWS control plane  "+info.ControlPlaneURL) {
		t.Errorf("--control-plane: info.json control_plane_url %q; stdout:\n%s", info.ControlPlaneURL, stdout.String())
	}
	if resp, err := http.Get(info.ControlPlaneURL); err != nil {
		t.Errorf("control plane at %s: %v", info.ControlPlaneURL, err)
	} else {
		resp.Body.Close() // unsigned: refused as AWS refuses it, but served
	}
}
