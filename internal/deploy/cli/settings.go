package cli

// deployment.json (backend, var files) and the backend configuration.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mskvpce/mskvpce/internal/deploy"
)

// Settings are recorded per deployment in deployment.json (internal/deploy
// parses them).
type Settings = deploy.Settings

// loadSettings reads deployment.json, or starts new settings when there is
// none. A file deploy cannot trust (another format, an unknown field, a
// FIFO) is a configuration error: nothing is written over it.
func (c *cli) loadSettings(ctx context.Context) error {
	c.settings, c.settingsFound = deploy.NewSettings(), false
	f := c.wd.SettingsFile()
	if _, err := os.Lstat(f); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	b, err := deploy.ReadRegularFile(ctx, f)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return usagef("read %s: %v (it records this deployment's backend and var files: restore it, or pass another --name or --workdir)", f, err)
	}
	s, err := deploy.ParseSettings(b)
	if err != nil {
		return usagef("%s: %v.\nIt records this deployment's backend and var files and deploy changes nothing while it is wrong: fix it (format %d: name, backend \"local\" or \"s3\" with backend_config, var_files), or pass another --name or --workdir", f, err, deploy.SettingsFormat)
	}
	if s.Backend == "s3" {
		if err := deploy.CheckRegularFile(s.BackendConfig); err != nil {
			return usagef("%s: the S3 backend settings file it records: %v: restore it (bucket, key and region), or pass --backend-config with another file", f, err)
		}
	}
	c.settings, c.settingsFound = s, true
	return nil
}

func (c *cli) saveSettings() error {
	return deploy.WriteFileAtomic(c.wd.SettingsFile(), c.settings.Marshal(), 0o600)
}

// resolveBackend applies --backend-* flags to the settings; the S3 settings
// file they ask for is written by writeBackend, under the lock.
func (c *cli) resolveBackend(ctx context.Context, set map[string]bool) error {
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
		if err := deploy.CheckRegularFile(abs); err != nil {
			return usagef("--backend-config %s: %v (write an HCL file with bucket, key and region)", abs, err)
		}
		cfg = abs
	case s3flags:
		if c.backendBucket == "" || c.backendKey == "" || c.backendRegion == "" {
			return usagef("S3 backend: pass all of --backend-bucket, --backend-key and --backend-region")
		}
		if !deploy.IsRegion(c.backendRegion) {
			return usagef("--backend-region %q: not an AWS region code, e.g. us-east-1", c.backendRegion)
		}
		body := fmt.Sprintf("bucket       = %q\nkey          = %q\nregion       = %q\nuse_lockfile = true\n", c.backendBucket, c.backendKey, c.backendRegion)
		cfg = filepath.Join(c.wd.Dir, deploy.BackendS3Name)
		if _, err := os.Lstat(cfg); err == nil {
			cur, err := deploy.ReadRegularFile(ctx, cfg)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil || string(cur) != body {
				return usagef("%s exists with other settings: edit it (it is yours) or pass --backend-config with another file", cfg)
			}
		}
		c.backendFile, c.backendBody = cfg, []byte(body)
	}
	c.settings.Backend, c.settings.BackendConfig = "s3", cfg
	return nil
}

// writeBackend writes the S3 settings the flags asked for (see resolveBackend).
func (c *cli) writeBackend() error {
	if c.backendFile == "" {
		return nil
	}
	return deploy.WriteFileAtomic(c.backendFile, c.backendBody, 0o600)
}

func (c *cli) overrideHCL() []byte {
	kind := "local"
	if c.settings.Backend == "s3" {
		kind = "s3"
	}
	return []byte(fmt.Sprintf("# Written by mskvpce deploy: where this deployment keeps its state.\n# Settings are passed to `terraform init -backend-config`; see %s.\nterraform {\n  backend %q {}\n}\n", deploy.SettingsName, kind))
}

func (c *cli) backendArgs() []string {
	if c.settings.Backend == "s3" {
		return []string{c.settings.BackendConfig, "use_lockfile=true"}
	}
	return []string{"path=" + c.wd.StateFile()}
}
