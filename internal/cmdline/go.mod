// The command-line conventions every mskvpce command shares (see cmdline.go).
// A module of its own, with the standard library only, so that the tools
// module's tfgate uses it too without taking the main module's dependency
// versions: both require it through a replace.
module github.com/mskvpce/mskvpce/internal/cmdline

go 1.26.8
