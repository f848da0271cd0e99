// Package cmdline is what every mskvpce command shares on its command line:
// the exit codes, the usage-error type, a repeatable string flag, one
// verbosity convention (--log-level, -v), --output text|json, help the same
// way everywhere (`CMD --help`, `CMD help`, `CMD help SUBCOMMAND`, on stdout,
// so `verify --help | less` shows it, flags spelled --flag), and the syntax
// of local faults (faults.go).
package cmdline

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sort"
	"strings"
)

// Exit codes every command publishes in its --help. Commands add their own
// above 2 (deploy: 3 verification failed) where CI needs to tell them apart.
const (
	ExitOK          = 0   // the command did what was asked; every check passed
	ExitFailed      = 1   // a check or an operation failed
	ExitUsage       = 2   // bad flags, inputs or configuration: the message names the input and the fix
	ExitInterrupted = 130 // interrupted (Ctrl-C, SIGTERM), as shells report SIGINT
)

// Interrupted reports whether ctx, a command's signal.NotifyContext, was
// cancelled: a signal arrived (SIGINT, SIGTERM), and the command exits
// ExitInterrupted rather than reporting the failures the cancellation
// caused. A deadline is not an interruption.
func Interrupted(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// UsageError is a bad flag, input or configuration: exit 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, a ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, a...)}
}

// IsUsage reports whether err is (or wraps) a *UsageError.
func IsUsage(err error) bool {
	var ue *UsageError
	return errors.As(err, &ue)
}

// Strings is a repeatable string flag: --endpoint a --endpoint b.
type Strings []string

func (s *Strings) String() string {
	if s == nil {
		return ""
	}
	return strings.Join(*s, ",")
}

// Set appends v.
func (s *Strings) Set(v string) error { *s = append(*s, v); return nil }

// Output is --output: "text" (for people) or "json" (versioned, for CI).
// "table", the old name for text in verify and e2e-cleanup, is accepted.
type Output string

const (
	Text Output = "text"
	JSON Output = "json"
)

func (o *Output) String() string { return string(*o) }

// Set accepts text, json and the deprecated alias table (= text).
func (o *Output) Set(v string) error {
	switch v {
	case "text", "table":
		*o = Text
	case "json":
		*o = JSON
	default:
		return fmt.Errorf("want text or json, got %q", v)
	}
	return nil
}

// OutputFlag registers --output on fs, default text.
func OutputFlag(fs *flag.FlagSet, usage string) *Output {
	o := Text
	if usage == "" {
		usage = "`FORMAT` of results on stdout: text or json (table: old name for text)"
	}
	fs.Var(&o, "output", usage)
	return &o
}

// Verbosity is --log-level LEVEL (debug, info, warn, error) and its
// shorthand -v (= --log-level debug), the same in every command. Logs go to
// stderr; results never do.
type Verbosity struct {
	level   slog.Level
	verbose bool
}

// VerbosityFlags registers --log-level and -v on fs; def is the level when
// neither is given.
func VerbosityFlags(fs *flag.FlagSet, def slog.Level) *Verbosity {
	v := &Verbosity{level: def}
	fs.Func("log-level", "`LEVEL` of logs on stderr: debug, info, warn or error (default "+strings.ToLower(def.String())+")", func(s string) error {
		var l slog.Level
		if err := l.UnmarshalText([]byte(s)); err != nil {
			return fmt.Errorf("want debug, info, warn or error, got %q", s)
		}
		v.level = l
		return nil
	})
	fs.BoolVar(&v.verbose, "v", false, "debug logs on stderr (--log-level debug)")
	return v
}

// Level is the chosen level: -v wins over --log-level.
func (v *Verbosity) Level() slog.Level {
	if v.verbose {
		return slog.LevelDebug
	}
	return v.level
}

// Logger is a text logger on w at the chosen level.
func (v *Verbosity) Logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: v.Level()}))
}

// Parse parses args into fs. On -h/--help, or `help` as the only argument,
// it prints fs.Usage to stdout and returns done with ExitOK; on a bad flag
// or a stray argument it prints the error and a pointer to --help on stderr
// and returns done with ExitUsage. Commands that take positional arguments
// pass allowArgs (`help` first is still help). A nil fs.Usage prints the
// flags (PrintDefaults).
func Parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, allowArgs bool) (code int, done bool) {
	usage := func(w io.Writer) {
		fs.SetOutput(w)
		if fs.Usage != nil {
			fs.Usage()
		} else {
			PrintDefaults(fs)
		}
	}
	if code, done := Help(fs.Name(), args, map[string]func(io.Writer){"": usage}, stdout, stderr); done {
		return code, done
	}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return ExitOK, true
	}
	fs.SetOutput(stderr)
	if err == nil && !allowArgs && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q: all inputs are flags", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\nRun `%s --help` for usage.\n", fs.Name(), FlagError(err), fs.Name())
		return ExitUsage, true
	}
	return ExitOK, false
}

// Help answers `NAME help` and `NAME help TOPIC` the same way in every
// command, with exactly what `NAME --help` and `NAME TOPIC --help` print:
// args are the arguments after the command's name; topics print the help
// of each subcommand, "" the command's own (`help help` is that too). It
// returns done=false when args do not ask for help.
func Help(name string, args []string, topics map[string]func(io.Writer), stdout, stderr io.Writer) (code int, done bool) {
	if len(args) == 0 || args[0] != "help" {
		return ExitOK, false
	}
	topic := ""
	switch {
	case len(args) > 2:
		fmt.Fprintf(stderr, "%s help: one command at a time, got %s\nRun `%s --help` for usage.\n", name, strings.Join(args[1:], " "), name)
		return ExitUsage, true
	case len(args) == 2 && args[1] != "help":
		topic = args[1]
	}
	print, ok := topics[topic]
	if !ok {
		var subs []string
		for t := range topics {
			if t != "" {
				subs = append(subs, t)
			}
		}
		sort.Strings(subs)
		if len(subs) == 0 {
			fmt.Fprintf(stderr, "%s help: %s has no command %q (it has no subcommands)\nRun `%s --help` for usage.\n", name, name, topic, name)
		} else {
			fmt.Fprintf(stderr, "%s help: unknown command %q; the commands are %s\nRun `%s --help` for usage.\n", name, topic, strings.Join(append(subs, "help"), ", "), name)
		}
		return ExitUsage, true
	}
	print(stdout)
	return ExitOK, true
}

// PrintDefaults writes fs's flags to fs.Output() as flag.PrintDefaults
// does, but spelled the way every mskvpce help and README spells them:
// --name, and -v for a one-letter flag. (The flag package accepts both.)
func PrintDefaults(fs *flag.FlagSet) {
	w := fs.Output()
	var b bytes.Buffer
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(w)
	w.Write(flagLine.ReplaceAll(b.Bytes(), []byte("$1--$2")))
}

// flagLine is a flag's first line in flag.PrintDefaults' output, for a name
// of two letters or more.
var flagLine = regexp.MustCompile(`(?m)^(  )-([^-\s][^\s\t]+)`)

// flagInError is where the flag package names a flag in its errors
// ("flag provided but not defined: -x", "invalid value "y" for flag -x: ...",
// "flag needs an argument: -x").
var flagInError = regexp.MustCompile(`^(flag provided but not defined: |invalid value ".*" for flag |invalid boolean value ".*" for |flag needs an argument: )-([A-Za-z0-9][A-Za-z0-9_.-]+)`)

// FlagError is a flag package error with the flag spelled --name, as the
// help spells it ("flag provided but not defined: --stage-timeout").
func FlagError(err error) string {
	return flagInError.ReplaceAllString(err.Error(), "$1--$2")
}

// NoArgs is the command line of a command that takes no arguments, such
// as a Lambda function's bootstrap (the Lambda runtime starts it with
// none): `NAME --help`, `NAME -h`, `NAME help` print help on stdout (exit
// 0) as every other command's do, and any other argument is a usage error
// that names it (exit 2). It returns done=false for no arguments: run.
// (Parse leaves only positional arguments: any is refused.)
func NoArgs(name, help string, args []string, stdout, stderr io.Writer) (code int, done bool) {
	if len(args) == 0 {
		return ExitOK, false
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), help) }
	if code, done := Parse(fs, args, stdout, stderr, true); done {
		return code, true
	}
	fmt.Fprintf(stderr, "%s: unexpected argument %q: %s takes no arguments\nRun `%s --help` for usage.\n", name, fs.Arg(0), name, name)
	return ExitUsage, true
}
