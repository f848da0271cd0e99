package iacscan

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
)

// Exit codes.
const (
	ExitOK       = 0 // no failure at the selected severities
	ExitFindings = 1 // at least one
	ExitUsage    = 2 // bad flags, a path that is not a Terraform directory, a check that does not load
)

const usage = `Usage: iacscan [flags] DIR...

Scans the Terraform under each DIR (and below it) for misconfigurations with
trivy's Terraform scanner and embedded checks (trivy %s), plus the Rego checks
in each -checks directory, as ` + "`trivy config`" + ` does. Offline: no check bundle
or module is downloaded. Silence one finding inline with
` + "`#trivy:ignore:<ID> <reason>`" + ` on the line above the resource.

Exit codes: 0 no failure at the selected severities, 1 at least one,
2 usage error or a scan that could not run.

Flags:
`

// severities are trivy's, lowest first.
var severities = []string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// Run is the command line: iacscan [flags] DIR...
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("iacscan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), usage, TrivyVersion)
		fs.PrintDefaults()
	}
	sev := fs.String("severity", strings.Join(severities, ","), "comma-separated severities that fail the scan (trivy's --severity)")
	var checks, namespaces listFlag
	fs.Var(&checks, "checks", "directory of extra Rego checks (repeatable; trivy's --config-check)")
	fs.Var(&namespaces, "namespace", "Rego package prefix of the extra checks (repeatable; trivy's --check-namespaces; default user)")
	format := fs.String("format", "text", "text or json (versioned: {\"version\":1,...})")
	debug := fs.Bool("debug", false, "log the scanner's debug messages to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return ExitOK
		}
		return ExitUsage
	}
	want, err := parseSeverities(*sev)
	if err != nil {
		fmt.Fprintf(stderr, "iacscan: -severity: %v\n", err)
		return ExitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "iacscan: -format %q: want text or json\n", *format)
		return ExitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "iacscan: give at least one directory to scan (iacscan -help)")
		return ExitUsage
	}
	if len(namespaces) == 0 {
		namespaces = listFlag{"user"}
	}

	// trivy logs through slog's default logger. Errors (a check that fails
	// to evaluate, a module that cannot be loaded) go to stderr; its warnings
	// are mostly "variable values were not found" for every root module.
	level := slog.LevelError
	if *debug {
		level = slog.LevelDebug
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))

	opt := Options{Checks: checks, Namespaces: namespaces}
	var reports []Report
	failed := 0
	for _, dir := range fs.Args() {
		rep, err := Scan(ctx, dir, opt)
		if err != nil {
			fmt.Fprintf(stderr, "iacscan: %v\n", err)
			return ExitUsage
		}
		rep.Failures = slices.DeleteFunc(rep.Failures, func(f Finding) bool { return !want[f.Severity] })
		failed += len(rep.Failures)
		reports = append(reports, rep)
	}

	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Version      int      `json:"version"`
			TrivyVersion string   `json:"trivy_version"`
			Severities   []string `json:"severities"`
			Reports      []Report `json:"reports"`
		}{1, TrivyVersion, keys(want), reports}); err != nil {
			fmt.Fprintf(stderr, "iacscan: %v\n", err)
			return ExitUsage
		}
	} else {
		for _, rep := range reports {
			writeText(stdout, rep, *sev)
		}
	}
	if failed > 0 {
		return ExitFindings
	}
	return ExitOK
}

func writeText(w io.Writer, rep Report, sev string) {
	for _, f := range rep.Failures {
		fmt.Fprintf(w, "%s:%d-%d  %s (%s)  %s\n", f.File, f.StartLine, f.EndLine, f.ID, f.Severity, f.Title)
		fmt.Fprintf(w, "    %s\n", f.Message)
		if f.Resource != "" {
			fmt.Fprintf(w, "    resource: %s\n", f.Resource)
		}
		if f.Resolution != "" {
			fmt.Fprintf(w, "    fix: %s\n", f.Resolution)
		}
	}
	fmt.Fprintf(w, "%s: %d %s failure(s); %d Terraform files, %d checks passed, %d ignored inline\n",
		rep.Dir, len(rep.Failures), sev, rep.Files, rep.Passed, rep.Ignored)
}

func parseSeverities(s string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, v := range strings.Split(s, ",") {
		v = strings.ToUpper(strings.TrimSpace(v))
		if !slices.Contains(severities, v) {
			return nil, fmt.Errorf("unknown severity %q: use a comma-separated list of %s", v, strings.Join(severities, ", "))
		}
		want[v] = true
	}
	return want, nil
}

func keys(m map[string]bool) []string {
	var out []string
	for _, s := range severities {
		if m[s] {
			out = append(out, s)
		}
	}
	return out
}
