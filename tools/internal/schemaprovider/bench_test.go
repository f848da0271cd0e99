package schemaprovider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/mskvpce/mskvpce/tools/schemas"
)

// BenchmarkLoadAWS measures what every provider start pays before its first
// answer: gunzip and index the embedded AWS schema.
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

// BenchmarkGetProviderSchemaAWS measures the one full conversion Terraform
// asks for once per command (other provider instances in the same command
// skip it: GetProviderSchemaOptional).
func BenchmarkGetProviderSchemaAWS(b *testing.B) {
	gz, err := schemas.Gzipped("aws")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		srv := New(func() (*Schema, error) { return LoadGzipped(gz) })
		resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
		if err != nil || len(resp.Diagnostics) > 0 {
			b.Fatal(err, resp.Diagnostics)
		}
	}
}
