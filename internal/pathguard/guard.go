package pathguard

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// SchemaVersion is the version of the JSON report; it changes only when a
// field changes meaning or goes away.
const SchemaVersion = 1

// Verdict is what a plan does to one broker's data path.
type Verdict string

const (
	// New: every component of the path is created (a broker MSK added).
	New Verdict = "new"
	// Removed: every component of the path is deleted (the broker is going away).
	Removed Verdict = "removed"
	// Kept: nothing that carries traffic is deleted, replaced in a way that
	// drops it, or left unknown until apply.
	Kept Verdict = "kept"
	// Interrupted: the broker stays, and the plan breaks its path (Changes
	// and Report.Shared say where and why).
	Interrupted Verdict = "interrupted"
)

// Change is one planned change to a component of a path.
type Change struct {
	Component Kind   `json:"component"`
	Address   string `json:"address"`
	// Action is create, update, delete, replace or forget.
	Action string `json:"action"`
	// Order is how a replacement runs: create_before_destroy or delete_before_create.
	Order string `json:"order,omitempty"`
	// Interrupts: this change breaks the path (of its broker; of every
	// broker that stays, for a shared component).
	Interrupts bool `json:"interrupts"`
	// Detail says what happens, and why it does or does not break the path.
	Detail string `json:"detail"`

	label string
}

// Broker is one broker's path and what the plan does to it.
type Broker struct {
	ID   string  `json:"broker_id"`
	Path Verdict `json:"path"`
	// Changes are the changes to its own components (no-ops left out).
	Changes []Change `json:"changes"`
	// InterruptedBy are the addresses of the changes that interrupt its
	// path: its own, then the shared ones.
	InterruptedBy []string `json:"interrupted_by,omitempty"`
}

// Report is the guard's verdict on one plan.
type Report struct {
	SchemaVersion int `json:"schema_version"`
	// Brokers are sorted by broker id (as numbers).
	Brokers []Broker `json:"brokers"`
	// Shared are the changes to what every path goes through; those that
	// interrupt interrupt every broker that stays.
	Shared []Change `json:"shared"`
	// Notes are what the guard could not see or decide.
	Notes []string `json:"notes,omitempty"`
}

// Interrupted lists the brokers whose path the plan interrupts while they stay.
func (r Report) Interrupted() []Broker {
	var out []Broker
	for _, b := range r.Brokers {
		if b.Path == Interrupted {
			out = append(out, b)
		}
	}
	return out
}

// Safe reports whether every path that stays survives the plan.
func (r Report) Safe() bool { return len(r.Interrupted()) == 0 }

// Count is how many brokers have verdict v.
func (r Report) Count(v Verdict) int {
	n := 0
	for _, b := range r.Brokers {
		if b.Path == v {
			n++
		}
	}
	return n
}

// IDs joins the brokers' ids: "1, 3, 5".
func IDs(bs []Broker) string {
	ids := make([]string, len(bs))
	for i, b := range bs {
		ids[i] = b.ID
	}
	return strings.Join(ids, ", ")
}

type brokerAcc struct {
	positional bool
	path       []*tfjson.ResourceChange // the data path's instances, deposed ones too
	canary     []*tfjson.ResourceChange
}

// Check reads a plan (`terraform show -json` of a saved plan) and says, per
// broker, whether its data path survives.
func Check(p *tfjson.Plan) Report {
	r := Report{SchemaVersion: SchemaVersion, Brokers: []Broker{}, Shared: []Change{}}
	if p == nil {
		return r
	}
	accs := map[string]*brokerAcc{}
	positional := false
	for _, rc := range p.ResourceChanges {
		if rc == nil || rc.Mode != tfjson.ManagedResourceMode || rc.Change == nil {
			continue
		}
		comp, per, ok := lookup(rc.ModuleAddress, rc.Type, rc.Name)
		if !ok {
			continue
		}
		if !per {
			if ch, ok := assess(rc, comp); ok {
				r.Shared = append(r.Shared, ch)
			}
			continue
		}
		key, pos, ok := brokerKey(rc.Index)
		if !ok {
			continue
		}
		positional = positional || pos
		a := accs[key]
		if a == nil {
			a = &brokerAcc{positional: pos}
			accs[key] = a
		}
		if comp.canary {
			a.canary = append(a.canary, rc)
		} else {
			a.path = append(a.path, rc)
		}
	}
	var sharedCuts []string
	for _, ch := range r.Shared {
		if ch.Interrupts {
			sharedCuts = append(sharedCuts, ch.Address)
		}
	}
	for _, key := range sortedKeys(accs) {
		a := accs[key]
		if len(a.path) == 0 {
			// Only canary resources under this key: no path to judge.
			for _, rc := range a.canary {
				comp, _, _ := lookup(rc.ModuleAddress, rc.Type, rc.Name)
				if ch, ok := assess(rc, comp); ok {
					r.Shared = append(r.Shared, ch)
				}
			}
			continue
		}
		r.Brokers = append(r.Brokers, judge(key, a, sharedCuts))
	}
	if positional {
		r.Notes = append(r.Notes, "some per-broker resources are indexed by position (count), not by broker id: a plan cannot say which broker such an index serves, so the guard never calls one removed; move them to for_each keyed by broker id (with moved blocks)")
	}
	if p.Complete != nil && !*p.Complete {
		r.Notes = append(r.Notes, "the plan is incomplete (-target, or changes deferred to a later plan): the next plan may change more")
	}
	return r
}

func judge(key string, a *brokerAcc, sharedCuts []string) Broker {
	b := Broker{ID: key, Changes: []Change{}}
	creates, deletes, live := 0, 0, 0
	for _, rc := range a.path {
		if rc.DeposedKey != "" {
			continue
		}
		live++
		switch {
		case rc.Change.Actions.Create():
			creates++
		case rc.Change.Actions.Delete():
			deletes++
		}
	}
	switch {
	case live > 0 && creates == live:
		b.Path = New
	case live > 0 && deletes == live && !a.positional:
		b.Path = Removed
	default:
		b.Path = Kept
	}
	for _, rc := range a.path {
		comp, _, _ := lookup(rc.ModuleAddress, rc.Type, rc.Name)
		var ch Change
		var ok bool
		if rc.DeposedKey != "" {
			ch, ok = assessDeposed(rc, comp, a.path)
		} else {
			ch, ok = assess(rc, comp)
		}
		if !ok {
			continue
		}
		if a.positional && ch.Interrupts {
			ch.Detail += fmt.Sprintf("; %s is an index by position (count): the plan does not say which broker it serves", key)
		}
		if b.Path != Kept {
			ch.Interrupts = false // a broker going away, or one that had no path yet
		}
		if ch.Interrupts {
			b.InterruptedBy = append(b.InterruptedBy, ch.Address)
		}
		b.Changes = append(b.Changes, ch)
	}
	for _, rc := range a.canary {
		comp, _, _ := lookup(rc.ModuleAddress, rc.Type, rc.Name)
		if ch, ok := assess(rc, comp); ok {
			b.Changes = append(b.Changes, ch)
		}
	}
	// In the order a connection crosses them, the canary's last.
	sort.SliceStable(b.Changes, func(i, j int) bool { return rank(b.Changes[i].Component) < rank(b.Changes[j].Component) })
	if b.Path == Kept {
		b.InterruptedBy = append(b.InterruptedBy, sharedCuts...)
		if len(b.InterruptedBy) > 0 {
			b.Path = Interrupted
		}
	}
	return b
}

// brokerKey is the broker a per-broker instance serves: its for_each key,
// or, for a count index, "#<index>" (positional).
func brokerKey(index any) (key string, positional, ok bool) {
	switch v := index.(type) {
	case string:
		return v, false, true
	case float64:
		return "#" + strconv.FormatFloat(v, 'f', -1, 64), true, true
	case interface{ String() string }: // json.Number
		return "#" + v.String(), true, true
	}
	return "", false, false
}

func sortedKeys(m map[string]*brokerAcc) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Broker ids as numbers ("2" before "10"), then positional "#n" keys.
	rank := func(k string) (bool, float64, bool) {
		pos := strings.HasPrefix(k, "#")
		f, err := strconv.ParseFloat(strings.TrimPrefix(k, "#"), 64)
		return pos, f, err == nil
	}
	sort.Slice(keys, func(i, j int) bool {
		ap, a, aok := rank(keys[i])
		bp, b, bok := rank(keys[j])
		switch {
		case ap != bp:
			return bp
		case aok && bok && a != b:
			return a < b
		case aok != bok:
			return aok
		}
		return keys[i] < keys[j]
	})
	return keys
}

// assess judges one change of a live (not deposed) instance.
func assess(rc *tfjson.ResourceChange, comp component) (Change, bool) {
	a := rc.Change.Actions
	ch := Change{Component: comp.kind, Address: rc.Address, label: comp.label}
	before, _ := rc.Change.Before.(map[string]any)
	after, _ := rc.Change.After.(map[string]any)
	unknown := rc.Change.AfterUnknown
	switch {
	case a.NoOp() || a.Read() || len(a) == 0:
		return ch, false
	case a.Forget():
		ch.Action = "forget"
		ch.Detail = "removed from Terraform state only (a removed block with destroy = false): the object stays and keeps serving"
	case a.Create():
		ch.Action = "create"
		ch.Detail = "created"
		if comp.kind == Target {
			ch.Detail = "registers " + target(after, unknown)
		}
	case a.Update():
		ch.Action = "update"
		cut := unknownAttrs(unknown, comp.pathAttrs)
		var diffs []string
		for _, d := range diff(before, after, unknown, rc.Change.BeforeSensitive, rc.Change.AfterSensitive) {
			if !slices.ContainsFunc(cut, func(a string) bool { return strings.HasPrefix(d, a) && strings.HasSuffix(d, " known after apply") }) {
				diffs = append(diffs, d) // the unknowns that cut the path are said below
			}
		}
		ch.Detail = "updated in place"
		if len(diffs) > 0 {
			ch.Detail += " (" + strings.Join(diffs, "; ") + ")"
		}
		if comp.updated != "" && noteworthy(changedTop(before, after, unknown), comp.updatedOn) {
			ch.Detail += ": " + comp.updated
		}
		if len(cut) > 0 {
			ch.Interrupts = true
			ch.Detail += fmt.Sprintf("; %s unknown until apply: the plan cannot show where traffic goes", strings.Join(cut, ", "))
		} else if comp.kind == BrokerIngress || comp.kind == NLBEgress {
			if lo, hi, ok := ports(after); ok && (lo > kafkaPort || hi < kafkaPort) {
				ch.Interrupts = true
				ch.Detail += fmt.Sprintf("; it no longer opens %d (ports %d-%d): %s", kafkaPort, lo, hi, strings.TrimPrefix(comp.gone, goneEveryPath+": "))
			}
		}
	case a.Delete():
		ch.Action = "delete"
		ch.Interrupts = true
		ch.Detail = "deleted: " + comp.gone
	case a.Replace():
		ch.Action = "replace"
		ch.Order = "delete_before_create"
		order := "delete first"
		if a.CreateBeforeDestroy() {
			ch.Order, order = "create_before_destroy", "create before destroy"
		}
		if comp.kind == Target {
			assessTargetMove(&ch, before, after, unknown, a.CreateBeforeDestroy())
		} else {
			ch.Interrupts = true
			ch.Detail = "replaced (" + order + ")" + reason(rc) + ": " + comp.gone
		}
	default:
		ch.Action = fmt.Sprint(a)
		ch.Interrupts = true
		ch.Detail = fmt.Sprintf("actions %v, which the guard does not know: treated as interrupting", a)
	}
	if comp.canary {
		ch.Interrupts = false
		if ch.Action == "delete" || ch.Action == "replace" {
			ch.Detail = strings.SplitN(ch.Detail, ":", 2)[0] + ": the canary's check of this path fails until it is back (Databricks' traffic does not use it)"
		}
	}
	return ch, true
}

// assessTargetMove judges a replaced attachment: a known new target in the
// same target group keeps the path (a plan after the broker's address moved,
// or after the healer re-pointed the target); an unknown target, another
// target group or the same target replaced leaves the broker without a
// target for a while.
func assessTargetMove(ch *Change, before, after map[string]any, unknown any, createFirst bool) {
	from, to := target(before, nil), target(after, unknown)
	switch {
	case isUnknown(unknown, "target_id") || isUnknown(unknown, "port"):
		ch.Interrupts = true
		ch.Detail = fmt.Sprintf("replaced, and the new target is unknown until apply: the plan cannot show that the broker stays reachable (%s is deregistered)", from)
	case isUnknown(unknown, "target_group_arn"):
		ch.Interrupts = true
		ch.Detail = fmt.Sprintf("moves %s to a target group that is unknown until apply (a new target group)", from)
	case fmt.Sprint(before["target_group_arn"]) != fmt.Sprint(after["target_group_arn"]):
		ch.Interrupts = true
		ch.Detail = fmt.Sprintf("moves %s from target group %v to %v", from, before["target_group_arn"], after["target_group_arn"])
	case from == to && createFirst:
		ch.Interrupts = true
		ch.Detail = fmt.Sprintf("replaced (create before destroy) with the same target %s: the create registers what is already registered, then the delete deregisters it, leaving the NLB without a target", from)
	case from == to:
		ch.Interrupts = true
		ch.Detail = fmt.Sprintf("replaced (delete first) with the same target %s: it is deregistered, and traffic flows again only once it is registered and healthy", from)
	case createFirst:
		ch.Detail = fmt.Sprintf("target moves from %s to %s in the same target group: the new one is registered before the old one is deregistered", from, to)
	default:
		// The layout's attachment takes its target from MSK's node list as
		// read while planning: a new, known target is where the broker is
		// now (MSK replaced it, or the healer re-pointed the target already),
		// so the old address carries nothing and this restores the path.
		ch.Detail = fmt.Sprintf("target follows the broker from %s to %s, where MSK reports it now: %s is deregistered (nothing answers there any more), then %s registered", from, to, from, to)
	}
}

// assessDeposed judges the delete of a deposed object (left by a
// create-before-destroy replacement that did not finish): harmless unless it
// is an attachment to the same target the current one registers, whose
// deregistration removes that target.
func assessDeposed(rc *tfjson.ResourceChange, comp component, siblings []*tfjson.ResourceChange) (Change, bool) {
	if !rc.Change.Actions.Delete() {
		return assess(rc, comp)
	}
	ch := Change{Component: comp.kind, Address: rc.Address + " (deposed " + rc.DeposedKey + ")", Action: "delete", label: comp.label,
		Detail: "a deposed object (left by a replacement that did not finish) is deleted"}
	if comp.kind != Target {
		return ch, true
	}
	before, _ := rc.Change.Before.(map[string]any)
	old := target(before, nil)
	for _, s := range siblings {
		if s.DeposedKey != "" || s.Type != rc.Type || s.Address != rc.Address {
			continue
		}
		cur, _ := s.Change.After.(map[string]any)
		if s.Change.Actions.Delete() {
			continue
		}
		if target(cur, s.Change.AfterUnknown) == old && fmt.Sprint(cur["target_group_arn"]) == fmt.Sprint(before["target_group_arn"]) {
			ch.Interrupts = true
			ch.Detail = fmt.Sprintf("a deposed attachment of the same target %s is deleted: deregistering it removes the target the current attachment registered", old)
		}
	}
	return ch, true
}

const kafkaPort = 9098

func ports(after map[string]any) (lo, hi int, ok bool) {
	f, ok1 := after["from_port"].(float64)
	t, ok2 := after["to_port"].(float64)
	return int(f), int(t), ok1 && ok2
}

// target is an attachment's "ip:port", or what is unknown about it.
func target(v map[string]any, unknown any) string {
	if isUnknown(unknown, "target_id") || v == nil || v["target_id"] == nil {
		return "a target unknown until apply"
	}
	s := fmt.Sprint(v["target_id"])
	if p, ok := v["port"].(float64); ok {
		s += ":" + strconv.Itoa(int(p))
	}
	return s
}

// reason is why Terraform replaces a resource, as a parenthesis.
func reason(rc *tfjson.ResourceChange) string {
	switch rc.ActionReason {
	case tfjson.ActionReasonReplaceBecauseTainted:
		return ", it is tainted"
	case tfjson.ActionReasonReplaceByRequest:
		return ", -replace was requested"
	case tfjson.ActionReasonReplaceByTriggers:
		return ", replace_triggered_by"
	}
	var paths []string
	for _, p := range rc.Change.ReplacePaths {
		if path, ok := p.([]any); ok {
			paths = append(paths, attrLabel(path))
		}
	}
	if len(paths) > 0 {
		return ", " + strings.Join(paths, ", ") + " cannot change in place"
	}
	return ""
}

// changedTop names the top-level attributes an update changes.
func changedTop(before, after map[string]any, unknown any) []string {
	var out []string
	um, _ := unknown.(map[string]any)
	seen := map[string]bool{}
	for _, m := range []map[string]any{before, after, um} {
		for k := range m {
			if seen[k] {
				continue
			}
			seen[k] = true
			if anyTrue(um[k]) || !reflect.DeepEqual(before[k], after[k]) {
				out = append(out, k)
			}
		}
	}
	return out
}

// noteworthy: an update changes more than tags, and, when on is set, one of on.
func noteworthy(changed, on []string) bool {
	for _, k := range changed {
		if k == "tags" || k == "tags_all" {
			continue
		}
		if len(on) == 0 || slices.Contains(on, k) {
			return true
		}
	}
	return false
}

// isUnknown: the attribute, or anything inside it, is unknown until apply.
func isUnknown(unknown any, attr string) bool {
	m, ok := unknown.(map[string]any)
	if !ok {
		return false
	}
	return anyTrue(m[attr])
}

func anyTrue(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case []any:
		for _, e := range x {
			if anyTrue(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if anyTrue(e) {
				return true
			}
		}
	}
	return false
}

func unknownAttrs(unknown any, attrs []string) []string {
	var out []string
	for _, a := range attrs {
		if isUnknown(unknown, a) {
			out = append(out, a)
		}
	}
	return out
}
