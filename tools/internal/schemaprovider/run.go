package schemaprovider

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/mskvpce/mskvpce/tools/schemas"
)

const usage = `terraform-provider-<name>: a schema-only Terraform provider.

Terraform starts it (through the dev_overrides in bin/terraformrc); it is not
meant to be run by hand. The provider it impersonates is taken from its own
file name, terraform-provider-<name>, and its schema is embedded
(tools/schemas/<name>.json.gz). Embedded schemas: %s.

It serves the real schema so terraform validate, terraform test (with
mock_provider) and terraform plan work offline, and plans a replacement
where the real provider would; it refuses to apply.

Environment:
  %s  JSON file of data source results,
      {"<data source type>": {"<attribute>": <value>}}, used by plan (an
      array of such objects for several instances: each takes the first
      that agrees with what it has known already, e.g. its id).
  %s  "1": serve every type of the schema, not only
      those the configuration Terraform runs names (its files, its modules'
      files per .terraform/modules/modules.json, local state).
  %s  "1": tests only. Apply stores the planned state with its
      unknowns made up ("resource.<type>" entries of the file above, else
      values distinct per resource), so a test can plan a change against
      what an apply left. Nothing is created anywhere.

Use:
  make tools
  TF_CLI_CONFIG_FILE=$PWD/bin/terraformrc terraform -chdir=DIR validate

Exit codes: 0 served and stopped; 2 usage (no such embedded schema, run by hand).
`

// Run serves the provider named by argv0 (terraform-provider-<name>) until
// Terraform stops it.
func Run(_ context.Context, stdout, stderr io.Writer, argv0 string, args []string) int {
	name := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(argv0), ".exe"), "terraform-provider-")
	help := fmt.Sprintf(usage, strings.Join(schemas.Names(), ", "), FixtureEnv, FullSchemaEnv, MockApplyEnv)
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(stdout, help)
			return 0
		}
	}
	gz, err := schemas.Gzipped(name)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n\n%s", filepath.Base(argv0), err, help)
		return 2
	}
	if os.Getenv("TF_PLUGIN_MAGIC_COOKIE") == "" {
		fmt.Fprintf(stderr, "%s: not started by Terraform\n\n%s", filepath.Base(argv0), help)
		return 2
	}
	srv := New(func() (*Schema, error) { return LoadGzipped(gz) })
	if err := tf6server.Serve(name, func() tfprotov6.ProviderServer { return srv }); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", filepath.Base(argv0), err)
		return 1
	}
	return 0
}
