// Package finding is the one result type shared by every check mskvpce runs:
// data-path stages (internal/verify) and control-plane checks
// (internal/controlplane) report in the same shape, so one report, one table
// and one JSON schema carry both.
package finding

// Finding is the outcome of one check against one target.
type Finding struct {
	// Check names what was checked, e.g. "nlb-target" or "tls".
	Check string `json:"check"`
	// Target names what it was checked on, e.g. "broker 2" or an ARN.
	Target string `json:"target"`
	OK     bool   `json:"ok"`
	// Skipped is true when the check could not run because an earlier one failed.
	Skipped bool `json:"skipped,omitempty"`
	// Detail is the one-line cause on failure, or what was seen on success.
	Detail string `json:"detail,omitempty"`
	// NextStep tells the operator what to do about a failure.
	NextStep string `json:"next_step,omitempty"`
	// Millis is how long the check took.
	Millis int64 `json:"ms"`
}
