// Command moduledocs rewrites the input and output tables in every module's
// README.md from its HCL (`make docs`); see internal/moduledocs.
package main

import (
	"os"

	"github.com/mskvpce/mskvpce/tools/internal/moduledocs"
)

func main() { os.Exit(moduledocs.Main(os.Stdout, os.Stderr, os.Args[1:])) }
