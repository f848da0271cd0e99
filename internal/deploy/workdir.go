package deploy

import (
	"bytes"
	"context"
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
//	<workdir>/             0700, like the state directory above it; every file in it 0600
//	  deploy.lock          the deployment lock (flock): who runs deploy on it now
//	  deployment.json      settings recorded by the tool (backend, var files)
//	  inputs.tfvars.json   inputs given as flags or MSKVPCE_* variables, kept for later runs
//	  this-run.tfvars.json this run's flags and variables, the last -var-file (never argv)
//	  terraform.tfstate    state (local backend) — the tool never writes or deletes it
//	  .terraform.tfstate.lock.info  Terraform's state lock, while it holds one
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
	thisRunName    = "this-run.tfvars.json"
	LockName       = "deploy.lock"
	tfLockInfoName = ".terraform.tfstate.lock.info"
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

// ThisRunFile holds this run's flags and MSKVPCE_* variables for Terraform:
// passed as the last -var-file, so they win over the operator's var files
// as -var would, without putting a secret on Terraform's command line.
func (w Workdir) ThisRunFile() string { return filepath.Join(w.Dir, thisRunName) }

// LockFile is the deployment lock (see Lock).
func (w Workdir) LockFile() string { return filepath.Join(w.Dir, LockName) }

// TerraformLockInfo is where Terraform's local backend describes the state
// lock it holds (next to the state file); it stays behind when Terraform is
// killed.
func (w Workdir) TerraformLockInfo() string { return filepath.Join(w.Dir, tfLockInfoName) }

// Tighten makes the working directory 0700 and every file directly in it
// (state and its backups, plans, var files, settings, lock files) 0600,
// whatever mode Terraform or the operator gave them, and returns what it
// changed, as "path (was 0644)". Terraform writes state and plans with the
// umask's mode; the directory keeps them from other users, the file modes
// keep them private if the directory is ever opened.
func (w Workdir) Tighten() ([]string, error) {
	var changed []string
	was, ok, err := PrivateDir(w.Dir)
	if err != nil {
		return nil, fmt.Errorf("make %s private: %w", w.Dir, err)
	}
	if ok {
		changed = append(changed, fmt.Sprintf("%s (was %04o)", w.Dir, was))
	}
	if st, err := os.Lstat(w.DataDir()); err == nil && st.IsDir() && st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(w.DataDir(), st.Mode().Perm()&0o700); err != nil {
			return changed, fmt.Errorf("make %s private: %w", w.DataDir(), err)
		}
		changed = append(changed, fmt.Sprintf("%s (was %04o)", w.DataDir(), st.Mode().Perm()))
	}
	entries, err := os.ReadDir(w.Dir)
	if err != nil {
		return changed, fmt.Errorf("make %s private: %w", w.Dir, err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		st, err := e.Info()
		if err != nil || st.Mode().Perm()&0o077 == 0 {
			continue
		}
		p := filepath.Join(w.Dir, e.Name())
		if err := os.Chmod(p, st.Mode().Perm()&0o600); err != nil {
			return changed, fmt.Errorf("make %s private: %w", p, err)
		}
		changed = append(changed, fmt.Sprintf("%s (was %04o)", p, st.Mode().Perm()))
	}
	return changed, nil
}

// Owned reports whether dir is a directory deploy may use as a working
// directory: missing, empty, or holding what deploy writes there first.
// Anything else (a home directory, /proc/self, another tool's files) is
// refused before anything is written into it.
func Owned(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if len(entries) == 0 {
		return true, nil
	}
	for _, e := range entries {
		switch e.Name() {
		case SettingsName, LockName, hclDirName:
			return true, nil
		}
	}
	return false, nil
}

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
//
// Every file it reads there must be a regular one (a FIFO would block the
// read); ctx cancels it between files.
func (w Workdir) Lay(ctx context.Context, tree fs.FS, generated map[string][]byte) (LayResult, error) {
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
	old, err := readManifest(ctx, hcl)
	if err != nil {
		return res, err
	}

	// Check everything before changing anything.
	var conflicts []string
	for p, b := range want {
		full := filepath.Join(hcl, filepath.FromSlash(p))
		cur, err := ReadRegularFile(ctx, full)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if errors.Is(err, ErrNotRegular) {
			conflicts = append(conflicts, err.Error())
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
	if err := os.MkdirAll(hcl, 0o700); err != nil {
		return res, fmt.Errorf("create %s: %w (choose another --workdir)", hcl, err)
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
		if cur, err := ReadRegularFile(ctx, full); err == nil && bytes.Equal(cur, b) {
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
		cur, err := ReadRegularFile(ctx, full)
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

func readManifest(ctx context.Context, hcl string) (manifest, error) {
	m := manifest{Files: map[string]string{}}
	b, err := ReadRegularFile(ctx, filepath.Join(hcl, ManifestName))
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
