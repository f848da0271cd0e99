package schemaprovider

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func unknownString() tftypes.Value { return tftypes.NewValue(tftypes.String, tftypes.UnknownValue) }

// plan asks the server to plan typeName from prior (nil: create) to config.
func plan(t *testing.T, s *Server, typeName string, prior *tftypes.Value, config tftypes.Value) *tfprotov6.PlanResourceChangeResponse {
	t.Helper()
	sch := schemaOf(t, s, KindResource, typeName)
	req := &tfprotov6.PlanResourceChangeRequest{TypeName: typeName, ProposedNewState: dynamic(t, sch, config), Config: dynamic(t, sch, config)}
	if prior != nil {
		req.PriorState = dynamic(t, sch, *prior)
	} else {
		null := tftypes.NewValue(sch.ValueType(), nil)
		req.PriorState = dynamic(t, sch, null)
	}
	resp, err := s.PlanResourceChange(context.Background(), req)
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("plan %s: %v %+v", typeName, err, resp.Diagnostics)
	}
	return resp
}

func paths(ps []*tftypes.AttributePath) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	sort.Strings(out)
	return out
}

// A change to an attribute the real provider cannot update in place, or an
// unknown planned value there, is a replacement; anything else is not.
func TestPlanRequiresReplaceAsTheRealProvider(t *testing.T) {
	s := newAWS(t, "")
	sch := schemaOf(t, s, KindResource, "aws_lb_target_group_attachment")
	prior := object(t, sch, map[string]tftypes.Value{
		"id": str("tg-1-10.0.0.1-9098"), "target_group_arn": str("arn:tg/1"), "target_id": str("10.0.0.1"),
		"port": tftypes.NewValue(tftypes.Number, 9098), "region": str("eu-west-1"),
	})
	for _, c := range []struct {
		name   string
		target tftypes.Value
		want   []string
	}{
		{"same target", str("10.0.0.1"), nil},
		{"moved broker", str("10.0.0.9"), []string{`AttributeName("target_id")`}},
		{"target unknown until apply", unknownString(), []string{`AttributeName("target_id")`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := object(t, sch, map[string]tftypes.Value{
				"id": str("tg-1-10.0.0.1-9098"), "target_group_arn": str("arn:tg/1"), "target_id": c.target,
				"port": tftypes.NewValue(tftypes.Number, 9098), "region": str("eu-west-1"),
			})
			got := paths(plan(t, s, "aws_lb_target_group_attachment", &prior, cfg).RequiresReplace)
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("RequiresReplace %v, want %v", got, c.want)
			}
		})
	}

	// Tags and the like update in place.
	lb := schemaOf(t, s, KindResource, "aws_lb")
	priorLB := object(t, lb, map[string]tftypes.Value{"name": str("x-nlb-1"), "tags": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"a": str("1")})})
	cfgLB := object(t, lb, map[string]tftypes.Value{"name": str("x-nlb-1"), "tags": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{"a": str("2")})})
	if got := plan(t, s, "aws_lb", &priorLB, cfgLB).RequiresReplace; len(got) != 0 {
		t.Errorf("a tag change replaces the NLB: %v", paths(got))
	}
	// A create is never a replacement.
	if got := plan(t, s, "aws_lb", nil, cfgLB).RequiresReplace; len(got) != 0 {
		t.Errorf("a create asks for replacement: %v", paths(got))
	}
}

// Nested blocks: the cluster's client subnets force a new cluster; its
// instance type and volume size do not.
func TestRequiresReplaceWalksNestedBlocks(t *testing.T) {
	s := newAWS(t, "")
	sch := schemaOf(t, s, KindResource, "aws_msk_cluster")
	typ := sch.ValueType().(tftypes.Object)
	bngiType := typ.AttributeTypes["broker_node_group_info"].(tftypes.List).ElementType.(tftypes.Object)
	cluster := func(instance string, subnets ...string) tftypes.Value {
		var subs []tftypes.Value
		for _, s := range subnets {
			subs = append(subs, str(s))
		}
		m := map[string]tftypes.Value{}
		for k, at := range bngiType.AttributeTypes {
			m[k] = tftypes.NewValue(at, nil)
		}
		m["instance_type"] = str(instance)
		m["client_subnets"] = tftypes.NewValue(bngiType.AttributeTypes["client_subnets"], subs)
		bngi := tftypes.NewValue(typ.AttributeTypes["broker_node_group_info"], []tftypes.Value{tftypes.NewValue(bngiType, m)})
		return object(t, sch, map[string]tftypes.Value{"cluster_name": str("c"), "broker_node_group_info": bngi})
	}
	prior := cluster("kafka.m5.large", "subnet-a", "subnet-b")
	if got := requiresReplace("aws_msk_cluster", prior, cluster("kafka.m5.xlarge", "subnet-a", "subnet-b")); len(got) != 0 {
		t.Errorf("an instance type change replaces the cluster: %v", paths(got))
	}
	got := paths(requiresReplace("aws_msk_cluster", prior, cluster("kafka.m5.large", "subnet-a", "subnet-c")))
	if len(got) != 1 || !strings.Contains(got[0], "client_subnets") {
		t.Errorf("a client subnet change: RequiresReplace %v, want broker_node_group_info[0].client_subnets", got)
	}
}

// With mock applies on, apply stores the planned state with every unknown
// made up: the fixture's value where it has one for that instance, else a
// value that differs between instances; without them it refuses.
func TestMockApply(t *testing.T) {
	fixture := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(fixture, []byte(`{"resource.aws_subnet": [
		{"cidr_block": "10.0.0.0/18", "id": "subnet-a"},
		{"cidr_block": "10.0.64.0/18", "id": "subnet-b"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newAWS(t, fixture)
	sch := schemaOf(t, s, KindResource, "aws_subnet")
	apply := func(cidr string) (map[string]tftypes.Value, []*tfprotov6.Diagnostic) {
		cfg := object(t, sch, map[string]tftypes.Value{"vpc_id": str("vpc-1"), "cidr_block": str(cidr)})
		planned := plan(t, s, "aws_subnet", nil, cfg).PlannedState
		resp, err := s.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
			TypeName: "aws_subnet", PlannedState: planned, Config: dynamic(t, sch, cfg),
			PriorState: dynamic(t, sch, tftypes.NewValue(sch.ValueType(), nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Diagnostics) > 0 {
			return nil, resp.Diagnostics
		}
		v, err := resp.NewState.Unmarshal(sch.ValueType())
		if err != nil {
			t.Fatal(err)
		}
		if !v.IsFullyKnown() {
			t.Fatalf("applied state has unknowns: %v", v)
		}
		var m map[string]tftypes.Value
		_ = v.As(&m)
		return m, nil
	}

	if _, diags := apply("10.0.0.0/18"); len(diags) == 0 || diags[0].Summary != ApplyRefusal {
		t.Fatalf("apply without %s=1: %+v, want the refusal", MockApplyEnv, diags)
	}
	s.MockApply = true
	a, _ := apply("10.0.0.0/18")
	b, _ := apply("10.0.64.0/18")
	c, _ := apply("10.0.128.0/18")
	if !a["id"].Equal(str("subnet-a")) || !b["id"].Equal(str("subnet-b")) {
		t.Errorf("ids %v %v, want the fixture's subnet-a and subnet-b (chosen by cidr_block)", a["id"], b["id"])
	}
	if c["id"].Equal(a["id"]) || c["arn"].Equal(a["arn"]) {
		t.Errorf("two instances got the same made-up values: %v %v", c["id"], c["arn"])
	}
	var arn string
	_ = c["arn"].As(&arn)
	if !strings.HasPrefix(arn, "arn:aws:") {
		t.Errorf("made-up arn %q is not ARN-shaped", arn)
	}
}

var reResourceType = regexp.MustCompile(`(?m)^resource\s+"(aws_[a-z0-9_]+)"`)

// Every AWS resource type this repository's Terraform declares is classified
// in ForceNew, so a new one cannot silently plan as never replaced.
func TestForceNewCoversTheRepository(t *testing.T) {
	root := filepath.Join("..", "..", "..", "terraform")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".tf") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range reResourceType.FindAllStringSubmatch(string(b), -1) {
			if _, ok := ForceNew[m[1]]; !ok {
				t.Errorf("%s declares %s, which ForceNew does not classify: add its force-new attributes (from the provider's schema) to forcenew.go", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
