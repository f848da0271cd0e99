// Package cli is the tfgate command (make validate): flags, help and exit
// codes by the conventions every mskvpce command shares (internal/cmdline);
// what it runs is package gate.
package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/tools/internal/gate"
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
            (schema-only providers through bin/terraformrc's dev_overrides)
  test      terraform test in each DIR that has a tests/ directory
  tflint    tflint --recursive in each scan root (bundled terraform ruleset)
  trivy     trivy's Terraform misconfiguration scan (bin/iacscan: trivy's embedded
            checks plus the project's own in ROOT/tools/trivy/checks), HIGH and
            CRITICAL, over each scan root

DIR defaults to every directory under ROOT/terraform/modules and ROOT/terraform/examples.
Scan roots default to ROOT/terraform and ROOT/test (those that exist).

Flags:
%s
Exit codes: 0 every check passed; 1 a check failed (each failure names its
directory and check); 2 usage error or a tool is missing (run make tools).

Examples:
  tfgate                                   # the whole gate, from the repo root
  tfgate --checks validate,test terraform/modules/msk-vpce
  tfgate --checks trivy --scan /tmp/copy /tmp/copy
`

// Run parses args, runs the gate and returns the exit code.
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("tfgate", flag.ContinueOnError)
	root := fs.String("root", ".", "repository root")
	bin := fs.String("bin", "", "directory holding tflint, iacscan and terraformrc (default ROOT/bin)")
	checks := fs.String("checks", strings.Join(gate.AllChecks, ","), "comma-separated checks to run")
	jobs := fs.Int("j", 0, "steps run at once; 0: one per CPU")
	timeout := fs.Duration("step-timeout", 10*time.Minute, "limit for each step")
	var scan cmdline.Strings
	fs.Var(&scan, "scan", "scan root for fmt, tflint and trivy (repeatable; default ROOT/terraform, ROOT/test)")
	fs.Usage = func() { fmt.Fprintf(fs.Output(), usage, flagDefaults(fs)) }
	if code, done := cmdline.Parse(fs, args, stdout, stderr, true); done {
		return code
	}
	usagef := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "tfgate: "+format+"\n", a...)
		return cmdline.ExitUsage
	}
	absRoot, err := filepath.Abs(*root)
	if err != nil {
		return usagef("--root %s: %v", *root, err)
	}
	if *bin == "" {
		*bin = filepath.Join(absRoot, "bin")
	}
	c := gate.Config{
		Jobs:        cmp.Or(max(*jobs, 0), runtime.NumCPU()),
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
		if !gate.IsCheck(ch) {
			return usagef("unknown check %q (have %s)", ch, strings.Join(gate.AllChecks, ", "))
		}
		c.Checks = append(c.Checks, ch)
	}
	if c.Terraform, err = exec.LookPath("terraform"); err != nil {
		return usagef("terraform is not on PATH: install Terraform %s (see .ci/run)", gate.PinnedTerraform(absRoot))
	}
	need := []string{c.TerraformRC}
	if c.Wants(gate.CheckTflint) {
		need = append(need, c.Tflint)
	}
	if c.Wants(gate.CheckTrivy) {
		need = append(need, c.Trivy)
	}
	var missing []string
	for _, path := range need {
		if _, err := os.Stat(path); err != nil {
			missing = append(missing, path)
		}
	}
	if len(missing) > 0 {
		return usagef("missing %s: run `make tools` first", strings.Join(missing, ", "))
	}
	c.WithRoot(absRoot)
	for _, d := range fs.Args() {
		a, err := filepath.Abs(d)
		if err != nil || !isDir(a) {
			return usagef("%s is not a directory", d)
		}
		c.Dirs = append(c.Dirs, a)
	}
	if len(c.Dirs) == 0 {
		c.Dirs = gate.DefaultDirs(absRoot)
	}
	for _, s := range scan {
		a, err := filepath.Abs(s)
		if err != nil || !isDir(a) {
			return usagef("--scan %s is not a directory", s)
		}
		c.ScanRoots = append(c.ScanRoots, a)
	}
	if len(scan) == 0 {
		c.ScanRoots = gate.DefaultScanRoots(absRoot)
	}
	if len(c.Dirs) == 0 && len(c.ScanRoots) == 0 {
		return usagef("nothing to check under %s", absRoot)
	}

	start := time.Now()
	results := gate.Run(ctx, c, stdout)
	failed := gate.Failed(results)
	fmt.Fprintf(stdout, "tfgate: %d checks, %d failed, in %.1fs\n", len(results), len(failed), time.Since(start).Seconds())
	for _, r := range failed {
		fmt.Fprintf(stdout, "tfgate: FAILED %s in %s\n", r.Check, r.Target)
	}
	if len(failed) > 0 {
		return cmdline.ExitFailed
	}
	return cmdline.ExitOK
}

func flagDefaults(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		def := ""
		if f.DefValue != "" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		name := "--" + f.Name
		if len(f.Name) == 1 {
			name = "-" + f.Name // one letter: -j, as in every mskvpce help
		}
		fmt.Fprintf(&b, "  %-15s %s%s\n", name, f.Usage, def)
	})
	return b.String()
}

func isDir(p string) bool { fi, err := os.Stat(p); return err == nil && fi.IsDir() }
