package cli

// deploy verify --remote: the data path is verified by the deployment's
// consumer-side canary (terraform/modules/verify-canary, the example's
// enable_verify_canary), invoked through the Lambda API. The operator needs
// only AWS credentials: the canary dials every broker the way Databricks
// serverless does, through its own interface endpoint, by the broker's
// hostname, as the Databricks role. Drift and the control-plane checks still
// run here (they need only the AWS APIs), and the report is the local
// verifier's, rendered by internal/verify, with the same exit codes.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"

	"github.com/mskvpce/mskvpce/internal/awslog"
	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/lambdazip"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/remoteverify/invoke"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// canaryCost is the canary's hourly cost (terraform/modules/verify-canary/README.md).
const canaryCost = "about $0.065 per hour"

// invokeMargin is what the canary's Lambda adds to the event's timeout
// (the module's timeout = timeout_seconds + 30), plus the API round trip.
const invokeMargin = 60 * time.Second

func (c *cli) cmdVerifyRemote(ctx context.Context) error {
	if err := c.remoteFlags(); err != nil {
		return err
	}
	d, err := c.deploymentToVerify(ctx)
	if err != nil {
		return err
	}
	if d.VerifyCanary == nil {
		// Everything that can refuse does so before any plan.
		zip, err := c.offerCanary()
		if err != nil {
			return err
		}
		// Drift of the deployment as it is, before the canary is added.
		checks, err := c.driftChecks(ctx)
		if err != nil {
			return err
		}
		d, err = c.createCanary(ctx, zip)
		if err != nil {
			return err
		}
		rep, verr := c.verifyRemote(ctx, d, checks, "Step 2 of 3: ", true)
		// The text report comes before the removal, which can take many
		// minutes; JSON waits for it, so stdout holds one document.
		printed := false
		if verr == nil && c.output != "json" {
			verr, printed = c.writeReport(rep), true
		}
		rerr := c.removeCanary(ctx)
		if rerr != nil && c.output == "json" {
			// One document: the removal's error, with the report beside it.
			err := fmt.Errorf("%w\n(the verification itself: %v)", rerr, resultOfReport(rep, verr))
			return c.writeJSONErrorWithReport(ExitFailed, err, rep)
		}
		if verr == nil && !printed {
			verr = c.writeReport(rep)
		}
		if rerr != nil {
			// A leftover canary costs money: its removal failing is the
			// error that counts (exit 1), the verdict is said beside it.
			return fmt.Errorf("%w\n(the verification itself: %v)", rerr, resultOf(verr))
		}
		return verr
	}
	checks, err := c.driftChecks(ctx)
	if err != nil {
		return err
	}
	if c.canaryZip != "" {
		fmt.Fprintf(c.env.Stderr, "note: deployment %q has its canary (%s): --canary-zip is not used\n", c.settings.Name, d.VerifyCanary.FunctionName)
	}
	rep, err := c.verifyRemote(ctx, d, checks, "", false)
	if err != nil {
		return err
	}
	return c.writeReport(rep)
}

// resultOfReport is resultOf for a report not written (yet).
func resultOfReport(rep *verify.Report, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case rep.Passed:
		return "passed"
	}
	return "failed, see the report field"
}

func resultOf(err error) string {
	switch {
	case err == nil:
		return "passed"
	case errors.Is(err, errVerifyFailed):
		return "failed, see the report above"
	}
	return err.Error()
}

// remoteFlags refuses the flags that mean nothing when the canary dials.
func (c *cli) remoteFlags() error {
	if !c.remote {
		return usagef("--canary-zip is for --remote (the Lambda zip of a canary created for this run)")
	}
	set := c.setFlags()
	for _, f := range []string{"endpoint", "ca-file", "role-arn"} {
		if set[f] {
			return usagef("--%s does not apply to --remote: the canary dials each broker by its hostname through its own interface endpoint, trusts the system roots and assumes the Databricks role with the deployment's external ID; drop --%s, or verify locally without --remote", f, f)
		}
	}
	if c.saslMechanism != "" {
		if _, err := verify.ParseMechanisms(c.saslMechanism); err != nil {
			return usagef("%v", err)
		}
	}
	if set["timeout"] && (c.timeout < time.Second || c.timeout%time.Second != 0) {
		return usagef("--timeout %s: the canary takes whole seconds, at least 1s (e.g. --timeout 30s)", c.timeout)
	}
	return nil
}

// offerCanary explains how to enable the canary and checks, before any
// Terraform work, that this run may create it: the Lambda zip, and consent
// (a terminal to ask on, or --yes). It returns the zip's absolute path.
func (c *cli) offerCanary() (string, error) {
	w := c.env.Stderr
	fmt.Fprintf(w, "Deployment %q has no verify canary: --remote verifies through it (terraform/modules/verify-canary: a small\n", c.settings.Name)
	fmt.Fprintf(w, "consumer VPC with one interface endpoint per broker's endpoint service and the verifier Lambda; %s).\n", canaryCost)
	fmt.Fprintf(w, "To keep one: build the zip (make verify-lambda-zip), put\n  enable_verify_canary          = true\n  verify_canary_lambda_zip_path = \"/abs/path/bin/verify-lambda.zip\"\n")
	fmt.Fprintf(w, "in a .tfvars file and run `%s --var-file FILE` (add verify_canary_schedule_enabled = true for the schedule and alarms).\n", c.cmdline("apply"))
	fmt.Fprintf(w, "Or let this run create it, verify, and remove it again: --canary-zip FILE, with your consent (creating takes some\n")
	fmt.Fprintf(w, "minutes; removing can take longer, while AWS releases the Lambda's network interfaces).\n")
	zip := c.canaryZip
	if zip == "" {
		zip = c.env.getenv("MSKVPCE_CANARY_ZIP")
	}
	if zip == "" {
		return "", usagef("cannot create the canary for this run without its Lambda zip: build it with `make verify-lambda-zip` and pass --canary-zip bin/verify-lambda.zip (or MSKVPCE_CANARY_ZIP); nothing was planned or changed")
	}
	abs, err := filepath.Abs(zip)
	if err != nil {
		return "", usagef("--canary-zip %s: %v", zip, err)
	}
	if st, err := os.Stat(abs); err != nil || !st.Mode().IsRegular() || !strings.HasSuffix(abs, ".zip") {
		return "", usagef("--canary-zip %s: not a readable .zip file (%v): build it with `make verify-lambda-zip` (bin/verify-lambda.zip); nothing was planned or changed", zip, err)
	}
	// What Lambda would refuse at the first invoke, minutes after creating
	// the canary, is refused now.
	if err := lambdazip.Check(abs); err != nil {
		return "", usagef("--canary-zip: %v; nothing was planned or changed", err)
	}
	if !c.yes && !c.env.StdinTTY {
		return "", usagef("refusing to create the canary without consent: stdin is not a terminal; pass --yes to create it for this run and remove it afterwards, or enable it as above (nothing was planned or changed)")
	}
	return abs, nil
}

// canaryVars turn the canary on for one plan, without recording them: the
// deployment's own inputs stay as they were.
func canaryVars(zip string) []string {
	return []string{"enable_verify_canary=true", "verify_canary_lambda_zip_path=" + deploy.HCLValue(zip)}
}

// createCanary plans the deployment with the canary on, shows the plan, asks
// (unless --yes) and applies it; it returns the outputs with verify_canary.
func (c *cli) createCanary(ctx context.Context, zip string) (tfoutputs.Deployment, error) {
	fmt.Fprintln(c.env.Stderr, "\nStep 1 of 3: planning the canary for this run")
	files, vars := c.varArgs()
	out := c.wd.PlanFile() + ".canary"
	defer os.Remove(out)
	res, err := c.runner.Plan(ctx, tfrunner.PlanOptions{Out: out, VarFiles: files, Vars: append(vars, canaryVars(zip)...)})
	if err != nil {
		return tfoutputs.Deployment{}, c.terraformHint(err)
	}
	if c.diff {
		text, err := c.runner.ShowPlanText(ctx, out)
		if err != nil {
			return tfoutputs.Deployment{}, err
		}
		fmt.Fprintln(c.env.Stderr, text)
	}
	res.Summary.Write(c.env.Stderr)
	var other, destructive []string
	for _, ch := range res.Summary.Changes {
		if strings.HasPrefix(ch.Address, "module.verify_canary") || ch.Action == "read" {
			continue
		}
		other = append(other, ch.Action+" "+ch.Address)
		if ch.Action == "delete" || ch.Action == "replace" {
			destructive = append(destructive, ch.Action+" "+ch.Address)
		}
	}
	if len(destructive) > 0 {
		// The canary only adds, and updates the services' principals and
		// the role's trust: anything else is drift or changed inputs, which
		// a verification (with --yes in CI) must never apply on the side.
		return tfoutputs.Deployment{}, fmt.Errorf("refusing to create the canary: this plan would also %s, which is not the canary (drift, or inputs changed since the last apply): review with `%s` and apply or undo that first; nothing was changed", strings.Join(destructive, ", "), c.cmdline("plan"))
	}
	if len(other) > 0 {
		// Expected: the endpoint services allow this account and the
		// Databricks role trusts the canary's role while it exists.
		fmt.Fprintf(c.env.Stderr, "note: besides creating the canary this plan changes: %s (undone when the canary is removed)\n", strings.Join(other, ", "))
	}
	if err := c.confirm(ctx, "\nCreate the canary, verify through it, then remove it? Only 'yes' is accepted: ", "yes"); err != nil {
		return tfoutputs.Deployment{}, err
	}
	fmt.Fprintln(c.env.Stderr, "Creating the canary")
	if err := c.runner.Apply(ctx, out, res.Summary.Total(), false); err != nil {
		// Whatever was created is in state: take it away again.
		fmt.Fprintf(c.env.Stderr, "Creating the canary failed: %v\n", err)
		if rerr := c.removeCanary(ctx); rerr != nil {
			return tfoutputs.Deployment{}, fmt.Errorf("creating the canary: %w; %w", err, rerr)
		}
		return tfoutputs.Deployment{}, fmt.Errorf("creating the canary: %w (what it had created was removed again)", err)
	}
	d, _, err := c.outputs(ctx)
	if err == nil && d.VerifyCanary == nil {
		err = errors.New("the outputs have no verify_canary after applying enable_verify_canary = true: is the configuration older than the canary? (`" + c.cmdline("output") + " --output json`)")
	}
	if err != nil {
		if rerr := c.removeCanary(ctx); rerr != nil {
			return d, fmt.Errorf("%w; %w", err, rerr)
		}
		return d, err
	}
	return d, nil
}

// removeCanary applies the deployment's own inputs again (the canary off),
// under a context a Ctrl-C does not cancel and with destroy's interrupt
// guard, so an interrupted run never leaves the canary half removed.
func (c *cli) removeCanary(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	fmt.Fprintln(c.env.Stderr, "\nStep 3 of 3: removing the canary created for this run")
	out := c.wd.PlanFile() + ".canary-remove"
	defer os.Remove(out)
	hint := fmt.Sprintf("the canary may still be deployed (%s): run `%s` to remove it", canaryCost, c.cmdline("apply"))
	res, err := c.plan(ctx, false, out)
	if err != nil {
		return fmt.Errorf("removing the canary: %w\n%s", err, hint)
	}
	res.Summary.Write(c.env.Stderr)
	if res.Summary.Empty() {
		return nil
	}
	if err := c.runner.Apply(ctx, out, res.Summary.Total(), true); err != nil {
		return fmt.Errorf("removing the canary: %w\n%s", err, hint)
	}
	fmt.Fprintln(c.env.Stderr, "The canary is removed; the deployment is as it was.")
	return nil
}

// trustRetries and trustRetryWait bound the wait for a just-created canary's
// role to be trusted: IAM changes reach STS after seconds, sometimes a minute.
var (
	trustRetries   = 8
	trustRetryWait = 15 * time.Second
)

// verifyRemote invokes the canary and adds drift and the control-plane
// checks. fresh: the canary was created by this run, so a refused role
// assumption is retried while IAM propagates the new trust.
func (c *cli) verifyRemote(ctx context.Context, d tfoutputs.Deployment, checks []finding.Finding, step string, fresh bool) (*verify.Report, error) {
	vc := d.VerifyCanary
	if d.ExternalIDIsPlaceholder && d.Databricks == nil {
		fmt.Fprintln(c.env.Stderr, placeholderWarning(c.cmdline))
	}
	for _, e := range vc.Endpoints {
		if e.State != "" && e.State != "available" {
			fmt.Fprintf(c.env.Stderr, "note: the canary's endpoint %s to broker %d is %s (not available): that path cannot pass until it is; `%s` accepts it\n", e.VPCEndpointID, e.BrokerID, e.State, c.cmdline("apply"))
		}
	}
	cfg, err := c.remoteAWS(ctx, d.Region)
	if err != nil {
		return nil, err
	}
	payload, timeout, err := c.canaryEvent(vc.Event)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.env.Stderr, "%sverifying through the canary %s (up to %s)\n", step, vc.FunctionName, timeout+invokeMargin)
	var rep *verify.Report
	for attempt := 1; ; attempt++ {
		rep, err = invokeCanary(ctx, cfg, vc.FunctionName, payload, timeout, c)
		if err == nil || !fresh || attempt >= trustRetries || !trustNotYet(err) {
			break
		}
		fmt.Fprintf(c.env.Stderr, "the Databricks role does not trust the new canary yet (IAM changes take a little while to reach STS): retrying in %s (%d of %d)\n", trustRetryWait, attempt, trustRetries-1)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w while waiting for the canary's role to be trusted", tfrunner.ErrInterrupted)
		case <-time.After(trustRetryWait):
		}
	}
	if err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("broker paths verified remotely by the canary %s: through each broker's interface endpoint, by its hostname, as the Databricks role", vc.FunctionName))
	rep.AddChecks(checks...)
	if !c.noControl {
		cp, err := verify.Verify(ctx, verify.Request{
			Target:          verify.TargetFromDeployment(d),
			AWS:             cfg,
			Deployment:      &d,
			ControlPlane:    controlplane.AllChecks,
			RunControlPlane: controlplane.Checker,
			Options:         verify.Options{Timeout: c.timeout, StageTimeout: c.stageTimeout, Logger: c.log},
		})
		if err != nil {
			if verify.IsInputError(err) {
				return nil, usagef("%v", err)
			}
			return nil, err
		}
		rep.AddChecks(cp.Checks...)
	}
	return rep, nil
}

// trustNotYet is the canary's refused role assumption (an InputError from
// STS AccessDenied), which a fresh trust policy causes until IAM propagates.
func trustNotYet(err error) bool {
	var ce *canaryError
	return errors.As(err, &ce) && ce.input && strings.Contains(ce.msg, "AccessDenied") && strings.Contains(ce.msg, "AssumeRole")
}

// canaryError is the function's own error (X-Amz-Function-Error): input is
// its InputError (exit 2, as the local verifier), anything else exit 1.
type canaryError struct {
	input bool
	msg   string
}

func (e *canaryError) Error() string { return e.msg }

// Unwrap makes an input error a usage error (exit 2).
func (e *canaryError) Unwrap() error {
	if e.input {
		return &cmdline.UsageError{Msg: e.msg}
	}
	return nil
}

// writeReport prints the report as the local verifier does; a failed one is exit 3.
func (c *cli) writeReport(rep *verify.Report) error {
	var err error
	if c.output == "json" {
		err = rep.WriteJSON(c.env.Stdout)
	} else {
		err = rep.WriteTable(c.env.Stdout)
	}
	if err != nil {
		return err
	}
	if !rep.Passed {
		return fmt.Errorf("%w: see the report above for the failing path and what to do", errVerifyFailed)
	}
	return nil
}

func (c *cli) remoteAWS(ctx context.Context, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(region), awslog.Option(c.log)}
	if p, ok := c.merged["aws_profile"].(string); ok && p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	fix := "configure a profile with --profile or the AWS_* environment, or run `aws sso login`"
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, usagef("AWS configuration for verification: %v (%s)", err, fix)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(cctx); err != nil {
		return cfg, usagef("AWS credentials for invoking the canary: none found (%v): %s", err, fix)
	}
	return cfg, nil
}

// canaryEvent is the module's event with this run's --sasl-mechanism and
// --timeout: an Event (what to check), never where to connect, which the
// canary takes from its own configuration. The module's timeout_seconds is
// also the longest run the canary allows.
func (c *cli) canaryEvent(event string) ([]byte, time.Duration, error) {
	ev, err := remoteverify.DecodeEvent([]byte(event))
	if err != nil {
		return nil, 0, usagef("output verify_canary.event is not an event this deploy sends (%v): the canary was deployed by an older verify-canary module; run `%s` with this checkout (and rebuild its zip with make verify-lambda-zip) to update it", err, c.cmdline("apply"))
	}
	deployed := ev.TimeoutSeconds
	if deployed <= 0 {
		deployed = int(verify.DefaultTimeout / time.Second)
	}
	secs := deployed
	if c.setFlags()["timeout"] {
		secs = int(c.timeout / time.Second)
		if secs > deployed {
			// The Lambda's own timeout is the event's plus 30 s: more would
			// be cut off mid-run (and the canary refuses it).
			return nil, 0, usagef("--timeout %s is longer than the canary allows (%ds, its timeout_seconds): pass at most --timeout %ds, or raise the module's timeout_seconds", c.timeout, deployed, deployed)
		}
		ev.TimeoutSeconds = secs
	}
	if c.setFlags()["stage-timeout"] {
		// stageBound checked whole seconds; the canary's own bound is the run's.
		st := int(c.stageTimeout / time.Second)
		if st > secs {
			return nil, 0, usagef("--stage-timeout %s is longer than the canary's run (%ds): lower it, or pass a longer --timeout (at most the canary's timeout_seconds, %ds)", c.stageTimeout, secs, deployed)
		}
		ev.StageTimeoutSeconds = st
	}
	if c.saslMechanism != "" {
		// remoteFlags checked it; the canary takes the canonical spelling.
		ev.SASLMechanism = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(c.saslMechanism)), "_", "-")
	}
	b, err := json.Marshal(ev)
	return b, time.Duration(secs) * time.Second, err
}

// invokeCanary runs the canary once (internal/remoteverify/invoke) and
// keeps the local verifier's exit codes for the function's own errors: bad
// input or a refused role (errorType InputError) is exit 2, anything else 1.
func invokeCanary(ctx context.Context, cfg aws.Config, name string, payload []byte, timeout time.Duration, c *cli) (*verify.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+invokeMargin)
	defer cancel()
	res, err := invoke.Invoke(ctx, cfg, name, payload)
	if res != nil && res.LogTail != "" {
		c.log.Debug("canary log (tail)", "function", name, "log", res.LogTail)
	}
	var fe *invoke.FunctionError
	var ae smithy.APIError
	switch {
	case err == nil:
		return res.Report, nil
	case ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("%w: invoking the canary %s", tfrunner.ErrInterrupted, name)
	case errors.As(err, &fe):
		logHint := fmt.Sprintf("its log: CloudWatch log group /aws/lambda/%s", name)
		if tail := strings.TrimSpace(fe.LogTail); tail != "" {
			logHint = "the end of its log:\n" + tail
		}
		switch {
		case fe.Input():
			return nil, &canaryError{input: true, msg: fmt.Sprintf("the canary %s refused to verify: %s", name, fe.Message)}
		case fe.TimedOut():
			return nil, fmt.Errorf("the canary %s timed out before a report (%s); %s", name, fe.Message, logHint)
		}
		return nil, fmt.Errorf("the canary %s failed before any broker path (%s: %s); %s", name, fe.Type, fe.Message, logHint)
	case errors.As(err, &ae) && ae.ErrorCode() == "ResourceNotFoundException":
		return nil, usagef("the canary function %s does not exist in %s: it was removed outside Terraform; run `%s` to create it again", name, cfg.Region, c.cmdline("apply"))
	case errors.As(err, &ae) && (ae.ErrorCode() == "AccessDeniedException" || ae.ErrorCode() == "AccessDenied"):
		return nil, usagef("invoking the canary %s was refused (%s): your identity needs lambda:InvokeFunction on it", name, ae.ErrorMessage())
	}
	return nil, err
}

// writeJSONErrorWithReport writes the error document with the verification
// report it followed, so that stdout holds one document.
func (c *cli) writeJSONErrorWithReport(code int, err error, rep *verify.Report) error {
	var buf bytes.Buffer
	if werr := rep.WriteJSON(&buf); werr != nil {
		return werr
	}
	_ = json.NewEncoder(c.env.Stdout).Encode(map[string]any{
		"schema_version": 1,
		"error":          map[string]any{"command": c.cmd, "message": err.Error(), "exit_code": code},
		"report":         json.RawMessage(bytes.TrimSpace(buf.Bytes())),
	})
	return errJSONWritten{err}
}
