package cli

// Laying the configuration, finding Terraform, init and the plan arguments.

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

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
	if c.env.Tree == nil {
		return errors.New("no embedded Terraform tree (build cmd/deploy from the repository)")
	}
	res, err := c.wd.Lay(c.env.Tree, map[string][]byte{
		filepath.ToSlash(filepath.Join(c.wd.Root, deploy.OverrideName)): c.overrideHCL(),
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
	return deploy.WriteFileAtomic(stampFile, []byte(stamp), 0o644)
}

// initStamp identifies what terraform init depends on: the laid files, the
// backend settings and the binary.
func (c *cli) initStamp() string {
	manifest, _ := os.ReadFile(filepath.Join(c.wd.HCLDir(), deploy.ManifestName))
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
// Terraform's precedence order (later wins).
func (c *cli) varArgs() (files, vars []string) {
	if _, err := os.Stat(c.wd.InputsFile()); err == nil {
		files = append(files, c.wd.InputsFile())
	}
	files = append(files, c.settings.VarFiles...)
	for _, k := range deploy.SortedKeys(c.thisRun) {
		vars = append(vars, k+"="+deploy.HCLValue(c.thisRun[k]))
	}
	if c.acceptLater {
		vars = append(vars, "databricks_accept_connections=false")
	}
	return files, vars
}
