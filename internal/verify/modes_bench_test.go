package verify_test

import (
	"context"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/verify"
	"github.com/mskvpce/mskvpce/internal/verify/cli"
)

// BenchmarkRunListenerModes is the time to a verdict for 3 paths against
// the local environment in each listener mode: NLB stand-ins on random
// 127.0.0.1 ports, and stock-client mode (127.0.N.i:9098, what hosts-file
// clients use). The goal is stock-clients no slower than random-ports.
func BenchmarkRunListenerModes(b *testing.B) {
	for _, m := range []struct {
		name  string
		stock bool
	}{{"random-ports", false}, {"stock-clients", true}} {
		b.Run(m.name, func(b *testing.B) {
			env, err := localmsk.Start(context.Background(), localmsk.Options{Dir: b.TempDir(), StockClients: m.stock})
			if err != nil {
				b.Fatalf("starting the local environment: %v", err)
			}
			defer env.Close()
			tg, err := cli.TargetFromLocal(env.Info())
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if rep := verify.Run(context.Background(), tg, opts(5*time.Second)); !rep.Passed {
					b.Fatal("verification failed")
				}
			}
		})
	}
}
