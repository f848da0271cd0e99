package gate

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// IsCheck reports whether name is one of the checks -checks accepts (AllChecks
// and init).
func IsCheck(name string) bool { return name == CheckInit || slices.Contains(AllChecks, name) }

// DefaultDirs are the directories the gate checks when none are named: every
// directory with Terraform under ROOT/terraform/modules and
// ROOT/terraform/examples, sorted.
func DefaultDirs(root string) []string {
	var dirs []string
	for _, pat := range []string{"terraform/modules/*", "terraform/examples/*"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		for _, d := range m {
			if dirExists(d) && hasTF(d) {
				dirs = append(dirs, d)
			}
		}
	}
	sort.Strings(dirs)
	return dirs
}

// DefaultScanRoots are ROOT/terraform and ROOT/test, those that exist.
func DefaultScanRoots(root string) []string {
	var roots []string
	for _, d := range []string{"terraform", "test"} {
		if p := filepath.Join(root, d); dirExists(p) {
			roots = append(roots, p)
		}
	}
	return roots
}

// WithRoot fills c's optional inputs from the repository at root: the tflint
// config, the project's trivy checks and the data-source fixture, each when
// present.
func (c *Config) WithRoot(root string) {
	c.TflintConfig = ifFile(filepath.Join(root, ".tflint.hcl"))
	if checks := filepath.Join(root, "tools", "trivy", "checks"); dirExists(checks) {
		c.TrivyChecks = checks
	}
	c.DataFixture = ifFile(filepath.Join(root, "tools", "fixtures", "data-sources.json"))
}

func ifFile(p string) string {
	if fileExists(p) {
		return p
	}
	return ""
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
