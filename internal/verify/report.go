package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mskvpce/mskvpce/internal/finding"
)

// WriteJSON writes the report as one JSON document (schema_version 1).
func (r *Report) WriteJSON(w io.Writer) error {
	r.Passed = r.evaluate()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the human report: a row per broker path with a column
// per stage, then the engine's checks (topic, routes), then the control-plane
// checks, then every failure with its next step, then the verdict.
func (r *Report) WriteTable(w io.Writer) error {
	r.Passed = r.evaluate()
	var b strings.Builder
	fmt.Fprintf(&b, "mskvpce verify  run %s", escape(r.RunID))
	if !r.NoDataPath {
		fmt.Fprintf(&b, "  topic %s", escape(r.Topic))
	}
	if r.Region != "" {
		fmt.Fprintf(&b, "  region %s", escape(r.Region))
	}
	if r.NoDataPath {
		b.WriteString("  (control plane only: no broker path exercised)")
	}
	b.WriteString("\n")

	if !r.NoDataPath {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		head := []string{"BROKER", "MECHANISM", "ENDPOINT"}
		for _, s := range Stages {
			head = append(head, strings.ToUpper(s))
		}
		head = append(head, "RESULT")
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for _, p := range r.Paths {
			row := []string{fmt.Sprint(p.BrokerID), escape(p.Mechanism), escape(p.Endpoint)}
			for _, s := range Stages {
				row = append(row, cell(p.Stage(s)))
			}
			res := "pass"
			if !p.Passed {
				res = "FAIL"
				if p.LandsOn != 0 {
					res = fmt.Sprintf("FAIL (lands on broker %d)", p.LandsOn)
				}
			}
			row = append(row, res)
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	var engine, control []finding.Finding
	for _, c := range r.Checks {
		if IsEngineCheck(c.Check) {
			engine = append(engine, c)
		} else {
			control = append(control, c)
		}
	}
	if err := checkTable(&b, "", engine); err != nil {
		return err
	}
	cpPassed, cpFailed := 0, 0
	for _, c := range control {
		switch {
		case c.OK:
			cpPassed++
		case !c.Skipped:
			cpFailed++
		}
	}
	if len(control) > 0 {
		heading := fmt.Sprintf("Control plane (AWS APIs): %d passed, %d failed", cpPassed, cpFailed)
		if n := len(control) - cpPassed - cpFailed; n > 0 {
			heading += fmt.Sprintf(", %d skipped", n)
		}
		if err := checkTable(&b, heading, control); err != nil {
			return err
		}
	}

	if len(r.Notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  %s\n", escape(n))
		}
	}

	// When no path is reachable, the reachability check says it once
	// instead of a tcp fault per NLB.
	unreachable := false
	for _, c := range r.Checks {
		unreachable = unreachable || (c.Check == CheckReach && !c.OK)
	}
	var fails []finding.Finding
	for _, p := range r.Paths {
		if f, ok := p.Failed(); ok {
			if unreachable && f.Check == StageTCP {
				continue
			}
			if p.Mechanism != "" {
				f.Target += " (" + p.Mechanism + ")"
			}
			fails = append(fails, f)
		}
	}
	for _, c := range r.Checks {
		if !c.OK && !c.Skipped {
			fails = append(fails, c)
		}
	}
	if len(fails) > 0 {
		b.WriteString("\nFailures:\n")
		for _, f := range fails {
			fmt.Fprintf(&b, "  %s, %s: %s\n", escape(f.Target), escape(f.Check), escape(f.Detail))
			if f.NextStep != "" {
				fmt.Fprintf(&b, "    next: %s\n", escape(f.NextStep))
			}
		}
	}

	passed := 0
	for _, p := range r.Paths {
		if p.Passed {
			passed++
		}
	}
	var cp string
	if len(control) > 0 {
		cp = fmt.Sprintf("; %d of %d control-plane checks passed", cpPassed, len(control))
	}
	switch {
	case r.NoDataPath && r.Passed:
		fmt.Fprintf(&b, "\nPASS: %d of %d control-plane checks passed; data path not checked (%d ms)\n", cpPassed, len(control), r.Millis)
	case r.NoDataPath:
		fmt.Fprintf(&b, "\nFAIL: %d of %d control-plane checks passed, %d failure(s); data path not checked (%d ms)\n", cpPassed, len(control), len(fails), r.Millis)
	case r.Passed:
		fmt.Fprintf(&b, "\nPASS: %d of %d broker paths produce and consume through their own endpoint%s (%d ms)\n", passed, len(r.Paths), cp, r.Millis)
	default:
		fmt.Fprintf(&b, "\nFAIL: %d of %d broker paths passed%s, %d failure(s) (%d ms)\n", passed, len(r.Paths), cp, len(fails), r.Millis)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// checkTable writes one table of checks under an optional heading.
func checkTable(b *strings.Builder, heading string, checks []finding.Finding) error {
	if len(checks) == 0 {
		return nil
	}
	b.WriteString("\n")
	if heading != "" {
		b.WriteString(heading + "\n")
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tTARGET\tRESULT\tDETAIL")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", escape(c.Check), escape(c.Target), cell(c), escape(c.Detail))
	}
	return tw.Flush()
}

func cell(f finding.Finding) string {
	switch {
	case f.Skipped:
		return "-"
	case f.OK:
		return fmt.Sprintf("ok %dms", f.Millis)
	default:
		return fmt.Sprintf("FAIL %dms", f.Millis)
	}
}

// escape keeps the table one line per row and free of terminal escapes:
// inputs (hostnames, topic names, broker messages) reach it verbatim.
func escape(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
