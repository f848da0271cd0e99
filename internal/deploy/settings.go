package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SettingsFormat is the format of deployment.json this version writes and
// reads; a file of another format is refused, never guessed at.
const SettingsFormat = 1

// Settings are recorded per deployment in deployment.json.
type Settings struct {
	Format int    `json:"format"`
	Name   string `json:"name"`
	// Backend is "local" (state in the working directory) or "s3".
	Backend string `json:"backend"`
	// BackendConfig is the S3 backend settings file (-backend-config), absolute.
	BackendConfig string `json:"backend_config,omitempty"`
	// VarFiles are the operator's -var-file arguments, absolute.
	VarFiles []string `json:"var_files,omitempty"`
	// Root is the root module the deployment was made with: empty for
	// RootComplete (deployment.json of older deploys has none), RootExisting
	// for a deployment of an existing cluster, whose ClusterARN it fronts.
	// Every later command on the deployment keeps both.
	Root       string `json:"root,omitempty"`
	ClusterARN string `json:"cluster_arn,omitempty"`
}

// RootModule is the root module the settings name (RootComplete when none).
func (s Settings) RootModule() string {
	if s.Root == "" {
		return RootComplete
	}
	return s.Root
}

// NewSettings are the settings of a deployment nothing has recorded yet.
func NewSettings() Settings { return Settings{Format: SettingsFormat, Backend: "local"} }

// ParseSettings reads deployment.json strictly: one JSON object of this
// format, no unknown fields, and values deploy could have written. Its
// errors say what is wrong; the caller names the file and the fix.
func ParseSettings(b []byte) (Settings, error) {
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("not a deployment settings object: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Settings{}, errors.New("more than one JSON value")
	}
	return s, s.Validate()
}

// Validate checks settings as ParseSettings does.
func (s Settings) Validate() error {
	switch {
	case s.Format == 0:
		return fmt.Errorf("no \"format\" (this deploy writes format %d)", SettingsFormat)
	case s.Format > SettingsFormat:
		return fmt.Errorf("format %d is newer than this deploy understands (%d): run the deploy version that wrote it", s.Format, SettingsFormat)
	case s.Format != SettingsFormat:
		return fmt.Errorf("format %d is unknown (this deploy reads format %d)", s.Format, SettingsFormat)
	}
	if err := checkName(s.Name); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	switch s.Backend {
	case "local":
		if s.BackendConfig != "" {
			return fmt.Errorf("backend \"local\" with a backend_config (%q): backend_config is for \"s3\"", s.BackendConfig)
		}
	case "s3":
		if s.BackendConfig == "" {
			return errors.New("backend \"s3\" without backend_config (the file with its bucket, key and region)")
		}
		if err := checkAbs(s.BackendConfig); err != nil {
			return fmt.Errorf("backend_config: %w", err)
		}
	case "":
		return errors.New("no \"backend\" (\"local\" or \"s3\")")
	default:
		return fmt.Errorf("backend %q is neither \"local\" nor \"s3\"", s.Backend)
	}
	for _, f := range s.VarFiles {
		if err := checkAbs(f); err != nil {
			return fmt.Errorf("var_files: %w", err)
		}
	}
	switch s.Root {
	case "", RootComplete:
		if s.ClusterARN != "" {
			return fmt.Errorf("cluster_arn %q without root %q: only a deployment of an existing cluster names one", s.ClusterARN, RootExisting)
		}
	case RootExisting:
		if !reClusterARN.MatchString(s.ClusterARN) {
			return fmt.Errorf("root %q needs the cluster_arn it fronts (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>), not %q", RootExisting, s.ClusterARN)
		}
	default:
		return fmt.Errorf("root %q is neither %q nor %q", s.Root, RootComplete, RootExisting)
	}
	return nil
}

func checkName(n string) error {
	if n == "" {
		return errors.New("empty")
	}
	if len(n) > 255 || !utf8.ValidString(n) || strings.ContainsRune(n, '/') || strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return fmt.Errorf("%q is not a directory name", n)
	}
	return nil
}

func checkAbs(p string) error {
	if !utf8.ValidString(p) || strings.IndexFunc(p, unicode.IsControl) >= 0 || strings.ContainsRune(p, 0) {
		return fmt.Errorf("%q is not a path", p)
	}
	if !filepath.IsAbs(p) || filepath.Clean(p) != p {
		return fmt.Errorf("%q is not a clean absolute path", p)
	}
	return nil
}

// Marshal is the settings as deployment.json holds them.
func (s Settings) Marshal() []byte {
	b, _ := json.MarshalIndent(s, "", "  ")
	return append(b, '\n')
}
