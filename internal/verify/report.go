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
// per stage, then the other checks, then every failure with its next step,
// then the verdict.
func (r *Report) WriteTable(w io.Writer) error {
	r.Passed = r.evaluate()
	var b strings.Builder
	fmt.Fprintf(&b, "mskvpce verify  run %s  topic %s", r.RunID, r.Topic)
	if r.Region != "" {
		fmt.Fprintf(&b, "  region %s", r.Region)
	}
	b.WriteString("\n\n")

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	head := []string{"BROKER", "ENDPOINT"}
	for _, s := range Stages {
		head = append(head, strings.ToUpper(s))
	}
	head = append(head, "RESULT")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, p := range r.Paths {
		row := []string{fmt.Sprint(p.BrokerID), p.Endpoint}
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

	if len(r.Checks) > 0 {
		b.WriteString("\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CHECK\tTARGET\tRESULT\tDETAIL")
		for _, c := range r.Checks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Check, c.Target, cell(c), c.Detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	var fails []finding.Finding
	for _, p := range r.Paths {
		if f, ok := p.Failed(); ok {
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
			fmt.Fprintf(&b, "  %s, %s: %s\n", f.Target, f.Check, f.Detail)
			if f.NextStep != "" {
				fmt.Fprintf(&b, "    next: %s\n", f.NextStep)
			}
		}
	}

	passed := 0
	for _, p := range r.Paths {
		if p.Passed {
			passed++
		}
	}
	if r.Passed {
		fmt.Fprintf(&b, "\nPASS: %d of %d broker paths produce and consume through their own endpoint (%d ms)\n", passed, len(r.Paths), r.Millis)
	} else {
		fmt.Fprintf(&b, "\nFAIL: %d of %d broker paths passed, %d failure(s) (%d ms)\n", passed, len(r.Paths), len(fails), r.Millis)
	}
	_, err := io.WriteString(w, b.String())
	return err
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
