package test

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/mskvpce/mskvpce/internal/lambdazip"
)

// writeRunnerZip zips bin as the Lambda runtime's entry point, bootstrap.
// SetMode records the zip as made on Unix (CreatorVersion's high byte 3) with
// the mode in the external attributes, as aws-lambda-go's build-lambda-zip
// does; without the Unix creator, unzip and Lambda treat the entry as MS-DOS
// and extract it 0644 (Runtime.InvalidEntrypoint: permission denied).
func writeRunnerZip(zipPath, bin string) error {
	body, err := os.ReadFile(bin)
	if err != nil {
		return fmt.Errorf("read the runner binary: %w", err)
	}
	f, err := os.Create(zipPath)
	if err != nil {
		return fmt.Errorf("create the runner zip: %w", err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("zip bootstrap: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("zip bootstrap: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("finish the runner zip: %w", err)
	}
	return f.Close()
}

func TestRunnerZipBootstrapExecutable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bootstrap-bin")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(dir, "runner.zip")
	if err := writeRunnerZip(zipPath, bin); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("zip entries %v, want exactly bootstrap", zr.File)
	}
	if m := lambdazip.Mode(zr.File[0]); m&0o111 != 0o111 {
		t.Errorf("bootstrap extracts as %v (creator host %d, external attrs %#x); Lambda needs it executable", m, zr.File[0].CreatorVersion>>8, zr.File[0].ExternalAttrs)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "#!/bin/sh\necho ran\n" {
		t.Errorf("bootstrap body %q", got)
	}

	// And the way Info-ZIP itself extracts it, when installed.
	unzip, err := exec.LookPath("unzip")
	if err != nil {
		t.Log("unzip not installed: checked the creator host and external attributes only")
		return
	}
	out := filepath.Join(dir, "out")
	if b, err := exec.Command(unzip, "-q", zipPath, "-d", out).CombinedOutput(); err != nil {
		t.Fatalf("unzip: %v\n%s", err, b)
	}
	fi, err := os.Stat(filepath.Join(out, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o111 != 0o111 {
		t.Errorf("unzip extracted bootstrap as %v, want executable", fi.Mode().Perm())
	}
	if b, err := exec.Command(filepath.Join(out, "bootstrap")).Output(); err != nil || string(b) != "ran\n" {
		t.Errorf("run the extracted bootstrap: %v %q", err, b)
	}
}

// TestMakeVerifyLambdaZip builds the operators' package exactly as they do
// (`make verify-lambda-zip`, into a temporary BIN) and checks it the way
// Lambda will use it (lambdazip.Check: bootstrap, executable once
// extracted, linux/arm64), the same check the nightly's zip and
// `deploy verify --remote --canary-zip` get.
func TestMakeVerifyLambdaZip(t *testing.T) { checkMakeZip(t, "verify-lambda") }

// TestMakeHealLambdaZip: the same for the broker healer's package
// (`make heal-lambda-zip`, terraform/modules/broker-healer).
func TestMakeHealLambdaZip(t *testing.T) { checkMakeZip(t, "heal-lambda") }

// checkMakeZip runs `make <fn>-zip` into a temporary BIN and checks the zip.
// Not parallel: each cross-compile takes the machine's cores.
func checkMakeZip(t *testing.T, fn string) {
	if testing.Short() {
		t.Skipf("cross-compiles cmd/%s for linux/arm64; run without -short", fn)
	}
	for _, tool := range []string{"make", "zip"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not installed: make %s-zip needs it", tool, fn)
			}
			t.Skipf("%s not installed: make %s-zip needs it (apt-get install %s)", tool, fn, tool)
		}
	}
	bin := t.TempDir()
	cmd := exec.Command("make", "-s", "BIN="+bin, fn+"-zip")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make %s-zip: %v\n%s", fn, err, out)
	}
	if err := lambdazip.Check(filepath.Join(bin, fn+".zip")); err != nil {
		t.Error(err)
	}
}
