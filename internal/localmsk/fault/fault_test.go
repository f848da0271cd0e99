package fault

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk"
)

func verifyLabel(name, value string) string {
	if value == "" {
		return "--local-fault " + name
	}
	return "--local-fault " + name + "=" + value
}

// TestEveryFaultBothWays: each fault, written as verify takes it (NAME=VALUE)
// and as localmsk takes it (--NAME VALUE), gives the same Set; a bad value
// is refused by both with the same reason.
func TestEveryFaultBothWays(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"nlb-down": "1,3", "broker-down": "2", "replace-broker": "2", "route-nlb": "1:2,3:1",
		"latency": "3:200ms", "cert": "wrong-host", "clock-skew": "-20m", "reject-credentials": "",
		"connect-rate-limit": "1.5", "rolling-restart": "30s", "deny": "WriteData,kafka-cluster:ReadData",
	}
	bad := map[string]struct{ value, why string }{
		"nlb-down":           {"x", `"x" is not a broker id`},
		"broker-down":        {"1,,y", `"y" is not a broker id`},
		"replace-broker":     {"two", `"two" is not a broker id`},
		"route-nlb":          {"1-2", "want <broker id>:<value>"},
		"latency":            {"1:-5ms", "latency cannot be negative"},
		"cert":               {"expired", "wrong-host"},
		"clock-skew":         {"soon", "invalid duration"},
		"reject-credentials": {"maybe", "invalid syntax"},
		"connect-rate-limit": {"NaN", "use a finite number"},
		"rolling-restart":    {"-1s", "each broker must be away a positive time"},
		"deny":               {"Fly", "kafka-cluster:Fly is not an action MSK defines"},
	}
	for _, f := range Table {
		t.Run(f.Name, func(t *testing.T) {
			v, ok := good[f.Name]
			b, okb := bad[f.Name]
			if !ok || !okb {
				t.Fatalf("fault %s has no good or bad example in this test: add them", f.Name)
			}
			var viaVerify, viaFlags Set
			if err := viaVerify.Add(f.Name, v, verifyLabel); err != nil {
				t.Fatalf("verify %s: %v", verifyLabel(f.Name, v), err)
			}
			fs := flag.NewFlagSet("localmsk", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			viaFlags.Flags(fs)
			args := []string{"--" + f.Name}
			if v != "" {
				args = append(args, v)
			}
			if err := fs.Parse(args); err != nil {
				t.Fatalf("localmsk %q: %v", args, err)
			}
			if err := viaFlags.FromFlags(); err != nil {
				t.Fatalf("localmsk %q: %v", args, err)
			}
			if viaVerify.Empty() || viaFlags.Empty() || !equal(viaVerify, viaFlags) {
				t.Errorf("verify and localmsk read %s differently: %+v and %+v", f.Name, viaVerify, viaFlags)
			}
			var s Set
			err := s.Add(f.Name, b.value, verifyLabel)
			if err == nil || !strings.HasPrefix(err.Error(), verifyLabel(f.Name, b.value)+": ") || !strings.Contains(err.Error(), b.why) {
				t.Errorf("verify %s: %v; want it refused, named, because %q", verifyLabel(f.Name, b.value), err, b.why)
			}
			fs = flag.NewFlagSet("localmsk", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			s = Set{}
			s.Flags(fs)
			if perr := fs.Parse([]string{"--" + f.Name + "=" + b.value}); perr == nil {
				perr = s.FromFlags()
				if perr == nil || !strings.Contains(perr.Error(), b.why) {
					t.Errorf("localmsk --%s %s: %v; want it refused because %q", f.Name, b.value, perr, b.why)
				}
			} else if f.Arg != "" {
				t.Errorf("localmsk --%s=%s: the flag package refused it (%v): the fault's own check should", f.Name, b.value, perr)
			}
		})
	}
}

func equal(a, b Set) bool {
	a.given, a.pending, b.given, b.pending = nil, nil, nil, nil
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestOldSpellings: verify's names before the syntax was shared (route=,
// skew=) and localmsk's ID=VALUE pairs still work, each with a notice
// saying what to write instead.
func TestOldSpellings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, value, instead string }{
		{"route", "2:3", "--local-fault route-nlb=2:3"},
		{"route-nlb", "2=3", "--local-fault route-nlb=2:3"},
		{"route", "2=3", "--local-fault route-nlb=2:3"},
		{"skew", "1h", "--local-fault clock-skew=1h"},
		{"latency", "3=200ms", "--local-fault latency=3:200ms"},
	} {
		var s Set
		if err := s.Add(tc.name, tc.value, verifyLabel); err != nil {
			t.Errorf("%s=%s: %v", tc.name, tc.value, err)
			continue
		}
		if len(s.Notices) != 1 || s.Notices[0] != [2]string{verifyLabel(tc.name, tc.value), tc.instead} {
			t.Errorf("%s=%s: notices %q, want one saying to write %s", tc.name, tc.value, s.Notices, tc.instead)
		}
	}
	var s Set
	if err := s.Add("route-nlb", "2:3", verifyLabel); err != nil || len(s.Notices) != 0 {
		t.Errorf("route-nlb=2:3: %v, notices %q; want none", err, s.Notices)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		faults  []string
		brokers int
		want    string
	}{
		{[]string{"meteor"}, 3, "--local-fault meteor: unknown fault \"meteor\": use one of nlb-down=IDS"},
		{[]string{"latency"}, 3, "--local-fault latency: latency takes ID:DURATION,..."},
		{[]string{"clock-skew=1m", "clock-skew=2m"}, 3, "--local-fault clock-skew=2m: clock-skew is given twice (--local-fault clock-skew=1m first)"},
		{[]string{"latency=1:1s", "latency=1:2s"}, 3, "--local-fault latency=1:2s: broker 1 is given twice (1:1s and 1:2s)"},
		{[]string{"nlb-down=4"}, 3, "--local-fault nlb-down=4: broker 4 does not exist: ids are 1..3"},
		{[]string{"route-nlb=1:5"}, 4, "--local-fault route-nlb=1:5: broker 5 does not exist: ids are 1..4"},
		{[]string{"latency=0:1s"}, 3, "--local-fault latency=0:1s: broker 0 does not exist"},
	} {
		var s Set
		var err error
		for _, f := range tc.faults {
			name, value, _ := strings.Cut(f, "=")
			if err = s.Add(name, value, verifyLabel); err != nil {
				break
			}
		}
		if err == nil {
			err = s.Check(tc.brokers)
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.faults, err, tc.want)
		}
	}
}

// TestApply: every fault reaches the environment (the environment's own
// tests show what each does to a client).
func TestApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, err := localmsk.Start(ctx, localmsk.Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	var s Set
	for _, f := range []string{"nlb-down=1", "replace-broker=2", "route-nlb=3:3", "latency=3:1ms", "cert=unknown-ca", "clock-skew=1m", "reject-credentials", "connect-rate-limit=100", "deny=WriteData", "rolling-restart=1h"} {
		name, value, _ := strings.Cut(f, "=")
		if err := s.Add(name, value, verifyLabel); err != nil {
			t.Fatal(err)
		}
	}
	done, err := s.Apply(env)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 10 {
		t.Errorf("applied %d faults, want 10: %q", len(done), done)
	}
	info := env.Info()
	if strings.Contains(info.PolicyJSON, "kafka-cluster:WriteData\"") {
		t.Errorf("deny=WriteData: the policy still grants it")
	}
	if info.Brokers[1].ClientIP == info.Brokers[1].NLBTarget[:strings.LastIndex(info.Brokers[1].NLBTarget, ":")] {
		t.Errorf("replace-broker=2: NLB 2 follows the broker (%+v)", info.Brokers[1])
	}
	deadline := time.Now().Add(10 * time.Second)
	for env.Restarting() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if env.Restarting() == 0 {
		t.Error("rolling-restart=1h: no broker went away within 10s")
	}
}

// TestHelpListsEveryFault: the summary and the help table name each fault.
func TestHelpListsEveryFault(t *testing.T) {
	t.Parallel()
	for _, f := range Table {
		if !strings.Contains(Summary(), spec(f)) || !strings.Contains(Help("  "), "  "+spec(f)+" ") {
			t.Errorf("fault %s is missing from Summary or Help", f.Name)
		}
	}
	for _, line := range strings.Split(strings.TrimSuffix(Help("  "), "\n"), "\n") {
		if len(line) > 80 {
			t.Errorf("help line over 80 columns: %q", line)
		}
	}
}
