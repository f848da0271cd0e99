// Package lambdazip checks a Lambda deployment package of this repository
// (verify-lambda, heal-lambda) the way Lambda will use it (provided.al2023
// on arm64), before anything is deployed: the runtime runs the entry named
// bootstrap, extracted with the mode the zip records, so a package that is
// fine to Go's archive/zip can still fail every invoke with
// Runtime.InvalidEntrypoint.
package lambdazip

import (
	"archive/zip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
)

// hostUnix is the "version made by" host of an entry whose external
// attributes carry a Unix mode (APPNOTE 4.4.2: 3 = UNIX).
const hostUnix = 3

// Mode is the mode Info-ZIP's unzip (and Lambda) gives an extracted entry:
// the recorded Unix mode only when the entry was made on Unix; any other
// creator (0 = MS-DOS) records no permission bits, and the file is 0644.
func Mode(f *zip.File) os.FileMode {
	if f.CreatorVersion>>8 != hostUnix {
		return 0o644
	}
	return os.FileMode(f.ExternalAttrs>>16) & os.ModePerm
}

// Check opens the zip at path and checks its bootstrap entry: present,
// executable once extracted, and a Linux arm64 ELF executable.
func Check(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%s is not a readable zip: %w", path, err)
	}
	defer zr.Close()
	var boot *zip.File
	for _, f := range zr.File {
		if f.Name == "bootstrap" {
			boot = f
		}
	}
	if boot == nil {
		return fmt.Errorf("%s has no entry named bootstrap at its top level (the provided.al2023 runtime runs ./bootstrap)", path)
	}
	if m := Mode(boot); m&0o111 != 0o111 {
		return fmt.Errorf("%s: bootstrap extracts as %v (creator host %d): Lambda cannot execute it (Runtime.InvalidEntrypoint); zip it on Unix with its mode, as `make verify-lambda-zip` and `make heal-lambda-zip` do", path, m, boot.CreatorVersion>>8)
	}
	rc, err := boot.Open()
	if err != nil {
		return fmt.Errorf("%s: bootstrap: %w", path, err)
	}
	defer rc.Close()
	// debug/elf needs a ReaderAt; the header and program headers suffice,
	// but the whole binary is small enough (tens of MB at most) to buffer.
	tmp, err := os.CreateTemp("", "lambdazip-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, io.LimitReader(rc, 256<<20)); err != nil {
		return fmt.Errorf("%s: bootstrap: %w", path, err)
	}
	ef, err := elf.NewFile(tmp)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%s: bootstrap is not an ELF executable (%v): build it with GOOS=linux GOARCH=arm64 (make verify-lambda-zip, make heal-lambda-zip)", path, err)
		}
		return fmt.Errorf("%s: bootstrap: %w", path, err)
	}
	defer ef.Close()
	if ef.Machine != elf.EM_AARCH64 || ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN {
		return fmt.Errorf("%s: bootstrap is a %v %v ELF; the functions run on arm64 (architectures = [\"arm64\"]): build it with GOOS=linux GOARCH=arm64 (make verify-lambda-zip, make heal-lambda-zip)", path, ef.Machine, ef.Type)
	}
	return nil
}
