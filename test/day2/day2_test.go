package day2

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/mskvpce/mskvpce/internal/pathguard"
)

var update = flag.Bool("update", false, "write each row's plan to internal/pathguard/testdata/plans/<row>.json.gz")

// pathTypes are the per-broker resources a broker's path goes through (and
// the canary's, which follow the brokers the same way), keyed by broker id.
var pathTypes = map[string]bool{
	"aws_lb": true, "aws_lb_target_group": true, "aws_lb_target_group_attachment": true,
	"aws_lb_listener": true, "aws_vpc_endpoint_service": true,
	"aws_vpc_endpoint": true, "aws_vpc_endpoint_connection_accepter": true,
	"aws_route53_record": true, "aws_cloudwatch_metric_alarm": true,
	"databricks_mws_ncc_private_endpoint_rule": true,
}

// row is one change an operator makes (or MSK makes) to an applied
// deployment, and what its plan must do to each broker's path.
type row struct {
	name string
	vars map[string]string
	msk  cluster // what MSK reports while this change is planned
	// kept, added, removed: broker ids.
	kept, added, removed []int
	// repointed: kept brokers whose target moves to a new, known address.
	repointed []int
	// replaced lists the other resources (type.name) the row may replace,
	// create-before-destroy: a new MSK configuration for a new version.
	replaced []string
	// force: addresses planned with -replace (what a taint, an operator's
	// -replace or a change the module cannot make in place does): rows that
	// interrupt paths, for the data-path guard.
	force []string
	// interrupted: brokers whose path the guard must call interrupted; with
	// shared, the shared components it must blame.
	interrupted []int
	shared      []pathguard.Kind
	// canaryGone: the row turns the verify canary off; its resources go.
	canaryGone bool
}

func ids(b []broker) []int {
	var out []int
	for _, x := range b {
		out = append(out, x.id)
	}
	return out
}

// exampleVars are the greenfield root with the verify canary (its
// endpoints, records and alarms are per broker too) and the broker-path
// healer (fed each broker's target group by id), as the nightly e2e
// applies it.
func exampleVars(t *testing.T) map[string]string {
	modules := filepath.Join(repoRoot(t), "terraform", "modules")
	return map[string]string{
		"region": region, "cidr_block": "10.0.0.0/16", "prefix": prefix, "user_name": "day2@example.com",
		"enable_verify_canary": "true", "verify_canary_lambda_zip_path": filepath.Join(modules, "verify-canary", "tests", "testdata", "bootstrap.zip"),
		"verify_canary_schedule_enabled": "true",
		"enable_broker_healer":           "true", "broker_healer_lambda_zip_path": filepath.Join(modules, "broker-healer", "tests", "testdata", "bootstrap.zip"),
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// guard runs the data-path guard (internal/pathguard, what deploy plan and
// apply print and what deploy check-plan reads) on the row's plan and
// compares its verdict with the row's.
func guard(t *testing.T, r row, p *tfjson.Plan) {
	t.Helper()
	want := map[string]pathguard.Verdict{}
	for _, id := range r.kept {
		want[fmt.Sprint(id)] = pathguard.Kept
	}
	for _, id := range r.added {
		want[fmt.Sprint(id)] = pathguard.New
	}
	for _, id := range r.removed {
		want[fmt.Sprint(id)] = pathguard.Removed
	}
	for _, id := range r.interrupted {
		want[fmt.Sprint(id)] = pathguard.Interrupted
	}
	rep := pathguard.Check(p)
	got := map[string]pathguard.Verdict{}
	for _, b := range rep.Brokers {
		got[b.ID] = b.Path
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	for id, v := range want {
		if got[id] != v {
			t.Errorf("guard: broker %s %s, want %s\n%s", id, got[id], v, text.String())
		}
	}
	for id, v := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("guard: broker %s %s, which this row does not expect\n%s", id, v, text.String())
		}
	}
	var blamed []pathguard.Kind
	for _, ch := range rep.Shared {
		if ch.Interrupts {
			blamed = append(blamed, ch.Component)
		}
	}
	for _, k := range r.shared {
		if !slices.Contains(blamed, k) {
			t.Errorf("guard: the shared %s is not blamed (blamed: %v)\n%s", k, blamed, text.String())
		}
	}
	if len(r.shared) == 0 && len(blamed) > 0 {
		t.Errorf("guard blames shared components %v\n%s", blamed, text.String())
	}
}

// check reads the plan of one row.
func check(t *testing.T, r row, p *tfjson.Plan) {
	t.Helper()
	want := map[int]string{}
	for _, id := range r.kept {
		want[id] = "kept"
	}
	for _, id := range r.added {
		want[id] = "added"
	}
	for _, id := range r.removed {
		want[id] = "removed"
	}
	seen := map[int]bool{}
	for _, rc := range p.ResourceChanges {
		if rc.Mode != tfjson.ManagedResourceMode {
			continue
		}
		acts := rc.Change.Actions
		if r.canaryGone && strings.HasPrefix(rc.ModuleAddress, "module.verify_canary") {
			if !acts.Delete() {
				t.Errorf("%s: %v, want the canary's resources deleted", rc.Address, acts)
			}
			continue
		}
		if pathTypes[rc.Type] && (rc.Name == "broker" || rc.Name == "path") {
			key, ok := rc.Index.(string)
			if !ok {
				t.Errorf("%s: keyed by position (%v), not by broker id", rc.Address, rc.Index)
				continue
			}
			var id int
			if _, err := fmt.Sscan(key, &id); err != nil {
				t.Errorf("%s: key %q is not a broker id", rc.Address, key)
				continue
			}
			seen[id] = true
			switch want[id] {
			case "kept":
				if rc.Type == "aws_lb_target_group_attachment" && slices.Contains(r.repointed, id) {
					unknown, _ := rc.Change.AfterUnknown.(map[string]any)
					if !acts.Replace() || unknown["target_id"] == true {
						t.Errorf("%s: %v (target unknown: %v), want the target re-pointed to the broker's new, known address", rc.Address, acts, unknown["target_id"])
					}
					continue
				}
				if !acts.NoOp() && !acts.Update() {
					t.Errorf("%s: %v; broker %d stays, so its path must stay (no-op or an in-place update): %s", rc.Address, acts, id, reason(rc))
				}
				if rc.Type == "aws_lb_target_group_attachment" {
					if unknown, _ := rc.Change.AfterUnknown.(map[string]any); unknown["target_id"] == true {
						t.Errorf("%s: broker %d's target is unknown until apply", rc.Address, id)
					}
				}
			case "added":
				if !acts.Create() {
					t.Errorf("%s: %v, want a create for the new broker %d", rc.Address, acts, id)
				}
			case "removed":
				if !acts.Delete() {
					t.Errorf("%s: %v, want broker %d's path removed", rc.Address, acts, id)
				}
			default:
				t.Errorf("%s: %v on broker %d, which this row does not expect", rc.Address, acts, id)
			}
			continue
		}
		// Everything else: nothing deleted or replaced but what the row names.
		if acts.Delete() || acts.Replace() || acts.DestroyBeforeCreate() || acts.CreateBeforeDestroy() {
			if !slices.Contains(r.replaced, rc.Type+"."+rc.Name) || !acts.CreateBeforeDestroy() {
				t.Errorf("%s: %v (%s)", rc.Address, acts, reason(rc))
			}
		}
	}
	for id, w := range want {
		if !seen[id] {
			t.Errorf("the plan says nothing of broker %d (want %s)", id, w)
		}
	}
}

func reason(rc *tfjson.ResourceChange) string {
	var paths []string
	for _, p := range rc.Change.ReplacePaths {
		paths = append(paths, fmt.Sprint(p))
	}
	sort.Strings(paths)
	return fmt.Sprintf("action reason %q, replace paths %v", rc.ActionReason, paths)
}

// save writes the plan for internal/pathguard's tests (-update): what the
// guard reads of it (the resource changes and the plan's header), not the
// configuration, the variables or the values, which carry this machine's
// paths and make the file ten times larger.
func save(t *testing.T, name string, raw []byte) {
	t.Helper()
	if !*update {
		return
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	keep := map[string]json.RawMessage{}
	for _, k := range []string{"format_version", "terraform_version", "resource_changes", "resource_drift", "output_changes", "applyable", "complete", "errored"} {
		if v, ok := all[k]; ok {
			keep[k] = v
		}
	}
	trimmed, err := json.Marshal(keep)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(trimmed)
	zw.Close()
	path := filepath.Join(repoRoot(t), "internal", "pathguard", "testdata", "plans", name+".json.gz")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDay2 applies the example (three brokers, and six), then plans the
// changes an operator makes and the ones MSK makes on its own, and reads each
// plan (modules/msk-vpce/tests/day2*.tftest.hcl plan every change, instance
// type, tags and log retention too, with mock providers; here are those whose
// plans differ in kind): every remaining broker's path stays (no-op or an in-place
// update, its target known), new brokers get theirs, removed ones lose
// theirs, and nothing else is replaced.
func TestDay2(t *testing.T) {
	base := exampleVars(t)
	three := cluster{brokers: brokers(1, 2, 3)}
	six := cluster{brokers: brokers(1, 2, 3, 4, 5, 6)}

	moved := brokers(1, 2, 3)
	moved[1].ip = "10.0.64.99" // MSK replaced broker 2: a new client address

	rows3 := []row{
		{name: "storage-plus-100gib", vars: map[string]string{"ebs_volume_size": "1100"}, msk: three, kept: []int{1, 2, 3}},
		{name: "kafka-version-upgrade", vars: map[string]string{"kafka_version": "4.0.x"}, msk: three, kept: []int{1, 2, 3}, replaced: []string{"aws_msk_configuration.this"}},
		{name: "server-property", vars: map[string]string{"auto_create_topics": "true"}, msk: three, kept: []int{1, 2, 3}},
		{name: "owner", vars: map[string]string{"user_name": "carol@example.com"}, msk: three, kept: []int{1, 2, 3}},
		{name: "volume-autoscaling-drift", vars: map[string]string{"storage_autoscaling_max_gib": "4000"}, msk: cluster{brokers: brokers(1, 2, 3), volume: 1150, autoscaled: true}, kept: []int{1, 2, 3}},
		{name: "broker-count-3-to-6", vars: map[string]string{"broker_count": "6"}, msk: three, kept: []int{1, 2, 3}, added: []int{4, 5, 6}},
		{name: "target-repointed", msk: cluster{brokers: moved}, kept: []int{1, 2, 3}, repointed: []int{2}},
		{name: "canary-disabled", vars: map[string]string{"enable_verify_canary": "false"}, msk: three, kept: []int{1, 2, 3}, canaryGone: true},

		// What the guard must refuse: a broker that stays loses its path.
		{name: "cluster-replaced", force: []string{"module.msk_vpce.aws_msk_cluster.this"}, msk: three,
			interrupted: []int{1, 2, 3}, shared: []pathguard.Kind{pathguard.Cluster}},
		{name: "endpoint-service-replaced", force: []string{`module.msk_vpce.module.privatelink.aws_vpc_endpoint_service.broker["1"]`}, msk: three,
			kept: []int{2, 3}, interrupted: []int{1}},
		{name: "target-group-replaced", force: []string{`module.msk_vpce.module.privatelink.aws_lb_target_group.broker["3"]`}, msk: three,
			kept: []int{1, 2}, interrupted: []int{3}},
		{name: "target-replaced-same", force: []string{`module.msk_vpce.module.privatelink.aws_lb_target_group_attachment.broker["2"]`}, msk: three,
			kept: []int{1, 3}, interrupted: []int{2}},
		{name: "nlb-security-group-replaced", force: []string{"module.msk_vpce.module.privatelink.aws_security_group.nlb"}, msk: three,
			interrupted: []int{1, 2, 3}, shared: []pathguard.Kind{pathguard.NLBSecurityGroup}},
		{name: "role-policy-replaced", force: []string{"module.msk_vpce.module.privatelink.aws_iam_role_policy.databricks_msk"}, msk: three,
			interrupted: []int{1, 2, 3}, shared: []pathguard.Kind{pathguard.RolePolicy}},
	}
	rows6 := []row{
		{name: "removal-of-2-4-6", vars: map[string]string{"broker_count": "3", "broker_ids": "[1,3,5]"}, msk: six, kept: []int{1, 3, 5}, removed: []int{2, 4, 6}},
		{name: "brokers-1-3-5-of-6", vars: map[string]string{"broker_count": "3", "broker_ids": "[1,3,5]"}, msk: cluster{brokers: brokers(1, 3, 5)}, kept: []int{1, 3, 5}, removed: []int{2, 4, 6}},
	}

	for _, d := range []struct {
		name  string
		vars  map[string]string
		msk   cluster
		rows  []row
		count int
	}{
		{"3-brokers", base, three, rows3, 3},
		{"6-brokers", merge(base, map[string]string{"broker_count": "6"}), six, rows6, 6},
	} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t, "examples/complete", d.msk)
			w.apply(d.vars)
			// An apply that changes nothing must plan nothing.
			if _, p := w.plan(d.vars); changes(p) != "" {
				t.Fatalf("a plan right after the apply changes: %s", changes(p))
			}
			for _, r := range d.rows {
				t.Run(r.name, func(t *testing.T) {
					t.Parallel()
					var force []string
					for _, a := range r.force {
						force = append(force, "-replace="+a)
					}
					raw, p := w.planAs(t, &r.msk, merge(d.vars, r.vars), force...)
					if len(r.force) == 0 {
						check(t, r, p)
					}
					guard(t, r, p)
					save(t, r.name, raw)
				})
			}
		})
	}
}

// changes lists a plan's managed changes other than no-ops.
func changes(p *tfjson.Plan) string {
	var out []string
	for _, rc := range p.ResourceChanges {
		if rc.Mode == tfjson.ManagedResourceMode && !rc.Change.Actions.NoOp() {
			out = append(out, fmt.Sprintf("%s %v", rc.Address, rc.Change.Actions))
		}
	}
	return strings.Join(out, "; ")
}

// TestCountLayoutMigrates plans today's configuration against the state a
// deployment of the count layout has (testdata/count-layout.tfstate.gz): the
// generated moved blocks move every per-broker resource to its broker id,
// and nothing is replaced or destroyed.
func TestCountLayoutMigrates(t *testing.T) {
	t.Parallel()
	gz, err := os.Open(filepath.Join("testdata", "count-layout.tfstate.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	state, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorkspace(t, "examples/complete", cluster{brokers: brokers(1, 2, 3)})
	if err := os.WriteFile(w.statePath(), state, 0o600); err != nil {
		t.Fatal(err)
	}
	// What that deployment was applied with (no healer then).
	vars := exampleVars(t)
	delete(vars, "enable_broker_healer")
	delete(vars, "broker_healer_lambda_zip_path")
	raw, p := w.plan(vars)
	r := row{name: "count-layout-migration", kept: []int{1, 2, 3}}
	check(t, r, p)
	guard(t, r, p)
	moved := 0
	for _, rc := range p.ResourceChanges {
		if rc.PreviousAddress != "" {
			moved++
			if pathTypes[rc.Type] && !rc.Change.Actions.NoOp() {
				t.Errorf("%s (was %s): %v, want a move and nothing else", rc.Address, rc.PreviousAddress, rc.Change.Actions)
			}
		}
		if rc.Mode == tfjson.ManagedResourceMode && (rc.Change.Actions.Create() || rc.Change.Actions.Delete() || rc.Change.Actions.Replace()) {
			t.Errorf("%s: %v; the migration must neither create nor destroy", rc.Address, rc.Change.Actions)
		}
	}
	// 3 brokers × (NLB, target group, attachment, listener, endpoint
	// service) + the canary's 3 × (endpoint, acceptance, record, alarm) + the
	// NLB security group, its 2 rules, the role and its 2 policies.
	if want := 3*5 + 3*4 + 6; moved != want {
		t.Errorf("%d resources moved, want %d", moved, want)
	}
	save(t, "count-layout-migration", raw)
}

// existingVars are the existing-cluster root over the cluster MSK reports,
// with the canary and the healer.
func existingVars(t *testing.T) map[string]string {
	v := exampleVars(t)
	delete(v, "cidr_block")
	v["cluster_arn"] = clusterARN
	return v
}

// TestExistingCluster applies examples/existing-cluster in front of a
// six-broker cluster it does not create, then plans what MSK and its
// operators do to that cluster outside this configuration: brokers removed
// (one per zone, as MSK removes them), brokers added (new ids), a broker at
// a new address. The next plan follows MSK: only the brokers that changed
// have paths created or removed, and nothing plans a cluster, a VPC or a
// change to either.
func TestExistingCluster(t *testing.T) {
	t.Parallel()
	vars := existingVars(t)
	six := brokers(1, 2, 3, 4, 5, 6)
	w := newWorkspace(t, "examples/existing-cluster", cluster{brokers: six})
	_, first := w.plan(vars)
	for _, rc := range first.ResourceChanges {
		switch rc.Type {
		case "aws_msk_cluster", "aws_msk_configuration", "aws_vpc", "aws_subnet", "aws_security_group", "aws_appautoscaling_target":
			if !strings.HasPrefix(rc.ModuleAddress, "module.verify_canary") && !(rc.Type == "aws_security_group" && rc.Name == "nlb") {
				t.Errorf("the existing-cluster root plans %s (%v): it must not create or change the cluster or its network", rc.Address, rc.Change.Actions)
			}
		}
	}
	w.apply(vars)
	if _, p := w.plan(vars); changes(p) != "" {
		t.Fatalf("a plan right after the apply changes: %s", changes(p))
	}
	moved := brokers(1, 2, 3, 4, 5, 6)
	moved[2].ip = "10.0.128.77"
	for _, r := range []row{
		{name: "existing-msk-removed-4-5-6", msk: cluster{brokers: brokers(1, 2, 3)}, kept: []int{1, 2, 3}, removed: []int{4, 5, 6}},
		{name: "existing-msk-added-7-8-9", msk: cluster{brokers: brokers(1, 2, 3, 4, 5, 6, 7, 8, 9)}, kept: []int{1, 2, 3, 4, 5, 6}, added: []int{7, 8, 9}},
		{name: "existing-broker-moved", msk: cluster{brokers: moved}, kept: []int{1, 2, 3, 4, 5, 6}, repointed: []int{3}},
	} {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			raw, p := w.planAs(t, &r.msk, vars)
			check(t, r, p)
			guard(t, r, p)
			save(t, r.name, raw)
		})
	}
}
