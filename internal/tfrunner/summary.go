package tfrunner

import (
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Change is one resource instance a plan changes.
type Change struct {
	Address string `json:"address"`
	// Action is create, update, delete, replace or read.
	Action string `json:"action"`
	// Attributes lists, for updates and replacements, the top-level
	// attributes that change.
	Attributes []string `json:"attributes,omitempty"`
}

// Summary is what a saved plan will do, counted as Terraform counts it
// ("Plan: N to add, N to change, N to destroy"; a replacement is one add and
// one destroy).
type Summary struct {
	Add     int      `json:"add"`
	Change  int      `json:"change"`
	Destroy int      `json:"destroy"`
	Changes []Change `json:"changes"`
	// Outputs lists the root outputs whose value changes.
	Outputs []string `json:"outputs,omitempty"`
}

// Total is the number of resource operations applying the plan performs.
func (s Summary) Total() int { return s.Add + s.Change + s.Destroy }

// Empty reports whether the plan changes no resource.
func (s Summary) Empty() bool { return len(s.Changes) == 0 }

// Line is Terraform's one-line summary.
func (s Summary) Line() string {
	if s.Empty() {
		return "No changes. The infrastructure matches the configuration."
	}
	return fmt.Sprintf("Plan: %d to add, %d to change, %d to destroy.", s.Add, s.Change, s.Destroy)
}

var symbols = map[string]string{"create": "+", "update": "~", "delete": "-", "replace": "-/+", "read": "<="}

// Write prints the summary: one line per changed resource, then the totals.
func (s Summary) Write(w io.Writer) {
	for _, c := range s.Changes {
		line := fmt.Sprintf("  %-3s %s", symbols[c.Action], c.Address)
		if len(c.Attributes) > 0 {
			line += " (" + strings.Join(c.Attributes, ", ") + ")"
		}
		fmt.Fprintln(w, line)
	}
	if len(s.Outputs) > 0 {
		fmt.Fprintf(w, "  outputs changing: %s\n", strings.Join(s.Outputs, ", "))
	}
	fmt.Fprintln(w, s.Line())
}

// Summarize reads a plan (`terraform show -json planfile`).
func Summarize(p *tfjson.Plan) Summary {
	var s Summary
	if p == nil {
		return s
	}
	for _, rc := range p.ResourceChanges {
		if rc.Change == nil {
			continue
		}
		a := rc.Change.Actions
		c := Change{Address: rc.Address}
		switch {
		case a.Create():
			c.Action = "create"
			s.Add++
		case a.Update():
			c.Action = "update"
			s.Change++
		case a.Delete():
			c.Action = "delete"
			s.Destroy++
		case a.Replace():
			c.Action = "replace"
			s.Add++
			s.Destroy++
		case a.Read():
			c.Action = "read"
		default:
			continue
		}
		if c.Action == "update" || c.Action == "replace" {
			c.Attributes = changedAttributes(rc.Change)
		}
		s.Changes = append(s.Changes, c)
	}
	for name, oc := range p.OutputChanges {
		if oc != nil && !oc.Actions.NoOp() {
			s.Outputs = append(s.Outputs, name)
		}
	}
	sort.Strings(s.Outputs)
	return s
}

func changedAttributes(c *tfjson.Change) []string {
	before, _ := c.Before.(map[string]any)
	after, _ := c.After.(map[string]any)
	unknown, _ := c.AfterUnknown.(map[string]any)
	seen := map[string]bool{}
	for k, v := range after {
		if !reflect.DeepEqual(before[k], v) {
			seen[k] = true
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			seen[k] = true
		}
	}
	for k, v := range unknown {
		if b, ok := v.(bool); ok && b {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
