// Package gate is the offline Terraform gate: terraform fmt, init (local
// modules only), validate and test against the schema-only providers, tflint
// with its bundled terraform ruleset, and trivy's embedded misconfiguration
// checks. Every step reports which directory and which check failed, and why.
package gate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mskvpce/mskvpce/tools/internal/moduledocs"
)

// Checks, in the order they run for a directory.
const (
	CheckFmt      = "fmt"
	CheckDocs     = "docs" // README input/output tables generated from the HCL
	CheckInit     = "init" // terraform get: installs local modules
	CheckValidate = "validate"
	CheckTest     = "test"
	CheckTflint   = "tflint"
	CheckTrivy    = "trivy"
)

// AllChecks are the checks a full gate runs. init runs whenever validate or
// test does.
var AllChecks = []string{CheckFmt, CheckDocs, CheckValidate, CheckTest, CheckTflint, CheckTrivy}

// Config says what to check and with which tools.
type Config struct {
	// Dirs are the Terraform root directories to init, validate and test
	// (modules, examples).
	Dirs []string
	// ScanRoots are the trees fmt, tflint and trivy scan.
	ScanRoots []string
	// Checks to run (AllChecks when empty).
	Checks []string
	// Terraform, Tflint, Trivy are the executables (Trivy: bin/iacscan).
	Terraform, Tflint, Trivy string
	// TerraformRC is the CLI config with the dev_overrides (TF_CLI_CONFIG_FILE).
	TerraformRC string
	// TflintConfig is the .tflint.hcl to use ("" = tflint's default).
	TflintConfig string
	// DataFixture is the schema provider's data source fixture ("" = none).
	DataFixture string
	// TrivyChecks is a directory of the project's own trivy checks (Rego,
	// namespace user.*), run next to the embedded ones ("" = none).
	TrivyChecks string
	// Jobs is how many steps run at once.
	Jobs int
	// StepTimeout bounds each step.
	StepTimeout time.Duration
}

// Result is the outcome of one check on one target.
type Result struct {
	Check, Target string
	OK            bool
	Skipped       bool
	Output        string // combined output when the check failed
	Err           string // what failed, in words
	Duration      time.Duration
}

// Failed returns the failed results.
func Failed(rs []Result) []Result {
	var out []Result
	for _, r := range rs {
		if !r.OK && !r.Skipped {
			out = append(out, r)
		}
	}
	return out
}

// Wants reports whether check runs: it is in c.Checks, or in AllChecks when
// c.Checks is empty.
func (c *Config) Wants(check string) bool {
	if len(c.Checks) == 0 {
		return slices.Contains(AllChecks, check)
	}
	return slices.Contains(c.Checks, check)
}

func (c *Config) env() []string {
	env := append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+c.TerraformRC,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
	)
	if c.DataFixture != "" && os.Getenv("MSKVPCE_SCHEMA_PROVIDER_DATA") == "" {
		env = append(env, "MSKVPCE_SCHEMA_PROVIDER_DATA="+c.DataFixture)
	}
	return env
}

// run executes one command in dir and returns its combined output.
func (c *Config) run(ctx context.Context, dir string, name string, args ...string) (string, error) {
	if c.StepTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.StepTimeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = c.env()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.String(), fmt.Errorf("timed out after %s: %w", c.StepTimeout, ctx.Err())
	}
	return out.String(), err
}

// Run executes the gate and streams one line per result to w (failures with
// their output indented). It returns every result.
func Run(ctx context.Context, c Config, w io.Writer) []Result {
	if c.Jobs < 1 {
		c.Jobs = 1
	}
	var (
		mu      sync.Mutex
		results []Result
	)
	report := func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, r)
		writeResult(w, r)
	}

	// fmt is cheap and needs nothing else: run it first.
	if c.Wants(CheckFmt) {
		for _, root := range c.ScanRoots {
			report(c.fmt(ctx, root))
		}
	}

	// docs reads HCL and READMEs in process: as cheap as fmt.
	if c.Wants(CheckDocs) {
		for _, dir := range c.Dirs {
			report(c.docs(dir))
		}
	}

	sem := make(chan struct{}, c.Jobs)
	var wg sync.WaitGroup
	spawn := func(chain func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chain()
		}()
	}
	step := func(f func() Result) Result {
		sem <- struct{}{}
		defer func() { <-sem }()
		r := f()
		report(r)
		return r
	}

	// Per directory: init -> validate -> test. tflint evaluates local module
	// calls, so it waits for every init.
	var inits sync.WaitGroup
	if c.Wants(CheckValidate) || c.Wants(CheckTest) || c.Wants(CheckTflint) {
		for _, dir := range c.Dirs {
			inits.Add(1)
			spawn(func() {
				initR := step(func() Result { return c.init(ctx, dir) })
				inits.Done()
				if !initR.OK {
					return
				}
				if c.Wants(CheckValidate) {
					if r := step(func() Result { return c.validate(ctx, dir) }); !r.OK && !r.Skipped {
						return
					}
				}
				if c.Wants(CheckTest) {
					step(func() Result { return c.test(ctx, dir) })
				}
			})
		}
	}
	if c.Wants(CheckTrivy) {
		for _, root := range c.ScanRoots {
			spawn(func() { step(func() Result { return c.trivy(ctx, root) }) })
		}
	}
	if c.Wants(CheckTflint) {
		for _, root := range c.ScanRoots {
			spawn(func() {
				inits.Wait()
				step(func() Result { return c.tflint(ctx, root) })
			})
		}
	}
	wg.Wait()
	return results
}

func writeResult(w io.Writer, r Result) {
	status := "PASS"
	switch {
	case r.Skipped:
		status = "SKIP"
	case !r.OK:
		status = "FAIL"
	}
	fmt.Fprintf(w, "%s  %-8s  %s  (%.1fs)\n", status, r.Check, r.Target, r.Duration.Seconds())
	if status == "FAIL" {
		if r.Err != "" {
			fmt.Fprintf(w, "      %s\n", r.Err)
		}
		for _, line := range strings.Split(strings.TrimRight(r.Output, "\n"), "\n") {
			if strings.TrimSpace(line) != "" {
				fmt.Fprintf(w, "      | %s\n", line)
			}
		}
	}
	if r.Skipped && r.Err != "" {
		fmt.Fprintf(w, "      %s\n", r.Err)
	}
}

func timed(check, target string, f func() (skipped bool, out string, err error)) Result {
	start := time.Now()
	skipped, out, err := f()
	r := Result{Check: check, Target: target, OK: err == nil, Skipped: skipped, Duration: time.Since(start)}
	if err != nil {
		r.Output = out
		r.Err = err.Error()
	} else if skipped {
		r.Err = out
	}
	return r
}

func (c *Config) fmt(ctx context.Context, root string) Result {
	return timed(CheckFmt, root, func() (bool, string, error) {
		out, err := c.run(ctx, root, c.Terraform, "fmt", "-check", "-recursive", "-diff", "-no-color")
		if err != nil {
			return false, out, fmt.Errorf("terraform fmt -check: files above are not formatted; fix with `terraform fmt -recursive %s`: %w", root, err)
		}
		return false, "", nil
	})
}

// docs checks that dir's README.md tables are what `make docs` would write.
// Every module under terraform/modules and every example under
// terraform/examples must carry them; a directory elsewhere is checked only
// when its README has the markers.
func (c *Config) docs(dir string) Result {
	return timed(CheckDocs, dir, func() (bool, string, error) {
		if !fileExists(filepath.Join(dir, "README.md")) {
			if isDocumented(dir) {
				return false, "", fmt.Errorf("%s has no README.md: a module or example documents what it builds, its usage, inputs and outputs there; add one with the table markers (see tools/README.md) and run `%s`", dir, moduledocs.Fix)
			}
			return true, "no README.md", nil
		}
		st, err := moduledocs.Check(dir)
		switch {
		case errors.Is(err, moduledocs.ErrNoMarkers) && !isDocumented(dir):
			return true, "README.md has no generated tables", nil
		case errors.Is(err, moduledocs.ErrNoMarkers):
			return false, "", fmt.Errorf("%s/README.md has no generated input/output tables: add the lines %s, %s, %s and %s, then run `%s`", dir, moduledocs.BeginInputs, moduledocs.EndInputs, moduledocs.BeginOutputs, moduledocs.EndOutputs, moduledocs.Fix)
		case err != nil:
			return false, "", fmt.Errorf("%s: %w", dir, err)
		case st.Stale:
			return false, st.Diff, fmt.Errorf("%s/README.md: the input/output tables are out of date with the module's variables and outputs; run `%s` and commit the README", dir, moduledocs.Fix)
		}
		return false, "", nil
	})
}

// isDocumented: dir is a reusable module (ROOT/terraform/modules/<name>) or
// a root configuration (ROOT/terraform/examples/<name>).
func isDocumented(dir string) bool {
	kind := filepath.Base(filepath.Dir(dir))
	return (kind == "modules" || kind == "examples") && filepath.Base(filepath.Dir(filepath.Dir(dir))) == "terraform"
}

// initMarker is written after a successful init; Terraform ignores it.
const initMarker = "mskvpce-gate-init"

// needsInit reports whether dir has never been initialized by the gate or a
// .tf or .tftest.hcl file changed since (module sources may have changed).
func needsInit(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, ".terraform", initMarker))
	if err != nil {
		return true
	}
	tfs, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	tests, _ := filepath.Glob(filepath.Join(dir, "tests", "*.tftest.hcl"))
	for _, f := range append(tfs, tests...) {
		if fi, err := os.Stat(f); err == nil && fi.ModTime().After(st.ModTime()) {
			return true
		}
	}
	return false
}

func (c *Config) init(ctx context.Context, dir string) Result {
	return timed(CheckInit, dir, func() (bool, string, error) {
		if !needsInit(dir) {
			return false, "", nil
		}
		// `terraform get` installs the module tree without asking the
		// registry about providers (init would, even for dev_overrides).
		out, err := c.run(ctx, dir, c.Terraform, "get", "-no-color")
		if err != nil {
			return false, out, fmt.Errorf("terraform get (offline: only local module sources can be installed here): %w", err)
		}
		if err := os.MkdirAll(filepath.Join(dir, ".terraform"), 0o755); err == nil {
			_ = os.WriteFile(filepath.Join(dir, ".terraform", initMarker), []byte("initialized by tfgate\n"), 0o644)
		}
		return false, "", nil
	})
}

// configurationAliases matches a required_providers entry that expects
// aliased provider configurations from its caller.
var configurationAliases = regexp.MustCompile(`(?m)^\s*configuration_aliases\s*=`)

// needsCallerProviders reports whether dir is a module that declares
// configuration_aliases: `terraform validate` cannot run such a module on its
// own (hashicorp/terraform#28490, "Provider configuration not present"); it
// is validated through its callers and its terraform test, which supply the
// providers.
func needsCallerProviders(dir string) bool {
	tfs, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, f := range tfs {
		if b, err := os.ReadFile(f); err == nil && configurationAliases.Match(b) {
			return true
		}
	}
	return false
}

func (c *Config) validate(ctx context.Context, dir string) Result {
	return timed(CheckValidate, dir, func() (bool, string, error) {
		if needsCallerProviders(dir) {
			return true, "module declares configuration_aliases: terraform validate cannot run it standalone (hashicorp/terraform#28490); its callers' validate and its own terraform test check it", nil
		}
		out, err := c.run(ctx, dir, c.Terraform, "validate", "-no-color")
		if err != nil {
			return false, out, fmt.Errorf("terraform validate against the real provider schema: %w", err)
		}
		return false, "", nil
	})
}

func (c *Config) test(ctx context.Context, dir string) Result {
	return timed(CheckTest, dir, func() (bool, string, error) {
		if fi, err := os.Stat(filepath.Join(dir, "tests")); err != nil || !fi.IsDir() {
			return true, "no tests/ directory", nil
		}
		out, err := c.run(ctx, dir, c.Terraform, "test", "-no-color")
		if err != nil {
			return false, out, fmt.Errorf("terraform test: %w", err)
		}
		return false, "", nil
	})
}

func (c *Config) tflint(ctx context.Context, root string) Result {
	return timed(CheckTflint, root, func() (bool, string, error) {
		args := []string{"--recursive", "--format=compact", "--no-color"}
		if c.TflintConfig != "" {
			args = append(args, "--config="+c.TflintConfig)
		}
		out, err := c.run(ctx, root, c.Tflint, args...)
		if err != nil {
			return false, out, fmt.Errorf("tflint (bundled terraform ruleset): %w", err)
		}
		return false, "", nil
	})
}

func (c *Config) trivy(ctx context.Context, root string) Result {
	return timed(CheckTrivy, root, func() (bool, string, error) {
		// iacscan refuses a tree without Terraform (a scan of nothing is no
		// pass); here that is a scan root with only Go tests, said as SKIP.
		if !hasTerraform(root) {
			return true, "no Terraform files (.tf, .tf.json, .tofu) under it", nil
		}
		// bin/iacscan: trivy's Terraform scanner and embedded checks as a
		// library (tools/iacscan), what `trivy config` ran for this gate.
		args := []string{"-severity", "HIGH,CRITICAL"}
		if c.TrivyChecks != "" {
			args = append(args, "-checks", c.TrivyChecks, "-namespace", "user")
		}
		out, err := c.run(ctx, root, c.Trivy, append(args, ".")...)
		if err != nil {
			return false, out, fmt.Errorf("trivy (iacscan): HIGH or CRITICAL misconfiguration (or the scan could not run): fix it, or ignore it inline with `#trivy:ignore:<ID>` and the reason: %w", err)
		}
		return false, "", nil
	})
}

// hasTerraform says whether a Terraform file is anywhere under root (outside
// .git and .terraform).
func hasTerraform(root string) bool {
	found := false
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir() && (d.Name() == ".git" || d.Name() == ".terraform"):
			return filepath.SkipDir
		case !d.IsDir() && (strings.HasSuffix(path, ".tf") || strings.HasSuffix(path, ".tf.json") || strings.HasSuffix(path, ".tofu")):
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}
