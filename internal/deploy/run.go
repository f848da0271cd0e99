// Package deploy is the operator CLI behind cmd/deploy: it lays the embedded
// Terraform configuration out in a working directory per deployment, drives
// Terraform through internal/tfrunner (plan to a file, confirm, apply that
// file), walks the operator through the two-phase Databricks external ID,
// prints the NCC private endpoint rules serverless needs, verifies the
// deployment with internal/verify, and destroys it — without ever
// overwriting or deleting Terraform state.
package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/tfrunner"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// Exit codes, published in --help.
const (
	ExitOK           = 0
	ExitFailed       = 1
	ExitUsage        = 2
	ExitVerifyFailed = 3
	ExitInterrupted  = 130
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
}

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
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			if h, ok := commandHelp[rest[0]]; ok {
				fmt.Fprint(env.Stdout, h)
				return ExitOK
			}
			fmt.Fprintf(env.Stderr, "deploy help: unknown command %q; the commands are %s\n", rest[0], strings.Join(commandNames(), ", "))
			return ExitUsage
		}
		fmt.Fprint(env.Stdout, helpText)
		return ExitOK
	}
	fn, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "deploy: unknown command %q; run `deploy help` for the list\n", name)
		return ExitUsage
	}
	c := &cli{env: env, cmd: name}
	if err := c.parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(env.Stdout, commandHelp[name])
			return ExitOK
		}
		fmt.Fprintf(env.Stderr, "deploy %s: %v\nRun `deploy help %s` for its flags.\n", name, err, name)
		if c.output == "json" {
			writeJSONError(c, ExitUsage, err)
		}
		return ExitUsage
	}
	err := fn(c, ctx)
	return c.exit(err)
}

func (c *cli) exit(err error) int {
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	if code == ExitInterrupted {
		fmt.Fprintf(c.env.Stderr, "deploy %s: interrupted: %v\n", c.cmd, err)
	} else {
		fmt.Fprintf(c.env.Stderr, "deploy %s: %v\n", c.cmd, err)
	}
	// A failed verification already wrote its report.
	if c.output == "json" && code != ExitVerifyFailed {
		writeJSONError(c, code, err)
	}
	return code
}

func exitCode(err error) int {
	var ue *UsageError
	switch {
	case errors.Is(err, errVerifyFailed):
		return ExitVerifyFailed
	case errors.As(err, &ue):
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
	"init":    (*cli).cmdInit,
	"plan":    (*cli).cmdPlan,
	"apply":   (*cli).cmdApply,
	"output":  (*cli).cmdOutput,
	"verify":  (*cli).cmdVerify,
	"destroy": (*cli).cmdDestroy,
	"status":  (*cli).cmdStatus,
}

type multi []string

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

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// cli holds one invocation's flags and state.
type cli struct {
	env Env
	cmd string
	fs  *flag.FlagSet

	name, workdir string
	varFiles      multi
	yes, debug    bool
	diff          bool
	output        string
	terraformPath string
	timeout       time.Duration
	caFile        string
	roleARN       string
	endpoints     multi
	noDrift       bool
	noControl     bool

	backendConfig, backendBucket, backendKey, backendRegion string

	flagVals map[string]*string
	listVals map[string]*multi

	// probe: resolve must not write anything (status of a deployment that may not exist)
	probe bool
	// existing: the command works on a deployment that exists (output,
	// verify, destroy): an unknown one is an error, and nothing is created.
	existing bool
	noted    bool // the --external-id note was printed

	// resolved
	wd       Workdir
	settings Settings
	recorded values
	thisRun  values // from flags and environment, this invocation
	merged   values
	runner   *tfrunner.Runner
	log      *slog.Logger
}

func (c *cli) parse(args []string) error {
	fs := flag.NewFlagSet("deploy "+c.cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.name, "name", "", "")
	fs.StringVar(&c.workdir, "workdir", "", "")
	fs.Var(&c.varFiles, "var-file", "")
	fs.BoolVar(&c.yes, "yes", false, "")
	fs.BoolVar(&c.debug, "debug", false, "")
	fs.BoolVar(&c.diff, "diff", false, "")
	fs.StringVar(&c.output, "output", "text", "")
	fs.StringVar(&c.terraformPath, "terraform", "", "")
	fs.DurationVar(&c.timeout, "timeout", verify.DefaultTimeout, "")
	fs.StringVar(&c.roleARN, "role-arn", "", "")
	fs.StringVar(&c.caFile, "ca-file", "", "")
	fs.Var(&c.endpoints, "endpoint", "")
	fs.BoolVar(&c.noDrift, "no-drift", false, "")
	fs.BoolVar(&c.noControl, "no-control-plane", false, "")
	fs.StringVar(&c.backendConfig, "backend-config", "", "")
	fs.StringVar(&c.backendBucket, "backend-bucket", "", "")
	fs.StringVar(&c.backendKey, "backend-key", "", "")
	fs.StringVar(&c.backendRegion, "backend-region", "", "")
	c.flagVals, c.listVals = map[string]*string{}, map[string]*multi{}
	for _, in := range inputs {
		if in.Kind == kList {
			m := &multi{}
			c.listVals[in.Var] = m
			fs.Var(m, in.Flag, "")
		} else if in.Kind == kBool {
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
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags go after the command, e.g. `deploy %s --region us-east-1`)", fs.Arg(0), c.cmd)
	}
	if c.output != "text" && c.output != "json" {
		return fmt.Errorf("--output %q: want text or json", c.output)
	}
	level := slog.LevelWarn
	if c.debug {
		level = slog.LevelDebug
	}
	c.log = slog.New(slog.NewTextHandler(c.env.Stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// setFlags returns the names of the flags given on the command line.
func (c *cli) setFlags() map[string]bool {
	set := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}

// Settings are recorded per deployment in deployment.json.
type Settings struct {
	Format int    `json:"format"`
	Name   string `json:"name"`
	// Backend is "local" (state in the working directory) or "s3".
	Backend string `json:"backend"`
	// BackendConfig is the S3 backend settings file (-backend-config).
	BackendConfig string `json:"backend_config,omitempty"`
	// VarFiles are the operator's -var-file arguments, absolute.
	VarFiles []string `json:"var_files,omitempty"`
}

// stateBase is $XDG_STATE_HOME/mskvpce (default ~/.local/state/mskvpce).
func (c *cli) stateBase() string {
	base := c.env.getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "mskvpce")
}

// resolve finds the deployment, reads and validates every input source,
// and records this run's inputs. needInputs demands the required inputs.
func (c *cli) resolve(needInputs bool) error {
	set := c.setFlags()
	src := inputSources{Flags: values{}, Env: values{}}
	for _, in := range inputs {
		if set[in.Flag] {
			if in.Kind == kList {
				var all []string
				for _, v := range *c.listVals[in.Var] {
					all = append(all, parseFlagValue(in, v).([]string)...)
				}
				src.Flags[in.Var] = all
			} else {
				src.Flags[in.Var] = parseFlagValue(in, *c.flagVals[in.Var])
			}
		}
		if v := c.env.getenv(in.Env()); v != "" {
			src.Env[in.Var] = parseFlagValue(in, v)
		}
	}
	// Check the values that win (a bad variable overridden by a flag is moot).
	early := mergeInputs(src)
	for _, k := range sortedKeys(early.ThisRun) {
		in, _ := lookupInput(k)
		if err := check(in, early.ThisRun[k], early.From[k]); err != nil {
			return err
		}
	}
	varFiles, err := absPaths(c.varFiles)
	if err != nil {
		return usagef("--var-file: %v", err)
	}
	fileVals := values{} // this run's var files, merged: for the prefix below
	for _, f := range varFiles {
		v, err := readVarFile(f)
		if err != nil {
			return err
		}
		for _, k := range sortedKeys(v) {
			in, _ := lookupInput(k)
			if err := check(in, v[k], f); err != nil {
				return err
			}
			fileVals[k] = v[k]
		}
		src.VarFiles = append(src.VarFiles, v)
	}

	// Which deployment: --name, MSKVPCE_NAME, the prefix, or the only one there is.
	name := c.name
	if name == "" {
		name = c.env.getenv("MSKVPCE_NAME")
	}
	if name == "" {
		if p, ok := early.ThisRun["prefix"].(string); ok {
			name = p
		} else if p, ok := fileVals["prefix"].(string); ok {
			name = p
		}
	}
	wdPath := c.workdir
	if wdPath == "" {
		wdPath = c.env.getenv("MSKVPCE_WORKDIR")
	}
	if wdPath == "" {
		if name == "" {
			existing := c.deployments()
			switch len(existing) {
			case 1:
				name = existing[0]
			case 0:
				return usagef("no deployment yet: pass --prefix (and the other inputs, see `deploy help`) or --name")
			default:
				return usagef("several deployments exist (%s): pass --name to pick one", strings.Join(existing, ", "))
			}
		}
		if !reName.MatchString(name) {
			return usagef("--name %q: use letters, digits, '.', '_' and '-' only", name)
		}
		wdPath = filepath.Join(c.stateBase(), name)
	}
	wdPath, err = filepath.Abs(wdPath)
	if err != nil {
		return usagef("--workdir: %v", err)
	}
	switch st, err := os.Stat(wdPath); {
	case err == nil && !st.IsDir():
		return usagef("working directory %s is a file, not a directory: pass --workdir with a directory (created when missing)", wdPath)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return usagef("working directory %s: %v (pass --workdir with a directory)", wdPath, err)
	}
	c.wd = Workdir{Dir: wdPath, Root: c.root()}
	if c.existing {
		if _, err := os.Stat(c.wd.SettingsFile()); err != nil {
			return c.noDeployment(name)
		}
	}

	if err := c.loadSettings(); err != nil {
		return err
	}
	if c.settings.Name == "" {
		c.settings.Name = name
		if c.settings.Name == "" {
			c.settings.Name = filepath.Base(wdPath)
		}
	}
	if len(varFiles) > 0 {
		c.settings.VarFiles = varFiles
	} else {
		for _, f := range c.settings.VarFiles {
			v, err := readVarFile(f)
			if err != nil {
				return fmt.Errorf("%w (recorded in %s from an earlier --var-file; pass --var-file again to replace it)", err, c.wd.SettingsFile())
			}
			for _, k := range sortedKeys(v) {
				in, _ := lookupInput(k)
				if err := check(in, v[k], f); err != nil {
					return fmt.Errorf("%w (remembered from an earlier --var-file; fix the file or pass --var-file again)", err)
				}
			}
			src.RememberedVarFiles = append(src.RememberedVarFiles, v)
		}
	}
	if err := c.resolveBackend(set); err != nil {
		return err
	}

	c.recorded, err = readValues(c.wd.InputsFile())
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(c.recorded) {
		in, _ := lookupInput(k)
		if err := check(in, c.recorded[k], c.wd.InputsFile()); err != nil {
			return fmt.Errorf("%w (recorded earlier; pass --%s to replace it)", err, in.Flag)
		}
	}
	src.Recorded = c.recorded
	res := mergeInputs(src)
	c.thisRun, c.merged = res.ThisRun, res.Merged
	if c.databricks() && !c.noted {
		c.noted = true
		if _, ok := c.merged["databricks_external_id"]; ok {
			fmt.Fprintln(c.env.Stderr, "note: --external-id is unnecessary with --databricks: the service credential this apply creates supplies its external ID to the role's trust policy in the same apply; drop --external-id (and MSKVPCE_DATABRICKS_EXTERNAL_ID / databricks_external_id)")
		}
	}
	if needInputs {
		c.defaultPrincipal()
		var missing []string
		for _, in := range inputs {
			required := in.Required || (c.databricks() && (in.Var == "databricks_account_id" || in.Var == "databricks_workspace_host"))
			if !required {
				continue
			}
			if v, ok := c.merged[in.Var]; !ok || v == nil {
				hint := in.Help
				if in.Var == "allowed_principals" {
					hint = "no default outside the commercial AWS partition: pass Databricks' private-connectivity role for your region"
				}
				missing = append(missing, fmt.Sprintf("  %s: --%s, %s, or %s in a --var-file (%s)", in.Var, in.Flag, in.Env(), in.Var, hint))
			}
		}
		if len(missing) > 0 {
			return usagef("missing inputs:\n%s", strings.Join(missing, "\n"))
		}
	}
	return nil
}

// databricks reports whether the Databricks side is enabled.
func (c *cli) databricks() bool {
	b, _ := c.merged["enable_databricks"].(bool)
	return b
}

// defaultPrincipal fills allowed_principals, when no source gives it, with
// Databricks' serverless principal for the region (commercial AWS only), and
// records it like an input so later runs and Terraform by hand see the same.
func (c *cli) defaultPrincipal() {
	if v, ok := c.merged["allowed_principals"]; ok && v != nil {
		return
	}
	region, _ := c.merged["region"].(string)
	arn, ok := DefaultAllowedPrincipal(region)
	if !ok {
		return
	}
	c.merged["allowed_principals"] = []string{arn}
	c.thisRun["allowed_principals"] = []string{arn}
	fmt.Fprintf(c.env.Stderr, "note: allowed_principals defaults to Databricks serverless in %s: %s (pass --allowed-principal to change it)\n", region, arn)
}

var reName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

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

// noDeployment is the error of a command that needs an existing deployment.
func (c *cli) noDeployment(name string) error {
	if c.workdir != "" || c.env.getenv("MSKVPCE_WORKDIR") != "" {
		return usagef("no deployment in %s (it has no %s): pass the --workdir an earlier plan or apply used", c.wd.Dir, settingsName)
	}
	known := c.deployments()
	list := "there are none yet: create one with `" + c.prog() + " apply` and the inputs (see `" + c.prog() + " help`)"
	if len(known) > 0 {
		list = "known deployments: " + strings.Join(known, ", ")
	}
	return usagef("no deployment named %s in %s; %s", name, c.stateBase(), list)
}

// deployments lists the deployments under the state directory.
func (c *cli) deployments() []string {
	entries, err := os.ReadDir(c.stateBase())
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(c.stateBase(), e.Name(), settingsName)); err == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// prepare lays the configuration, finds Terraform and (optionally) runs init.
func (c *cli) prepare(ctx context.Context, needInputs, init bool) error {
	if err := c.resolve(needInputs); err != nil {
		return err
	}
	switch c.cmd {
	case "plan", "apply", "destroy":
		if err := c.preflight(ctx); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(c.wd.Dir, 0o755); err != nil {
		return usagef("create working directory %s: %v (pass --workdir)", c.wd.Dir, err)
	}
	if err := c.saveSettings(); err != nil {
		return err
	}
	rec := values{}
	for k, v := range c.recorded {
		rec[k] = v
	}
	for k, v := range c.thisRun {
		rec[k] = v
	}
	if len(rec) > 0 {
		if err := writeValues(c.wd.InputsFile(), rec); err != nil {
			return err
		}
	}
	if c.env.Tree == nil {
		return errors.New("no embedded Terraform tree (build cmd/deploy from the repository)")
	}
	res, err := c.wd.Lay(c.env.Tree, map[string][]byte{
		filepath.ToSlash(filepath.Join(c.wd.Root, overrideName)): c.overrideHCL(),
	})
	if err != nil {
		return usagef("%v", err)
	}
	c.log.Debug("laid terraform configuration", "dir", c.wd.HCLDir(), "written", len(res.Written), "removed", res.Removed, "unchanged", len(res.Unchanged))
	for _, k := range res.Kept {
		fmt.Fprintf(c.env.Stderr, "note: %s is no longer part of the embedded configuration but was modified, so it was left in place; delete it if you do not need it\n", filepath.Join(c.wd.HCLDir(), k))
	}
	execPath, err := c.findTerraform(ctx)
	if err != nil {
		return err
	}
	c.runner = &tfrunner.Runner{
		Dir:      c.wd.RootDir(),
		ExecPath: execPath,
		Env:      map[string]string{"TF_DATA_DIR": c.wd.DataDir()},
		Stderr:   c.env.Stderr,
		TTY:      c.env.StderrTTY,
		Signals:  c.env.Signals,
		Logger:   c.log,
	}
	if init {
		return c.init(ctx)
	}
	return nil
}

// init runs terraform init unless nothing it depends on changed since the
// last successful one (the laid files, the backend settings, the binary).
func (c *cli) init(ctx context.Context) error {
	stamp := c.initStamp()
	stampFile := c.initStampFile()
	if cur, err := os.ReadFile(stampFile); err == nil && string(cur) == stamp {
		if _, err := os.Stat(c.wd.DataDir()); err == nil {
			c.log.Debug("terraform init skipped: nothing changed since the last one")
			return nil
		}
	}
	_ = os.Remove(stampFile)
	if err := c.runner.Init(ctx, tfrunner.InitOptions{BackendConfig: c.backendArgs()}); err != nil {
		return c.terraformHint(err)
	}
	return writeFileAtomic(stampFile, []byte(stamp), 0o644)
}

// initStamp identifies what terraform init depends on: the laid files, the
// backend settings and the binary.
func (c *cli) initStamp() string {
	manifest, _ := os.ReadFile(filepath.Join(c.wd.HCLDir(), manifestName))
	return sum([]byte(strings.Join(append([]string{string(manifest), c.runner.ExecPath}, c.backendArgs()...), "\x00")))
}

// initStampFile exists only after a successful terraform init.
func (c *cli) initStampFile() string { return filepath.Join(c.wd.Dir, "init.stamp") }

func (c *cli) findTerraform(ctx context.Context) (string, error) {
	o := tfrunner.FindOptions{CacheDir: c.env.getenv("MSKVPCE_TERRAFORM_CACHE")}
	p := c.terraformPath
	if p == "" {
		p = c.env.getenv("MSKVPCE_TERRAFORM")
	}
	if p != "" {
		// An explicit binary is used as given, or not at all.
		path, err := tfrunner.CheckBinary(ctx, p, "")
		if err != nil {
			return "", usagef("--terraform (or MSKVPCE_TERRAFORM): %v; pass the path of Terraform %s, or leave it out to find it on $PATH", err, tfrunner.Version)
		}
		c.log.Debug("terraform", "path", path)
		return path, nil
	}
	if c.env.getenv("MSKVPCE_TERRAFORM_NO_DOWNLOAD") != "" {
		o.NoDownload = true
	}
	path, err := tfrunner.Find(ctx, o)
	if err != nil {
		return "", err
	}
	c.log.Debug("terraform", "path", path)
	return path, nil
}

func (c *cli) loadSettings() error {
	c.settings = Settings{Format: 1, Backend: "local"}
	b, err := os.ReadFile(c.wd.SettingsFile())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", c.wd.SettingsFile(), err)
	}
	if err := jsonUnmarshal(b, &c.settings); err != nil {
		return fmt.Errorf("%s is corrupt: %w (fix it; it records the backend and var files of this deployment)", c.wd.SettingsFile(), err)
	}
	return nil
}

func (c *cli) saveSettings() error {
	b, err := jsonMarshal(c.settings)
	if err != nil {
		return err
	}
	return writeFileAtomic(c.wd.SettingsFile(), b, 0o644)
}

// resolveBackend applies --backend-* flags to the settings.
func (c *cli) resolveBackend(set map[string]bool) error {
	s3flags := set["backend-bucket"] || set["backend-key"] || set["backend-region"]
	if set["backend-config"] && s3flags {
		return usagef("--backend-config and --backend-bucket/--backend-key/--backend-region are alternatives: pass one")
	}
	if !set["backend-config"] && !s3flags {
		return nil
	}
	if c.settings.Backend == "local" {
		if st, err := os.Stat(c.wd.StateFile()); err == nil && st.Size() > 0 {
			return usagef("this deployment keeps its state locally in %s and deploy never moves state between backends.\n"+
				"To share it through S3: copy that file to the bucket and key you chose (aws s3 cp %s s3://<bucket>/<key>),\n"+
				"then run deploy with the --backend-* flags and a new --name; keep %s until the new deployment plans without changes",
				c.wd.StateFile(), c.wd.StateFile(), c.wd.Dir)
		}
	}
	var cfg string
	switch {
	case set["backend-config"]:
		abs, err := filepath.Abs(c.backendConfig)
		if err != nil {
			return usagef("--backend-config: %v", err)
		}
		if _, err := os.Stat(abs); err != nil {
			return usagef("--backend-config %s: %v (write an HCL file with bucket, key and region)", abs, err)
		}
		cfg = abs
	case s3flags:
		if c.backendBucket == "" || c.backendKey == "" || c.backendRegion == "" {
			return usagef("S3 backend: pass all of --backend-bucket, --backend-key and --backend-region")
		}
		if !reRegion.MatchString(c.backendRegion) {
			return usagef("--backend-region %q: not an AWS region code, e.g. us-east-1", c.backendRegion)
		}
		body := fmt.Sprintf("bucket       = %q\nkey          = %q\nregion       = %q\nuse_lockfile = true\n", c.backendBucket, c.backendKey, c.backendRegion)
		cfg = filepath.Join(c.wd.Dir, backendS3Name)
		if cur, err := os.ReadFile(cfg); err == nil && string(cur) != body {
			return usagef("%s exists with other settings: edit it (it is yours) or pass --backend-config with another file", cfg)
		}
		if c.probe {
			break // status of a deployment that does not exist yet: write nothing
		}
		if err := os.MkdirAll(c.wd.Dir, 0o755); err != nil {
			return usagef("create %s: %v", c.wd.Dir, err)
		}
		if err := writeFileAtomic(cfg, []byte(body), 0o644); err != nil {
			return err
		}
	}
	c.settings.Backend, c.settings.BackendConfig = "s3", cfg
	return nil
}

func (c *cli) overrideHCL() []byte {
	kind := "local"
	if c.settings.Backend == "s3" {
		kind = "s3"
	}
	return []byte(fmt.Sprintf("# Written by mskvpce deploy: where this deployment keeps its state.\n# Settings are passed to `terraform init -backend-config`; see %s.\nterraform {\n  backend %q {}\n}\n", settingsName, kind))
}

func (c *cli) backendArgs() []string {
	if c.settings.Backend == "s3" {
		return []string{c.settings.BackendConfig, "use_lockfile=true"}
	}
	return []string{"path=" + c.wd.StateFile()}
}

// varArgs are the -var-file and -var arguments of every plan, in
// Terraform's precedence order (later wins).
func (c *cli) varArgs() (files, vars []string) {
	if _, err := os.Stat(c.wd.InputsFile()); err == nil {
		files = append(files, c.wd.InputsFile())
	}
	files = append(files, c.settings.VarFiles...)
	for _, k := range sortedKeys(c.thisRun) {
		vars = append(vars, k+"="+hclValue(c.thisRun[k]))
	}
	return files, vars
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
