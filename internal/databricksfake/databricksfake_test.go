package databricksfake

import (
	"errors"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/settings"
)

// The provider's calls, decoded by the SDK's own types: what is created reads
// back, and what the real API refuses is refused with its error shape.
func TestProviderCallsOverSDK(t *testing.T) {
	f := Start("acc-1")
	defer f.Close()
	f.NewRule = func(r *Rule) { r.EndpointID = "vpce-0abc" }
	cfg := &databricks.Config{}
	f.Configure((*config.Config)(cfg))
	a, err := databricks.NewAccountClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	nc := a.NetworkConnectivity

	if _, err := nc.GetNetworkConnectivityConfigurationByNetworkConnectivityConfigId(ctx, "ncc-nope"); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Fatalf("unknown NCC: %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
	if _, err := nc.CreatePrivateEndpointRule(ctx, settings.CreatePrivateEndpointRuleRequest{NetworkConnectivityConfigId: "ncc-nope",
		PrivateEndpointRule: settings.CreatePrivateEndpointRule{EndpointService: "com.amazonaws.vpce.us-east-1.vpce-svc-1"}}); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Fatalf("rule in an unknown NCC: %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
	ncc, err := nc.CreateNetworkConnectivityConfiguration(ctx, settings.CreateNetworkConnectivityConfigRequest{
		NetworkConnectivityConfig: settings.CreateNetworkConnectivityConfiguration{Name: "n", Region: "us-east-1"}})
	if err != nil || ncc.AccountId != "acc-1" || ncc.Region != "us-east-1" {
		t.Fatalf("create NCC: %+v, %v", ncc, err)
	}
	if _, err := nc.CreatePrivateEndpointRule(ctx, settings.CreatePrivateEndpointRuleRequest{NetworkConnectivityConfigId: ncc.NetworkConnectivityConfigId,
		PrivateEndpointRule: settings.CreatePrivateEndpointRule{EndpointService: "vpce-svc-1"}}); !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Fatalf("rule with a service ID instead of its name: %v, want INVALID_PARAMETER_VALUE", err)
	}
	rule, err := nc.CreatePrivateEndpointRule(ctx, settings.CreatePrivateEndpointRuleRequest{NetworkConnectivityConfigId: ncc.NetworkConnectivityConfigId,
		PrivateEndpointRule: settings.CreatePrivateEndpointRule{EndpointService: "com.amazonaws.vpce.us-east-1.vpce-svc-1", DomainNames: []string{"b-1.x"}}})
	if err != nil || rule.VpcEndpointId != "vpce-0abc" || rule.AccountId != "acc-1" {
		t.Fatalf("create rule: %+v, %v", rule, err)
	}
	del, err := nc.DeletePrivateEndpointRuleByNetworkConnectivityConfigIdAndPrivateEndpointRuleId(ctx, ncc.NetworkConnectivityConfigId, rule.RuleId)
	if err != nil || !del.Deactivated {
		t.Fatalf("delete rule: %+v, %v", del, err)
	}
	if _, err := nc.GetPrivateEndpointRuleByNetworkConnectivityConfigIdAndPrivateEndpointRuleId(ctx, ncc.NetworkConnectivityConfigId, rule.RuleId); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Fatalf("deleted rule: %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
}
