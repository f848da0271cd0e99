package pathguard

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
)

// A row of the day-2 matrix (and the changes that must be refused): what
// the guard must say about every broker of its plan, testdata/plans/<row>.json.gz.
type row struct {
	paths map[string]Verdict
	// shared are the shared components whose change interrupts every path.
	shared []Kind
	// says are phrases the report must contain (its text form).
	says []string
}

// rows are the plans in testdata/plans: real `terraform show -json` output of
// the day-2 changes test/day2 plans against an applied deployment (written
// there with -update; trimmed to what the guard reads).
var rows = map[string]row{
	// Day 2: nothing of a path is lost.
	"storage-plus-100gib":   {paths: kept("1", "2", "3"), says: []string{"volume_size 1000 → 1100", "MSK applies it broker by broker"}},
	"kafka-version-upgrade": {paths: kept("1", "2", "3"), says: []string{`kafka_version "3.9.x" → "4.0.x"`, "MSK applies it broker by broker"}},
	"server-property":       {paths: kept("1", "2", "3"), says: []string{"all 3 kept, unchanged"}},
	"owner":                 {paths: kept("1", "2", "3"), says: []string{"all 3 kept, unchanged"}},
	// The cluster is set to the 1150 GiB autoscaling reached, never back to
	// ebs_volume_size's 1000 (MSK cannot shrink); on AWS the refreshed state
	// already says 1150 and the update vanishes.
	"volume-autoscaling-drift": {paths: kept("1", "2", "3"), says: []string{"volume_size 1000 → 1150"}},
	"count-layout-migration":   {paths: kept("1", "2", "3"), says: []string{"all 3 kept, unchanged"}},
	"broker-count-3-to-6": {paths: map[string]Verdict{"1": Kept, "2": Kept, "3": Kept, "4": New, "5": New, "6": New},
		says: []string{"number_of_broker_nodes 3 → 6", "3 new (broker 4, 5, 6)"}},
	"removal-of-2-4-6": {paths: map[string]Verdict{"1": Kept, "2": Removed, "3": Kept, "4": Removed, "5": Kept, "6": Removed},
		says: []string{"3 removed (broker 2, 4, 6)", "number_of_broker_nodes 6 → 3"}},
	"brokers-1-3-5-of-6": {paths: map[string]Verdict{"1": Kept, "2": Removed, "3": Kept, "4": Removed, "5": Kept, "6": Removed},
		says: []string{"3 removed (broker 2, 4, 6)", "the broker is going away"}},
	"target-repointed": {paths: kept("1", "2", "3"),
		says: []string{"target follows the broker from 10.0.64.12:9098 to 10.0.64.99:9098, where MSK reports it now"}},
	"canary-disabled": {paths: kept("1", "2", "3"), says: []string{"canary acceptance: deleted: the canary's check of this path fails"}},

	// An existing cluster (examples/existing-cluster): MSK's changes to it.
	"existing-msk-removed-4-5-6": {paths: map[string]Verdict{"1": Kept, "2": Kept, "3": Kept, "4": Removed, "5": Removed, "6": Removed},
		says: []string{"3 removed (broker 4, 5, 6)", "every component deleted: the broker is going away"}},
	"existing-msk-added-7-8-9": {paths: map[string]Verdict{"1": Kept, "2": Kept, "3": Kept, "4": Kept, "5": Kept, "6": Kept, "7": New, "8": New, "9": New},
		says: []string{"3 new (broker 7, 8, 9)"}},
	"existing-broker-moved": {paths: kept("1", "2", "3", "4", "5", "6"),
		says: []string{"target follows the broker from 10.0.128.13:9098 to 10.0.128.77:9098"}},

	// Refused: a broker that stays loses its path.
	"target-replaced-same": {paths: map[string]Verdict{"1": Kept, "2": Interrupted, "3": Kept},
		says: []string{"replaced (delete first) with the same target 10.0.64.12:9098"}},
	"target-group-replaced": {paths: map[string]Verdict{"1": Kept, "2": Kept, "3": Interrupted},
		says: []string{"target group: replaced (create before destroy)", "listener: updated in place; default_action unknown until apply"}},
	"endpoint-service-replaced": {paths: map[string]Verdict{"1": Interrupted, "2": Kept, "3": Kept},
		says: []string{"endpoint service: replaced (delete first)", "Databricks must create a new endpoint"}},
	"nlb-security-group-replaced": {paths: map[string]Verdict{"1": Interrupted, "2": Interrupted, "3": Interrupted},
		shared: []Kind{NLBSecurityGroup, NLBEgress, BrokerIngress}, says: []string{"INTERRUPTS EVERY PATH THAT STAYS: NLB security group: replaced (create before destroy)"}},
	"cluster-replaced": {paths: map[string]Verdict{"1": Interrupted, "2": Interrupted, "3": Interrupted}, shared: []Kind{Cluster},
		says: []string{"every path and the cluster's data", "the new target is unknown until apply"}},
	"role-policy-replaced": {paths: map[string]Verdict{"1": Interrupted, "2": Interrupted, "3": Interrupted}, shared: []Kind{RolePolicy},
		says: []string{"authentication for every path"}},
}

func kept(ids ...string) map[string]Verdict {
	m := map[string]Verdict{}
	for _, id := range ids {
		m[id] = Kept
	}
	return m
}

// fixtures maps each row to its plan file.
func fixtures(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "plans", "*.json*"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".gz"), ".json")
		out[name] = append(out[name], f)
	}
	return out
}

func readFixture(t *testing.T, path string) *tfjson.Plan {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Read(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

func TestFixtures(t *testing.T) {
	t.Parallel()
	files := fixtures(t)
	for name := range files {
		if _, ok := rows[name]; !ok {
			t.Errorf("testdata/plans has %v but no row %q says what the guard must find in it: add one", files[name], name)
		}
	}
	for name, want := range rows {
		if len(files[name]) == 0 {
			t.Errorf("row %q has no plan: add testdata/plans/%s.json (terraform show -json)", name, name)
		}
		for _, f := range files[name] {
			t.Run(filepath.Base(f), func(t *testing.T) {
				t.Parallel()
				r := Check(readFixture(t, f))
				got := map[string]Verdict{}
				for _, b := range r.Brokers {
					got[b.ID] = b.Path
				}
				if !mapsEqual(got, want.paths) {
					t.Errorf("paths %v, want %v", got, want.paths)
				}
				var cuts []Kind
				for _, ch := range r.Shared {
					if ch.Interrupts {
						cuts = append(cuts, ch.Component)
					}
				}
				if !sameKinds(cuts, want.shared) {
					t.Errorf("shared interruptions %v, want %v", cuts, want.shared)
				}
				if r.Safe() != (len(r.Interrupted()) == 0) || r.Safe() == slices.Contains(mapValues(want.paths), Interrupted) {
					t.Errorf("Safe() = %v with paths %v", r.Safe(), got)
				}
				var text bytes.Buffer
				r.WriteText(&text)
				for _, s := range want.says {
					if !strings.Contains(text.String(), s) {
						t.Errorf("the report does not say %q:\n%s", s, text.String())
					}
				}
				// Every interrupted broker names what interrupts it; no other
				// broker has a change that interrupts (a broker going away, or
				// one that had no path yet, loses nothing).
				for _, b := range r.Brokers {
					if (b.Path == Interrupted) != (len(b.InterruptedBy) > 0) {
						t.Errorf("broker %s is %s, interrupted by %v", b.ID, b.Path, b.InterruptedBy)
					}
					for _, ch := range b.Changes {
						if ch.Interrupts && b.Path != Interrupted {
							t.Errorf("broker %s is %s, yet %s interrupts it", b.ID, b.Path, ch.Address)
						}
					}
				}
			})
		}
	}
}

func mapsEqual(a, b map[string]Verdict) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func mapValues(m map[string]Verdict) []Verdict {
	var out []Verdict
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func sameKinds(a, b []Kind) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// The report's text and JSON, pinned for three plans: one refused for a
// broker's own change, one with new brokers, one refused for a shared change.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"target-group-replaced", "broker-count-3-to-6", "nlb-security-group-replaced"} {
		r := Check(readFixture(t, filepath.Join("testdata", "plans", name+".json.gz")))
		var text, js bytes.Buffer
		r.WriteText(&text)
		if err := r.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, js.Bytes(), "", "  "); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, "report-"+name+".txt", text.Bytes())
		golden.Check(t, "report-"+name+".json", indented.Bytes())
	}
}

// Read refuses what is not a saved plan's JSON, saying what it is and how
// to make the right thing; the files under testdata/read are real
// Terraform 1.11 output.
func TestRead(t *testing.T) {
	t.Parallel()
	file := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "read", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		name, in string
		want     string // "" reads
	}{
		{"a plan", file("terraform-data-plan.json"), ""},
		{"empty", "  \n", "the input is empty"},
		{"not json", "Plan: 1 to add, 0 to change, 0 to destroy.", "not a JSON object"},
		{"json array", "[]", "not a JSON object"},
		{"the plan file itself", file("saved-plan-file"), "this is a saved plan file itself"},
		{"plan -json log", file("plan-log.jsonl"), "the log of `terraform plan -json`"},
		{"state", file("state.json"), "this is Terraform state"},
		{"errored plan", file("errored-plan.json"), "the plan has errors"},
		{"no format version", `{"planned_values":{},"resource_changes":[]}`, "no format_version"},
		{"unsupported format version", `{"format_version":"2.0","planned_values":{},"resource_changes":[]}`, "unsupported plan format version"},
		{"some other JSON", `{"format_version":"1.0","hello":1}`, "no planned_values and no resource_changes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Read(strings.NewReader(tc.in))
			if tc.want == "" {
				if err != nil || p == nil {
					t.Fatalf("Read: %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrNotAPlan) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read: %v; want ErrNotAPlan saying %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "terraform show -json") && tc.name != "errored plan" {
				t.Errorf("the error does not say how to make a plan's JSON: %v", err)
			}
		})
	}
}

// A real plan of a configuration without this layout has nothing to judge,
// and says so.
func TestNoLayout(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "read", "terraform-data-plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r := Check(p)
	var text bytes.Buffer
	r.WriteText(&text)
	if len(r.Brokers) != 0 || !r.Safe() || !strings.Contains(text.String(), "nothing to judge") {
		t.Errorf("brokers %v\n%s", r.Brokers, text.String())
	}
}

// The rules no day-2 plan exercises, on single resource changes.
func TestRules(t *testing.T) {
	t.Parallel()
	const tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/msk1-x/0123"
	attach := func(ip string) map[string]any {
		return map[string]any{"target_group_arn": tg, "target_id": ip, "port": float64(9098)}
	}
	rc := func(addr string, index any, actions tfjson.Actions, before, after map[string]any, deposed string) *tfjson.ResourceChange {
		var b, a any
		if before != nil {
			b = before
		}
		if after != nil {
			a = after
		}
		return &tfjson.ResourceChange{Address: addr, ModuleAddress: "module.privatelink", Mode: tfjson.ManagedResourceMode,
			Type: "aws_lb_target_group_attachment", Name: "broker", Index: index, DeposedKey: deposed,
			Change: &tfjson.Change{Actions: actions, Before: b, After: a, AfterUnknown: map[string]any{}}}
	}
	noop := tfjson.Actions{tfjson.ActionNoop}
	del := tfjson.Actions{tfjson.ActionDelete}
	cases := []struct {
		name string
		rcs  []*tfjson.ResourceChange
		want Verdict
		says string
	}{
		{"deposed attachment of the same target", []*tfjson.ResourceChange{
			rc(`module.privatelink.aws_lb_target_group_attachment.broker["1"]`, "1", noop, attach("10.0.0.1"), attach("10.0.0.1"), ""),
			rc(`module.privatelink.aws_lb_target_group_attachment.broker["1"]`, "1", del, attach("10.0.0.1"), nil, "00000001"),
		}, Interrupted, "deregistering it removes the target the current attachment registered"},
		{"deposed attachment of the old target", []*tfjson.ResourceChange{
			rc(`module.privatelink.aws_lb_target_group_attachment.broker["1"]`, "1", noop, attach("10.0.0.2"), attach("10.0.0.2"), ""),
			rc(`module.privatelink.aws_lb_target_group_attachment.broker["1"]`, "1", del, attach("10.0.0.1"), nil, "00000001"),
		}, Kept, "a deposed object (left by a replacement that did not finish) is deleted"},
		{"forgotten", []*tfjson.ResourceChange{
			rc(`module.privatelink.aws_lb_target_group_attachment.broker["1"]`, "1", tfjson.Actions{tfjson.ActionForget}, attach("10.0.0.1"), nil, ""),
		}, Kept, "removed from Terraform state only"},
		{"target registered again (after drift deregistered it)", []*tfjson.ResourceChange{
			rc(`module.privatelink.aws_lb_target_group_attachment.broker["1"]`, "1", tfjson.Actions{tfjson.ActionCreate}, nil, attach("10.0.0.1"), ""),
			{Address: `module.privatelink.aws_lb.broker["1"]`, ModuleAddress: "module.privatelink", Mode: tfjson.ManagedResourceMode, Type: "aws_lb", Name: "broker", Index: "1",
				Change: &tfjson.Change{Actions: noop, Before: map[string]any{}, After: map[string]any{}}},
		}, Kept, "target: registers 10.0.0.1:9098"},
		{"updated in place to another target (a mock provider's plan)", []*tfjson.ResourceChange{
			rc(`module.privatelink.aws_lb_target_group_attachment.broker["1"]`, "1", tfjson.Actions{tfjson.ActionUpdate}, attach("10.0.0.1"), attach("10.0.0.2"), ""),
		}, Kept, `target_id "10.0.0.1" → "10.0.0.2"`},
		{"a positional index is never removed", []*tfjson.ResourceChange{
			rc(`module.privatelink.aws_lb_target_group_attachment.broker[0]`, float64(0), del, attach("10.0.0.1"), nil, ""),
		}, Interrupted, "#0 is an index by position"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := Check(&tfjson.Plan{FormatVersion: "1.2", ResourceChanges: tc.rcs})
			var text bytes.Buffer
			r.WriteText(&text)
			if len(r.Brokers) != 1 || r.Brokers[0].Path != tc.want || !strings.Contains(text.String(), tc.says) {
				t.Errorf("want one broker %s saying %q:\n%s", tc.want, tc.says, text.String())
			}
		})
	}
}

// TestDocsSample: the report docs/operate.md shows ("Day-2 changes") is the
// one the guard prints for its fixture, a target group replaced by hand.
func TestDocsSample(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "operate.md"))
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	Check(readFixture(t, filepath.Join("testdata", "plans", "target-group-replaced.json.gz"))).WriteText(&text)
	want := "```\n" + text.String() + "```\n"
	if !strings.Contains(string(page), want) {
		t.Errorf("docs/operate.md does not show, as one fenced block, the report the guard prints for testdata/plans/target-group-replaced.json.gz:\n%s", text.String())
	}
}
