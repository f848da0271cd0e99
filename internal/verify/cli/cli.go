// Package cli is the verify command: it reads where the brokers and their
// NLBs are (Terraform outputs, the local environment, or flags), runs the
// verification engine and prints its report.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/awsfiles"
	"github.com/mskvpce/mskvpce/internal/awslog"
	"github.com/mskvpce/mskvpce/internal/awsregion"
	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/controlplane"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/localmsk/fault"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// Exit codes (internal/cmdline's).
const (
	ExitOK     = cmdline.ExitOK     // every broker path produced and consumed through its own endpoint
	ExitFailed = cmdline.ExitFailed // a check failed; the report names the hop and the next step
	ExitUsage  = cmdline.ExitUsage  // bad input or configuration; the message names the input and the fix
	// ExitInterrupted: SIGINT or SIGTERM ended the run before its verdict.
	ExitInterrupted = cmdline.ExitInterrupted
)

const usage = `Usage: verify [flags]

Proves that an IAM principal can produce to and consume from MSK through each
per-broker NLB the way a Kafka 3.x client does, and names the hop that failed
when it cannot. Every broker path runs these stages through its own NLB:

  dns → tcp → tls → sasl (IAM) → metadata → produce → group → consume

produce is an idempotent producer (InitProducerId, acks=all) to the partition
the broker leads; group and consume are a group consumer with a run-scoped
group coordinated by that broker (FindCoordinator, JoinGroup, SyncGroup,
OffsetFetch, Fetch, OffsetCommit; the group is deleted where the policy
allows kafka-cluster:DeleteGroup).

SASL (--sasl-mechanism): aws-msk-iam (default) is what Databricks' Spark uses
(kafka.sasl.mechanism = AWS_MSK_IAM: a signature bound to each broker's host,
so an NLB that reaches the wrong broker fails at sasl with Access denied);
oauthbearer is aws-msk-iam-sasl-signer-go's token (Go, Python, librdkafka
clients: the wrong broker shows at produce); both runs every path with each.

Inputs (exactly one):
  --local                  start the local MSK-like environment in-process (no AWS)
                           and verify through each of its NLB stand-ins
  --local-info FILE        info.json of a running local environment (go run ./cmd/localmsk)
  --tf-outputs FILE|-      the module's ` + "`terraform output -json`" + ` (- reads stdin)
  --endpoint ADV=NLB ...   explicit map, repeated once per broker, e.g.
                           --endpoint b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=nlb-1-0123.elb.us-east-1.amazonaws.com:9098
                           (with --region, optionally --bootstrap and --ca-file)

Credentials (AWS inputs): the SDK default chain (environment, AWS_PROFILE, SSO,
instance or task role); --profile picks a profile; --role-arn (and
--external-id) assume the Databricks role the way a Databricks service
credential does, so the check runs with exactly that role's permissions.

` + checksHelp + `
Local faults (--local --local-fault NAME=VALUE, repeatable; localmsk takes the
same as --NAME VALUE): IDS is a comma-separated list of broker ids.
` + "%FAULTS%" + `
Exit codes:
  0    every broker path passed (and every control-plane check that ran)
  1    a check failed: the report names the stage, the hop and what to do next
  2    bad input or configuration: the message names the input and the fix
  130  interrupted (SIGINT/SIGTERM): no verdict, nothing printed on stdout

Examples:
  go run ./cmd/verify --local
  go run ./cmd/verify --local --local-fault route-nlb=2:3    # see a diagnosis
  terraform -chdir=terraform/examples/complete output -json | go run ./cmd/verify --tf-outputs -
  go run ./cmd/verify --tf-outputs outputs.json --role-arn arn:aws:iam::123456789012:role/databricks-msk --external-id <the credential's external ID>
  go run ./cmd/verify --tf-outputs outputs.json --output json > report.json
  go run ./cmd/verify --tf-outputs outputs.json --checks control-plane   # AWS APIs only, no Kafka
  go run ./cmd/verify --tf-outputs outputs.json --checks data,nlb-target,trust-policy
  go run ./cmd/verify permissions --tf-outputs outputs.json    # IAM policy for the control-plane checks

AWS endpoints: the SDK's AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>)
environment variables redirect the control-plane calls, e.g. to a test fake.

Flags:
`

type options struct {
	local        bool
	localInfo    string
	tfOutputs    string
	endpoints    cmdline.Strings
	bootstrap    string
	region       string
	caFile       string
	topic        string
	profile      string
	roleARN      string
	externalID   string
	output       *cmdline.Output
	timeout      time.Duration
	stageTimeout time.Duration
	runID        string
	verbosity    *cmdline.Verbosity
	faults       cmdline.Strings
	checks       string
	mechanism    string
	set          map[string]bool // flags given on the command line
}

// badInput is a bad input: exit 2.
var badInput = cmdline.Usagef

// Run is the verify command; it reads os.Stdin for --tf-outputs -.
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	return RunWithStdin(ctx, os.Stdin, stdout, stderr, args)
}

// RunWithStdin is Run with stdin given.
func RunWithStdin(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, args []string) int {
	// `verify help [permissions]` is `verify [permissions] --help`.
	if code, done := cmdline.Help("verify", args, map[string]func(io.Writer){
		"":            func(w io.Writer) { RunWithStdin(ctx, stdin, w, stderr, []string{"--help"}) },
		"permissions": func(w io.Writer) { runPermissions(ctx, stdin, w, stderr, []string{"--help"}) },
	}, stdout, stderr); done {
		return code
	}
	if len(args) > 0 && args[0] == "permissions" {
		return runPermissions(ctx, stdin, stdout, stderr, args[1:])
	}
	var o options
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), strings.Replace(usage, "%FAULTS%", fault.Help("  "), 1))
		cmdline.PrintDefaults(fs)
	}
	fs.BoolVar(&o.local, "local", false, "start the local MSK-like environment in-process and verify it")
	fs.StringVar(&o.localInfo, "local-info", "", "`FILE`: info.json written by a running local environment")
	fs.StringVar(&o.tfOutputs, "tf-outputs", "", "`FILE` holding `terraform output -json`, or - for stdin")
	fs.Var(&o.endpoints, "endpoint", "`ADV=NLB`: advertised broker host:port = its NLB host:port (repeat per broker)")
	fs.StringVar(&o.bootstrap, "bootstrap", "", "comma-separated bootstrap brokers (with --endpoint; informational)")
	fs.StringVar(&o.region, "region", "", "AWS region of the cluster (default: from the outputs)")
	fs.StringVar(&o.caFile, "ca-file", "", "PEM `FILE` of CAs that sign the brokers (default: system roots, which verify MSK)")
	fs.StringVar(&o.topic, "topic", "", "verification topic, created if missing with a partition led by each broker (default \""+verify.DefaultTopic+"\")")
	fs.StringVar(&o.profile, "profile", "", "AWS shared-config profile")
	fs.StringVar(&o.roleARN, "role-arn", "", "IAM role to assume before connecting (the Databricks role)")
	fs.StringVar(&o.externalID, "external-id", "", "external ID for --role-arn (the Databricks service credential's)")
	o.output = cmdline.OutputFlag(fs, "`FORMAT` of the report: text or json (table: old name for text)")
	fs.DurationVar(&o.timeout, "timeout", verify.DefaultTimeout, "bound on the whole run")
	fs.DurationVar(&o.stageTimeout, "stage-timeout", verify.DefaultStageTimeout, "bound on each stage of each path")
	fs.StringVar(&o.runID, "run-id", "", "tag for this run's records (default: random)")
	o.verbosity = cmdline.VerbosityFlags(fs, slog.LevelWarn)
	fs.Var(&o.faults, "local-fault", "`NAME=VALUE`: a fault to inject with --local, to see a diagnosis (repeatable; see Local faults above)")
	fs.StringVar(&o.mechanism, "sasl-mechanism", "aws-msk-iam", "`MECH`: aws-msk-iam (what Databricks uses), oauthbearer, or both")
	fs.StringVar(&o.checks, "checks", "all", "`LIST` of checks: all, data, control-plane, or check ids (see Checks above)")
	if code, done := cmdline.Parse(fs, args, stdout, stderr, false); done {
		return code
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if !o.set["stage-timeout"] && o.stageTimeout > o.timeout {
		// --timeout 3s alone: the default stage bound yields to it.
		o.stageTimeout = o.timeout
	}
	log := o.verbosity.Logger(stderr)

	rep, err := run(ctx, o, stdin, log, stderr)
	if cmdline.Interrupted(ctx) {
		// The cancellation failed whatever was in flight: those are not
		// findings, and a FAIL verdict would blame the deployment.
		fmt.Fprintln(stderr, "verify: interrupted: no verdict; run verify again")
		return ExitInterrupted
	}
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		if cmdline.IsUsage(err) {
			return ExitUsage
		}
		return ExitFailed
	}
	if *o.output == cmdline.JSON {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "verify: writing the report: %v\n", err)
		return ExitFailed
	}
	return rep.ExitCode()
}

func run(ctx context.Context, o options, stdin io.Reader, log *slog.Logger, stderr io.Writer) (*verify.Report, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	sel, err := parseChecks(o.checks)
	if err != nil {
		return nil, err
	}
	var note string
	if o.tfOutputs == "" {
		if sel.explicitCP {
			return nil, badInput("--checks %s: control-plane checks need --tf-outputs: %s; drop them from --checks, or verify a deployment with --tf-outputs", o.checks, o.noControlPlane())
		}
		if len(sel.cp) > 0 {
			note = "control-plane checks not run: " + o.noControlPlane() + "; pass --tf-outputs to run them"
		}
		sel.cp = nil
	}
	mechs, err := verify.ParseMechanisms(o.mechanism)
	if err != nil {
		return nil, badInput("%v", err)
	}
	vo := verify.Options{Timeout: o.timeout, StageTimeout: o.stageTimeout, RunID: o.runID, Logger: log, Mechanisms: mechs}

	if o.local {
		faults, err := o.localFaults(stderr)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		env, err := localmsk.Start(ctx, localmsk.Options{Topic: o.topic, Logger: log.With("component", "localmsk")})
		if err != nil {
			return nil, fmt.Errorf("starting the local MSK-like environment: %w", err)
		}
		defer env.Close()
		log.Info("local environment started", "ms", time.Since(start).Milliseconds())
		if _, err := faults.Apply(env); err != nil {
			return nil, badInput("--local-fault: %v", err)
		}
		if faults.Rolling > 0 {
			if err := awaitRestart(ctx, env); err != nil {
				return nil, err
			}
		}
		t, err := TargetFromLocalContext(ctx, env.Info())
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "verify: started a local MSK-like environment in %d ms (%d brokers, each behind its own NLB stand-in); verifying every path, no AWS involved\n",
			time.Since(start).Milliseconds(), len(t.Paths))
		rep := verify.Run(ctx, t, vo)
		if note != "" {
			rep.Notes = append(rep.Notes, note)
		}
		return rep, nil
	}

	if o.tfOutputs == "-" {
		log.Debug("reading terraform outputs on stdin", "timeout", o.timeout)
	}
	t, d, err := o.target(ctx, stdin)
	if err != nil {
		return nil, err
	}
	req := verify.Request{
		Target:          t,
		Data:            sel.data,
		Deployment:      d,
		ControlPlane:    sel.cp,
		RunControlPlane: controlplane.Checker,
		RoleARN:         o.roleARN,
		ExternalID:      o.externalID,
		Options:         vo,
	}
	if sel.data || len(sel.cp) > 0 {
		if req.AWS, err = o.awsConfig(ctx, t.Region, log); err != nil {
			return nil, err
		}
	}
	rep, err := verify.Verify(ctx, req)
	if err != nil {
		if verify.IsInputError(err) {
			return nil, badInput("%v", err)
		}
		return nil, err
	}
	if !sel.data {
		rep.Notes = append(rep.Notes, "data path not checked: --checks "+o.checks+" names no data")
	}
	if note != "" {
		rep.Notes = append(rep.Notes, note)
	}
	return rep, nil
}

// localFaults reads --local-fault (internal/localmsk/fault: the names and
// values localmsk's flags take) and checks them before anything starts.
func (o options) localFaults(stderr io.Writer) (*fault.Set, error) {
	var s fault.Set
	label := func(name, value string) string {
		if value == "" {
			return "--local-fault " + name
		}
		return "--local-fault " + name + "=" + value
	}
	for _, f := range o.faults {
		name, value := cmdline.FaultSpec(f)
		if err := s.Add(name, value, label); err != nil {
			return nil, badInput("%v", err)
		}
	}
	if err := s.Check(localmsk.DefaultBrokers); err != nil {
		return nil, badInput("%v", err)
	}
	for _, n := range s.Notices {
		fmt.Fprintln(stderr, cmdline.OldSpellingNotice("verify", n[0], n[1]))
	}
	return &s, nil
}

// awaitRestart waits (at most 10s) until the rolling restart has taken
// broker 1 away: racing its controlled shutdown, a path could pass tls
// first and the diagnosis would vary.
func awaitRestart(ctx context.Context, env *localmsk.Env) error {
	deadline := time.Now().Add(10 * time.Second)
	for env.Restarting() == 0 {
		if time.Now().After(deadline) {
			return errors.New("rolling restart: broker 1 did not go away within 10s")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

func (o options) check() error {
	n := 0
	for _, set := range []bool{o.local, o.localInfo != "", o.tfOutputs != "", len(o.endpoints) > 0} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return badInput("no input: pass --local, --local-info FILE, --tf-outputs FILE|- or --endpoint ADV=NLB (see --help)")
	case n > 1:
		return badInput("more than one input among --local, --local-info, --tf-outputs and --endpoint: pass exactly one")
	case o.timeout <= 0 || o.stageTimeout <= 0:
		return badInput("--timeout and --stage-timeout must be positive")
	case o.stageTimeout > o.timeout:
		return badInput("--stage-timeout %s is longer than --timeout %s: lower it or raise --timeout", o.stageTimeout, o.timeout)
	case o.externalID != "" && o.roleARN == "":
		return badInput("--external-id without --role-arn: pass the role to assume")
	case len(o.faults) > 0 && !o.local:
		return badInput("--local-fault needs --local (faults are injected into the in-process environment)")
	case (o.local || o.localInfo != "") && (o.roleARN != "" || o.profile != ""):
		return badInput("--role-arn/--profile do not apply to the local environment, which has its own credentials")
	case (o.local || o.localInfo != "") && (o.set["ca-file"] || o.set["region"] || o.set["bootstrap"]):
		return badInput("--ca-file, --region and --bootstrap do not apply to the local environment, which brings its own CA, region and brokers: drop them")
	case o.tfOutputs != "" && o.set["bootstrap"]:
		return badInput("--bootstrap does not apply to --tf-outputs, which names the bootstrap brokers itself: drop it")
	case o.topic != "" && verify.ValidateTopic(o.topic) != nil:
		return badInput("--topic: %v", verify.ValidateTopic(o.topic))
	case o.set["checks"] && strings.TrimSpace(o.checks) == "":
		return badInput("--checks '' selects nothing: name checks (all, data, control-plane or check ids) or drop the flag")
	case o.set["topic"] && o.topic == "":
		return badInput("--topic '' names no topic: name one, or drop the flag for %s", verify.DefaultTopic)
	case o.set["sasl-mechanism"] && strings.TrimSpace(o.mechanism) == "":
		return badInput("--sasl-mechanism '' names no mechanism: pass aws-msk-iam (what Databricks uses), oauthbearer or both, or drop the flag")
	case o.set["run-id"] && verify.ValidateRunID(o.runID) != nil:
		return badInput("--run-id: %v", verify.ValidateRunID(o.runID))
	case o.set["region"] && awsregion.Check(o.region) != nil:
		return badInput("--region: %v", awsregion.Check(o.region))
	}
	return nil
}

// target builds the verification target from the chosen input, and with
// --tf-outputs returns the deployment too.
func (o options) target(ctx context.Context, stdin io.Reader) (verify.Target, *tfoutputs.Deployment, error) {
	var d *tfoutputs.Deployment
	t, err := o.dataTarget(ctx, stdin, &d)
	return t, d, err
}

func (o options) dataTarget(ctx context.Context, stdin io.Reader, dep **tfoutputs.Deployment) (verify.Target, error) {
	var t verify.Target
	switch {
	case o.localInfo != "":
		// LoadInfo also says when the environment has stopped, rather
		// than letting every path fail at its NLB.
		info, err := localmsk.LoadInfo(ctx, o.localInfo)
		if err != nil {
			if ctx.Err() != nil {
				return t, err
			}
			return t, badInput("--local-info %v", err)
		}
		t, err = TargetFromLocalContext(ctx, info)
		if err != nil {
			return t, badInput("--local-info %s: %v", o.localInfo, err)
		}
	case o.tfOutputs != "":
		d, err := readOutputs(ctx, o.tfOutputs, stdin, o.timeout)
		if err != nil {
			return t, err
		}
		*dep = &d
		t = verify.TargetFromDeployment(d)
	default:
		for _, e := range o.endpoints {
			p, err := verify.ParseEndpoint(e)
			if err != nil {
				return t, badInput("--endpoint: %v", err)
			}
			t.Paths = append(t.Paths, p)
		}
		for _, b := range strings.Split(o.bootstrap, ",") {
			if b = strings.TrimSpace(b); b != "" {
				t.Bootstrap = append(t.Bootstrap, b)
			}
		}
		if o.region == "" {
			return t, badInput("--region is required with --endpoint (the cluster's region signs the IAM token)")
		}
	}
	if o.region != "" {
		t.Region = o.region
		for _, p := range t.Paths {
			if err := verify.RegionMismatch(o.region, p); err != nil {
				return t, badInput("--region %s contradicts the brokers: %v, or drop --region", o.region, err)
			}
		}
	}
	if o.topic != "" {
		t.Topic = o.topic
	}
	if o.caFile != "" {
		pool, err := verify.LoadCAContext(ctx, o.caFile)
		if err != nil {
			if ctx.Err() != nil {
				return t, err
			}
			return t, badInput("--ca-file %v: pass the PEM file of the CAs that sign the brokers", err)
		}
		t.RootCAs = pool
	}
	if err := t.Validate(); err != nil {
		return t, badInput("broker map: %v", err)
	}
	return t, nil
}

// awsConfig loads the SDK default chain (optionally a profile); verify.Verify
// checks that it yields credentials. The control-plane checks run with it.
// The SDK's own log lines go to log, at debug level (awslog).
func (o options) awsConfig(ctx context.Context, region string, log *slog.Logger) (aws.Config, error) {
	// The SDK reads these with os.ReadFile: a FIFO would hold it forever.
	if err := awsfiles.Check(); err != nil {
		return aws.Config{}, badInput("AWS configuration: %v", err)
	}
	opts := []func(*config.LoadOptions) error{config.WithRegion(region), awslog.Option(log)}
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, badInput("AWS configuration: %v: check --profile and ~/.aws/config", err)
	}
	return cfg, nil
}
