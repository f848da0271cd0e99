package cli

// The command line: flags, and the cli that holds one invocation.

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/deploy/discovery"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// multi is a repeated flag (--var-file, --endpoint, list inputs).
type multi = cmdline.Strings

// boolString is a boolean flag (--databricks, --databricks=false) kept as
// the string the other inputs are parsed from.
type boolString struct{ s *string }

func (b boolString) String() string {
	if b.s == nil {
		return ""
	}
	return *b.s
}

func (b boolString) Set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want true or false, got %q", v)
	}
	*b.s = strconv.FormatBool(x)
	return nil
}

func (b boolString) IsBoolFlag() bool { return true }

// cli holds one invocation's flags and state.
type cli struct {
	env Env
	cmd string
	fs  *flag.FlagSet

	name, workdir string
	varFiles      multi
	yes, debug    bool
	diff          bool
	showSecrets   bool
	output        cmdline.Output
	verbosity     *cmdline.Verbosity
	terraformPath string
	timeout       time.Duration
	stageTimeout  time.Duration // verify --stage-timeout (stagetimeout.go)
	caFile        string
	roleARN       string
	saslMechanism string
	endpoints     multi
	noDrift       bool
	noControl     bool
	remote        bool   // verify --remote: run the verifier in the canary (remote.go)
	canaryZip     string // verify --remote --canary-zip: the Lambda zip for a canary created for this run
	allowPathCut  bool   // apply --allow-path-interruption (pathguard.go)
	planFile      string // check-plan's argument, - or a file (pathguard.go)

	backendConfig, backendBucket, backendKey, backendRegion string

	flagVals map[string]*string
	listVals map[string]*multi

	// probe: resolve must not write anything (status of a deployment that may not exist)
	probe bool
	// existing: the command works on a deployment that exists (output,
	// verify, destroy): an unknown one is an error, and nothing is created.
	existing bool
	noted    bool // the --external-id note was printed
	// notedPrincipal: the allowed_principals default was announced (resolve
	// runs again under the lock and must not say it twice).
	notedPrincipal bool
	// acceptLater: this apply creates the NCC rules and leaves the accepters
	// (databricks_accept_connections = false) until their endpoints exist.
	acceptLater bool

	// resolved
	wd       deploy.Workdir
	settings Settings
	// settingsFound: deployment.json existed (the deployment's root is recorded).
	settingsFound bool
	// cluster is the existing cluster as discovered (--cluster-arn), for plan and apply.
	cluster *discovery.Cluster
	// limits is what the Databricks account limits check found.
	limits   *limitsReport
	recorded deploy.Values
	thisRun  deploy.Values // from flags and environment, this invocation
	merged   deploy.Values
	runner   *tfrunner.Runner
	log      *slog.Logger

	// lock is the deployment lock, held from this run's first write to its
	// end (see lockDeployment).
	lock *deploy.Lock
	// backendFile and backendBody: the S3 settings the --backend-* flags
	// ask for, written once the lock is held.
	backendFile string
	backendBody []byte
	// secrets are the values redacted from everything printed unless --show-secrets.
	secrets deploy.Redactor
}

func (c *cli) parse(args []string) error {
	fs := flag.NewFlagSet("deploy "+c.cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.name, "name", "", "")
	fs.StringVar(&c.workdir, "workdir", "", "")
	fs.Var(&c.varFiles, "var-file", "")
	fs.BoolVar(&c.yes, "yes", false, "")
	// --debug is the old name for -v (--log-level debug).
	fs.BoolVar(&c.debug, "debug", false, "")
	c.verbosity = cmdline.VerbosityFlags(fs, slog.LevelWarn)
	fs.BoolVar(&c.diff, "diff", false, "")
	fs.BoolVar(&c.showSecrets, "show-secrets", false, "")
	c.output = cmdline.Text
	fs.Var(&c.output, "output", "")
	fs.StringVar(&c.terraformPath, "terraform", "", "")
	fs.DurationVar(&c.timeout, "timeout", verify.DefaultTimeout, "")
	fs.DurationVar(&c.stageTimeout, "stage-timeout", verify.DefaultStageTimeout, "")
	fs.StringVar(&c.roleARN, "role-arn", "", "")
	fs.StringVar(&c.saslMechanism, "sasl-mechanism", "", "")
	fs.StringVar(&c.caFile, "ca-file", "", "")
	fs.Var(&c.endpoints, "endpoint", "")
	fs.BoolVar(&c.noDrift, "no-drift", false, "")
	fs.BoolVar(&c.noControl, "no-control-plane", false, "")
	fs.BoolVar(&c.remote, "remote", false, "")
	fs.StringVar(&c.canaryZip, "canary-zip", "", "")
	fs.BoolVar(&c.allowPathCut, "allow-path-interruption", false, "")
	fs.StringVar(&c.backendConfig, "backend-config", "", "")
	fs.StringVar(&c.backendBucket, "backend-bucket", "", "")
	fs.StringVar(&c.backendKey, "backend-key", "", "")
	fs.StringVar(&c.backendRegion, "backend-region", "", "")
	c.flagVals, c.listVals = map[string]*string{}, map[string]*multi{}
	for _, in := range deploy.Inputs {
		if in.Kind == deploy.KindList {
			m := &multi{}
			c.listVals[in.Var] = m
			fs.Var(m, in.Flag, "")
		} else if in.Kind == deploy.KindBool {
			s := new(string)
			c.flagVals[in.Var] = s
			fs.Var(boolString{s}, in.Flag, "")
		} else {
			s := new(string)
			c.flagVals[in.Var] = s
			fs.StringVar(s, in.Flag, "", "")
		}
	}
	c.fs = fs
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.planFileArg(fs); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags go after the command, e.g. `deploy %s --region us-east-1`)", fs.Arg(0), c.cmd)
	}
	if c.debug {
		c.log = slog.New(slog.NewTextHandler(c.env.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		c.log = c.verbosity.Logger(c.env.Stderr)
	}
	return nil
}

// setFlags returns the names of the flags given on the command line.
func (c *cli) setFlags() map[string]bool {
	set := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
