package controlplane_test

import (
	"context"
	"testing"

	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/controlplane/awsfake"
)

// BenchmarkRun measures one full control-plane pass (all checks, three
// brokers, 22 AWS calls) against the in-process fake: the overhead of the
// checks themselves, without AWS's latency.
func BenchmarkRun(b *testing.B) {
	d := awsfake.Sample()
	srv := awsfake.Start(awsfake.Healthy(d))
	defer srv.Close()
	c := controlplane.NewClients(srv.Config())
	ctx := context.Background()
	for b.Loop() {
		for _, f := range controlplane.Run(ctx, c, d, controlplane.Options{}) {
			if !f.OK {
				b.Fatalf("%s / %s: %s", f.Check, f.Target, f.Detail)
			}
		}
	}
}
