package tfrunner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// realTerraform is the pinned binary installed on CI and dev machines.
func realTerraform(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("terraform %s must be installed for these tests (see .ci/run): %v", Version, err)
	}
	return p
}

// fakeTerraform writes a `terraform` script that claims another version.
func fakeTerraform(t *testing.T, version string) string {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\necho '{\"terraform_version\":\"" + version + "\",\"platform\":\"linux_amd64\"}'\n"
	if err := os.WriteFile(filepath.Join(dir, "terraform"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// These tests change PATH, so they do not run in parallel.

func TestFindPrePlacedPinnedBinary(t *testing.T) {
	real := realTerraform(t)
	placed := t.TempDir()
	if err := os.Symlink(real, filepath.Join(placed, "terraform")); err != nil {
		t.Fatal(err)
	}
	wrong := fakeTerraform(t, "1.5.7")
	// The wrong version comes first on PATH and must be skipped.
	t.Setenv("PATH", wrong+string(os.PathListSeparator)+placed)
	got, err := Find(context.Background(), FindOptions{NoDownload: true, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(placed, "terraform") {
		t.Errorf("Find = %s, want the pre-placed %s", got, filepath.Join(placed, "terraform"))
	}
}

func TestFindInCacheDir(t *testing.T) {
	real := realTerraform(t)
	cache := t.TempDir()
	verDir := filepath.Join(cache, Version)
	os.MkdirAll(verDir, 0o755)
	if err := os.Symlink(real, filepath.Join(verDir, "terraform")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", fakeTerraform(t, "1.9.0"))
	got, err := Find(context.Background(), FindOptions{NoDownload: true, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(verDir, "terraform") {
		t.Errorf("Find = %s, want the cached one", got)
	}
}

func TestFindRefusesWrongVersion(t *testing.T) {
	// An unreachable releases site stands in for being offline.
	releases := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "offline", http.StatusServiceUnavailable)
	}))
	defer releases.Close()
	cases := []struct {
		name string
		o    FindOptions
		want []string
	}{
		{"no download", FindOptions{NoDownload: true}, []string{"need Terraform " + Version + " exactly", "downloading is disabled", "releases.hashicorp.com/terraform/" + Version}},
		{"download fails", FindOptions{ReleasesURL: releases.URL, DownloadTimeout: time.Second}, []string{"need Terraform " + Version + " exactly", "could not", "unzip the `terraform` binary into"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", fakeTerraform(t, "1.5.7"))
			tc.o.CacheDir = t.TempDir()
			got, err := Find(context.Background(), tc.o)
			if err == nil {
				t.Fatalf("Find accepted %s", got)
			}
			if !errors.Is(err, ErrTerraformNotFound) {
				t.Errorf("error does not wrap ErrTerraformNotFound: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// An explicit binary is used as given: a missing one, a non-Terraform one
// and one of another version are refused, never replaced from $PATH.
func TestCheckBinary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := script("tf-good", `echo '{"terraform_version":"`+Version+`"}'`)
	old := script("tf-old", `echo '{"terraform_version":"1.5.7"}'`)
	noexec := filepath.Join(dir, "tf-noexec")
	if err := os.WriteFile(noexec, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "nonexistent"), "no such file"},
		{"/bin/false", "version -json` failed"},
		{"/bin/true", "did not answer as Terraform"},
		{old, "Terraform 1.5.7, want " + Version},
		{noexec, "not executable"},
		{dir, "a directory"},
	} {
		_, err := CheckBinary(context.Background(), tc.path, "")
		if !errors.Is(err, ErrUnusable) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrUnusable and %q", tc.path, err, tc.want)
		}
	}
	if got, err := CheckBinary(context.Background(), good, ""); err != nil || got != good {
		t.Errorf("good binary: %q, %v", got, err)
	}
}
