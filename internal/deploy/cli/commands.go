package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/awslog"
	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
	"github.com/mskvpce/mskvpce/internal/verify"
)

func (c *cli) cmdInit(ctx context.Context) error {
	if err := c.prepare(ctx, false, true); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "Initialised deployment %q in %s (backend: %s).\nNext: %s\n", c.settings.Name, c.wd.Dir, c.settings.Backend, c.cmdline("plan"))
	return nil
}

func (c *cli) plan(ctx context.Context, destroy bool, out string) (*tfrunner.PlanResult, error) {
	files, vars := c.varArgs()
	res, err := c.runner.Plan(ctx, tfrunner.PlanOptions{Out: out, VarFiles: files, Vars: vars, Destroy: destroy})
	return res, c.terraformHint(err)
}

// showDiff prints the saved plan as `terraform show` does (--diff).
func (c *cli) showDiff(ctx context.Context, planFile string) error {
	if !c.diff {
		return nil
	}
	text, err := c.runner.ShowPlanText(ctx, planFile)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, text)
	return nil
}

func (c *cli) cmdPlan(ctx context.Context) error {
	if err := c.prepare(ctx, true, true); err != nil {
		return err
	}
	res, err := c.plan(ctx, false, c.wd.PlanFile())
	if err != nil {
		return err
	}
	if c.output == "json" {
		if res.Summary.Empty() {
			_ = os.Remove(res.File)
		}
		return json.NewEncoder(c.env.Stdout).Encode(planJSON{res.Summary, pathReport(res), c.cluster, c.limits})
	}
	if err := c.showDiff(ctx, res.File); err != nil {
		return err
	}
	res.Summary.Write(c.env.Stdout)
	if r := pathReport(res); r != nil {
		r.WriteText(c.env.Stdout)
	}
	if res.Summary.Empty() {
		_ = os.Remove(res.File) // nothing to apply: no saved plan
	} else {
		fmt.Fprint(c.env.Stdout, c.savedPlanNext(res.File))
	}
	return nil
}

func (c *cli) cmdApply(ctx context.Context) error {
	if err := c.prepare(ctx, true, true); err != nil {
		return err
	}
	c.acceptLater = c.databricks() && c.noEndpointsYet(ctx)
	res, err := c.plan(ctx, false, c.wd.PlanFile())
	if err != nil {
		return err
	}
	if err := c.showDiff(ctx, res.File); err != nil {
		return err
	}
	res.Summary.Write(c.env.Stdout)
	if err := c.guardPaths(res); err != nil {
		return err
	}
	if c.acceptLater {
		for _, ch := range res.Summary.Changes {
			if strings.Contains(ch.Address, "aws_vpc_endpoint_connection_accepter") && ch.Action != "create" {
				return fmt.Errorf("refusing to apply: this plan would %s %s, which rejects an accepted endpoint connection; run `%s` with Terraform by hand to see why", ch.Action, ch.Address, c.cmdline("plan"))
			}
		}
		fmt.Fprintln(c.env.Stdout, "The private endpoint rules are new: after this apply deploy waits for Databricks to create their endpoints, accepts exactly those,\nwaits until they are ESTABLISHED and then applies once more to record the acceptances in Terraform state.")
	}
	if _, ok := c.thisRun["databricks_external_id"]; ok {
		var other []string
		for _, ch := range res.Summary.Changes {
			if !strings.Contains(ch.Address, "aws_iam_role") {
				other = append(other, ch.Address)
			}
		}
		if len(other) > 0 {
			fmt.Fprintf(c.env.Stderr, "note: besides the external ID (the IAM role's trust policy) this plan also changes: %s\n", strings.Join(other, ", "))
		}
	}
	// A plan that changes only outputs is still applied: it records the
	// refreshed state, e.g. NCC rules whose connections were accepted since.
	if res.Summary.Empty() && len(res.Summary.Outputs) == 0 {
		_ = os.Remove(c.wd.PlanFile())
		return c.afterApply(ctx)
	}
	if err := c.confirm(ctx, "\nApply these changes? Only 'yes' is accepted: ", "yes"); err != nil {
		return err
	}
	err = c.runner.Apply(ctx, res.File, res.Summary.Total(), false)
	if errors.Is(err, tfrunner.ErrKilled) {
		fmt.Fprintf(c.env.Stderr, "\nApply was killed. State (%s) has what Terraform recorded before the kill (details below).\n"+
			"Run `%s` to see what state knows, then `%s` to finish or `%s` to remove it.\n", c.stateWhere(), c.cmdline("plan"), c.cmdline("apply"), c.cmdline("destroy"))
		return err
	}
	if errors.Is(err, tfrunner.ErrInterrupted) {
		fmt.Fprintf(c.env.Stderr, "\nApply was interrupted. What Terraform created so far is in state (%s).\n"+
			"Run `%s` to finish, or `%s` to remove it.\n", c.stateWhere(), c.cmdline("apply"), c.cmdline("destroy"))
		return err
	}
	if err != nil {
		return fmt.Errorf("%w\nWhat was created before the failure is in state; fix the cause and run `%s` again", err, c.cmdline("apply"))
	}
	_ = os.Remove(c.wd.PlanFile()) // applied: a saved plan is stale now
	return c.afterApply(ctx)
}

// afterApply settles the Databricks connections (wait for the rules'
// endpoints, accept exactly those, wait for ESTABLISHED, and, after a first
// apply, record the acceptances), then prints what the operator does next.
func (c *cli) afterApply(ctx context.Context) error {
	d, raw, err := c.outputs(ctx)
	if err != nil {
		if len(raw) > 2 {
			fmt.Fprintf(c.env.Stderr, "note: the outputs are not (yet) the mskvpce contract: %v\n", err)
			return nil
		}
		return nil
	}
	if d.Databricks != nil && len(d.Databricks.Rules) > 0 {
		live, err := c.settleRules(ctx, d)
		if err != nil {
			return err
		}
		if c.acceptLater {
			c.acceptLater = false
			if err := c.recordAccepted(ctx); err != nil {
				return err
			}
			if d2, _, err := c.outputs(ctx); err == nil && d2.Databricks != nil && len(d2.Databricks.Rules) == len(live) {
				d = d2
			}
		}
		setLive(d.Databricks, live, time.Now())
	}
	writeNextSteps(c.env.Stdout, d, c.cmdline)
	return nil
}

// noEndpointsYet: the state has no rule with an endpoint (a first apply with
// the Databricks side): its accepters could only fail, Databricks creating
// the endpoints after the rules, so this apply leaves them for later.
func (c *cli) noEndpointsYet(ctx context.Context) bool {
	d, _, err := c.outputs(ctx)
	if err != nil || d.Databricks == nil {
		return true
	}
	for _, r := range d.Databricks.Rules {
		if r.VPCEndpointID != "" {
			return false
		}
	}
	return true
}

// recordAccepted is the second apply after a first one: the refresh reads
// the rules' endpoints and the accepters record the accepted connections.
func (c *cli) recordAccepted(ctx context.Context) error {
	fmt.Fprintln(c.env.Stdout, "\nRecording the accepted connections in Terraform state (second apply):")
	res, err := c.plan(ctx, false, c.wd.PlanFile())
	if err != nil {
		return err
	}
	res.Summary.Write(c.env.Stdout)
	if err := c.guardPaths(res); err != nil {
		return err
	}
	if res.Summary.Empty() && len(res.Summary.Outputs) == 0 {
		_ = os.Remove(c.wd.PlanFile())
		return nil
	}
	var other []string
	for _, ch := range res.Summary.Changes {
		if !strings.Contains(ch.Address, "aws_vpc_endpoint_connection_accepter") || ch.Action != "create" {
			other = append(other, ch.Action+" "+ch.Address)
		}
	}
	if len(other) > 0 {
		if err := c.confirm(ctx, fmt.Sprintf("\nBesides the accepters this plan also changes: %s. Apply? Only 'yes' is accepted: ", strings.Join(other, ", ")), "yes"); err != nil {
			return err
		}
	}
	if err := c.runner.Apply(ctx, res.File, res.Summary.Total(), false); err != nil {
		return fmt.Errorf("%w\nThe connections are accepted; run `%s` again to record them in state", err, c.cmdline("apply"))
	}
	_ = os.Remove(c.wd.PlanFile())
	return nil
}

// setLive puts the rules' live states (same order) into the outputs' rules.
// A PENDING rule gets the days left before Databricks expires it.
func setLive(db *tfoutputs.Databricks, live []liveRule, now time.Time) {
	if db == nil || len(live) != len(db.Rules) {
		return
	}
	for i, r := range live {
		db.Rules[i].ConnectionState, db.Rules[i].VPCEndpointID, db.Rules[i].ErrorMessage = r.ConnectionState, r.VPCEndpointID, r.ErrorMessage
		db.Rules[i].PendingDaysLeft, db.Rules[i].PendingExpires = nil, ""
		if r.ConnectionState == rulePending && r.CreationTime > 0 {
			expires := time.UnixMilli(r.CreationTime).Add(pendingExpiry)
			days := max(0, int(expires.Sub(now)/(24*time.Hour)))
			db.Rules[i].PendingDaysLeft, db.Rules[i].PendingExpires = &days, expires.UTC().Format(time.RFC3339)
		}
	}
}

func (c *cli) outputs(ctx context.Context) (tfoutputs.Deployment, []byte, error) {
	raw, err := c.runner.Outputs(ctx)
	if err != nil {
		return tfoutputs.Deployment{}, nil, err
	}
	d, err := tfoutputs.Parse(bytes.NewReader(raw))
	c.learnSecrets(d)
	return d, raw, c.outputsHint(raw, err)
}

func (c *cli) stateWhere() string {
	if c.settings.Backend == "s3" {
		return "S3 backend, " + c.settings.BackendConfig
	}
	return c.wd.StateFile()
}

func (c *cli) cmdOutput(ctx context.Context) error {
	c.existing = true
	if err := c.prepare(ctx, false, false); err != nil {
		return err
	}
	if err := c.ensureInit(ctx); err != nil {
		return err
	}
	d, raw, err := c.outputs(ctx)
	if c.output == "json" {
		if raw == nil {
			return err
		}
		var v map[string]json.RawMessage
		_ = json.Unmarshal(raw, &v)
		if len(v) == 0 {
			return fmt.Errorf("deployment %q has no outputs: nothing applied yet; run `%s`", c.settings.Name, c.cmdline("apply"))
		}
		out, err := c.redactJSON(raw)
		if err != nil {
			return err
		}
		_, werr := c.env.Stdout.Write(append(out, '\n'))
		return werr
	}
	if err != nil {
		return fmt.Errorf("deployment %q: %w", c.settings.Name, err)
	}
	writeOutputs(c.env.Stdout, d, c.cmdline)
	if c.showSecrets {
		c.writeSecrets(d)
	}
	if d.Databricks != nil {
		writeDatabricks(c.env.Stdout, d.Databricks)
	} else {
		writeNCC(c.env.Stdout, d)
	}
	writePySpark(c.env.Stdout, d)
	return nil
}

// ensureInit runs init when the data directory is missing (e.g. after an
// upgrade moved the root module).
func (c *cli) ensureInit(ctx context.Context) error {
	if _, err := os.Stat(c.wd.DataDir()); err == nil {
		if _, err := os.Stat(c.initStampFile()); err == nil {
			return nil
		}
	}
	return c.init(ctx) // never initialised, or the last init failed
}

// phase is where a deployment stands.
type phase string

const (
	phaseNotInitialised phase = "not initialised"
	phaseInitialised    phase = "initialised, nothing applied"
	phasePlanned        phase = "planned, not applied"
	phasePartial        phase = "partially applied"
	phasePlaceholder    phase = "applied, external ID is the placeholder"
	phaseInitFailed     phase = "init incomplete"
	phaseInitNeeded     phase = "init needed"
	phaseRulesPending   phase = "applied, private endpoint connections not all established"
	phaseReady          phase = "ready"
	phaseBusy           phase = "in use by another deploy run"
)

type statusReport struct {
	Name        string `json:"name"`
	Workdir     string `json:"workdir"`
	Root        string `json:"terraform_root"`
	Backend     string `json:"backend"`
	Phase       phase  `json:"phase"`
	Detail      string `json:"detail,omitempty"`
	Next        string `json:"next"`
	RoleARN     string `json:"databricks_msk_role_arn,omitempty"`
	Placeholder bool   `json:"external_id_is_placeholder"`
	// Databricks is the Databricks side when this deployment manages it
	// (--databricks): credential, NCC and each rule's connection state.
	Databricks *tfoutputs.Databricks `json:"databricks,omitempty"`
	// RulesSource says where the rules' states come from: "account API"
	// (live) or "terraform state" (as of the last apply, when the account
	// API could not be read; RulesError says why).
	RulesSource string `json:"rules_source,omitempty"`
	RulesError  string `json:"rules_error,omitempty"`
	// Steps say what to do for each rule not yet ESTABLISHED.
	Steps []string `json:"steps,omitempty"`
}

func (c *cli) status(ctx context.Context) (statusReport, tfoutputs.Deployment, error) {
	r := statusReport{Name: c.settings.Name, Workdir: c.wd.Dir, Root: c.wd.RootDir(), Backend: c.settings.Backend, Placeholder: c.placeholderPlanned()}
	if _, err := os.Stat(c.wd.DataDir()); err != nil {
		r.Phase, r.Next = phaseNotInitialised, fmt.Sprintf("%s (or %s apply with the inputs)", c.cmdline("init"), c.prog())
		return r, tfoutputs.Deployment{}, nil
	}
	// init writes its stamp only when terraform init succeeded.
	switch stamp, err := deploy.ReadRegularFile(ctx, c.initStampFile()); {
	case err != nil:
		r.Phase, r.Detail = phaseInitFailed, "the last terraform init did not finish (it failed or was interrupted)"
		r.Next = fmt.Sprintf("%s, and fix what it reports", c.cmdline("init"))
		return r, tfoutputs.Deployment{}, nil
	case string(stamp) != c.initStamp(ctx):
		r.Phase, r.Detail = phaseInitNeeded, "the configuration, backend or Terraform binary changed since the last terraform init"
		r.Next = fmt.Sprintf("%s (any command that plans runs it too)", c.cmdline("init"))
		return r, tfoutputs.Deployment{}, nil
	}
	d, raw, err := c.outputs(ctx)
	if raw == nil {
		return r, d, err
	}
	var outs map[string]json.RawMessage
	_ = json.Unmarshal(raw, &outs)
	has, known := c.stateHasResources(ctx)
	switch {
	case len(outs) == 0 || (err != nil && known && !has):
		r.Phase, r.Next = phaseInitialised, fmt.Sprintf("%s, then %s", c.cmdline("plan"), c.cmdline("apply"))
		if st, err := os.Stat(c.wd.PlanFile()); err == nil {
			r.Phase, r.Detail = phasePlanned, "saved plan from "+st.ModTime().Format(time.RFC3339)
			r.Next = c.cmdline("apply")
		}
		if detail, next, ok := c.schemaOnlyNext(); ok {
			r.Detail, r.Next = joinDetail(r.Detail, detail), next
		}
	case err != nil:
		r.Phase, r.Detail = phasePartial, err.Error()
		r.Next = fmt.Sprintf("%s to finish (or %s)", c.cmdline("apply"), c.cmdline("destroy"))
	case d.Databricks != nil:
		r.RoleARN, r.Databricks, r.Placeholder = d.RoleARN, d.Databricks, false
		r.RulesSource = "terraform state"
		readTimeout := c.env.StatusReadTimeout
		if readTimeout <= 0 {
			readTimeout = 30 * time.Second
		}
		liveCtx, cancel := context.WithTimeout(ctx, readTimeout)
		defer cancel()
		if api, err := c.accountAPI(); err != nil {
			r.RulesError = err.Error()
		} else if live, err := api.liveRules(liveCtx, d.Databricks); err != nil {
			r.RulesError = err.Error()
		} else {
			setLive(d.Databricks, live, time.Now())
			r.RulesSource = "account API"
		}
		r.Steps = ruleSteps(d, c.cmdline)
		if len(r.Steps) > 0 || len(d.Databricks.Rules) == 0 {
			r.Phase = phaseRulesPending
			r.Next = fmt.Sprintf("get every private endpoint connection to ESTABLISHED (steps below), then %s", c.cmdline("verify"))
			if len(d.Databricks.Rules) == 0 {
				r.Detail = "the Databricks side has no private endpoint rules"
				r.Next = c.cmdline("apply")
			}
		} else {
			r.Phase = phaseReady
			r.Next = fmt.Sprintf("%s; then run the PySpark snippet (%s) in a serverless notebook", c.cmdline("verify"), c.cmdline("output"))
		}
	case d.ExternalIDIsPlaceholder:
		r.Phase, r.RoleARN, r.Placeholder = phasePlaceholder, d.RoleARN, true
		r.Next = fmt.Sprintf("create the Databricks service credential with role %s, then %s --external-id <its external ID>", d.RoleARN, c.cmdline("apply"))
	default:
		r.Phase, r.RoleARN, r.Placeholder = phaseReady, d.RoleARN, false
		r.Next = c.cmdline("verify")
	}
	return r, d, nil
}

func (c *cli) cmdStatus(ctx context.Context) error {
	// Look before touching anything: status of a deployment that does not
	// exist is an error (exit 2, the known ones listed) and creates nothing.
	c.probe = true
	if err := c.resolve(ctx, false); err != nil {
		return err
	}
	c.probe = false
	if _, err := os.Stat(c.wd.SettingsFile()); err != nil {
		return c.noDeployment(c.settings.Name)
	}
	var r statusReport
	var d tfoutputs.Deployment
	var locked *deploy.LockedError
	switch err := c.prepare(ctx, false, false); {
	case errors.As(err, &locked) && c.backendFile == "":
		// Another run works on it: say so, read nothing it may be writing.
		r = statusReport{Name: c.settings.Name, Workdir: c.wd.Dir, Root: c.wd.RootDir(), Backend: c.settings.Backend, Phase: phaseBusy,
			Detail: locked.Error(), Next: fmt.Sprintf("wait until that run ends, then %s", c.cmdline("status"))}
		if locked.Holder != nil {
			r.Detail = fmt.Sprintf("%s holds the deployment lock (%s)", locked.Holder, locked.Path)
		}
	case err != nil:
		return err
	default:
		r, d, err = c.status(ctx)
		if err != nil {
			return err
		}
	}
	if c.output == "json" {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		out, err := c.redactJSON(b)
		if err != nil {
			return err
		}
		_, err = c.env.Stdout.Write(append(out, '\n'))
		return err
	}
	w := c.env.Stdout
	fmt.Fprintf(w, "Deployment:      %s\nWorking dir:     %s\nTerraform root:  %s\nState:           %s\nPhase:           %s\n", r.Name, r.Workdir, r.Root, c.stateWhere(), r.Phase)
	if r.Detail != "" {
		fmt.Fprintf(w, "Detail:          %s\n", r.Detail)
	}
	fmt.Fprintf(w, "Next:            %s\n", r.Next)
	if r.Databricks != nil {
		if r.RulesSource == "account API" {
			fmt.Fprintln(w, "Rule states:     live, from the Databricks account API")
		} else {
			fmt.Fprintf(w, "Rule states:     as of the last apply (terraform state): the account API could not be read: %s\n", r.RulesError)
		}
		writeDatabricks(w, r.Databricks)
		if len(r.Steps) > 0 {
			fmt.Fprintln(w, "  What to do:")
		}
		for _, s := range r.Steps {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	if r.Phase == phaseBusy {
		return nil
	}
	fmt.Fprintf(w, "Run Terraform by hand: cd %s && TF_DATA_DIR=%s terraform <command> -var-file=%s\n", r.Root, c.wd.DataDir(), c.wd.InputsFile())
	if r.Phase == phasePlaceholder {
		fmt.Fprintln(c.env.Stderr, placeholderWarning(c.cmdline))
		writeExternalIDSteps(w, d, c.cmdline)
	}
	return nil
}

// placeholderPlanned is external_id_is_placeholder before anything is
// applied: what the next apply gives the role with the inputs known now.
func (c *cli) placeholderPlanned() bool {
	if c.databricks() {
		return false
	}
	id, _ := c.merged["databricks_external_id"].(string)
	return id == "" || id == "0000"
}

func placeholderWarning(cmd func(string) string) string {
	return "WARNING: the Databricks role still trusts the placeholder external ID \"0000\": Databricks cannot use the service credential until you set the real external ID (" + cmd("apply") + " --external-id <id>)."
}

// deploymentToVerify reads an existing deployment's outputs, the start that
// verify and verify --remote share.
func (c *cli) deploymentToVerify(ctx context.Context) (tfoutputs.Deployment, error) {
	c.existing = true
	if err := c.prepare(ctx, !c.noDrift, false); err != nil {
		return tfoutputs.Deployment{}, err
	}
	if err := c.ensureInit(ctx); err != nil {
		return tfoutputs.Deployment{}, err
	}
	d, _, err := c.outputs(ctx)
	if err != nil {
		return tfoutputs.Deployment{}, fmt.Errorf("deployment %q cannot be verified: %w", c.settings.Name, err)
	}
	return d, nil
}

func (c *cli) cmdVerify(ctx context.Context) error {
	if err := c.stageBound(); err != nil {
		return err
	}
	if c.remote || c.canaryZip != "" {
		return c.cmdVerifyRemote(ctx)
	}
	d, err := c.deploymentToVerify(ctx)
	if err != nil {
		return err
	}
	if d.ExternalIDIsPlaceholder && d.Databricks == nil {
		fmt.Fprintln(c.env.Stderr, placeholderWarning(c.cmdline))
	}
	checks, err := c.driftChecks(ctx)
	if err != nil {
		return err
	}
	t := verify.TargetFromDeployment(d)
	if c.caFile != "" {
		pool, err := verify.LoadCA(c.caFile)
		if err != nil {
			return usagef("--ca-file: %v", err)
		}
		t.RootCAs = pool
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(d.Region)}
	if p, ok := c.merged["aws_profile"].(string); ok && p != "" {
		opts = append(opts, config.WithSharedConfigProfile(p))
	}
	opts = append(opts, awslog.Option(c.log))
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return usagef("AWS configuration for verification: %v (configure a profile with --profile or the AWS_* environment)", err)
	}
	mechs, err := verify.ParseMechanisms(c.saslMechanism)
	if err != nil {
		return usagef("%v", err)
	}
	req := verify.Request{
		Target:     t,
		Endpoints:  c.endpoints,
		AWS:        cfg,
		Data:       true,
		Deployment: &d,
		Checks:     checks,
		Options:    verify.Options{Timeout: c.timeout, StageTimeout: c.stageTimeout, Logger: c.log, Mechanisms: mechs},
	}
	if c.roleARN != "" {
		// Assume the Databricks role with the deployment's external ID, as
		// the Databricks service credential does.
		req.RoleARN = c.roleARN
		if id, ok := c.merged["databricks_external_id"].(string); ok {
			req.ExternalID = id
		}
	}
	if !c.noControl {
		req.ControlPlane, req.RunControlPlane = controlplane.AllChecks, controlplane.Checker
	}
	rep, err := verify.Verify(ctx, req)
	if err != nil {
		if verify.IsInputError(err) {
			return usagef("%v", err)
		}
		return err
	}
	// The report may quote the external ID (a control-plane check's fix
	// spells out the trust policy): redacted like every other output.
	var buf bytes.Buffer
	if c.output == "json" {
		err = rep.WriteJSON(&buf)
	} else {
		err = rep.WriteTable(&buf)
	}
	if err != nil {
		return err
	}
	if _, err := io.WriteString(c.env.Stdout, c.redact(buf.String())); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: verification did not finish", tfrunner.ErrInterrupted)
	}
	if !rep.Passed {
		return fmt.Errorf("%w: see the report above for the failing path and what to do", errVerifyFailed)
	}
	return nil
}

// driftChecks is what every verify reports first: the drift finding, unless --no-drift.
func (c *cli) driftChecks(ctx context.Context) ([]finding.Finding, error) {
	if c.noDrift {
		return nil, nil
	}
	f, err := c.drift(ctx)
	if err != nil {
		return nil, err
	}
	return []finding.Finding{f}, nil
}

// drift plans against reality (-detailed-exitcode) and reports any difference.
func (c *cli) drift(ctx context.Context) (finding.Finding, error) {
	start := time.Now()
	f := finding.Finding{Check: "drift", Target: "deployment " + c.settings.Name}
	if err := c.init(ctx); err != nil {
		return f, err
	}
	out := c.wd.PlanFile() + ".drift"
	defer os.Remove(out)
	res, err := c.plan(ctx, false, out)
	f.Millis = time.Since(start).Milliseconds()
	if err != nil {
		if errors.Is(err, tfrunner.ErrInterrupted) {
			return f, err
		}
		f.Detail = "plan failed: " + err.Error()
		f.NextStep = fmt.Sprintf("run `%s` and fix what it reports", c.cmdline("plan"))
		return f, nil
	}
	if !res.HasChanges {
		f.OK, f.Detail = true, "no drift: the infrastructure matches the configuration"
		return f, nil
	}
	var parts []string
	for _, ch := range res.Summary.Changes {
		parts = append(parts, ch.Action+" "+ch.Address)
	}
	f.Detail = res.Summary.Line() + " " + strings.Join(parts, "; ")
	f.NextStep = fmt.Sprintf("someone changed the stack outside Terraform or the inputs changed: review with `%s`, then `%s`", c.cmdline("plan"), c.cmdline("apply"))
	return f, nil
}

func (c *cli) cmdDestroy(ctx context.Context) error {
	c.existing = true
	if err := c.prepare(ctx, true, true); err != nil {
		return err
	}
	out := c.wd.PlanFile() + ".destroy"
	defer os.Remove(out)
	res, err := c.plan(ctx, true, out)
	if err != nil {
		return err
	}
	if err := c.showDiff(ctx, out); err != nil {
		return err
	}
	res.Summary.Write(c.env.Stdout)
	if res.Summary.Empty() {
		fmt.Fprintln(c.env.Stdout, "Nothing to destroy.")
		return nil
	}
	prefix, _ := c.merged["prefix"].(string)
	if err := c.confirm(ctx, destroyWarning(res.Summary)+fmt.Sprintf("Type the deployment's prefix (%s) to destroy it: ", prefix), prefix); err != nil {
		return err
	}
	if err := c.rejectBeforeDestroy(ctx); err != nil {
		return err
	}
	err = c.runner.Apply(ctx, out, res.Summary.Total(), true)
	if errors.Is(err, tfrunner.ErrKilled) {
		fmt.Fprintf(c.env.Stderr, "\nDestroy was killed. State (%s) has what Terraform recorded before the kill (details below); run `%s` to see what state knows, then `%s` again to finish.\n", c.stateWhere(), c.cmdline("plan"), c.cmdline("destroy"))
		return err
	}
	if errors.Is(err, tfrunner.ErrInterrupted) {
		fmt.Fprintf(c.env.Stderr, "\nDestroy was interrupted; what remains is in state (%s). Run `%s` again to finish.\n", c.stateWhere(), c.cmdline("destroy"))
		return err
	}
	if err != nil {
		return fmt.Errorf("%w\nWhat remains is in state; fix the cause and run `%s` again", err, c.cmdline("destroy"))
	}
	_ = os.Remove(c.wd.PlanFile()) // any saved plan predates the destroy
	fmt.Fprintf(c.env.Stdout, "Destroyed. The working directory %s (state, inputs) is kept; delete it when you no longer need it.\n", c.wd.Dir)
	return nil
}

// rejectBeforeDestroy rejects the remaining connections of the deployment's
// endpoint services, which AWS otherwise refuses to delete.
func (c *cli) rejectBeforeDestroy(ctx context.Context) error {
	d, raw, err := c.outputs(ctx)
	if err != nil {
		if len(raw) > 2 {
			fmt.Fprintf(c.env.Stderr, "note: no endpoint connections rejected before the destroy: the outputs do not name the endpoint services (%v)\n", err)
		}
		return nil
	}
	done, err := c.rejectConnections(ctx, d)
	if err != nil {
		return fmt.Errorf("%w\nNothing was destroyed: AWS refuses to delete an endpoint service that still has connections; fix the cause and run `%s` again", err, c.cmdline("destroy"))
	}
	if len(done) > 0 {
		fmt.Fprintf(c.env.Stdout, "Rejected %d endpoint connection(s) first (AWS refuses to delete an endpoint service that still has connections; Databricks may keep an endpoint up to 7 days after its rule is deleted): %s\n", len(done), strings.Join(done, ", "))
	}
	return nil
}

func writeOutputs(w io.Writer, d tfoutputs.Deployment, cmd func(string) string) {
	fmt.Fprintf(w, "Region:              %s\nCluster:             %s\nBootstrap (IAM):     %s\nDatabricks role:     %s\n", d.Region, d.ClusterARN, d.BootstrapBrokersSASLIAM, d.RoleARN)
	if d.Databricks != nil {
		fmt.Fprintln(w, "External ID:         from the service credential (managed with --databricks)")
	} else if d.ExternalIDIsPlaceholder {
		fmt.Fprintf(w, "External ID:         placeholder \"0000\" (set the real one: %s --external-id <id>)\n", cmd("apply"))
	} else {
		fmt.Fprintln(w, "External ID:         set")
	}
	fmt.Fprintln(w, "\nBrokers:")
	for _, b := range d.Brokers {
		fmt.Fprintf(w, "  broker %d  %s  NLB %s  endpoint service %s\n", b.ID, b.Advertised(), b.NLBDNSName, b.EndpointServiceName)
	}
}

// writeNCC prints one Databricks NCC private endpoint rule per broker.
func writeNCC(w io.Writer, d tfoutputs.Deployment) {
	fmt.Fprintln(w, "\nDatabricks serverless reaches the brokers through Network Connectivity Config (NCC) private endpoint rules,")
	fmt.Fprintln(w, "one per broker, each resolving that broker's hostname to its own endpoint service:")
	for _, b := range d.Brokers {
		rule, _ := json.Marshal(map[string]any{"endpoint_service": b.EndpointServiceName, "domain_names": []string{b.Hostname}})
		fmt.Fprintf(w, "  broker %d: %s\n", b.ID, rule)
	}
	fmt.Fprintln(w, "Add them in the account console (Security → Networking → Network connectivity configurations → your NCC →")
	fmt.Fprintln(w, "Private endpoint rules → Add; or the account API / databricks_mws_ncc_private_endpoint_rule), then accept each")
	fmt.Fprintln(w, "pending endpoint connection on its endpoint service (VPC console → Endpoint services → Endpoint connections),")
	fmt.Fprintln(w, "and attach the NCC to the workspace. A rule is usable when its connection state is ESTABLISHED.")
}

func writeExternalIDSteps(w io.Writer, d tfoutputs.Deployment, cmd func(string) string) {
	fmt.Fprintf(w, `
Next: connect Databricks (the role still trusts the placeholder external ID "0000").
  1. In Databricks: Catalog → External data → Credentials → Create credential → Service credential (AWS IAM role),
     with IAM role ARN
       %s
  2. Copy the external ID Databricks shows for the new credential.
  3. Set it on the role (this re-applies only the role's trust policy):
       %s --external-id <external ID>
  4. Back in Databricks, validate the credential.
`, d.RoleARN, cmd("apply"))
}

// writeNextSteps is printed after every successful apply.
func writeNextSteps(w io.Writer, d tfoutputs.Deployment, cmd func(string) string) {
	fmt.Fprintln(w)
	writeOutputs(w, d, cmd)
	if d.Databricks != nil {
		writeDatabricks(w, d.Databricks)
		if steps := ruleSteps(d, cmd); len(steps) > 0 {
			fmt.Fprintln(w, "\nNot every private endpoint connection is established yet:")
			for _, s := range steps {
				fmt.Fprintf(w, "  - %s\n", s)
			}
		}
	} else {
		if d.ExternalIDIsPlaceholder {
			writeExternalIDSteps(w, d, cmd)
		}
		writeNCC(w, d)
	}
	writePySpark(w, d)
	fmt.Fprintf(w, "\nCheck every broker path end to end: %s\n", cmd("verify"))
}

// destroyWarning names what this destroy plan actually deletes.
func destroyWarning(s tfrunner.Summary) string {
	var b strings.Builder
	msk := false
	for _, ch := range s.Changes {
		if ch.Action == "delete" || ch.Action == "replace" {
			msk = msk || strings.Contains(ch.Address, "aws_msk_cluster.")
		}
	}
	b.WriteString("\nThis permanently deletes:\n")
	for _, ch := range s.Changes {
		fmt.Fprintf(&b, "  - %s\n", ch.Address)
	}
	if msk {
		b.WriteString("including the MSK cluster and all its data.\n")
	}
	return b.String()
}
