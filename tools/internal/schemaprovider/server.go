// Package schemaprovider is a Terraform provider that knows a real provider's
// schema and nothing else. Terraform runs it in place of the real provider
// (through dev_overrides) so that `terraform validate`, `terraform test` with
// mock_provider, and `terraform plan` check a configuration against the real
// schema with no network, no credentials and no registry:
//
//   - GetProviderSchema serves the embedded schema;
//   - the Validate* calls accept everything the schema accepts (Terraform
//     itself checks names, types, required and conflicting blocks against the
//     schema);
//   - ConfigureProvider succeeds without credentials;
//   - PlanResourceChange proposes the configured values and marks every null
//     computed attribute unknown, as a real provider does on create; on
//     update it asks for a replacement where the real provider would
//     (ForceNew);
//   - ReadDataSource returns a wholly known value: configured values kept,
//     values from a fixture file (see FixtureEnv) next, every other computed
//     attribute synthesized from its type;
//   - ApplyResourceChange and ImportResourceState refuse with a clear error
//     (unless mock applies are on for tests: MockApplyEnv).
package schemaprovider

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// FixtureEnv names the environment variable holding the path of a JSON file
// of data source results: {"<data source type>": {"<attribute>": <value>}}.
const FixtureEnv = "MSKVPCE_SCHEMA_PROVIDER_DATA"

// ApplyRefusal is the error every state-changing call returns.
const ApplyRefusal = "schema-only provider: cannot apply; it exists to validate and plan offline"

// Server implements tfprotov6.ProviderServer over one provider's schema.
type Server struct {
	load func() (*Schema, error)

	once      sync.Once
	schema    *Schema
	schemaErr error

	fixtureOnce sync.Once
	fixture     Fixture
	fixtureErr  error
	// FixturePath overrides the FixtureEnv lookup when set (tests).
	FixturePath string
	// MockApply makes ApplyResourceChange store made-up values instead of
	// refusing (MockApplyEnv=1; tests only).
	MockApply bool
	// Scope, when not nil, limits the types GetProviderSchema and
	// GetMetadata list to those it holds (ScopeOf; FullSchemaEnv=1 lifts it).
	Scope map[string]bool
}

// New returns a server whose schema is produced by load on first use, so a
// provider process that Terraform starts only to validate never decodes it.
func New(load func() (*Schema, error)) *Server {
	s := &Server{load: load, FixturePath: os.Getenv(FixtureEnv), MockApply: os.Getenv(MockApplyEnv) == "1"}
	if os.Getenv(FullSchemaEnv) != "1" {
		if wd, err := os.Getwd(); err == nil {
			s.Scope = ScopeOf(wd)
		}
	}
	return s
}

// names lists the schema's types of one kind that the server serves.
func (s *Server) names(sch *Schema, kind string) []string {
	all := sch.Names(kind)
	if s.Scope == nil {
		return all
	}
	var out []string
	for _, n := range all {
		if s.Scope[n] {
			out = append(out, n)
		}
	}
	return out
}

var _ tfprotov6.ProviderServer = (*Server)(nil)

func (s *Server) getSchema() (*Schema, error) {
	s.once.Do(func() { s.schema, s.schemaErr = s.load() })
	return s.schema, s.schemaErr
}

func (s *Server) getFixture() (Fixture, error) {
	s.fixtureOnce.Do(func() {
		if s.FixturePath != "" {
			s.fixture, s.fixtureErr = LoadFixture(s.FixturePath)
		}
	})
	return s.fixture, s.fixtureErr
}

func errDiag(summary, detail string) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail}}
}

func schemaErrDiag(err error) []*tfprotov6.Diagnostic {
	return errDiag("schema-only provider: cannot load its schema", err.Error()+"\nRebuild the provider with `make tools`.")
}

func (s *Server) lookup(kind, name string) (*tfprotov6.Schema, []*tfprotov6.Diagnostic) {
	sch, err := s.getSchema()
	if err != nil {
		return nil, schemaErrDiag(err)
	}
	r, ok, err := sch.Get(kind, name)
	if err != nil {
		return nil, schemaErrDiag(err)
	}
	if !ok {
		return nil, errDiag("schema-only provider: unknown "+kind,
			fmt.Sprintf("%s %q is not in the schema of %s (%s).", kind, name, sch.Address, sch.Source))
	}
	return r, nil
}

// GetMetadata lists what the schema holds.
func (s *Server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	sch, err := s.getSchema()
	if err != nil {
		return &tfprotov6.GetMetadataResponse{Diagnostics: schemaErrDiag(err)}, nil
	}
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: capabilities()}
	for _, n := range s.names(sch, KindResource) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: n})
	}
	for _, n := range s.names(sch, KindDataSource) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: n})
	}
	for _, n := range s.names(sch, KindEphemeralResource) {
		resp.EphemeralResources = append(resp.EphemeralResources, tfprotov6.EphemeralResourceMetadata{TypeName: n})
	}
	return resp, nil
}

func capabilities() *tfprotov6.ServerCapabilities {
	// GetProviderSchemaOptional lets Terraform reuse the schema it already
	// fetched from another instance of this provider in the same command.
	return &tfprotov6.ServerCapabilities{GetProviderSchemaOptional: true, PlanDestroy: true}
}

// GetProviderSchema serves the schema of every type in scope (Scope).
func (s *Server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	sch, err := s.getSchema()
	if err != nil {
		return &tfprotov6.GetProviderSchemaResponse{Diagnostics: schemaErrDiag(err)}, nil
	}
	resp := &tfprotov6.GetProviderSchemaResponse{ServerCapabilities: capabilities()}
	if resp.Provider, err = sch.Provider(); err == nil {
		if resp.ResourceSchemas, err = sch.All(KindResource, s.names(sch, KindResource)); err == nil {
			if resp.DataSourceSchemas, err = sch.All(KindDataSource, s.names(sch, KindDataSource)); err == nil {
				resp.EphemeralResourceSchemas, err = sch.All(KindEphemeralResource, s.names(sch, KindEphemeralResource))
			}
		}
	}
	if err != nil {
		return &tfprotov6.GetProviderSchemaResponse{Diagnostics: schemaErrDiag(err)}, nil
	}
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities:       resp.ServerCapabilities,
		Provider:                 resp.Provider,
		ResourceSchemas:          resp.ResourceSchemas,
		DataSourceSchemas:        resp.DataSourceSchemas,
		EphemeralResourceSchemas: resp.EphemeralResourceSchemas,
		Functions:                map[string]*tfprotov6.Function{},
		ListResourceSchemas:      map[string]*tfprotov6.Schema{},
		ActionSchemas:            map[string]*tfprotov6.ActionSchema{},
	}, nil
}

// GetResourceIdentitySchemas: the schema carries no identity schemas.
func (s *Server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{IdentitySchemas: map[string]*tfprotov6.ResourceIdentitySchema{}}, nil
}

// ValidateProviderConfig accepts any configuration that matches the schema.
func (s *Server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

// ConfigureProvider succeeds without credentials.
func (s *Server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

// StopProvider has nothing to stop.
func (s *Server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

// ValidateResourceConfig accepts any configuration that matches the schema.
func (s *Server) ValidateResourceConfig(context.Context, *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return &tfprotov6.ValidateResourceConfigResponse{}, nil
}

// UpgradeResourceState decodes stored state with the current schema.
func (s *Server) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	rs, diags := s.lookup(KindResource, req.TypeName)
	if diags != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: diags}, nil
	}
	typ := rs.ValueType()
	if req.RawState == nil {
		dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
		return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, err
	}
	v, err := req.RawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}})
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errDiag("schema-only provider: cannot read stored state of "+req.TypeName, err.Error())}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, err
}

// UpgradeResourceIdentity: no identities.
func (s *Server) UpgradeResourceIdentity(context.Context, *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: errDiag("schema-only provider: resource identities are not supported", "")}, nil
}

// ReadResource returns the stored state unchanged: nothing can be refreshed offline.
func (s *Server) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// PlanResourceChange proposes the configured values: on create with null
// computed attributes marked unknown, on update with a replacement wherever
// a force-new attribute changes (ForceNew).
func (s *Server) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	rs, diags := s.lookup(KindResource, req.TypeName)
	if diags != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: diags}, nil
	}
	typ := rs.ValueType()
	proposed, err := req.ProposedNewState.Unmarshal(typ)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errDiag("schema-only provider: cannot decode the proposed state of "+req.TypeName, err.Error())}, nil
	}
	prior := tftypes.NewValue(typ, nil)
	if req.PriorState != nil {
		if prior, err = req.PriorState.Unmarshal(typ); err != nil {
			return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errDiag("schema-only provider: cannot decode the prior state of "+req.TypeName, err.Error())}, nil
		}
	}
	// An update keeps the proposed state: Terraform has already carried each
	// computed attribute the configuration leaves null over from the prior
	// state, as a real provider keeps it. Only a create leaves them to apply.
	planned := proposed
	var replace []*tftypes.AttributePath
	if prior.IsNull() {
		if planned, err = MarkComputedUnknown(rs.Block, proposed); err != nil {
			return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errDiag("schema-only provider: cannot plan "+req.TypeName, err.Error())}, nil
		}
	} else {
		replace = requiresReplace(req.TypeName, prior, planned)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, planned)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: &dv, PlannedPrivate: req.PriorPrivate, RequiresReplace: replace}, nil
}

func applyRefusal(what string) []*tfprotov6.Diagnostic {
	return errDiag(ApplyRefusal,
		what+": this provider serves the real schema without talking to the cloud. Run apply with the real provider (remove TF_CLI_CONFIG_FILE / the dev_overrides config).")
}

// ApplyResourceChange refuses, unless MockApply: then it stores the planned
// state with its unknowns made up (see mockApplied).
func (s *Server) ApplyResourceChange(_ context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if !s.MockApply {
		return &tfprotov6.ApplyResourceChangeResponse{NewState: req.PriorState, Diagnostics: applyRefusal("apply of " + req.TypeName)}, nil
	}
	rs, diags := s.lookup(KindResource, req.TypeName)
	if diags != nil {
		return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: diags}, nil
	}
	typ := rs.ValueType()
	planned, err := req.PlannedState.Unmarshal(typ)
	if err != nil {
		return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: errDiag("schema-only provider: cannot decode the planned state of "+req.TypeName, err.Error())}, nil
	}
	fixture, err := s.resourceFixture(req.TypeName, typ, planned)
	if err != nil {
		return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: errDiag("schema-only provider: cannot read the resource fixture of "+req.TypeName, err.Error())}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, mockApplied(req.TypeName, planned, fixture))
	if err != nil {
		return nil, err
	}
	return &tfprotov6.ApplyResourceChangeResponse{NewState: &dv, Private: req.PlannedPrivate}, nil
}

// resourceFixture converts the fixture's "resource.<type>" entry to values.
func (s *Server) resourceFixture(typeName string, typ tftypes.Type, planned tftypes.Value) (map[string]tftypes.Value, error) {
	fx, err := s.getFixture()
	if err != nil {
		return nil, err
	}
	raw := fx.Select(ResourceFixturePrefix+typeName, typ, planned)
	if len(raw) == 0 {
		return nil, nil
	}
	obj, ok := typ.(tftypes.Object)
	if !ok {
		return nil, fmt.Errorf("%s is not an object type", typeName)
	}
	out := map[string]tftypes.Value{}
	for name, r := range raw {
		at, ok := obj.AttributeTypes[name]
		if !ok {
			return nil, fmt.Errorf("fixture %s sets %s, which the schema does not have", ResourceFixturePrefix+typeName, name)
		}
		v, err := FromJSON(r, at, name)
		if err != nil {
			return nil, fmt.Errorf("fixture %s.%s: %w", ResourceFixturePrefix+typeName, name, err)
		}
		out[name] = v
	}
	return out, nil
}

// ImportResourceState refuses.
func (s *Server) ImportResourceState(_ context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: applyRefusal("import of " + req.TypeName)}, nil
}

// MoveResourceState refuses.
func (s *Server) MoveResourceState(_ context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: applyRefusal("move to " + req.TargetTypeName)}, nil
}

// ValidateDataResourceConfig accepts any configuration that matches the schema.
func (s *Server) ValidateDataResourceConfig(context.Context, *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return &tfprotov6.ValidateDataResourceConfigResponse{}, nil
}

// ReadDataSource returns a wholly known value (see SynthesizeData).
func (s *Server) ReadDataSource(_ context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	ds, diags := s.lookup(KindDataSource, req.TypeName)
	if diags != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: diags}, nil
	}
	fx, err := s.getFixture()
	if err != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errDiag("schema-only provider: cannot read the data source fixture", err.Error())}, nil
	}
	typ := ds.ValueType()
	cfg, err := req.Config.Unmarshal(typ)
	if err != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errDiag("schema-only provider: cannot decode the configuration of data source "+req.TypeName, err.Error())}, nil
	}
	v, err := SynthesizeData(ds.Block, cfg, fx.Select(req.TypeName, typ, cfg))
	if err != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errDiag("schema-only provider: cannot synthesize data source "+req.TypeName,
			fmt.Sprintf("%v\n(fixture file: %s, from %s)", err, s.FixturePath, FixtureEnv))}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.ReadDataSourceResponse{State: &dv}, nil
}

// CallFunction: the schema carries no provider functions.
func (s *Server) CallFunction(_ context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: "schema-only provider: no function " + req.Name}}, nil
}

// GetFunctions: none.
func (s *Server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

// ValidateEphemeralResourceConfig accepts any configuration that matches the schema.
func (s *Server) ValidateEphemeralResourceConfig(context.Context, *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{}, nil
}

// OpenEphemeralResource synthesizes a value like ReadDataSource.
func (s *Server) OpenEphemeralResource(_ context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	es, diags := s.lookup(KindEphemeralResource, req.TypeName)
	if diags != nil {
		return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: diags}, nil
	}
	typ := es.ValueType()
	cfg, err := req.Config.Unmarshal(typ)
	if err != nil {
		return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: errDiag("schema-only provider: cannot decode ephemeral resource "+req.TypeName, err.Error())}, nil
	}
	v, err := SynthesizeData(es.Block, cfg, nil)
	if err != nil {
		return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: errDiag("schema-only provider: cannot synthesize ephemeral resource "+req.TypeName, err.Error())}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.OpenEphemeralResourceResponse{Result: &dv}, nil
}

// RenewEphemeralResource has nothing to renew.
func (s *Server) RenewEphemeralResource(context.Context, *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{}, nil
}

// CloseEphemeralResource has nothing to close.
func (s *Server) CloseEphemeralResource(context.Context, *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{}, nil
}

// GenerateResourceConfig refuses: it serves import, which needs the cloud.
func (s *Server) GenerateResourceConfig(_ context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: applyRefusal("configuration generation for " + req.TypeName)}, nil
}
