package tfoutputs

import (
	"fmt"
	"strings"
)

// MissingError is Parse's error for outputs that lack what every tool needs:
// nothing applied yet, or an apply that did not finish. Callers that know
// the operator's next command (deploy) word their own hint from Names.
type MissingError struct {
	Names []string
}

// List is the missing outputs, comma-separated.
func (e *MissingError) List() string { return strings.Join(e.Names, ", ") }

func (e *MissingError) Error() string {
	return fmt.Sprintf("terraform outputs: missing %s: run `terraform apply` in terraform/examples/complete (or `go run ./cmd/deploy apply`) and pass its `terraform output -json`", e.List())
}
