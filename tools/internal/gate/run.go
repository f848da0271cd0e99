package gate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

const usage = `tfgate: the offline Terraform gate.

Usage:
  tfgate [flags] [DIR...]

Runs, with no network and no credentials:
  fmt       terraform fmt -check -recursive over each scan root
  docs      each DIR's README.md input/output tables equal what make docs generates
            from its HCL (required for every module under ROOT/terraform/modules)
  init      terraform get in each DIR: installs local modules (only when never done or a file changed)
  validate  terraform validate in each DIR, against the real provider schema
            (schema-only providers through -terraformrc's dev_overrides)
  test      terraform test in each DIR that has a tests/ directory
  tflint    tflint --recursive in each scan root (bundled terraform ruleset)
  trivy     trivy's Terraform misconfiguration scan (bin/iacscan: trivy's embedded
            checks plus the project's own in ROOT/tools/trivy/checks), HIGH and
            CRITICAL, over each scan root

DIR defaults to every directory under ROOT/terraform/modules, ROOT/terraform/examples
and ROOT/test/fixtures. Scan roots default to ROOT/terraform and ROOT/test (those that exist).

Flags:
%s
Exit codes: 0 every check passed; 1 a check failed (each failure names its
directory and check); 2 usage error or a tool is missing (run make tools).

Examples:
  tfgate                                   # the whole gate, from the repo root
  tfgate -checks validate,test terraform/modules/msk-vpce
  tfgate -checks trivy -scan /tmp/copy /tmp/copy
`

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// Main parses args, runs the gate and returns the exit code.
func Main(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("tfgate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	root := fs.String("root", ".", "repository root")
	bin := fs.String("bin", "", "directory holding tflint, iacscan and terraformrc (default ROOT/bin)")
	checks := fs.String("checks", strings.Join(AllChecks, ","), "comma-separated checks to run")
	jobs := fs.Int("j", runtime.NumCPU(), "steps run at once")
	timeout := fs.Duration("step-timeout", 10*time.Minute, "limit for each step")
	var scan stringList
	fs.Var(&scan, "scan", "scan root for fmt, tflint and trivy (repeatable; default ROOT/terraform, ROOT/test)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, usage, flagDefaults(fs))
			return 0
		}
		fmt.Fprintf(stderr, "tfgate: %v\n\n", err)
		fmt.Fprintf(stderr, usage, flagDefaults(fs))
		return 2
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		fmt.Fprintf(stderr, "tfgate: -root %s: %v\n", *root, err)
		return 2
	}
	if *bin == "" {
		*bin = filepath.Join(absRoot, "bin")
	}
	c := Config{
		Jobs:        *jobs,
		StepTimeout: *timeout,
		TerraformRC: filepath.Join(*bin, "terraformrc"),
		Tflint:      filepath.Join(*bin, "tflint"),
		Trivy:       filepath.Join(*bin, "iacscan"),
	}
	for _, ch := range strings.Split(*checks, ",") {
		ch = strings.TrimSpace(ch)
		if ch == "" {
			continue
		}
		if ch != CheckInit && !contains(AllChecks, ch) {
			fmt.Fprintf(stderr, "tfgate: unknown check %q (have %s)\n", ch, strings.Join(AllChecks, ", "))
			return 2
		}
		c.Checks = append(c.Checks, ch)
	}
	if c.Terraform, err = exec.LookPath("terraform"); err != nil {
		fmt.Fprintf(stderr, "tfgate: terraform is not on PATH: install Terraform %s (see .ci/run)\n", PinnedTerraform(absRoot))
		return 2
	}
	need := []string{c.TerraformRC}
	if c.wants(CheckTflint) {
		need = append(need, c.Tflint)
	}
	if c.wants(CheckTrivy) {
		need = append(need, c.Trivy)
	}
	var missing []string
	for _, path := range need {
		if _, err := os.Stat(path); err != nil {
			missing = append(missing, path)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "tfgate: missing %s: run `make tools` first\n", strings.Join(missing, ", "))
		return 2
	}
	if cfg := filepath.Join(absRoot, ".tflint.hcl"); fileExists(cfg) {
		c.TflintConfig = cfg
	}
	if checks := filepath.Join(absRoot, "tools", "trivy", "checks"); dirExists(checks) {
		c.TrivyChecks = checks
	}
	if fx := filepath.Join(absRoot, "tools", "fixtures", "data-sources.json"); fileExists(fx) {
		c.DataFixture = fx
	}
	for _, d := range fs.Args() {
		a, err := filepath.Abs(d)
		if err != nil || !dirExists(a) {
			fmt.Fprintf(stderr, "tfgate: %s is not a directory\n", d)
			return 2
		}
		c.Dirs = append(c.Dirs, a)
	}
	if len(c.Dirs) == 0 {
		for _, pat := range []string{"terraform/modules/*", "terraform/examples/*", "test/fixtures/*"} {
			m, _ := filepath.Glob(filepath.Join(absRoot, pat))
			for _, d := range m {
				if dirExists(d) && hasTF(d) {
					c.Dirs = append(c.Dirs, d)
				}
			}
		}
		sort.Strings(c.Dirs)
	}
	for _, s := range scan {
		a, err := filepath.Abs(s)
		if err != nil || !dirExists(a) {
			fmt.Fprintf(stderr, "tfgate: -scan %s is not a directory\n", s)
			return 2
		}
		c.ScanRoots = append(c.ScanRoots, a)
	}
	if len(scan) == 0 {
		for _, d := range []string{"terraform", "test"} {
			if p := filepath.Join(absRoot, d); dirExists(p) {
				c.ScanRoots = append(c.ScanRoots, p)
			}
		}
	}
	if len(c.Dirs) == 0 && len(c.ScanRoots) == 0 {
		fmt.Fprintf(stderr, "tfgate: nothing to check under %s\n", absRoot)
		return 2
	}

	start := time.Now()
	results := Run(ctx, c, stdout)
	failed := Failed(results)
	fmt.Fprintf(stdout, "tfgate: %d checks, %d failed, in %.1fs\n", len(results), len(failed), time.Since(start).Seconds())
	for _, r := range failed {
		fmt.Fprintf(stdout, "tfgate: FAILED %s in %s\n", r.Check, r.Target)
	}
	if len(failed) > 0 {
		return 1
	}
	return 0
}

func flagDefaults(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		def := ""
		if f.DefValue != "" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(&b, "  -%-13s %s%s\n", f.Name, f.Usage, def)
	})
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func fileExists(p string) bool { fi, err := os.Stat(p); return err == nil && !fi.IsDir() }
func dirExists(p string) bool  { fi, err := os.Stat(p); return err == nil && fi.IsDir() }

func hasTF(d string) bool {
	m, _ := filepath.Glob(filepath.Join(d, "*.tf"))
	return len(m) > 0
}

// VersionFile is where the repository pins its Terraform version, relative to
// the root (the one pin: .ci/run and the Go tools read it too).
const VersionFile = "terraform/.terraform-version"

// PinnedTerraform is the version in ROOT/terraform/.terraform-version, or a
// pointer to that file when it cannot be read.
func PinnedTerraform(root string) string {
	b, err := os.ReadFile(filepath.Join(root, VersionFile))
	if v := strings.TrimSpace(string(b)); err == nil && v != "" {
		return v
	}
	return "(the version in " + VersionFile + ")"
}
