// Package schemas embeds the provider schemas the schema-only providers
// serve: <name>.json.gz, in the format of `terraform providers schema -json`,
// written by tools/schemagen (make schemas). The gzip header comment names the
// schema's source and version.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.json.gz
var files embed.FS

// Gzipped returns the gzipped schema document of the named provider ("aws").
func Gzipped(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".json.gz")
	if err != nil {
		return nil, fmt.Errorf("no embedded schema for provider %q (have %s): generate tools/schemas/%s.json.gz with tools/schemagen and rebuild: %w",
			name, strings.Join(Names(), ", "), name, err)
	}
	return b, nil
}

// Names lists the providers with an embedded schema.
func Names() []string {
	ents, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".json.gz"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
