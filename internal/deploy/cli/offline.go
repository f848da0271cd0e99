package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// Offline planning (docs/testing.md, "Planning offline") routes
// hashicorp/aws to the schema-only provider through TF_CLI_CONFIG_FILE's
// dev_overrides. Its plans can never be applied, so deploy says so before
// any Terraform work, and its hints name deploy's own commands.

// schemaOnlyRefusal is the schema-only provider's apply refusal
// (tools/internal/schemaprovider.ApplyRefusal): a binary that holds it is
// that provider.
const schemaOnlyRefusal = "schema-only provider: cannot apply"

// schemaOnly reports the directory of the schema-only provider when
// TF_CLI_CONFIG_FILE routes hashicorp/aws to it and it would refuse to apply
// (MSKVPCE_SCHEMA_PROVIDER_MOCK_APPLY=1 makes it apply to a mock instead).
func (c *cli) schemaOnly() (string, bool) {
	dir, ok := c.awsOverridden()
	if !ok || c.env.getenv("MSKVPCE_SCHEMA_PROVIDER_MOCK_APPLY") == "1" {
		return "", false
	}
	bins, _ := filepath.Glob(filepath.Join(dir, "terraform-provider-aws*"))
	for _, bin := range bins {
		if st, err := os.Stat(bin); err != nil || !st.Mode().IsRegular() {
			continue // never a FIFO or device: reading it could block
		}
		b, err := os.ReadFile(bin)
		if err == nil && bytes.Contains(b, []byte(schemaOnlyRefusal)) {
			return dir, true
		}
	}
	return "", false
}

// refuseSchemaOnlyApply stops apply before any Terraform work when the plan
// it would make comes from the schema-only provider: every resource would
// fail, and the state would be left looking partially applied.
func (c *cli) refuseSchemaOnlyApply() error {
	dir, ok := c.schemaOnly()
	if !ok {
		return nil
	}
	return usagef("this plan was made with the schema-only provider: it cannot be applied; unset TF_CLI_CONFIG_FILE "+
		"(%s routes hashicorp/aws to %s, which validates and plans offline but never reaches AWS), then run `%s` "+
		"with AWS credentials (nothing was planned or written)", c.env.getenv("TF_CLI_CONFIG_FILE"), dir, c.cmdline("apply"))
}

// schemaOnlyNext is status's next step for a deployment planned offline
// while the schema-only provider is still configured.
func (c *cli) schemaOnlyNext() (detail, next string, ok bool) {
	if _, ok := c.schemaOnly(); !ok {
		return "", "", false
	}
	return "TF_CLI_CONFIG_FILE routes hashicorp/aws to the schema-only provider: what it plans cannot be applied",
		fmt.Sprintf("to deploy for real, unset TF_CLI_CONFIG_FILE, then %s with AWS credentials", c.cmdline("apply")), true
}

// stateHasResources reports whether a local state file records any managed
// resource (false: nothing was ever created, e.g. an apply that failed on
// its first resources, whatever outputs it recorded). known is false when
// it cannot tell (S3 backend, no or unreadable state).
func (c *cli) stateHasResources(ctx context.Context) (has, known bool) {
	if c.settings.Backend != "local" {
		return false, false
	}
	b, err := deploy.ReadRegularFile(ctx, c.wd.StateFile())
	if err != nil {
		return false, false
	}
	var st struct {
		Resources []struct {
			Mode      string            `json:"mode"`
			Instances []json.RawMessage `json:"instances"`
		} `json:"resources"`
	}
	if json.Unmarshal(b, &st) != nil {
		return false, false
	}
	for _, r := range st.Resources {
		if r.Mode == "managed" && len(r.Instances) > 0 {
			return true, true
		}
	}
	return false, true
}

// outputsHint words an outputs error for deploy's operator: nothing applied
// yet, or an apply that did not finish, with deploy's own next command
// (tfoutputs' own hint is for someone passing `terraform output -json`).
func (c *cli) outputsHint(raw []byte, err error) error {
	var missing *tfoutputs.MissingError
	if !errors.As(err, &missing) {
		return err
	}
	var outs map[string]json.RawMessage
	if json.Unmarshal(raw, &outs) == nil && len(outs) == 0 {
		return &hintError{fmt.Sprintf("nothing applied yet (the state has no outputs): run `%s`", c.cmdline("apply")), err}
	}
	return &hintError{fmt.Sprintf("not fully applied: the outputs lack %s (an apply that did not finish, or one by an older configuration): run `%s` to finish it", missing.List(), c.cmdline("apply")), err}
}

// hintError replaces an error's text, keeping it for errors.As.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }

// joinDetail adds a sentence to a status detail.
func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// savedPlanNext is what plan prints after saving a plan: how to apply it,
// or, offline, why it cannot be and how to deploy for real.
func (c *cli) savedPlanNext(file string) string {
	if _, ok := c.schemaOnly(); ok {
		return fmt.Sprintf("Saved plan: %s\nIt was made with the schema-only provider (offline) and cannot be applied. To deploy for real, unset TF_CLI_CONFIG_FILE, then run: %s\n", file, c.cmdline("apply"))
	}
	return fmt.Sprintf("Saved plan: %s\nApply it: %s\n", file, c.cmdline("apply"))
}
