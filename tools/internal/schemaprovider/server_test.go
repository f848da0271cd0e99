package schemaprovider

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/mskvpce/mskvpce/tools/schemas"
)

var (
	awsOnce   sync.Once
	awsSchema *Schema
	awsErr    error
)

// newAWS returns a server over the real embedded AWS schema (decoded once
// per test binary) and the given fixture file.
func newAWS(t *testing.T, fixture string) *Server {
	t.Helper()
	awsOnce.Do(func() {
		gz, err := schemas.Gzipped("aws")
		if err != nil {
			awsErr = err
			return
		}
		awsSchema, awsErr = LoadGzipped(gz)
	})
	if awsErr != nil {
		t.Fatal(awsErr)
	}
	s := New(func() (*Schema, error) { return awsSchema, nil })
	s.FixturePath = fixture
	return s
}

func schemaOf(t *testing.T, s *Server, kind, name string) *tfprotov6.Schema {
	t.Helper()
	sch, diags := s.lookup(kind, name)
	if diags != nil {
		t.Fatalf("lookup %s %s: %v", kind, name, diags[0].Detail)
	}
	return sch
}

// object builds a value of the schema's type from the given attributes; every
// other attribute is null and every nested block empty.
func object(t *testing.T, sch *tfprotov6.Schema, set map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	typ := sch.ValueType().(tftypes.Object)
	m := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		m[name] = tftypes.NewValue(at, nil)
	}
	for _, nb := range sch.Block.BlockTypes {
		m[nb.TypeName] = emptyNested(nb)
	}
	for k, v := range set {
		if _, ok := typ.AttributeTypes[k]; !ok {
			t.Fatalf("schema has no attribute %s", k)
		}
		m[k] = v
	}
	return tftypes.NewValue(typ, m)
}

func dynamic(t *testing.T, sch *tfprotov6.Schema, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(sch.ValueType(), v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func attrs(t *testing.T, sch *tfprotov6.Schema, dv *tfprotov6.DynamicValue) map[string]tftypes.Value {
	t.Helper()
	v, err := dv.Unmarshal(sch.ValueType())
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func str(v string) tftypes.Value { return tftypes.NewValue(tftypes.String, v) }

func TestLoadEmbeddedAWSSchema(t *testing.T) {
	t.Parallel()
	s := newAWS(t, "")
	sch, _ := s.getSchema()
	if sch.Address != "registry.terraform.io/hashicorp/aws" || !strings.Contains(sch.Source, "terraform-aws-schema/v6@v6.9.0") {
		t.Errorf("address %q source %q, want hashicorp/aws from terraform-aws-schema v6.9.0", sch.Address, sch.Source)
	}
	for _, want := range []struct{ kind, name string }{
		{KindResource, "aws_msk_cluster"}, {KindResource, "aws_vpc_endpoint_service"}, {KindResource, "aws_lb_target_group"},
		{KindDataSource, "aws_msk_broker_nodes"}, {KindEphemeralResource, "aws_secretsmanager_secret_version"},
	} {
		if _, ok, err := sch.Get(want.kind, want.name); !ok || err != nil {
			t.Errorf("%s %s: ok=%v err=%v", want.kind, want.name, ok, err)
		}
	}
	p, err := sch.Provider()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range p.Block.Attributes {
		names = append(names, a.Name)
	}
	for _, b := range p.Block.BlockTypes {
		names = append(names, b.TypeName)
	}
	for _, want := range []string{"region", "profile", "access_key", "shared_config_files", "assume_role", "default_tags", "ignore_tags", "endpoints", "skip_credentials_validation"} {
		if !strings.Contains(" "+strings.Join(names, " ")+" ", " "+want+" ") {
			t.Errorf("provider block lacks %s", want)
		}
	}
}

func TestGetProviderSchemaServesEverything(t *testing.T) {
	t.Parallel()
	s := newAWS(t, "")
	resp, err := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("err %v diags %v", err, resp.Diagnostics)
	}
	if len(resp.ResourceSchemas) < 1000 || len(resp.DataSourceSchemas) < 400 || resp.Provider == nil {
		t.Fatalf("got %d resources, %d data sources, provider %v", len(resp.ResourceSchemas), len(resp.DataSourceSchemas), resp.Provider != nil)
	}
	if !resp.ServerCapabilities.GetProviderSchemaOptional {
		t.Error("GetProviderSchemaOptional should be set so Terraform reuses the schema across instances")
	}
}

func TestPlanMarksNullComputedUnknown(t *testing.T) {
	t.Parallel()
	s := newAWS(t, "")
	sch := schemaOf(t, s, KindResource, "aws_vpc")
	proposed := object(t, sch, map[string]tftypes.Value{
		"cidr_block":         str("10.0.0.0/16"),
		"enable_dns_support": tftypes.NewValue(tftypes.Bool, true),
	})
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName:         "aws_vpc",
		ProposedNewState: dynamic(t, sch, proposed),
	})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("err %v diags %v", err, resp.Diagnostics)
	}
	got := attrs(t, sch, resp.PlannedState)
	tests := []struct {
		attr        string
		wantUnknown bool
	}{
		{"id", true},                   // computed, null
		{"arn", true},                  // computed, null
		{"enable_dns_hostnames", true}, // optional+computed, null
		{"cidr_block", false},          // configured
		{"enable_dns_support", false},  // configured optional+computed keeps its value
		{"tags", false},                // optional only: stays null
	}
	for _, tc := range tests {
		v := got[tc.attr]
		if v.IsKnown() == tc.wantUnknown {
			t.Errorf("%s: known=%v, want unknown=%v", tc.attr, v.IsKnown(), tc.wantUnknown)
		}
	}
	var cidr string
	if err := got["cidr_block"].As(&cidr); err != nil || cidr != "10.0.0.0/16" {
		t.Errorf("cidr_block = %q (%v), want the configured 10.0.0.0/16", cidr, err)
	}
	if !got["tags"].IsNull() {
		t.Errorf("tags = %v, want null", got["tags"])
	}
}

func TestPlanMarksComputedUnknownInNestedBlocks(t *testing.T) {
	t.Parallel()
	s := newAWS(t, "")
	sch := schemaOf(t, s, KindResource, "aws_lb_listener")
	var actionBlock *tfprotov6.SchemaNestedBlock
	for _, nb := range sch.Block.BlockTypes {
		if nb.TypeName == "default_action" {
			actionBlock = nb
		}
	}
	if actionBlock == nil {
		t.Fatal("aws_lb_listener has no default_action block")
	}
	elemType := actionBlock.Block.ValueType().(tftypes.Object)
	elem := map[string]tftypes.Value{}
	for k, at := range elemType.AttributeTypes {
		elem[k] = tftypes.NewValue(at, nil)
	}
	for _, nb := range actionBlock.Block.BlockTypes {
		elem[nb.TypeName] = emptyNested(nb)
	}
	elem["type"] = str("forward")
	actions := tftypes.NewValue(actionBlock.ValueType(), []tftypes.Value{tftypes.NewValue(elemType, elem)})
	proposed := object(t, sch, map[string]tftypes.Value{"default_action": actions, "port": tftypes.NewValue(tftypes.Number, big.NewFloat(9098))})
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{TypeName: "aws_lb_listener", ProposedNewState: dynamic(t, sch, proposed)})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("err %v diags %v", err, resp.Diagnostics)
	}
	var planned []tftypes.Value
	if err := attrs(t, sch, resp.PlannedState)["default_action"].As(&planned); err != nil || len(planned) != 1 {
		t.Fatalf("default_action: %v %v", planned, err)
	}
	var pa map[string]tftypes.Value
	if err := planned[0].As(&pa); err != nil {
		t.Fatal(err)
	}
	if pa["order"].IsKnown() {
		t.Errorf("default_action[0].order (computed, null) should be unknown, is %v", pa["order"])
	}
	if !pa["type"].IsKnown() {
		t.Error("default_action[0].type was configured and must stay known")
	}
}

func TestReadDataSourceSynthesizesWhollyKnownValue(t *testing.T) {
	t.Parallel()
	s := newAWS(t, "")
	sch := schemaOf(t, s, KindDataSource, "aws_availability_zones")
	cfg := object(t, sch, map[string]tftypes.Value{"state": str("available")})
	resp, err := s.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{TypeName: "aws_availability_zones", Config: dynamic(t, sch, cfg)})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("err %v diags %v", err, resp.Diagnostics)
	}
	v, _ := resp.State.Unmarshal(sch.ValueType())
	if !v.IsFullyKnown() {
		t.Fatalf("data source value is not wholly known: %v", v)
	}
	got := attrs(t, sch, resp.State)
	var state string
	_ = got["state"].As(&state)
	if state != "available" {
		t.Errorf("state = %q, want the configured value", state)
	}
	var names []tftypes.Value
	if err := got["names"].As(&names); err != nil || len(names) != 1 {
		t.Errorf("names = %v (%v), want one synthesized name", names, err)
	}
	if !got["exclude_names"].IsNull() {
		t.Errorf("exclude_names (optional, not computed, not set) = %v, want null", got["exclude_names"])
	}
}

func TestReadDataSourceUsesFixture(t *testing.T) {
	t.Parallel()
	fixture, err := filepath.Abs("../../fixtures/data-sources.json")
	if err != nil {
		t.Fatal(err)
	}
	s := newAWS(t, fixture)
	cases := []struct {
		ds, attr string
		set      map[string]tftypes.Value
		check    func(t *testing.T, v tftypes.Value)
	}{
		{ds: "aws_availability_zones", attr: "names", check: func(t *testing.T, v tftypes.Value) {
			var l []tftypes.Value
			_ = v.As(&l)
			if len(l) != 3 {
				t.Errorf("names has %d entries, want the fixture's 3", len(l))
			}
		}},
		{ds: "aws_msk_broker_nodes", attr: "node_info_list", set: map[string]tftypes.Value{"cluster_arn": str("arn:aws:kafka:us-east-1:123456789012:cluster/x/y")}, check: func(t *testing.T, v tftypes.Value) {
			var l []tftypes.Value
			_ = v.As(&l)
			if len(l) != 3 {
				t.Fatalf("node_info_list has %d entries, want the fixture's 3", len(l))
			}
			var n map[string]tftypes.Value
			_ = l[2].As(&n)
			var id big.Float
			_ = n["broker_id"].As(&id)
			var ip string
			_ = n["client_vpc_ip_address"].As(&ip)
			if f, _ := id.Float64(); f != 3 || ip != "10.0.2.10" {
				t.Errorf("node 3: broker_id %v ip %q, want 3 and 10.0.2.10", f, ip)
			}
		}},
		{ds: "aws_caller_identity", attr: "account_id", check: func(t *testing.T, v tftypes.Value) {
			var s string
			_ = v.As(&s)
			if s != "123456789012" {
				t.Errorf("account_id = %q", s)
			}
		}},
		{ds: "aws_region", attr: "name", set: map[string]tftypes.Value{"name": str("eu-west-1")}, check: func(t *testing.T, v tftypes.Value) {
			var s string
			_ = v.As(&s)
			if s != "eu-west-1" {
				t.Errorf("configured name was replaced by the fixture: %q", s)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.ds, func(t *testing.T) {
			sch := schemaOf(t, s, KindDataSource, tc.ds)
			resp, err := s.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{TypeName: tc.ds, Config: dynamic(t, sch, object(t, sch, tc.set))})
			if err != nil || len(resp.Diagnostics) > 0 {
				t.Fatalf("err %v diags %v", err, resp.Diagnostics)
			}
			tc.check(t, attrs(t, sch, resp.State)[tc.attr])
		})
	}
}

func TestFixtureTypoIsAnError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "fx.json")
	if err := os.WriteFile(path, []byte(`{"aws_region": {"nmae": "eu-west-1"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newAWS(t, path)
	sch := schemaOf(t, s, KindDataSource, "aws_region")
	resp, err := s.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{TypeName: "aws_region", Config: dynamic(t, sch, object(t, sch, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) != 1 || !strings.Contains(resp.Diagnostics[0].Detail, "nmae") {
		t.Fatalf("want one diagnostic naming the unknown fixture attribute, got %+v", resp.Diagnostics)
	}
}

func TestApplyAndImportRefuse(t *testing.T) {
	t.Parallel()
	s := newAWS(t, "")
	ctx := context.Background()
	apply, err := s.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: "aws_vpc"})
	if err != nil {
		t.Fatal(err)
	}
	imp, err := s.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "aws_vpc", ID: "vpc-1"})
	if err != nil {
		t.Fatal(err)
	}
	for name, diags := range map[string][]*tfprotov6.Diagnostic{"apply": apply.Diagnostics, "import": imp.Diagnostics} {
		if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError || diags[0].Summary != ApplyRefusal {
			t.Errorf("%s: want one error %q, got %+v", name, ApplyRefusal, diags)
		}
	}
}

func TestUnknownTypeIsAnError(t *testing.T) {
	t.Parallel()
	s := newAWS(t, "")
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{TypeName: "aws_no_such_thing"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) != 1 || !strings.Contains(resp.Diagnostics[0].Detail, "aws_no_such_thing") {
		t.Fatalf("got %+v", resp.Diagnostics)
	}
}
