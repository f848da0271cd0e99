package verify_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestOneFaultOneFailure: a black-holed NLB costs only its own path. With
// the whole run and every stage bounded by the same 2 s, the healthy paths
// still produce and consume (they never wait for path 2).
func TestOneFaultOneFailure(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	must(t, env.SetLatency(2, 3*time.Second)) // accepts, then nothing comes back within the bound
	start := time.Now()
	rep := verify.Run(context.Background(), tg, verify.Options{Timeout: 2 * time.Second, StageTimeout: 2 * time.Second})
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("run took %s, want about the 2s bound", el)
	}
	for _, p := range rep.Paths {
		f, failed := p.Failed()
		switch {
		case p.BrokerID == 2 && !failed:
			t.Errorf("broker 2 (black-holed) passed")
		case p.BrokerID != 2 && (failed || !p.Passed):
			t.Errorf("broker %d (healthy) failed at %s: %s", p.BrokerID, f.Check, f.Detail)
		}
	}
}

// TestStoppedBrokerFailsAtOneStage: a stopped broker behind its NLB fails
// at the same stage on every run, not at tcp or tls by chance.
func TestStoppedBrokerFailsAtOneStage(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	must(t, env.SetBrokerDown(3, true))
	seen := map[string]int{}
	for range 15 {
		rep := verify.Run(context.Background(), tg, opts(2*time.Second))
		for _, p := range rep.Paths {
			if f, ok := p.Failed(); ok {
				if p.BrokerID != 3 {
					t.Fatalf("broker %d failed at %s: %s", p.BrokerID, f.Check, f.Detail)
				}
				seen[f.Check]++
				if f.Check != verify.StageTLS {
					t.Logf("run: %s: %s", f.Check, f.Detail)
				}
			}
		}
	}
	if len(seen) != 1 || seen[verify.StageTLS] != 15 {
		t.Errorf("stopped broker 3 failed at %v over 15 runs, want tls every time", seen)
	}
}

// blackHole returns a local address that accepts no TCP connection and
// refuses none: a listener whose accept queue (backlog 0) is already full,
// so the kernel drops every further SYN and connects time out, the way an
// internal NLB looks from outside its VPC.
func blackHole(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	filler, err := net.DialTimeout("tcp", addr, time.Second) // takes the one queue slot
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = filler.Close() })
	if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
		_ = c.Close()
		t.Skip("this kernel completes connections beyond a full accept queue: no black hole to test with")
	}
	return addr
}

// TestNothingReachable (issue 17): when every path times out at tcp, the
// report says once that no path is reachable from this machine, names the
// VPC and the remote run, and exits 1; the failures are not three NLB faults.
func TestNothingReachable(t *testing.T) {
	t.Parallel()
	_, tg := startEnv(t)
	for i := range tg.Paths {
		tg.Paths[i].Endpoint = blackHole(t)
	}
	tg.VPCID = "vpc-0abc1234def567890"
	rep := verify.Run(context.Background(), tg, verify.Options{Timeout: 3 * time.Second, StageTimeout: 300 * time.Millisecond, Mechanisms: []string{verify.MechanismAWSMSKIAM, verify.MechanismOAuthBearer}})
	var table bytes.Buffer
	_ = rep.WriteTable(&table)
	if rep.Passed || rep.ExitCode() != 1 {
		t.Fatalf("want FAIL (exit 1), got exit %d:\n%s", rep.ExitCode(), table.String())
	}
	var reach *verify.CheckResult
	for i := range rep.Checks {
		if rep.Checks[i].Check == verify.CheckReach {
			reach = &rep.Checks[i]
		}
	}
	want := "no broker path is reachable from this machine: the NLBs are internal to VPC vpc-0abc1234def567890; run `deploy verify --remote`, or run verify from inside VPC vpc-0abc1234def567890"
	if reach == nil || reach.OK || !strings.Contains(reach.Detail, want) {
		t.Fatalf("want a failing reachability check saying %q, got %+v:\n%s", want, reach, table.String())
	}
	for _, p := range rep.Paths {
		if f, failed := p.Failed(); !failed || f.Check != verify.StageTCP || f.NextStep != "" {
			t.Errorf("broker %d (%s): failure %+v, want tcp pointing at the reachability check", p.BrokerID, p.Mechanism, f)
		}
	}
	failures := table.String()[strings.Index(table.String(), "Failures:"):]
	if strings.Contains(failures, "NLB security group") || strings.Count(failures, "next:") != 1 {
		t.Errorf("the failures blame the NLBs instead of saying once that nothing is reachable:\n%s", failures)
	}

	// Without the VPC id (--endpoint only), the message stays true.
	tg.VPCID = ""
	rep = verify.Run(context.Background(), tg, verify.Options{Timeout: 3 * time.Second, StageTimeout: 300 * time.Millisecond})
	found := false
	for _, c := range rep.Checks {
		found = found || (c.Check == verify.CheckReach && strings.Contains(c.Detail, "the NLBs are internal to the deployment's VPC; run `deploy verify --remote`, or run verify from inside that VPC"))
	}
	if !found {
		t.Errorf("no reachability check without a VPC id: %+v", rep.Checks)
	}

	// In the canary itself, running remotely is no advice: its endpoints are.
	rep = verify.Run(context.Background(), tg, verify.Options{Timeout: 3 * time.Second, StageTimeout: 300 * time.Millisecond, Remote: true})
	found = false
	for _, c := range rep.Checks {
		found = found || (c.Check == verify.CheckReach && strings.Contains(c.Detail, "verify canary") && strings.Contains(c.NextStep, "interface endpoint") && !strings.Contains(c.Detail+c.NextStep, "--remote"))
	}
	if !found || rep.ExitCode() != 1 {
		t.Errorf("want the canary's reachability check naming its endpoints, exit 1: %+v", rep.Checks)
	}
}

// TestOneUnreachablePathIsAnNLBFault: one black-holed NLB among reachable
// ones is that NLB's fault, not "nothing reachable".
func TestOneUnreachablePathIsAnNLBFault(t *testing.T) {
	t.Parallel()
	_, tg := startEnv(t)
	tg.Paths[1].Endpoint = blackHole(t)
	tg.VPCID = "vpc-0abc1234def567890"
	rep := verify.Run(context.Background(), tg, verify.Options{Timeout: 3 * time.Second, StageTimeout: 300 * time.Millisecond})
	for _, c := range rep.Checks {
		if c.Check == verify.CheckReach {
			t.Fatalf("one unreachable path reported as nothing reachable: %+v", c)
		}
	}
	for _, p := range rep.Paths {
		f, failed := p.Failed()
		switch {
		case p.BrokerID == tg.Paths[1].BrokerID && (!failed || f.Check != verify.StageTCP || !strings.Contains(f.Detail, fmt.Sprintf("NLB %d", p.BrokerID)) || f.NextStep == ""):
			t.Errorf("broker %d: failure %+v, want a tcp timeout naming its NLB with a next step", p.BrokerID, f)
		case p.BrokerID != tg.Paths[1].BrokerID && !p.Passed:
			t.Errorf("broker %d (reachable) failed at %s: %s", p.BrokerID, f.Check, f.Detail)
		}
	}
}
