package databricksfake

import (
	"errors"
	"fmt"
	"strings"
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

// The NCC list and a rule list are paged as the API pages them: the SDK's
// iterators, following next_page_token, read every item exactly once.
func TestListsArePaged(t *testing.T) {
	var rules []Rule
	for i := range 5 {
		rules = append(rules, Rule{ID: fmt.Sprintf("r-%d", i), NCC: "ncc-a", EndpointService: "com.amazonaws.vpce.us-east-1.vpce-svc-1"})
	}
	f := Start("acc-1", rules...)
	defer f.Close()
	f.PageSize = 2
	f.AddNCC("ncc-a", "a", "us-east-1")
	f.AddNCC("ncc-b", "b", "eu-west-1")
	f.AddNCC("ncc-c", "c", "us-east-1")
	cfg := &databricks.Config{}
	f.Configure((*config.Config)(cfg))
	a, err := databricks.NewAccountClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	nccs, err := a.NetworkConnectivity.ListNetworkConnectivityConfigurationsAll(t.Context(), settings.ListNetworkConnectivityConfigurationsRequest{})
	if err != nil || len(nccs) != 3 || nccs[0].Region != "us-east-1" || nccs[1].Region != "eu-west-1" || nccs[2].Name != "c" {
		t.Fatalf("NCC list: %+v, %v", nccs, err)
	}
	got, err := a.NetworkConnectivity.ListPrivateEndpointRulesAll(t.Context(), settings.ListPrivateEndpointRulesRequest{NetworkConnectivityConfigId: "ncc-a"})
	if err != nil || len(got) != 5 || got[4].RuleId != "r-4" {
		t.Fatalf("rule list: %+v, %v", got, err)
	}
	if n := strings.Count(strings.Join(f.Calls(), "\n"), "ncc-a/private-endpoint-rules"); n != 3 {
		t.Errorf("5 rules 2 a page: %d requests, want 3", n)
	}
}
