package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/inputfile"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// Names in --checks besides the control-plane check ids.
const (
	checkData         = "data"          // the data path: every broker path, dns → consume
	checkControlPlane = "control-plane" // every control-plane check
	checkAll          = "all"
)

// checksHelp is the --checks part of --help: every id with what it proves.
const checksHelp = `Checks (--checks, comma-separated; default all that apply to the input):
  data                    the data path above, through every broker's NLB
  control-plane           all of the following, through the AWS APIs (--tf-outputs only):
    nlb-target            NLB i targets exactly broker i's current client IP (kafka ListNodes)
    target-health         every target healthy
    listener              one TCP/9098 listener forwarding to the broker's target group
    cross-zone            cross-zone load balancing as deployed (off; on with nlb_zones = "all")
    endpoint-service      endpoint service Available
    allowed-principals    endpoint service allows exactly the configured principals
    endpoint-connections  endpoint connections and their state; pending ones with the accept command
    rule-domains          each broker hostname in exactly one Databricks rule, on its broker's service (outputs only)
    broker-sg             broker security group admits 9098 only from the NLB security group
    nlb-sg                no NLB security group ingress wider than intended
    trust-policy          Databricks role trusts the UC master role and itself, external ID not "0000"
  With --tf-outputs the default runs the data path and every control-plane check
  (the control-plane ones with the caller's own credentials, never --role-arn's).
  The local environment (--local, --local-info) has no AWS control plane and
  --endpoint names no AWS resources: there the default is the data path alone,
  and naming a control-plane check is an error (exit 2).
  IAM permissions the control-plane checks need: ` + "`verify permissions --tf-outputs FILE`" + `
  prints the least-privilege policy (read-only Describe/List/Get actions).
`

// selection is what --checks chose.
type selection struct {
	data bool
	cp   []string // control-plane check ids, in report order
	// explicitCP: the user named control-plane checks (an id or
	// control-plane), as opposed to the default or all.
	explicitCP bool
}

// parseChecks reads --checks: "" and "all" choose everything that applies.
func parseChecks(s string) (selection, error) {
	var sel selection
	s = strings.TrimSpace(s)
	if s == "" {
		s = checkAll
	}
	seen := map[string]bool{}
	for _, c := range strings.Split(s, ",") {
		switch c = strings.TrimSpace(c); c {
		case "":
		case checkAll:
			sel.data = true
			for _, id := range controlplane.AllChecks {
				seen[id] = true
			}
		case checkData:
			sel.data = true
		case checkControlPlane:
			sel.explicitCP = true
			for _, id := range controlplane.AllChecks {
				seen[id] = true
			}
		default:
			if !slices.Contains(controlplane.AllChecks, c) {
				return sel, badInput("--checks: unknown check %q: valid are %s, %s, %s, or one of %s", c, checkAll, checkData, checkControlPlane, strings.Join(controlplane.AllChecks, ", "))
			}
			sel.explicitCP = true
			seen[c] = true
		}
	}
	for _, id := range controlplane.AllChecks { // report order
		if seen[id] {
			sel.cp = append(sel.cp, id)
		}
	}
	if !sel.data && len(sel.cp) == 0 {
		return sel, badInput("--checks %q selects nothing: name %s, %s or check ids", s, checkData, checkControlPlane)
	}
	return sel, nil
}

// noControlPlane explains why an input has no control-plane checks.
func (o options) noControlPlane() string {
	switch {
	case o.local:
		return "the local environment has no AWS control plane"
	case o.localInfo != "":
		// localmsk --control-plane serves MSK and ELBv2 for deploy's
		// discovery and the healer; verify's checks read a deployment's
		// outputs, which a local environment has none of.
		return "a local environment is checked on its data path only (localmsk --control-plane serves deploy's discovery and the healer, not these checks)"
	default:
		return "--endpoint names no AWS resources (pass --tf-outputs for the NLBs, endpoint services, security groups and role to check)"
	}
}

const permissionsUsage = `Usage: verify permissions [--tf-outputs FILE|-]

Prints the least-privilege IAM identity policy the control-plane checks need
(read-only: EC2 and ELBv2 Describe actions, kafka:ListNodes on the cluster,
iam:GetRole on the Databricks role), scoped to the deployment's cluster and
role when --tf-outputs is given, with placeholders otherwise. Attach it to the
identity that runs ` + "`verify`" + ` (not to the Databricks role).

Per check:
%s
Example:
  terraform -chdir=terraform/examples/complete output -json | go run ./cmd/verify permissions --tf-outputs - > verify-policy.json

Flags:
`

// runPermissions is `verify permissions`.
func runPermissions(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("verify permissions", flag.ContinueOnError)
	var perCheck strings.Builder
	for _, id := range controlplane.AllChecks {
		actions := strings.Join(controlplane.RequiredActions[id], ", ")
		if actions == "" {
			actions = "(none: reads the Terraform outputs only)"
		}
		fmt.Fprintf(&perCheck, "  %-21s %s\n", id, actions)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), permissionsUsage, perCheck.String())
		cmdline.PrintDefaults(fs)
	}
	tfOut := fs.String("tf-outputs", "", "`FILE` holding `terraform output -json`, or - for stdin")
	if code, done := cmdline.Parse(fs, args, stdout, stderr, false); done {
		return code
	}
	d := tfoutputs.Deployment{
		ClusterARN: "arn:aws:kafka:REGION:ACCOUNT:cluster/CLUSTER_NAME/CLUSTER_UUID",
		RoleARN:    "arn:aws:iam::ACCOUNT:role/DATABRICKS_ROLE_NAME",
	}
	if *tfOut != "" {
		var err error
		if d, err = readOutputs(ctx, *tfOut, stdin, 0); err != nil {
			if cmdline.Interrupted(ctx) {
				fmt.Fprintln(stderr, "verify permissions: interrupted")
				return ExitInterrupted
			}
			fmt.Fprintf(stderr, "verify permissions: %v\n", err)
			return ExitUsage
		}
	}
	fmt.Fprintln(stdout, controlplane.IAMPolicy(d))
	return ExitOK
}

// maxOutputs bounds what --tf-outputs reads: outputs are a few KiB.
const maxOutputs = 16 << 20

// readOutputs parses `terraform output -json` from a regular file or stdin
// ("-"), reading stdin for at most timeout (0: until ctx ends), and refuses
// anything after the JSON document. A FIFO or device path is refused
// before it is opened: only stdin may be a pipe. When ctx ends the error is
// ctx's (the caller exits 130).
func readOutputs(ctx context.Context, path string, stdin io.Reader, timeout time.Duration) (tfoutputs.Deployment, error) {
	var (
		b    []byte
		err  error
		name = path
	)
	if path == "-" {
		name = "stdin"
		rctx := ctx
		if timeout > 0 {
			var cancel context.CancelFunc
			rctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		b, err = inputfile.ReadStream(rctx, stdin, maxOutputs)
		switch {
		case ctx.Err() != nil:
			return tfoutputs.Deployment{}, ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			return tfoutputs.Deployment{}, badInput("--tf-outputs stdin: nothing complete to read within --timeout %s: pipe `terraform output -json` into it, or pass a file", timeout)
		case errors.Is(err, inputfile.ErrTooLarge):
			return tfoutputs.Deployment{}, badInput("--tf-outputs stdin: more than %d MiB: not `terraform output -json`", maxOutputs>>20)
		case err != nil:
			return tfoutputs.Deployment{}, badInput("--tf-outputs stdin: %v", err)
		}
	} else {
		b, err = inputfile.Read(ctx, path, maxOutputs)
		switch {
		case ctx.Err() != nil:
			return tfoutputs.Deployment{}, ctx.Err()
		case errors.Is(err, inputfile.ErrNotRegular):
			return tfoutputs.Deployment{}, badInput("--tf-outputs %v; to read a pipe, pass --tf-outputs - with it on stdin", err)
		case errors.Is(err, inputfile.ErrTooLarge):
			return tfoutputs.Deployment{}, badInput("--tf-outputs %v: not `terraform output -json`", err)
		case err != nil:
			return tfoutputs.Deployment{}, badInput("--tf-outputs %v: write it with `terraform -chdir=terraform/examples/complete output -json > %s`", err, path)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	if err := dec.Decode(&v); err == nil {
		if rest := bytes.TrimSpace(b[dec.InputOffset():]); len(rest) > 0 {
			return tfoutputs.Deployment{}, badInput("--tf-outputs %s: %d bytes after the JSON document (%q…): pass the output of one `terraform output -json` alone", name, len(rest), clip(rest, 20))
		}
	}
	d, err := tfoutputs.Parse(bytes.NewReader(b))
	if err != nil {
		return d, badInput("--tf-outputs %s: %v", name, err)
	}
	return d, nil
}

func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}
