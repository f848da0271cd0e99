// Package tfrunner is the one small runner every mskvpce tool uses to drive
// Terraform: it finds (or installs) the pinned Terraform version with
// hc-install, runs every command through terraform-exec, plans to a file and
// applies exactly that file, turns Terraform's machine-readable UI stream into
// a live progress line, and handles interrupts so Terraform always gets the
// chance to stop cleanly and release its state lock.
package tfrunner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-version"
	install "github.com/hashicorp/hc-install"
	"github.com/hashicorp/hc-install/fs"
	"github.com/hashicorp/hc-install/product"
	"github.com/hashicorp/hc-install/releases"
	"github.com/hashicorp/hc-install/src"

	mskterraform "github.com/mskvpce/mskvpce/terraform"
)

// Version is the Terraform version mskvpce is tested with and pins: the one
// in terraform/.terraform-version.
var Version = mskterraform.Version

// FindOptions says where to look for Terraform and whether to download it.
type FindOptions struct {
	// Version to find; default Version.
	Version string
	// ExtraPaths are searched after $PATH (the cache directory always is).
	ExtraPaths []string
	// CacheDir receives a downloaded Terraform (in a per-version
	// subdirectory); default DefaultCacheDir().
	CacheDir string
	// NoDownload disables the releases.hashicorp.com fallback.
	NoDownload bool
	// ReleasesURL overrides the releases site (a mirror with the same layout).
	ReleasesURL string
	// DownloadTimeout bounds the download; default 2 minutes.
	DownloadTimeout time.Duration
	// Logger receives hc-install's debug messages; nil discards them.
	Logger *log.Logger
}

// DefaultCacheDir is $XDG_CACHE_HOME/mskvpce/terraform (or the OS equivalent).
func DefaultCacheDir() string {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		if d, err := os.UserCacheDir(); err == nil {
			base = d
		} else {
			base = os.TempDir()
		}
	}
	return filepath.Join(base, "mskvpce", "terraform")
}

// ErrTerraformNotFound is wrapped by Find's error when no usable Terraform exists.
var ErrTerraformNotFound = errors.New("terraform not found")

// Find returns the path of a Terraform binary of exactly the pinned version:
// first one already on $PATH, in ExtraPaths or in the cache directory
// (hc-install fs.ExactVersion, which skips binaries of any other version),
// then one downloaded from releases.hashicorp.com into the cache directory
// (releases.ExactVersion, checksum and signature verified).
func Find(ctx context.Context, o FindOptions) (string, error) {
	want := o.Version
	if want == "" {
		want = Version
	}
	v, err := version.NewVersion(want)
	if err != nil {
		return "", fmt.Errorf("terraform version %q: %w", want, err)
	}
	cache := o.CacheDir
	if cache == "" {
		cache = DefaultCacheDir()
	}
	verDir := filepath.Join(cache, v.String())
	logger := o.Logger
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}

	sources := []src.Source{&fs.ExactVersion{
		Product:    product.Terraform,
		Version:    v,
		ExtraPaths: append(append([]string{}, o.ExtraPaths...), verDir),
	}}
	if !o.NoDownload {
		if err := os.MkdirAll(verDir, 0o755); err != nil {
			return "", fmt.Errorf("terraform cache directory %s: %w (set XDG_CACHE_HOME to a writable directory)", verDir, err)
		}
		timeout := o.DownloadTimeout
		if timeout == 0 {
			timeout = 2 * time.Minute
		}
		sources = append(sources, &releases.ExactVersion{
			Product:    product.Terraform,
			Version:    v,
			InstallDir: verDir,
			ApiBaseURL: o.ReleasesURL,
			Timeout:    timeout,
		})
	}
	in := install.NewInstaller()
	in.SetLogger(logger)
	path, err := in.Ensure(ctx, sources)
	if err != nil {
		how := fmt.Sprintf("download it from releases.hashicorp.com (this machine could not: %v)", err)
		if o.NoDownload {
			how = "downloading is disabled"
		}
		return "", fmt.Errorf("%w: need Terraform %s exactly, found none on $PATH or in %s, and %s.\n"+
			"Install it: fetch https://releases.hashicorp.com/terraform/%s/terraform_%s_<os>_<arch>.zip on a machine with internet access,\n"+
			"unzip the `terraform` binary into %s (or any directory on $PATH), and run again",
			ErrTerraformNotFound, v, verDir, how, v, v, verDir)
	}
	return path, nil
}

// CheckTimeout bounds CheckBinary's `terraform version` (a real one answers
// in well under a second).
var CheckTimeout = 30 * time.Second

// ErrUnusable is wrapped by CheckBinary's error: the binary the operator
// named cannot be used (missing, not executable, not Terraform, other version).
var ErrUnusable = errors.New("unusable terraform binary")

// CheckBinary returns path, made absolute, when it is a Terraform binary of
// exactly version want (default Version). An explicit binary is used as
// given or not at all: never replaced by another one found elsewhere.
func CheckBinary(ctx context.Context, path, want string) (string, error) {
	if want == "" {
		want = Version
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("%w %s: %v", ErrUnusable, path, err)
	}
	st, err := os.Stat(abs)
	switch {
	case err != nil:
		return "", fmt.Errorf("%w %s: %v", ErrUnusable, abs, err)
	case st.IsDir():
		return "", fmt.Errorf("%w %s: a directory; pass the terraform binary itself", ErrUnusable, abs)
	case !st.Mode().IsRegular():
		return "", fmt.Errorf("%w %s: not a regular file (a FIFO or device); pass the terraform binary itself", ErrUnusable, abs)
	case st.Size() == 0:
		return "", fmt.Errorf("%w %s: an empty file; pass the terraform binary itself", ErrUnusable, abs)
	case st.Mode()&0o111 == 0:
		return "", fmt.Errorf("%w %s: not executable (chmod +x it)", ErrUnusable, abs)
	}
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, abs, "version", "-json")
	// A binary that hangs (or leaves a child holding its output open) is
	// stopped with everything it started, and Output returns.
	ownGroup(cmd)
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", fmt.Errorf("%w %s: `%s version -json` did not answer within %s", ErrUnusable, abs, abs, CheckTimeout)
		}
		return "", fmt.Errorf("%w: checking %s: %w", ErrInterrupted, abs, ctx.Err())
	}
	if err != nil {
		return "", fmt.Errorf("%w %s: `%s version -json` failed: %v", ErrUnusable, abs, abs, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("%w %s: `version -json` did not answer as Terraform does (%.80q)", ErrUnusable, abs, out)
	}
	if v.Version != want {
		return "", fmt.Errorf("%w %s: Terraform %s, want %s exactly (mskvpce is tested with it)", ErrUnusable, abs, v.Version, want)
	}
	return abs, nil
}
