package pathguard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	tfjson "github.com/hashicorp/terraform-json"
)

// ErrNotAPlan marks input that is not a usable plan: the caller's input
// error (exit 2), not a verdict.
var ErrNotAPlan = errors.New("not a usable Terraform plan")

const howToMake = "save the plan with `terraform plan -out plan.out`, then pass `terraform show -json plan.out`"

// Read decodes `terraform show -json` of a saved plan, and refuses, naming
// what it got instead, anything else: Terraform state, the streamed log of
// `terraform plan -json`, a plan whose planning failed.
func Read(r io.Reader) (*tfjson.Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%w: reading it: %v", ErrNotAPlan, err)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: the input is empty; %s", ErrNotAPlan, howToMake)
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, fmt.Errorf("%w: this is a saved plan file itself (Terraform's binary format); pass `terraform show -json` of it", ErrNotAPlan)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var top map[string]json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: the input is not a JSON object (%v); %s", ErrNotAPlan, err, howToMake)
	}
	if _, ok := top["@level"]; ok || dec.More() {
		return nil, fmt.Errorf("%w: this is the log of `terraform plan -json` (one message per line), not a plan; %s", ErrNotAPlan, howToMake)
	}
	_, planned := top["planned_values"]
	_, changes := top["resource_changes"]
	var errored bool
	_ = json.Unmarshal(top["errored"], &errored)
	switch {
	case errored:
		return nil, fmt.Errorf("%w: the plan has errors (\"errored\": true): Terraform could not plan every change, so what it would do is unknown; fix the errors `terraform plan` printed and plan again", ErrNotAPlan)
	case top["values"] != nil && !planned && !changes:
		return nil, fmt.Errorf("%w: this is Terraform state (`terraform show -json` without a plan file), not a plan; %s", ErrNotAPlan, howToMake)
	case top["format_version"] == nil:
		return nil, fmt.Errorf("%w: no format_version: not the output of `terraform show -json`; %s", ErrNotAPlan, howToMake)
	case !planned && !changes:
		return nil, fmt.Errorf("%w: no planned_values and no resource_changes: not the output of `terraform show -json` of a plan file; %s", ErrNotAPlan, howToMake)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: %v: deploy reads plan format 1.x, the `terraform show -json` of Terraform 1.x", ErrNotAPlan, err)
	}
	return &p, nil
}
