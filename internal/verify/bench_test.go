package verify_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/testbin"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// BenchmarkRun is the time to a verdict for 3 paths in process against the
// local environment (goal: ≤ 150 ms). Each run opens 3 new connections
// (TCP, TLS, SASL/IAM) and produces and consumes one record per path.
func BenchmarkRun(b *testing.B) {
	_, tg := startEnv(b)
	for b.Loop() {
		if rep := verify.Run(context.Background(), tg, opts(5*time.Second)); !rep.Passed {
			b.Fatal("verification failed")
		}
	}
}

// BenchmarkCLI is the CLI from start to exit, as a built binary (goal ≤ 1 s):
// "local-info" verifies a running environment; "local" also starts and stops
// the environment in-process (the README's first command, minus compiling).
func BenchmarkCLI(b *testing.B) {
	bin := testbin.Build(b, "github.com/mskvpce/mskvpce/cmd/verify")
	env, _ := startEnv(b)
	info := filepath.Join(b.TempDir(), "info.json")
	if err := env.WriteInfo(info); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"local-info", []string{"--local-info", info}},
		{"local", []string{"--local"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if out, err := exec.Command(bin, bc.args...).CombinedOutput(); err != nil {
					b.Fatalf("%v: %v\n%s", bc.args, err, out)
				}
			}
		})
	}
}
