package terraform

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
)

// TestVersionPin: terraform/.terraform-version is the one Terraform pin. What
// cannot read it (the workflows' setup-terraform input, prose in the docs) must
// say the same version, .ci/run must read the file, and every module's
// required_version must admit it.
func TestVersionPin(t *testing.T) {
	if !regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`).MatchString(Version) {
		t.Fatalf("terraform/.terraform-version holds %q: want one exact version such as 1.11.4", Version)
	}
	fix := "change it to " + Version + " (the pin is terraform/.terraform-version)"

	workflowVersion := regexp.MustCompile(`(?m)^\s*terraform_version:\s*["']?([^"'\s]+)`)
	for _, wf := range []string{"ci.yml", "nightly-e2e.yml"} {
		path := filepath.Join("..", ".github", "workflows", wf)
		found := workflowVersion.FindAllStringSubmatch(read(t, path), -1)
		if len(found) == 0 {
			t.Errorf("%s: no setup-terraform terraform_version: pin it to %s", path, Version)
		}
		for _, m := range found {
			if m[1] != Version {
				t.Errorf("%s: terraform_version: %s; %s", path, m[1], fix)
			}
		}
	}

	ci := read(t, filepath.Join("..", ".ci", "run"))
	if !strings.Contains(ci, "terraform/.terraform-version") || regexp.MustCompile(`(?m)^want_tf=[0-9]`).MatchString(ci) {
		t.Errorf(".ci/run must read want_tf from terraform/.terraform-version, not spell a version")
	}

	// "Terraform 1.11.4", "Terraform itself (1.11.4)".
	prose := regexp.MustCompile(`Terraform(?: itself)?\s+\(?v?([0-9]+\.[0-9]+\.[0-9]+)`)
	docs := []string{filepath.Join("..", "README.md"), filepath.Join("..", "tools", "README.md")}
	pages, _ := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	docs = append(docs, pages...)
	readmes, _ := filepath.Glob(filepath.Join("*", "*", "README.md"))
	for _, path := range append(docs, readmes...) {
		for _, m := range prose.FindAllStringSubmatch(read(t, path), -1) {
			if m[1] != Version {
				t.Errorf("%s says %q; %s", path, m[0], fix)
			}
		}
	}

	pinned := version.Must(version.NewVersion(Version))
	required := regexp.MustCompile(`required_version\s*=\s*"([^"]+)"`)
	files, _ := filepath.Glob(filepath.Join("*", "*", "versions.tf"))
	if len(files) == 0 {
		t.Fatal("no modules/*/versions.tf or examples/*/versions.tf found")
	}
	for _, path := range files {
		m := required.FindStringSubmatch(read(t, path))
		if m == nil {
			t.Errorf("%s: no required_version", path)
			continue
		}
		c, err := version.NewConstraint(m[1])
		if err != nil {
			t.Errorf("%s: required_version %q: %v", path, m[1], err)
			continue
		}
		if !c.Check(pinned) {
			t.Errorf("%s: required_version %q excludes the pinned Terraform %s", path, m[1], Version)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
