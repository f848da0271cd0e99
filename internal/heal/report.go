package heal

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as one JSON document (SchemaVersion).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for people: one line per broker, then what
// each broker that is not in sync needs, the refusals, and the outcome.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	mode := "dry run: nothing is changed"
	if r.Apply {
		mode = "changes allowed"
	}
	fmt.Fprintf(&b, "Broker paths of %s (%s)\n", r.ClusterARN, mode)
	if r.Error != "" {
		fmt.Fprintf(&b, "\nFAILED before judging any broker: %s\n", r.Error)
		_, err := io.WriteString(w, b.String())
		return err
	}
	if len(r.Brokers) > 0 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\nBROKER\tTARGET GROUP\tADDRESS\tSTATUS\tCHANGE")
		for _, br := range r.Brokers {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", br.BrokerID, shortName(br.TargetGroupARN), orDash(br.Address), br.Status, change(br))
		}
		_ = tw.Flush()
	}
	for _, br := range r.Brokers {
		if br.Status == StatusInSync {
			continue
		}
		fmt.Fprintf(&b, "\nbroker %d, %s: %s\n", br.BrokerID, br.Status, br.Detail)
		if br.TimeToHealthyMillis > 0 {
			fmt.Fprintf(&b, "  healthy %.1f s after its registration\n", float64(br.TimeToHealthyMillis)/1000)
		}
		if br.NextStep != "" {
			fmt.Fprintf(&b, "  next: %s\n", br.NextStep)
		}
	}
	if len(r.Refusals) > 0 {
		fmt.Fprintf(&b, "\nREFUSED: the brokers and target groups do not map one to one by broker id, so nothing was changed:\n")
		for _, f := range r.Refusals {
			fmt.Fprintf(&b, "  - %s: %s\n    next: %s\n", f.Reason, f.Detail, f.NextStep)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary is the outcome in one line.
func (r *Report) Summary() string {
	switch r.Outcome {
	case OutcomeInSync:
		return fmt.Sprintf("IN SYNC: every one of %d brokers' NLB targets its broker's current address", len(r.Brokers))
	case OutcomeWouldHeal:
		return fmt.Sprintf("WOULD HEAL %d broker(s): nothing changed (dry run)", r.count(StatusWouldHeal))
	case OutcomeHealed:
		return fmt.Sprintf("HEALED %d broker(s); every path targets its broker's current address", r.Heals())
	case OutcomeRefused:
		return fmt.Sprintf("REFUSED (%d reason(s)): nothing changed", len(r.Refusals))
	}
	if r.Error != "" {
		return "FAILED: " + r.Error
	}
	return fmt.Sprintf("FAILED: %d broker(s) not healed", r.Failures())
}

func change(b BrokerReport) string {
	var parts []string
	if b.Register != "" {
		parts = append(parts, "register "+b.Register)
	}
	if len(b.Deregister) > 0 {
		parts = append(parts, "deregister "+strings.Join(b.Deregister, ", "))
	}
	if len(b.Kept) > 0 {
		parts = append(parts, "kept "+strings.Join(b.Kept, ", "))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
