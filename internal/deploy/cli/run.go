// Package cli is the deploy command behind cmd/deploy: its commands, flags,
// help and output. It lays the embedded Terraform configuration out in a
// working directory per deployment (internal/deploy), drives Terraform
// through internal/tfrunner (plan to a file, confirm, apply that file), walks
// the operator through the two-phase Databricks external ID, waits for and
// accepts the NCC private endpoint rules serverless needs, verifies the
// deployment with internal/verify (here or in the canary), and destroys it —
// without ever overwriting or deleting Terraform state.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dbconfig "github.com/databricks/databricks-sdk-go/config"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

// Exit codes, published in --help: the shared ones (internal/cmdline) and
// 3, a verification that ran and failed, which CI tells apart from 1.
const (
	ExitOK           = cmdline.ExitOK
	ExitFailed       = cmdline.ExitFailed
	ExitUsage        = cmdline.ExitUsage
	ExitVerifyFailed = 3
	ExitInterrupted  = cmdline.ExitInterrupted
)

// Env is everything Run needs from the process.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StdinTTY allows interactive confirmation; StderrTTY redraws the progress line.
	StdinTTY, StderrTTY bool
	// Signals delivers interrupts after the first (which cancels ctx); see tfrunner.Runner.Guard.
	Signals <-chan os.Signal
	// Tree is the Terraform tree (terraform.FS) and Root the root module in it.
	Tree fs.FS
	Root string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Prog is how the operator ran deploy ("go run ./cmd/deploy", "bin/deploy"),
	// for the commands hints print; default "deploy".
	Prog string
	// DatabricksConfig adjusts the account API client's configuration
	// (tests: a fake's host, token and transport); nil: the provider's
	// sources (DATABRICKS_* environment, ~/.databrickscfg).
	DatabricksConfig func(*dbconfig.Config)
	// AWSConfig loads the configuration of deploy's own AWS calls
	// (accepting and rejecting endpoint connections); nil: the standard
	// chain with the profile input.
	AWSConfig func(ctx context.Context, region, profile string) (aws.Config, error)
	// RulePoll and RuleTimeout pace the wait for the NCC rules; zero: 10 s and 30 min.
	RulePoll, RuleTimeout time.Duration
	// StatusReadTimeout bounds status's read of the rules' live states
	// (the SDK retries an unreachable account API); zero: 30 s.
	StatusReadTimeout time.Duration
}

// usagef makes a usage error (exit 2).
var usagef = cmdline.Usagef

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return os.Getenv(k)
	}
	return e.Getenv(k)
}

// errVerifyFailed marks a verification that ran and failed (exit 3).
var errVerifyFailed = errors.New("verification failed")

// Run runs one deploy command and returns its exit code.
func Run(ctx context.Context, env Env, args []string) int {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, helpText)
		return ExitUsage
	}
	prog := env.Prog
	if prog == "" {
		prog = "deploy"
	}
	name, rest := args[0], args[1:]
	// `deploy help [COMMAND]` (and `deploy --help [COMMAND]`) the way
	// every command answers help (cmdline.Help): `deploy help help` too.
	switch name {
	case "-h", "-help", "--help":
		args = append([]string{"help"}, rest...)
	}
	topics := map[string]func(io.Writer){"": func(w io.Writer) { fmt.Fprint(w, helpText) }}
	for n, h := range commandHelp {
		topics[n] = func(w io.Writer) { fmt.Fprint(w, h) }
	}
	if code, done := cmdline.Help("deploy", args, topics, env.Stdout, env.Stderr); done {
		return code
	}
	fn, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "deploy: unknown command %q; run `%s help` for the list\n", name, prog)
		return ExitUsage
	}
	c := &cli{env: env, cmd: name}
	if err := c.parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(env.Stdout, commandHelp[name])
			return ExitOK
		}
		fmt.Fprintf(env.Stderr, "deploy %s: %s\nRun `%s help %s` for its flags.\n", name, cmdline.FlagError(err), prog, name)
		if c.output == "json" {
			writeJSONError(c, ExitUsage, err)
		}
		return ExitUsage
	}
	err := func() error {
		defer c.unlockDeployment()
		return fn(c, ctx)
	}()
	return c.exit(err)
}

func (c *cli) exit(err error) int {
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	msg := c.redact(err.Error())
	if code == ExitInterrupted {
		fmt.Fprintf(c.env.Stderr, "deploy %s: interrupted: %s\n", c.cmd, msg)
	} else {
		fmt.Fprintf(c.env.Stderr, "deploy %s: %s\n", c.cmd, msg)
	}
	// A failed verification already wrote its report.
	var written errJSONWritten
	if c.output == "json" && code != ExitVerifyFailed && !errors.As(err, &written) {
		writeJSONError(c, code, err)
	}
	return code
}

func exitCode(err error) int {
	switch {
	case errors.Is(err, errVerifyFailed):
		return ExitVerifyFailed
	case cmdline.IsUsage(err):
		return ExitUsage
	case errors.Is(err, tfrunner.ErrInterrupted) || errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitFailed
}

func commandNames() []string {
	names := []string{"help"}
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var commands = map[string]func(*cli, context.Context) error{
	"init":       (*cli).cmdInit,
	"plan":       (*cli).cmdPlan,
	"apply":      (*cli).cmdApply,
	"output":     (*cli).cmdOutput,
	"verify":     (*cli).cmdVerify,
	"destroy":    (*cli).cmdDestroy,
	"status":     (*cli).cmdStatus,
	"heal":       (*cli).cmdHeal,
	"check-plan": (*cli).cmdCheckPlan,
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func (c *cli) root() string {
	if c.env.Root != "" {
		return c.env.Root
	}
	return "examples/complete"
}

// confirm asks the operator to type want; --yes skips it.
func (c *cli) confirm(ctx context.Context, prompt, want string) error {
	if c.yes {
		return nil
	}
	if !c.env.StdinTTY {
		return usagef("refusing to %s without confirmation: stdin is not a terminal; pass --yes to %s without asking", c.cmd, c.cmd)
	}
	fmt.Fprint(c.env.Stderr, prompt)
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(c.env.Stdin).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w while waiting for confirmation: nothing was changed", tfrunner.ErrInterrupted)
	case got := <-line:
		if got != want {
			return fmt.Errorf("%s cancelled (you typed %q, not %q): nothing was changed", c.cmd, got, want)
		}
	}
	return nil
}
