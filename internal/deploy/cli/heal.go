package cli

// deploy heal: the broker healer (internal/heal) on demand, from the
// deployment's outputs: what it would change, and with --yes the change.

import (
	"context"
	"errors"
	"fmt"

	"github.com/mskvpce/mskvpce/internal/heal"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

const healHelp = `deploy heal [--name N] [--yes] [--timeout 3m] [--output json]

Re-points each broker's NLB at that broker's current client address, the way the
broker-healer module's Lambda does every minute (terraform/modules/broker-healer):
reads the brokers (kafka:ListNodes) and each broker's target group, keyed by broker
id (the outputs' brokers and each group's BrokerId tag), and for a broker whose
address changed registers the new address first, waits until the NLB finds it
healthy, then deregisters the old one. A new address that does not become healthy
within --timeout (default 3m) is kept next to the old one, and reported.

Without --yes it only prints what it would change. It refuses to change anything,
and says why, when brokers and target groups do not map one to one (a broker without
a group, a group whose broker is gone, two brokers on one group, a BrokerId tag that
disagrees, a hostname that changed: the NCC rule would be wrong too); then run
terraform apply (deploy apply), which re-reads the cluster's brokers.

Credentials: the AWS profile input or the standard chain. It needs kafka:ListNodes on
the cluster, elasticloadbalancing:DescribeTags and DescribeTargetHealth, and with
--yes RegisterTargets and DeregisterTargets on the brokers' target groups.

Exit codes:
  0  nothing to do, healed, or (without --yes) the changes it would make
  1  a heal failed, or a new address never became healthy (both targets kept)
  2  refused (ambiguous mapping; nothing changed), or a usage error
`

func (c *cli) cmdHeal(ctx context.Context) error {
	c.existing = true
	if err := c.prepare(ctx, false, false); err != nil {
		return err
	}
	if err := c.ensureInit(ctx); err != nil {
		return err
	}
	d, _, err := c.outputs(ctx)
	if err != nil {
		return fmt.Errorf("deployment %q cannot be healed: %w", c.settings.Name, err)
	}
	spec := heal.SpecFromDeployment(d)
	if err := spec.Validate(); err != nil {
		return usagef("deployment %q: its outputs do not name the broker paths to heal: %v (run %s)", c.settings.Name, err, c.cmdline("apply"))
	}
	cfg, err := c.awsConfig(ctx, d.Region)
	if err != nil {
		return err
	}
	o := heal.Options{Apply: c.yes, Region: d.Region, Logger: c.log}
	if c.setFlags()["timeout"] {
		if c.timeout <= 0 {
			return usagef("--timeout %s: the wait for a healthy target must be positive", c.timeout)
		}
		o.HealthyTimeout = c.timeout
	}
	a := heal.NewAWS(cfg, heal.Retry{})
	rep, err := heal.Reconcile(ctx, a, a, spec, o)
	if err != nil {
		return usagef("deployment %q: %v", c.settings.Name, err)
	}
	if c.output == "json" {
		err = rep.WriteJSON(c.env.Stdout)
	} else {
		err = rep.WriteTable(c.env.Stdout)
		if err == nil && rep.Outcome == heal.OutcomeWouldHeal {
			_, err = fmt.Fprintf(c.env.Stdout, "Apply it: %s --yes\n", c.cmdline("heal"))
		}
	}
	if err != nil {
		return err
	}
	switch {
	case ctx.Err() != nil:
		return errJSONWritten{fmt.Errorf("%w: the heal did not finish; run %s again", tfrunner.ErrInterrupted, c.cmdline("heal"))}
	case rep.Outcome == heal.OutcomeRefused:
		return errJSONWritten{usagef("refused: %s (see the report above)", rep.Summary())}
	case rep.Outcome == heal.OutcomeFailed:
		return errJSONWritten{errors.New(rep.Summary() + " (see the report above)")}
	}
	return nil
}
