// Package terraform embeds the mskvpce Terraform modules and examples so the
// deploy CLI can lay them out in a working directory. The patterns are
// explicit: only HCL sources and the example tfvars are embedded, never a
// local .terraform/ directory, state, lock or plan file.
package terraform

import "embed"

// FS holds modules/<name>/*.tf and examples/<name>/*.tf (plus each example's
// terraform.tfvars.example), with paths relative to this directory.
//
//go:embed modules/*/*.tf examples/*/*.tf examples/*/terraform.tfvars.example
var FS embed.FS

// Root is the root module deploy applies, relative to FS.
const Root = "examples/complete"
