// Package iacscan scans Terraform for misconfigurations the way
// `trivy config` does for Terraform files, using trivy's own scanner as a
// library: the same file selection, root-module discovery, module
// evaluation, embedded checks (trivy-checks), inline `#trivy:ignore`
// handling and Rego options as trivy v0.74's fs artifact with
// `--skip-check-update` and no downloaded check bundle.
//
// It scans Terraform only (.tf, .tf.json, .tfvars, .tofu, .tofu.json and
// .terraform/modules/modules.json); trivy config would also scan any
// Dockerfile, Kubernetes, CloudFormation, Helm or Ansible file it found.
package iacscan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aquasecurity/trivy/pkg/iac/rego"
	"github.com/aquasecurity/trivy/pkg/iac/scan"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/options"
	"github.com/aquasecurity/trivy/pkg/iac/scanners/terraform"
	"github.com/aquasecurity/trivy/pkg/mapfs"
)

// Options are the parts of `trivy config`'s configuration the gate sets.
type Options struct {
	// Checks are directories of the project's own Rego checks, loaded with
	// the embedded ones (trivy's --config-check).
	Checks []string
	// Namespaces are the Rego package prefixes of those checks (trivy's
	// --check-namespaces); trivy evaluates a check only when its package
	// is under one of them or under a builtin namespace.
	Namespaces []string
}

// Finding is one failed check on one resource.
type Finding struct {
	ID         string `json:"id"`
	AVDID      string `json:"avd_id,omitempty"`
	Severity   string `json:"severity"`
	Title      string `json:"title"`
	Message    string `json:"message"`
	Resolution string `json:"resolution,omitempty"`
	Resource   string `json:"resource,omitempty"`
	// File is relative to the scanned directory, slash-separated.
	File      string `json:"file"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
	Namespace string `json:"namespace"`
}

// Report is the outcome of scanning one directory.
type Report struct {
	Dir string `json:"dir"`
	// Files is the number of Terraform files the scanner was given.
	Files int `json:"files"`
	// Failures are every failed check, of every severity, sorted by file,
	// line and ID.
	Failures []Finding `json:"failures"`
	// Passed and Ignored count checks that passed on a resource, and
	// failures silenced by an inline #trivy:ignore.
	Passed  int `json:"passed"`
	Ignored int `json:"ignored"`
}

// ErrNoTerraform is returned for a directory without Terraform files: a
// scan of nothing would pass, which a gate must not mistake for a pass.
var ErrNoTerraform = errors.New("no Terraform files")

// Scan scans dir (and every directory below it, as trivy config does).
func Scan(ctx context.Context, dir string, opt Options) (Report, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Report{}, err
	}
	if fi, err := os.Stat(abs); err != nil {
		return Report{}, fmt.Errorf("scan %s: %w", dir, err)
	} else if !fi.IsDir() {
		return Report{}, fmt.Errorf("scan %s: not a directory: give the directory that holds the Terraform files", dir)
	}
	target, files, err := terraformFS(abs)
	if err != nil {
		return Report{}, fmt.Errorf("scan %s: %w", dir, err)
	}
	if files == 0 {
		return Report{}, fmt.Errorf("scan %s: %w (.tf, .tf.json, .tfvars, .tofu) in it or below it: check the path", dir, ErrNoTerraform)
	}

	regoOpts, err := regoOptions(opt)
	if err != nil {
		return Report{}, err
	}
	// As trivy's misconf scanner sets them for Terraform (pkg/misconf
	// addTFOpts), plus no module downloads: the gate runs offline, and a
	// download attempt would only fail slowly.
	s := terraform.New(append(regoOpts,
		options.WithScanRawConfig(false),
		terraform.ScannerWithAllDirectories(true),
		terraform.ScannerWithSkipDownloaded(false),
		terraform.ScannerWithDownloadsAllowed(false),
	)...)
	results, err := s.ScanFS(ctx, target, ".")
	if err != nil {
		return Report{}, fmt.Errorf("scan %s: %w", dir, err)
	}

	rep := Report{Dir: dir, Files: files, Failures: []Finding{}}
	for _, r := range results {
		switch r.Status() {
		case scan.StatusPassed:
			rep.Passed++
		case scan.StatusIgnored:
			rep.Ignored++
		case scan.StatusFailed:
			rep.Failures = append(rep.Failures, finding(r))
		}
	}
	slices.SortFunc(rep.Failures, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.StartLine, b.StartLine),
			cmp.Compare(a.ID, b.ID), cmp.Compare(a.Resource, b.Resource))
	})
	return rep, nil
}

func finding(r scan.Result) Finding {
	flat := r.Flatten()
	rule := r.Rule()
	return Finding{
		ID:         rule.ID,
		AVDID:      rule.AVDID,
		Severity:   string(flat.Severity),
		Title:      rule.Summary,
		Message:    flat.Description,
		Resolution: flat.Resolution,
		Resource:   flat.Resource,
		File:       filepath.ToSlash(flat.Location.Filename),
		StartLine:  flat.Location.StartLine,
		EndLine:    flat.Location.EndLine,
		Namespace:  r.RegoNamespace(),
	}
}

// terraformFS is what trivy's fs walker and Terraform analyzer hand the
// scanner: every Terraform file under root (skipping .git), at its path
// relative to root.
func terraformFS(root string) (*mapfs.FS, int, error) {
	mfs := mapfs.New()
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isTerraformFile(path) {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if err := mfs.MkdirAll(filepath.ToSlash(filepath.Dir(rel)), 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := mfs.WriteFile(rel, path); err != nil {
			return err
		}
		if !strings.HasSuffix(rel, "modules.json") {
			n++
		}
		return nil
	})
	return mfs, n, err
}

// isTerraformFile is trivy's Terraform analyzer's file selection
// (pkg/iac/detection IsTerraformFile).
func isTerraformFile(path string) bool {
	path = filepath.ToSlash(path)
	if strings.HasSuffix(path, ".terraform/modules/modules.json") {
		return true
	}
	for _, ext := range []string{".tf", ".tf.json", ".tfvars", ".tofu", ".tofu.json"} {
		if strings.HasSuffix(path, ext) {
			return true
		}
	}
	return false
}

// regoOptions are trivy's (pkg/misconf initRegoOptions) for embedded checks
// and libraries, the pinned trivy version, the default error limit, and the
// extra checks.
func regoOptions(opt Options) ([]options.ScannerOption, error) {
	opts := []options.ScannerOption{
		rego.WithEmbeddedPolicies(true),
		rego.WithEmbeddedLibraries(true),
		rego.WithIncludeDeprecatedChecks(false),
		rego.WithTrivyVersion(TrivyVersion),
		rego.WithMaxAllowedErrors(rego.DefaultAllowedRegoErrors),
		rego.WithPolicyNamespaces(append(slices.Clone(opt.Namespaces), rego.BuiltinNamespaces()...)...),
	}
	if len(opt.Checks) > 0 {
		checks := mapfs.New()
		for _, dir := range opt.Checks {
			abs, err := filepath.Abs(dir)
			if err != nil {
				return nil, err
			}
			if fi, err := os.Stat(abs); err != nil {
				return nil, fmt.Errorf("checks %s: %w", dir, err)
			} else if !fi.IsDir() {
				return nil, fmt.Errorf("checks %s: not a directory of .rego files", dir)
			}
			if err := checks.CopyFilesUnder(abs); err != nil {
				return nil, fmt.Errorf("checks %s: %w", dir, err)
			}
		}
		opts = append(opts, rego.WithPolicyFilesystem(checks), rego.WithPolicyDirs("."))
	}
	return opts, nil
}

// TrivyVersion is the trivy module this is built with (go.mod's require;
// TestTrivyVersionIsGoMods keeps the two equal). Checks that declare a newer
// minimum_trivy_version are skipped, as that released trivy would skip them.
const TrivyVersion = "0.74.0"
