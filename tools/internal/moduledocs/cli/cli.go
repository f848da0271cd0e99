// Package cli is the moduledocs command (make docs): flags, help and exit
// codes by the conventions every mskvpce command shares (internal/cmdline);
// what it writes is package moduledocs.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/tools/internal/moduledocs"
)

// Run rewrites the tables of every module's README.md and returns the exit
// code: 0 written or already current, 2 usage error or a module or README
// that cannot be read or lacks the markers.
func Run(stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("moduledocs", flag.ContinueOnError)
	root := fs.String("root", ".", "repository root: the modules are ROOT/terraform/modules/* and ROOT/terraform/examples/*")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: moduledocs [--root DIR] [MODULE_DIR...]\n\n"+
			"Writes each module's input and output tables into its README.md, between the lines\n"+
			"  %s\n  %s\nand\n  %s\n  %s\n"+
			"from its variables and outputs. MODULE_DIR defaults to every module under\n"+
			"ROOT/terraform/modules and every example under ROOT/terraform/examples. The gate's\n"+
			"docs check fails while a README is not current.\n\n"+
			"Exit codes: 0 written or already current; 2 usage error, or a module or README\n"+
			"that cannot be read or lacks the markers.\n\nFlags:\n",
			moduledocs.BeginInputs, moduledocs.EndInputs, moduledocs.BeginOutputs, moduledocs.EndOutputs)
		cmdline.PrintDefaults(fs)
	}
	if code, done := cmdline.Parse(fs, args, stdout, stderr, true); done {
		return code
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		var err error
		if dirs, err = moduledocs.Dirs(*root); err != nil {
			fmt.Fprintf(stderr, "moduledocs: %v (is --root the repository root?)\n", err)
			return cmdline.ExitUsage
		}
	}
	code := cmdline.ExitOK
	for _, dir := range dirs {
		readme := filepath.Join(dir, "README.md")
		if rel, err := filepath.Rel(*root, readme); err == nil {
			readme = rel
		}
		changed, err := moduledocs.Update(dir)
		switch {
		case errors.Is(err, moduledocs.ErrNoMarkers):
			fmt.Fprintf(stderr, "moduledocs: %s has no generated tables: add the lines %s, %s, %s and %s where the tables go, then run again\n", readme, moduledocs.BeginInputs, moduledocs.EndInputs, moduledocs.BeginOutputs, moduledocs.EndOutputs)
			code = cmdline.ExitUsage
		case err != nil:
			fmt.Fprintf(stderr, "moduledocs: %s: %v\n", readme, err)
			code = cmdline.ExitUsage
		case changed:
			fmt.Fprintf(stdout, "updated %s\n", readme)
		default:
			fmt.Fprintf(stdout, "up to date %s\n", readme)
		}
	}
	return code
}
