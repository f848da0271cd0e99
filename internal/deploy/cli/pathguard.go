package cli

// The data-path guard (internal/pathguard) in plan and apply, and
// check-plan, the same verdicts over a plan made with plain Terraform.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/mskvpce/mskvpce/internal/deploy/discovery"
	"github.com/mskvpce/mskvpce/internal/pathguard"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

// planJSON is `deploy plan --output json`: the summary's fields, as before,
// and what the plan does to each broker's path.
type planJSON struct {
	tfrunner.Summary
	Paths *pathguard.Report `json:"paths,omitempty"`
	// Cluster is the existing cluster as discovered (--cluster-arn).
	Cluster *discovery.Cluster `json:"cluster,omitempty"`
	// Limits is the Databricks account limits check (--cluster-arn with --databricks).
	Limits *limitsReport `json:"databricks_limits,omitempty"`
}

func pathReport(res *tfrunner.PlanResult) *pathguard.Report {
	if res == nil || res.Plan == nil {
		return nil
	}
	r := pathguard.Check(res.Plan)
	return &r
}

// guardPaths prints what the plan does to each broker's data path and
// refuses (exit 2, before anything is applied) a plan that interrupts the
// path of a broker that stays, unless --allow-path-interruption.
func (c *cli) guardPaths(res *tfrunner.PlanResult) error {
	r := pathReport(res)
	if r == nil {
		return nil
	}
	r.WriteText(c.env.Stdout)
	cut := r.Interrupted()
	if len(cut) == 0 {
		return nil
	}
	if c.allowPathCut {
		fmt.Fprintf(c.env.Stderr, "note: this plan interrupts the data path of broker %s; applying it anyway (--allow-path-interruption)\n", pathguard.IDs(cut))
		return nil
	}
	stay := "stay"
	if len(cut) == 1 {
		stay = "stays"
	}
	return usagef("refusing to apply: this plan interrupts the data path of broker %s, which %s in the cluster:\n  %s\n"+
		"Nothing was applied. Run `%s --diff` to see every change. If the interruption is intended (a maintenance window, the consumers told), "+
		"apply it with `%s --allow-path-interruption`.",
		pathguard.IDs(cut), stay, strings.Join(r.Interruptions(), "\n  "), c.cmdline("plan"), c.cmdline("apply"))
}

// planFileArg takes check-plan's one argument (- or a file); flags may
// follow it.
func (c *cli) planFileArg(fs *flag.FlagSet) error {
	if c.cmd != "check-plan" {
		return nil
	}
	for fs.NArg() > 0 {
		if c.planFile != "" {
			return fmt.Errorf("one plan at a time: got %q and %q", c.planFile, fs.Arg(0))
		}
		c.planFile = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}
	return nil
}

func (c *cli) cmdCheckPlan(ctx context.Context) error {
	name, where := c.planFile, "in "+c.planFile
	var in io.Reader
	switch name {
	case "", "-":
		name, where = "stdin", "on stdin"
		if c.env.StdinTTY {
			return usagef("stdin is a terminal: pipe the plan's JSON in (`terraform show -json plan.out | %s check-plan -`) or name a file with it", c.prog())
		}
		in = c.env.Stdin
	default:
		f, err := os.Open(name)
		if err != nil {
			return usagef("%v: name a file with `terraform show -json plan.out` in it, or - for stdin", err)
		}
		defer f.Close()
		in = f
	}
	plan, err := readPlan(ctx, in)
	if errors.Is(err, tfrunner.ErrInterrupted) {
		return err
	}
	if err != nil {
		return usagef("%s: %v", name, err)
	}
	r := pathguard.Check(plan)
	if c.output == "json" {
		if err := r.WriteJSON(c.env.Stdout); err != nil {
			return err
		}
	} else {
		r.WriteText(c.env.Stdout)
	}
	if cut := r.Interrupted(); len(cut) > 0 {
		return errJSONWritten{fmt.Errorf("the plan %s interrupts the data path of broker %s: do not apply it unless that is intended", where, pathguard.IDs(cut))}
	}
	return nil
}

// readPlan reads the plan until ctx is cancelled: stdin may never end.
func readPlan(ctx context.Context, in io.Reader) (*tfjson.Plan, error) {
	type result struct {
		p   *tfjson.Plan
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := pathguard.Read(in)
		done <- result{p, err}
	}()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("%w while reading the plan", tfrunner.ErrInterrupted)
	case r := <-done:
		return r.p, r.err
	}
}

func init() { commandHelp["check-plan"] = checkPlanHelp }

const checkPlanHelp = `deploy check-plan [-|FILE] [--output json]

Reads a saved Terraform plan as JSON (` + "`terraform show -json`" + `) and says, per MSK broker, what the
plan does to its data path (Databricks' NCC rule → accepted endpoint → endpoint service → NLB
listener on 9098 → target group → the broker's IP target), naming each changed component and
why; then the changes to what every path shares (the MSK cluster, the security groups and their
9098 rules, the Databricks role, its policies and service credential, the NCC and its binding).
These are the verdicts deploy plan and deploy apply print. With plain Terraform:

  terraform plan -out plan.out
  terraform show -json plan.out | deploy check-plan -
  terraform apply plan.out        # only when check-plan exits 0

It reads stdin (- or no argument; refused when stdin is a terminal) or FILE, and needs no AWS
credentials, Terraform or working directory. It reads any root that calls the modules (the
example, an existing cluster's, your own): resources are matched by type and name, brokers by
their for_each key, the broker id.

  kept         nothing that carries traffic is deleted, replaced in a way that drops it, or
               unknown until apply: in-place updates (tags, attributes) keep a path, and so does
               a target that moves to a known new address in the same target group, the new one
               registered before the old one goes (after MSK moved the broker)
  INTERRUPTED  the broker stays and loses its path: a component deleted or replaced (a new
               endpoint service or NCC rule means a new endpoint that must be accepted), a target
               replaced delete-first, with the same address or with one unknown until apply, a
               routing attribute unknown until apply, or a shared change
  new          every component created (a broker MSK added)
  removed      every component deleted: the broker is going away (MSK removed it)

An in-place update of the cluster (storage, version, instance type, configuration) gets a line,
not a refusal: MSK applies it broker by broker and clients reconnect. The verify canary's
resources are listed but never interrupt: Databricks' traffic does not use them.

--output json: {"schema_version":1,"brokers":[{"broker_id","path","changes":[{"component",
"address","action","order","interrupts","detail"}],"interrupted_by"}],"shared":[...],"notes"}

Exit codes: 0 every path that stays survives; 1 the plan interrupts a path; 2 the input is not
a plan's JSON (the saved plan file itself, Terraform state, the log of ` + "`terraform plan -json`" + `, a
plan that failed: "errored": true) or cannot be read.
`
