// Command schemagen writes the schema file a schema-only provider embeds:
// tools/schemas/<name>.json.gz, in the format of `terraform providers schema
// -json` (tfjson.ProviderSchemas), gzip-compressed, with the schema's source
// recorded in the gzip header comment.
//
// It exists so the ~4,300-file schema module is compiled once, when the pinned
// version changes (make schemas), and never when the provider is built or
// started.
//
// Usage:
//
//	go run . -provider aws -out ../schemas/aws.json.gz
package main

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	tfjson "github.com/hashicorp/terraform-json"
)

// source is one provider whose schema schemagen can write.
type source struct {
	address string                                 // registry address Terraform resolves
	module  string                                 // Go module the schema comes from
	build   func() (*tfjson.ProviderSchema, error) // the full schema, provider block included
}

var sources = map[string]source{
	"aws": {
		address: "registry.terraform.io/hashicorp/aws",
		module:  "github.com/lonegunmanb/terraform-aws-schema/v6",
		build:   awsSchema,
	},
}

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("schemagen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("provider", "aws", "provider to generate (aws)")
	out := fs.String("out", "", "output file, e.g. ../schemas/aws.json.gz")
	if err := fs.Parse(args); err != nil {
		return err
	}
	src, ok := sources[*name]
	if !ok {
		return fmt.Errorf("unknown provider %q: add it to sources in tools/schemagen/main.go", *name)
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	ps, err := src.build()
	if err != nil {
		return fmt.Errorf("build %s schema: %w", *name, err)
	}
	doc := tfjson.ProviderSchemas{
		FormatVersion: "1.0",
		Schemas:       map[string]*tfjson.ProviderSchema{src.address: ps},
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode %s schema: %w", *name, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".schemagen-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(tmp, gzip.BestCompression)
	if err != nil {
		return err
	}
	// No ModTime: the same input gives the same bytes, so a regeneration
	// without a version bump leaves git clean.
	zw.Comment = src.module + "@" + moduleVersion(src.module)
	if _, err := zw.Write(body); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "schemagen: wrote %s (%s, %d resources, %d data sources, %d ephemeral resources, %d bytes of JSON)\n",
		*out, zw.Comment, len(ps.ResourceSchemas), len(ps.DataSourceSchemas), len(ps.EphemeralResourceSchemas), len(body))
	return nil
}

// moduleVersion reports the version of module path this binary was built with.
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "unknown"
}
