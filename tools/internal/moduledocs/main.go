package moduledocs

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
)

// Main is the moduledocs command (`make docs`): it rewrites the tables of
// every module's README.md and returns the exit code: 0 written or already
// current, 2 usage error or a module or README that cannot be read or lacks
// the markers.
func Main(stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("moduledocs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", ".", "repository root: the modules are ROOT/terraform/modules/*")
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: moduledocs [-root DIR] [MODULE_DIR...]\n\n"+
			"Writes each module's input and output tables into its README.md, between the lines\n"+
			"  %s\n  %s\nand\n  %s\n  %s\n"+
			"from its variables and outputs. MODULE_DIR defaults to every module under\n"+
			"ROOT/terraform/modules. The gate's docs check fails while a README is not current.\n\n"+
			"Exit codes: 0 written or already current; 2 usage error, or a module or README\n"+
			"that cannot be read or lacks the markers.\n\nFlags:\n",
			BeginInputs, EndInputs, BeginOutputs, EndOutputs)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		var err error
		if dirs, err = Dirs(*root); err != nil {
			fmt.Fprintf(stderr, "moduledocs: %v (is -root the repository root?)\n", err)
			return 2
		}
	}
	code := 0
	for _, dir := range dirs {
		readme := filepath.Join(dir, "README.md")
		if rel, err := filepath.Rel(*root, readme); err == nil {
			readme = rel
		}
		changed, err := Update(dir)
		switch {
		case errors.Is(err, ErrNoMarkers):
			fmt.Fprintf(stderr, "moduledocs: %s has no generated tables: add the lines %s, %s, %s and %s where the tables go, then run again\n", readme, BeginInputs, EndInputs, BeginOutputs, EndOutputs)
			code = 2
		case err != nil:
			fmt.Fprintf(stderr, "moduledocs: %s: %v\n", readme, err)
			code = 2
		case changed:
			fmt.Fprintf(stdout, "updated %s\n", readme)
		default:
			fmt.Fprintf(stdout, "up to date %s\n", readme)
		}
	}
	return code
}
