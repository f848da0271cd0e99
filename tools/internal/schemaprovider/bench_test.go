package schemaprovider

import (
	"testing"

	"github.com/mskvpce/mskvpce/tools/schemas"
)

// BenchmarkLoadAWS measures what one provider start pays before it can answer
// GetProviderSchema: gunzip, decode and convert the embedded AWS schema.
func BenchmarkLoadAWS(b *testing.B) {
	gz, err := schemas.Gzipped("aws")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := LoadGzipped(gz); err != nil {
			b.Fatal(err)
		}
	}
}
