// Package cmdline is what every mskvpce command shares on its command line:
// the exit codes, the usage-error type, a repeatable string flag, one
// verbosity convention (--log-level, -v), --output text|json, and parsing
// that prints --help on stdout (so `verify --help | less` shows it).
package cmdline

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
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

// Parse parses args into fs. On -h/--help it prints fs.Usage to stdout and
// returns done with ExitOK; on a bad flag or a stray argument it prints the
// error and a pointer to --help on stderr and returns done with ExitUsage.
// Commands that take positional arguments pass allowArgs.
func Parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer, allowArgs bool) (code int, done bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		if fs.Usage != nil {
			fs.Usage()
		} else {
			fs.PrintDefaults()
		}
		return ExitOK, true
	}
	fs.SetOutput(stderr)
	if err == nil && !allowArgs && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q: all inputs are flags", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\nRun `%s --help` for usage.\n", fs.Name(), err, fs.Name())
		return ExitUsage, true
	}
	return ExitOK, false
}
