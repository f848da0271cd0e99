package schemaprovider

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// FullSchemaEnv names the environment variable that makes GetProviderSchema
// serve every type of the provider (=1), whatever the configuration names.
const FullSchemaEnv = "MSKVPCE_SCHEMA_PROVIDER_FULL_SCHEMA"

// Terraform decodes the whole schema a provider serves, in every command:
// for AWS that is 14 MB, ~1,500 types, most of a plan's CPU. The schema
// served is scoped to the types the configuration can name (every word that
// looks like a type name in its files), each with its real schema: Terraform
// checks those exactly as against the full schema, and a type the
// configuration names but the provider lacks is refused as before.
var typeWord = regexp.MustCompile(`\b[a-z][a-z0-9]*_[a-z0-9_]+\b`)

// configFile tells the files that can name a provider's types: configuration,
// tests and their mock data, and local state (a resource whose block was
// removed is still planned, from its state, with its type's schema).
func configFile(name string) bool {
	for _, s := range []string{".tf", ".tf.json", ".tftest.hcl", ".tftest.json", ".tfmock.hcl", ".tfmock.json", ".tfquery.hcl", ".tfstate"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// ScopeOf returns the type-like words named by the configuration Terraform
// runs in dir (its working directory: the plugin's own): the files under
// dir and under every module directory Terraform installed for it
// (.terraform/modules/modules.json, local and downloaded alike). It returns
// nil, serve everything, when dir holds no configuration file or a module
// directory cannot be read: a narrower schema than the configuration needs
// would refuse types that exist.
func ScopeOf(dir string) map[string]bool {
	words := map[string]bool{}
	found := false
	scanned := map[string]bool{} // modules.json lists the root module too
	scan := func(root string) bool {
		// Terraform links a module given by an absolute path into
		// .terraform/modules; WalkDir does not follow a symlinked root.
		root, err := filepath.EvalSymlinks(root)
		if err != nil {
			return false
		}
		if scanned[root] {
			return true
		}
		scanned[root] = true
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == ".terraform" && p != root {
					return filepath.SkipDir
				}
				return nil
			}
			if !configFile(d.Name()) {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			found = true
			for _, w := range typeWord.FindAll(b, -1) {
				words[string(w)] = true
			}
			return nil
		})
		return err == nil
	}
	if !scan(dir) {
		return nil
	}
	data := os.Getenv("TF_DATA_DIR")
	if data == "" {
		data = ".terraform"
	}
	if !filepath.IsAbs(data) {
		data = filepath.Join(dir, data)
	}
	if b, err := os.ReadFile(filepath.Join(data, "modules", "modules.json")); err == nil {
		var m struct {
			Modules []struct{ Dir string }
		}
		if json.Unmarshal(b, &m) != nil {
			return nil
		}
		for _, mod := range m.Modules {
			d := mod.Dir
			if !filepath.IsAbs(d) {
				d = filepath.Join(dir, d)
			}
			if !scan(d) {
				return nil
			}
		}
	} else if !os.IsNotExist(err) {
		return nil
	}
	// The local backend's state when it lives elsewhere (-chdir into a tree
	// whose state the backend block puts beside it, as deploy does).
	if b, err := os.ReadFile(filepath.Join(data, "terraform.tfstate")); err == nil {
		var rec struct {
			Backend struct {
				Type   string
				Config struct{ Path string }
			}
		}
		if json.Unmarshal(b, &rec) == nil && rec.Backend.Type == "local" && rec.Backend.Config.Path != "" {
			st := rec.Backend.Config.Path
			if !filepath.IsAbs(st) {
				st = filepath.Join(dir, st)
			}
			if _, err := os.Stat(st); err == nil && !scan(st) {
				return nil
			}
		}
	}
	if !found {
		return nil
	}
	return words
}
