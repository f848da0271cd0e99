package localmsk

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkStart measures how long the environment takes to come up (and
// go down): the command's "ready in well under a second".
func BenchmarkStart(b *testing.B) {
	for b.Loop() {
		e, err := Start(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

// BenchmarkProduceThroughput produces 64 KiB records to partition 0 (broker
// 1) through the broker's NLB stand-in and, for comparison, straight to its
// TLS front. The goal is nlb >= 80% of direct.
func BenchmarkProduceThroughput(b *testing.B) {
	for _, path := range []struct {
		name   string
		direct bool
	}{{"direct", true}, {"nlb", false}} {
		b.Run(path.name, func(b *testing.B) {
			e := startEnv(b, Options{blackholeProduce: true})
			info := e.Info()
			cl := newKgo(b, info, path.direct, awsMSKIAM(info.Credentials),
				kgo.RecordPartitioner(kgo.ManualPartitioner()),
				kgo.ProducerBatchMaxBytes(1<<20),
				kgo.ProducerBatchCompression(kgo.NoCompression()),
				kgo.MaxBufferedBytes(64<<20),
			)
			ctx := context.Background()
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: info.VerificationTopic, Value: []byte("warm-up")}).FirstErr(); err != nil {
				b.Fatal(err)
			}
			val := make([]byte, 64<<10)
			b.SetBytes(int64(len(val)))
			var failed error
			for b.Loop() {
				cl.Produce(ctx, &kgo.Record{Topic: info.VerificationTopic, Value: val}, func(_ *kgo.Record, err error) {
					if err != nil {
						failed = err
					}
				})
			}
			if err := cl.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			if failed != nil {
				b.Fatal(failed)
			}
		})
	}
}
