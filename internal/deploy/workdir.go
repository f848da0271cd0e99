package deploy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// A deployment's working directory:
//
//	<workdir>/
//	  deployment.json      settings recorded by the tool (backend, var files)
//	  inputs.tfvars.json   inputs given as flags or MSKVPCE_* variables, kept for later runs
//	  terraform.tfstate    state (local backend) — the tool never writes or deletes it
//	  .terraform/          Terraform's data directory (TF_DATA_DIR)
//	  backend.s3.hcl       S3 backend settings, when the team shares state
//	  plan.tfplan          the last saved plan
//	  hcl/                 the embedded Terraform tree, laid by the tool
//	    .mskvpce-manifest.json   what the tool laid (path → sha256)
//	    modules/...  examples/complete/...  (+ mskvpce_override.tf: the backend block)
//
// State, the data directory and everything the operator writes live outside
// hcl/, so a new embedded tree can be laid (and files of an older tree
// removed) without going near them; inside hcl/ the tool only ever writes or
// removes files its manifest says it laid, and only if they are unmodified.

const (
	ManifestName   = ".mskvpce-manifest.json"
	OverrideName   = "mskvpce_override.tf"
	SettingsName   = "deployment.json"
	inputsName     = "inputs.tfvars.json"
	planName       = "plan.tfplan"
	stateName      = "terraform.tfstate"
	BackendS3Name  = "backend.s3.hcl"
	hclDirName     = "hcl"
	dataDirName    = ".terraform"
	manifestFormat = 1
)

// Workdir is one deployment's working directory.
type Workdir struct {
	Dir string
	// Root is the embedded root module's path inside the tree (examples/complete).
	Root string
}

func (w Workdir) HCLDir() string    { return filepath.Join(w.Dir, hclDirName) }
func (w Workdir) RootDir() string   { return filepath.Join(w.HCLDir(), filepath.FromSlash(w.Root)) }
func (w Workdir) DataDir() string   { return filepath.Join(w.Dir, dataDirName) }
func (w Workdir) StateFile() string { return filepath.Join(w.Dir, stateName) }
func (w Workdir) PlanFile() string  { return filepath.Join(w.Dir, planName) }
func (w Workdir) InputsFile() string {
	return filepath.Join(w.Dir, inputsName)
}
func (w Workdir) SettingsFile() string { return filepath.Join(w.Dir, SettingsName) }

// protected matches files the tool must never write or delete in the laid
// tree even if a manifest names them (belt and braces: they live outside
// hcl/ by design).
func protected(rel string) bool {
	base := path.Base(rel)
	for _, p := range []string{"terraform.tfstate*", "*.tfstate", "*.tfstate.*", "*.tfvars", "*.tfvars.json", "*.auto.tfvars*", "*.tfplan", ".terraform*", "backend*.hcl", "*.backend.hcl"} {
		if ok, _ := path.Match(p, base); ok {
			return true
		}
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".terraform" {
			return true
		}
	}
	return false
}

type manifest struct {
	Format int               `json:"format"`
	Files  map[string]string `json:"files"` // slash path relative to hcl/ → sha256
}

// LayResult says what laying the tree changed.
type LayResult struct {
	Written, Removed, Unchanged []string
	// Kept lists stale files the tool laid earlier but did not remove
	// because they were modified since.
	Kept []string
}

// Lay writes the tree (plus generated files, path → content) into hcl/.
// Files it laid before and that are no longer part of the tree are removed
// when unmodified. It refuses (and changes nothing) when it would overwrite
// a file it did not lay or one modified since it laid it.
func (w Workdir) Lay(tree fs.FS, generated map[string][]byte) (LayResult, error) {
	var res LayResult
	want := map[string][]byte{}
	err := fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return fs.SkipDir
			}
			return nil
		}
		if protected(p) && !strings.HasSuffix(p, ".tfvars.example") {
			return nil
		}
		b, err := fs.ReadFile(tree, p)
		if err != nil {
			return err
		}
		want[p] = b
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("read embedded Terraform tree: %w", err)
	}
	if _, err := fs.Stat(tree, w.Root); err != nil {
		return res, fmt.Errorf("embedded Terraform tree has no root module %s: %w", w.Root, err)
	}
	for p, b := range generated {
		want[p] = b
	}
	hcl := w.HCLDir()
	if err := os.MkdirAll(hcl, 0o755); err != nil {
		return res, fmt.Errorf("create %s: %w (choose another --workdir)", hcl, err)
	}
	old, err := readManifest(hcl)
	if err != nil {
		return res, err
	}

	// Check everything before changing anything.
	var conflicts []string
	for p, b := range want {
		full := filepath.Join(hcl, filepath.FromSlash(p))
		cur, err := os.ReadFile(full)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return res, fmt.Errorf("read %s: %w", full, err)
		}
		if bytes.Equal(cur, b) {
			continue
		}
		laidHash, laid := old.Files[p]
		switch {
		case !laid:
			conflicts = append(conflicts, fmt.Sprintf("%s exists but was not laid by mskvpce", full))
		case laidHash != sum(cur):
			conflicts = append(conflicts, fmt.Sprintf("%s was modified since mskvpce laid it", full))
		}
	}
	if len(conflicts) > 0 {
		sort.Strings(conflicts)
		return res, fmt.Errorf("laying the Terraform configuration would overwrite changes:\n  %s\n"+
			"mskvpce owns %s: move your changes to a file outside it (a -var-file, or a *_override.tf you keep elsewhere), delete the files above, and run again",
			strings.Join(conflicts, "\n  "), hcl)
	}

	next := manifest{Format: manifestFormat, Files: map[string]string{}}
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b := want[p]
		full := filepath.Join(hcl, filepath.FromSlash(p))
		next.Files[p] = sum(b)
		if cur, err := os.ReadFile(full); err == nil && bytes.Equal(cur, b) {
			res.Unchanged = append(res.Unchanged, p)
			continue
		}
		if err := WriteFileAtomic(full, b, 0o644); err != nil {
			return res, err
		}
		res.Written = append(res.Written, p)
	}
	// Remove what an older tree laid and this one no longer has.
	var stale []string
	for p := range old.Files {
		if _, ok := want[p]; !ok {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	for _, p := range stale {
		full := filepath.Join(hcl, filepath.FromSlash(p))
		cur, err := os.ReadFile(full)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		switch {
		case err != nil:
			res.Kept = append(res.Kept, p)
			next.Files[p] = old.Files[p] // unreadable: try again next time
			continue
		case protected(p) || sum(cur) != old.Files[p]:
			res.Kept = append(res.Kept, p) // modified since laid: the operator's now
			continue
		}
		if err := os.Remove(full); err != nil {
			return res, fmt.Errorf("remove stale %s: %w", full, err)
		}
		res.Removed = append(res.Removed, p)
		removeEmptyParents(hcl, filepath.Dir(full))
	}
	b, _ := json.MarshalIndent(next, "", "  ")
	if err := WriteFileAtomic(filepath.Join(hcl, ManifestName), append(b, '\n'), 0o644); err != nil {
		return res, err
	}
	return res, nil
}

func readManifest(hcl string) (manifest, error) {
	m := manifest{Files: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(hcl, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("read manifest: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("manifest %s is corrupt (%v): delete it and the files under %s you did not write, then run again", filepath.Join(hcl, ManifestName), err, hcl)
	}
	if m.Files == nil {
		m.Files = map[string]string{}
	}
	return m, nil
}

func removeEmptyParents(stop, dir string) {
	for dir != stop && strings.HasPrefix(dir, stop) {
		if err := os.Remove(dir); err != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func WriteFileAtomic(path string, b []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
