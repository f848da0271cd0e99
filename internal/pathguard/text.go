package pathguard

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes the report as one JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	return json.NewEncoder(w).Encode(r)
}

// WriteText prints the report for an operator: a row per broker with what
// the plan does to its path, the shared changes, then the totals.
func (r Report) WriteText(w io.Writer) {
	if len(r.Brokers) == 0 && len(r.Shared) == 0 {
		fmt.Fprintln(w, "Broker paths: the plan has no per-broker resource of this layout (target, listener, NLB, target group, endpoint service, NCC rule, acceptance keyed by broker id): nothing to judge.")
		r.writeNotes(w)
		return
	}
	quiet := len(r.Shared) == 0
	for _, b := range r.Brokers {
		quiet = quiet && b.Path == Kept && len(b.Changes) == 0
	}
	if quiet {
		fmt.Fprintf(w, "Broker paths: all %d kept, unchanged (broker %s).\n", len(r.Brokers), IDs(r.Brokers))
		r.writeNotes(w)
		return
	}
	idw := len("BROKER")
	for _, b := range r.Brokers {
		idw = max(idw, len(b.ID))
	}
	const pathw = len("INTERRUPTED")
	indent := strings.Repeat(" ", 2+idw+2+pathw+2)
	fmt.Fprintln(w, "Broker paths (what this plan does to each broker's data path):")
	fmt.Fprintf(w, "  %-*s  %-*s  %s\n", idw, "BROKER", pathw, "PATH", "CHANGES")
	for _, b := range r.Brokers {
		lines := brokerLines(b)
		path := string(b.Path)
		if b.Path == Interrupted {
			path = "INTERRUPTED"
		}
		fmt.Fprintf(w, "  %-*s  %-*s  %s\n", idw, b.ID, pathw, path, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "%s%s\n", indent, l)
		}
	}
	if len(r.Shared) > 0 {
		fmt.Fprintln(w, "  Shared by every path:")
		for _, ch := range r.Shared {
			tag := "note:"
			if ch.Interrupts {
				tag = "INTERRUPTS EVERY PATH THAT STAYS:"
			}
			fmt.Fprintf(w, "    %s %s\n", tag, changeLine(ch))
		}
	}
	r.writeNotes(w)
	fmt.Fprintln(w, r.Totals())
}

func (r Report) writeNotes(w io.Writer) {
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// Totals is the one-line count: "Paths: 2 kept, 1 interrupted (broker 2), 1 new (broker 4)."
func (r Report) Totals() string {
	var parts []string
	for _, v := range []Verdict{Kept, Interrupted, New, Removed} {
		var bs []Broker
		for _, b := range r.Brokers {
			if b.Path == v {
				bs = append(bs, b)
			}
		}
		if len(bs) == 0 {
			continue
		}
		s := fmt.Sprintf("%d %s", len(bs), v)
		if v != Kept {
			s += " (broker " + IDs(bs) + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "Paths: no broker."
	}
	return "Paths: " + strings.Join(parts, ", ") + "."
}

func brokerLines(b Broker) []string {
	var own, canary []Change
	for _, ch := range b.Changes {
		if strings.HasPrefix(string(ch.Component), "canary_") {
			canary = append(canary, ch)
		} else {
			own = append(own, ch)
		}
	}
	var lines []string
	switch {
	case b.Path == New:
		lines = append(lines, "every component created")
	case b.Path == Removed:
		lines = append(lines, "every component deleted: the broker is going away")
	case len(own) == 0 && b.Path == Interrupted:
		lines = append(lines, "its own components unchanged; interrupted by a shared change (below)")
	case len(own) == 0:
		lines = append(lines, "unchanged")
	default:
		for _, ch := range own {
			lines = append(lines, changeLine(ch))
		}
		if b.Path == Interrupted && len(b.InterruptedBy) > countInterrupting(own) {
			lines = append(lines, "and interrupted by a shared change (below)")
		}
	}
	for _, ch := range canary {
		if b.Path == New || b.Path == Removed {
			continue
		}
		lines = append(lines, changeLine(ch))
	}
	return lines
}

func countInterrupting(chs []Change) int {
	n := 0
	for _, ch := range chs {
		if ch.Interrupts {
			n++
		}
	}
	return n
}

// changeLine is "<component>: <detail>", with the address when it interrupts.
func changeLine(ch Change) string {
	label := ch.label
	if label == "" {
		label = strings.ReplaceAll(string(ch.Component), "_", " ")
	}
	s := label + ": " + ch.Detail
	if ch.Interrupts {
		s += " [" + ch.Address + "]"
	}
	return s
}

// Interruptions lists, a line each, what interrupts the paths that stay:
// each interrupted broker's own changes, then the shared ones.
func (r Report) Interruptions() []string {
	var out []string
	for _, b := range r.Interrupted() {
		for _, ch := range b.Changes {
			if ch.Interrupts {
				out = append(out, "broker "+b.ID+": "+changeLine(ch))
			}
		}
	}
	if len(r.Interrupted()) > 0 {
		for _, ch := range r.Shared {
			if ch.Interrupts {
				out = append(out, "every broker that stays: "+changeLine(ch))
			}
		}
	}
	return out
}
