package cli

// Laying the configuration, finding Terraform, init and the plan arguments.

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

// prepare decides everything this run needs and refuses what it cannot do
// (inputs, confirmation, identity, the Terraform binary) before it writes
// anything; then, holding the deployment lock, it records the settings and
// inputs, lays the configuration and (optionally) runs init.
func (c *cli) prepare(ctx context.Context, needInputs, init bool) error {
	if err := c.resolve(ctx, needInputs); err != nil {
		return err
	}
	switch c.cmd {
	case "apply", "destroy":
		if err := c.needTerminal(); err != nil {
			return err
		}
	}
	switch c.cmd {
	case "plan", "apply", "destroy":
		if err := c.preflight(ctx); err != nil {
			return err
		}
	}
	switch c.cmd {
	case "plan", "apply":
		if err := c.discoverCluster(ctx); err != nil {
			return err
		}
		if err := c.checkNewClusterLimits(ctx); err != nil {
			return err
		}
	}
	if c.env.Tree == nil {
		return errors.New("no embedded Terraform tree (build cmd/deploy from the repository)")
	}
	execPath, err := c.findTerraform(ctx)
	if err != nil {
		return err
	}
	c.runner = &tfrunner.Runner{
		Dir:          c.wd.RootDir(),
		ExecPath:     execPath,
		Env:          map[string]string{"TF_DATA_DIR": c.wd.DataDir()},
		Stderr:       c.env.Stderr,
		TTY:          c.env.StderrTTY,
		Signals:      c.env.Signals,
		Logger:       c.log,
		AfterCommand: c.tighten,
		Redact:       c.redact,
	}

	// Nothing is written before this point.
	if err := c.lockDeployment(ctx); err != nil {
		return err
	}
	// Another run may have changed the records between the reading above
	// and taking the lock: decide again on what is there now.
	if err := c.resolve(ctx, needInputs); err != nil {
		return err
	}
	if c.settings.Backend == "local" {
		c.runner.LockInfoFile = c.wd.TerraformLockInfo()
	}
	if changed, err := c.wd.Tighten(); err != nil {
		return err
	} else if len(changed) > 0 {
		fmt.Fprintf(c.env.Stderr, "note: other users could read this deployment's files; made private (0700 directories, 0600 files): %s\n", strings.Join(changed, ", "))
	}
	res, err := c.wd.Lay(ctx, c.env.Tree, map[string][]byte{
		filepath.ToSlash(filepath.Join(c.wd.Root, deploy.OverrideName)): c.overrideHCL(),
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return usagef("%v", err)
	}
	c.log.Debug("laid terraform configuration", "dir", c.wd.HCLDir(), "written", len(res.Written), "removed", res.Removed, "unchanged", len(res.Unchanged))
	for _, k := range res.Kept {
		fmt.Fprintf(c.env.Stderr, "note: %s is no longer part of the embedded configuration but was modified, so it was left in place; delete it if you do not need it\n", filepath.Join(c.wd.HCLDir(), k))
	}
	if err := c.writeBackend(); err != nil {
		return err
	}
	if err := c.saveSettings(); err != nil {
		return err
	}
	if err := c.writeInputs(); err != nil {
		return err
	}
	if init {
		return c.init(ctx)
	}
	return nil
}

// writeInputs records this run's inputs for later runs (inputs.tfvars.json)
// and gives them to this run's Terraform commands (this-run.tfvars.json, see
// varArgs), both 0600.
func (c *cli) writeInputs() error {
	rec := deploy.Values{}
	for k, v := range c.recorded {
		rec[k] = v
	}
	for k, v := range c.thisRun {
		rec[k] = v
	}
	if len(rec) > 0 {
		if err := deploy.WriteValues(c.wd.InputsFile(), rec); err != nil {
			return err
		}
	}
	if len(c.thisRun) == 0 {
		if err := os.Remove(c.wd.ThisRunFile()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", c.wd.ThisRunFile(), err)
		}
		return nil
	}
	return deploy.WriteValues(c.wd.ThisRunFile(), c.thisRun)
}

// tighten makes the working directory's files private again after
// Terraform wrote some (it writes state and plans with the umask's mode).
func (c *cli) tighten() {
	if changed, err := c.wd.Tighten(); err != nil {
		fmt.Fprintf(c.env.Stderr, "warning: %v: check the modes in %s yourself (0700 directory, 0600 files)\n", err, c.wd.Dir)
	} else if len(changed) > 0 {
		c.log.Debug("made private", "files", changed)
	}
}

// redact hides the known secrets unless the operator asked for them.
func (c *cli) redact(s string) string {
	if c.showSecrets {
		return s
	}
	return c.secrets.String(s)
}

// init runs terraform init unless nothing it depends on changed since the
// last successful one (the laid files, the backend settings, the binary).
func (c *cli) init(ctx context.Context) error {
	stamp := c.initStamp(ctx)
	stampFile := c.initStampFile()
	if cur, err := deploy.ReadRegularFile(ctx, stampFile); err == nil && string(cur) == stamp {
		if _, err := os.Stat(c.wd.DataDir()); err == nil {
			c.log.Debug("terraform init skipped: nothing changed since the last one")
			return nil
		}
	}
	_ = os.Remove(stampFile)
	if err := c.runner.Init(ctx, tfrunner.InitOptions{BackendConfig: c.backendArgs()}); err != nil {
		return c.terraformHint(err)
	}
	return deploy.WriteFileAtomic(stampFile, []byte(stamp), 0o600)
}

// initStamp identifies what terraform init depends on: the laid files, the
// backend settings and the binary.
func (c *cli) initStamp(ctx context.Context) string {
	manifest, _ := deploy.ReadRegularFile(ctx, filepath.Join(c.wd.HCLDir(), deploy.ManifestName))
	return fmt.Sprintf("%x", sha256.Sum256([]byte(strings.Join(append([]string{string(manifest), c.runner.ExecPath}, c.backendArgs()...), "\x00"))))
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
		if errors.Is(err, tfrunner.ErrInterrupted) {
			return "", err
		}
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

// varArgs are the -var-file and -var arguments of every plan, in
// Terraform's precedence order (later wins): the recorded inputs, the
// operator's var files, then this run's flags and MSKVPCE_* variables from
// this-run.tfvars.json — a file, not -var arguments, so that no input (the
// external ID is a secret) is on Terraform's command line, which every
// local user can read (ps, /proc/<pid>/cmdline). vars hold only switches
// deploy itself sets.
func (c *cli) varArgs() (files, vars []string) {
	if _, err := os.Stat(c.wd.InputsFile()); err == nil {
		files = append(files, c.wd.InputsFile())
	}
	files = append(files, c.settings.VarFiles...)
	if len(c.thisRun) > 0 {
		files = append(files, c.wd.ThisRunFile())
	}
	if c.acceptLater {
		vars = append(vars, "databricks_accept_connections=false")
	}
	return files, vars
}
