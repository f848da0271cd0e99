package lambdazip

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// elfHeader is a bare ELF64 little-endian header (no program or section
// headers) of the given machine: what debug/elf reads to tell arm64 from
// x86-64.
func elfHeader(machine elf.Machine) []byte {
	var b bytes.Buffer
	b.Write([]byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT), byte(elf.ELFOSABI_NONE)})
	b.Write(make([]byte, 8))
	hdr := struct {
		Type, Machine                       uint16
		Version                             uint32
		Entry, Phoff, Shoff                 uint64
		Flags                               uint32
		Ehsize, Phentsize, Phnum, Shentsize uint16
		Shnum, Shstrndx                     uint16
	}{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT), Ehsize: 64, Phentsize: 56, Shentsize: 64}
	_ = binary.Write(&b, binary.LittleEndian, hdr)
	return b.Bytes()
}

type entry struct {
	name string
	body []byte
	mode os.FileMode
	dos  bool // made on MS-DOS: no Unix mode recorded
}

func writeZip(t *testing.T, entries ...entry) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "verify-lambda.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		if e.dos {
			h.CreatorVersion = 20 // host 0, the mode bits stay in ExternalAttrs but unzip ignores them
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(e.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	t.Parallel()
	arm := elfHeader(elf.EM_AARCH64)
	for _, c := range []struct {
		name    string
		entries []entry
		want    string // "" = passes
	}{
		{"arm64 bootstrap, 0755 on Unix", []entry{{"bootstrap", arm, 0o755, false}}, ""},
		{"other files beside it", []entry{{"README", []byte("x"), 0o644, false}, {"bootstrap", arm, 0o755, false}}, ""},
		{"no bootstrap", []entry{{"verify-lambda", arm, 0o755, false}}, "no entry named bootstrap"},
		{"bootstrap in a folder", []entry{{"bin/bootstrap", arm, 0o755, false}}, "no entry named bootstrap"},
		{"not executable", []entry{{"bootstrap", arm, 0o644, false}}, "cannot execute"},
		{"made on MS-DOS", []entry{{"bootstrap", arm, 0o755, true}}, "cannot execute"},
		{"a script", []entry{{"bootstrap", []byte("#!/bin/sh\necho hi\n"), 0o755, false}}, "not an ELF"},
		{"x86-64", []entry{{"bootstrap", elfHeader(elf.EM_X86_64), 0o755, false}}, "EM_X86_64"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := Check(writeZip(t, c.entries...))
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Check: %v, want it to pass", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Check: %v, want an error containing %q", err, c.want)
			}
		})
	}
	if err := Check(filepath.Join(t.TempDir(), "missing.zip")); err == nil || !strings.Contains(err.Error(), "not a readable zip") {
		t.Errorf("missing file: %v", err)
	}
}

// Mode reads like Info-ZIP's unzip: an MS-DOS-made entry (mode bits in the
// external attributes, creator host 0) is not executable; a Unix-made 0755
// one is. Where unzip is installed, it is asked too.
func TestModeReadsLikeUnzip(t *testing.T) {
	t.Parallel()
	if m := Mode(&zip.File{FileHeader: zip.FileHeader{ExternalAttrs: 0o755 << 16}}); m&0o111 != 0 {
		t.Errorf("MS-DOS-made entry reads %v, want not executable", m)
	}
	h := zip.FileHeader{}
	h.SetMode(0o755)
	if m := Mode(&zip.File{FileHeader: h}); m != 0o755 {
		t.Errorf("Unix-made 0755 entry reads %v", m)
	}
	unzip, err := exec.LookPath("unzip")
	if err != nil {
		t.Log("unzip not installed: checked against the rule only")
		return
	}
	for _, dos := range []bool{false, true} {
		p := writeZip(t, entry{"bootstrap", []byte("x"), 0o755, dos})
		out := filepath.Join(t.TempDir(), "out")
		if b, err := exec.Command(unzip, "-q", p, "-d", out).CombinedOutput(); err != nil {
			t.Fatalf("unzip: %v\n%s", err, b)
		}
		fi, err := os.Stat(filepath.Join(out, "bootstrap"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.OpenReader(p)
		if err != nil {
			t.Fatal(err)
		}
		got := Mode(zr.File[0])
		zr.Close()
		if (fi.Mode().Perm()&0o111 != 0) != (got&0o111 != 0) {
			t.Errorf("made on MS-DOS %v: unzip extracts %v, Mode says %v", dos, fi.Mode().Perm(), got)
		}
	}
}
