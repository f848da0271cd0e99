package terraform

import (
	_ "embed"
	"strings"
)

// versionFile is terraform/.terraform-version, the one pin of the Terraform
// version (tfenv and tfswitch read the same file). .ci/run reads it too; the
// workflows, which cannot, and the docs are checked against it by TestVersionPin.
//
//go:embed .terraform-version
var versionFile string

// Version is the Terraform version these modules are tested with and every
// mskvpce tool pins (tfrunner finds or installs exactly this one).
var Version = strings.TrimSpace(versionFile)
