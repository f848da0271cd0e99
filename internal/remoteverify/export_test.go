package remoteverify

import "github.com/mskvpce/mskvpce/internal/verify"

// TargetForTest is what the function hands the verifier for c, dialing by
// hostname.
func TargetForTest(c Config) verify.Target { return c.target(nil) }
