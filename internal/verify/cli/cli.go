// Package cli is the verify command: it reads where the brokers and their
// NLBs are (Terraform outputs, the local environment, or flags), runs the
// verification engine and prints its report.
package cli

import (
	"context"
	"encoding/json"
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
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// Exit codes.
const (
	ExitOK     = 0 // every broker path produced and consumed through its own endpoint
	ExitFailed = 1 // a check failed; the report names the hop and the next step
	ExitUsage  = 2 // bad input or configuration; the message names the input and the fix
)

const usage = `Usage: verify [flags]

Proves that an IAM principal can produce to and consume from MSK through each
per-broker NLB, and names the hop that failed when it cannot. Every broker path
runs these stages over one connection through its own NLB:

  dns → tcp → tls → sasl (IAM) → metadata → produce → consume

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

Exit codes:
  0  every broker path passed
  1  a check failed: the report names the stage, the hop and what to do next
  2  bad input or configuration: the message names the input and the fix

Examples:
  go run ./cmd/verify --local
  go run ./cmd/verify --local --local-fault route=2:3        # see a diagnosis
  terraform -chdir=terraform/examples/complete output -json | go run ./cmd/verify --tf-outputs -
  go run ./cmd/verify --tf-outputs outputs.json --role-arn arn:aws:iam::123456789012:role/databricks-msk --external-id <databricks-account-id>
  go run ./cmd/verify --tf-outputs outputs.json --output json > report.json

Flags:
`

type endpointFlag []string

func (e *endpointFlag) String() string     { return strings.Join(*e, ",") }
func (e *endpointFlag) Set(v string) error { *e = append(*e, v); return nil }

type options struct {
	local        bool
	localInfo    string
	tfOutputs    string
	endpoints    endpointFlag
	bootstrap    string
	region       string
	caFile       string
	topic        string
	profile      string
	roleARN      string
	externalID   string
	output       string
	timeout      time.Duration
	stageTimeout time.Duration
	runID        string
	verbose      bool
	faults       endpointFlag
}

// usageError is a bad input: exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func badInput(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// Run is the verify command; it reads os.Stdin for --tf-outputs -.
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	return RunWithStdin(ctx, os.Stdin, stdout, stderr, args)
}

// RunWithStdin is Run with stdin given.
func RunWithStdin(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, args []string) int {
	var o options
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
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
	fs.StringVar(&o.output, "output", "table", "report format: table or json")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound on the whole run")
	fs.DurationVar(&o.stageTimeout, "stage-timeout", 10*time.Second, "bound on each stage of each path")
	fs.StringVar(&o.runID, "run-id", "", "tag for this run's records (default: random)")
	fs.BoolVar(&o.verbose, "v", false, "log progress to stderr")
	fs.Var(&o.faults, "local-fault", "`FAULT` to inject with --local, to see a diagnosis (repeatable): "+faultHelp)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "verify: unexpected argument %q: all inputs are flags (see --help)\n", fs.Arg(0))
		return ExitUsage
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	rep, err := run(ctx, o, stdin, log, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		var ue *usageError
		if errors.As(err, &ue) {
			return ExitUsage
		}
		return ExitFailed
	}
	if o.output == "json" {
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
	vo := verify.Options{Timeout: o.timeout, StageTimeout: o.stageTimeout, RunID: o.runID, Logger: log}

	if o.local {
		start := time.Now()
		env, err := localmsk.Start(ctx, localmsk.Options{Topic: o.topic, Logger: log.With("component", "localmsk")})
		if err != nil {
			return nil, fmt.Errorf("starting the local MSK-like environment: %w", err)
		}
		defer env.Close()
		log.Info("local environment started", "ms", time.Since(start).Milliseconds())
		for _, f := range o.faults {
			if err := applyFault(env, f); err != nil {
				return nil, badInput("--local-fault %s: %v", f, err)
			}
		}
		t, err := verify.TargetFromLocal(env.Info())
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "verify: started a local MSK-like environment in %d ms (%d brokers, each behind its own NLB stand-in); verifying every path, no AWS involved\n",
			time.Since(start).Milliseconds(), len(t.Paths))
		return verify.Run(ctx, t, vo), nil
	}

	t, err := o.target(stdin)
	if err != nil {
		return nil, err
	}
	if t.Credentials == nil {
		creds, err := o.credentials(ctx, t.Region)
		if err != nil {
			return nil, err
		}
		t.Credentials = creds
	}
	return verify.Run(ctx, t, vo), nil
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
	case o.output != "table" && o.output != "json":
		return badInput("--output %q: want table or json", o.output)
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
	}
	return nil
}

// target builds the verification target from the chosen input.
func (o options) target(stdin io.Reader) (verify.Target, error) {
	var t verify.Target
	switch {
	case o.localInfo != "":
		f, err := os.ReadFile(o.localInfo)
		if err != nil {
			return t, badInput("--local-info %s: %v: start the environment with `go run ./cmd/localmsk` and pass the info.json it writes", o.localInfo, err)
		}
		var info localmsk.Info
		if err := json.Unmarshal(f, &info); err != nil {
			return t, badInput("--local-info %s: not a local environment info.json: %v", o.localInfo, err)
		}
		t, err = verify.TargetFromLocal(info)
		if err != nil {
			return t, badInput("--local-info %s: %v", o.localInfo, err)
		}
	case o.tfOutputs != "":
		r, name := stdin, "stdin"
		if o.tfOutputs != "-" {
			f, err := os.Open(o.tfOutputs)
			if err != nil {
				return t, badInput("--tf-outputs %s: %v: write it with `terraform -chdir=terraform/examples/complete output -json > %s`", o.tfOutputs, err, o.tfOutputs)
			}
			defer f.Close()
			r, name = f, o.tfOutputs
		}
		d, err := tfoutputs.Parse(r)
		if err != nil {
			return t, badInput("--tf-outputs %s: %v", name, err)
		}
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
	}
	if o.topic != "" {
		t.Topic = o.topic
	}
	if o.caFile != "" {
		pool, err := verify.LoadCA(o.caFile)
		if err != nil {
			return t, badInput("--ca-file %s: %v", o.caFile, err)
		}
		t.RootCAs = pool
	}
	if err := t.Validate(); err != nil {
		return t, badInput("broker map: %v", err)
	}
	return t, nil
}

// credentials loads the SDK default chain (optionally a profile), then
// assumes --role-arn with --external-id the way a Databricks service
// credential assumes the role.
func (o options) credentials(ctx context.Context, region string) (aws.CredentialsProvider, error) {
	opts := []func(*config.LoadOptions) error{config.WithRegion(region)}
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, badInput("AWS configuration: %v: check --profile and ~/.aws/config", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(cctx); err != nil {
		return nil, badInput("AWS credentials: none found by the SDK default chain (%v): set AWS_PROFILE or pass --profile, export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`", err)
	}
	if o.roleARN == "" {
		return cfg.Credentials, nil
	}
	p := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), o.roleARN, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = "mskvpce-verify"
		if o.externalID != "" {
			ao.ExternalID = aws.String(o.externalID)
		}
	})
	return aws.NewCredentialsCache(p), nil
}
