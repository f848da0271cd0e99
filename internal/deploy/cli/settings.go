package cli

// deployment.json (backend, var files) and the backend configuration.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mskvpce/mskvpce/internal/deploy"
)

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
	return deploy.WriteFileAtomic(c.wd.SettingsFile(), b, 0o644)
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
		if !deploy.IsRegion(c.backendRegion) {
			return usagef("--backend-region %q: not an AWS region code, e.g. us-east-1", c.backendRegion)
		}
		body := fmt.Sprintf("bucket       = %q\nkey          = %q\nregion       = %q\nuse_lockfile = true\n", c.backendBucket, c.backendKey, c.backendRegion)
		cfg = filepath.Join(c.wd.Dir, deploy.BackendS3Name)
		if cur, err := os.ReadFile(cfg); err == nil && string(cur) != body {
			return usagef("%s exists with other settings: edit it (it is yours) or pass --backend-config with another file", cfg)
		}
		if c.probe {
			break // status of a deployment that does not exist yet: write nothing
		}
		if err := os.MkdirAll(c.wd.Dir, 0o755); err != nil {
			return usagef("create %s: %v", c.wd.Dir, err)
		}
		if err := deploy.WriteFileAtomic(cfg, []byte(body), 0o644); err != nil {
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
	return []byte(fmt.Sprintf("# Written by mskvpce deploy: where this deployment keeps its state.\n# Settings are passed to `terraform init -backend-config`; see %s.\nterraform {\n  backend %q {}\n}\n", deploy.SettingsName, kind))
}

func (c *cli) backendArgs() []string {
	if c.settings.Backend == "s3" {
		return []string{c.settings.BackendConfig, "use_lockfile=true"}
	}
	return []string{"path=" + c.wd.StateFile()}
}
