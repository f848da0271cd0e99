package cli

import "time"

// stageBound settles verify's --stage-timeout against --timeout the way
// `verify` does, before any Terraform work: --timeout alone below the
// default stage bound lowers it with it; an explicit --stage-timeout longer
// than --timeout, or either not positive, is a usage error. With --remote
// and no --timeout the run's bound is the canary's own timeout_seconds,
// which canaryEvent checks it against.
func (c *cli) stageBound() error {
	set := c.setFlags()
	if !set["stage-timeout"] && c.stageTimeout > c.timeout {
		c.stageTimeout = c.timeout
	}
	switch {
	case c.timeout <= 0 || c.stageTimeout <= 0:
		return usagef("--timeout and --stage-timeout must be positive (e.g. --timeout 30s --stage-timeout 10s)")
	case c.stageTimeout > c.timeout && (!c.remote || set["timeout"]):
		return usagef("--stage-timeout %s is longer than --timeout %s: lower it or raise --timeout", c.stageTimeout, c.timeout)
	case set["stage-timeout"] && c.remote && (c.stageTimeout < time.Second || c.stageTimeout%time.Second != 0):
		return usagef("--stage-timeout %s: the canary takes whole seconds, at least 1s (e.g. --stage-timeout 10s)", c.stageTimeout)
	}
	return nil
}
