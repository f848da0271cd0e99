// Command moduledocs rewrites the input and output tables in every module's
// README.md from its HCL (`make docs`); see internal/moduledocs.
package main

import (
	"os"

	"github.com/mskvpce/mskvpce/tools/internal/moduledocs/cli"
)

func main() { os.Exit(cli.Run(os.Stdout, os.Stderr, os.Args[1:])) }
