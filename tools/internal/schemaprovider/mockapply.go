package schemaprovider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// MockApplyEnv names the environment variable that turns on mock applies:
// with "1", ApplyResourceChange stores the planned state with every unknown
// value made up (from the fixture's "resource.<type>" entry, else a value
// derived from the planned state), so tests can apply a configuration and
// then plan a change against the state it left: the day-2 plans that only a
// second plan shows. Nothing is created anywhere. Unset (operators), apply
// is refused as before.
const MockApplyEnv = "MSKVPCE_SCHEMA_PROVIDER_MOCK_APPLY"

// ResourceFixturePrefix prefixes a resource type's entry in the fixture file:
// {"resource.aws_msk_cluster": {"arn": "..."}} gives a mock apply the values
// it would otherwise make up.
const ResourceFixturePrefix = "resource."

// mockApplied returns planned with every unknown value made known: the
// fixture's value for a top-level attribute when it has one, else a value of
// the right type that is distinct per resource (derived from the type name
// and the planned state, so the same plan always applies the same way).
func mockApplied(typeName string, planned tftypes.Value, fixture map[string]tftypes.Value) tftypes.Value {
	sum := sha256.Sum256([]byte(typeName + "\x00" + planned.String()))
	seed := hex.EncodeToString(sum[:])[:12]
	if planned.IsNull() || !planned.IsKnown() {
		return planned
	}
	var m map[string]tftypes.Value
	if err := planned.As(&m); err != nil {
		return fillUnknown(planned, typeName, seed)
	}
	shaped := awsShaped(typeName, m, seed)
	for name, v := range m {
		if fv, ok := fixture[name]; ok && !v.IsFullyKnown() {
			m[name] = fv
			continue
		}
		if sv, ok := shaped[name]; ok && !v.IsKnown() {
			m[name] = tftypes.NewValue(tftypes.String, sv)
			continue
		}
		m[name] = fillUnknown(v, name, seed)
	}
	return tftypes.NewValue(planned.Type(), m)
}

// idPrefix is the shape of the ids AWS gives resources of these types, so
// made-up ids pass the validations that check them (a module's input
// "vpce-svc-...", "sg-...").
var idPrefix = map[string]string{
	"aws_vpc": "vpc-", "aws_subnet": "subnet-", "aws_security_group": "sg-", "aws_default_security_group": "sg-",
	"aws_vpc_endpoint": "vpce-", "aws_vpc_endpoint_service": "vpce-svc-",
	"aws_vpc_security_group_ingress_rule": "sgr-", "aws_vpc_security_group_egress_rule": "sgr-",
	"aws_route53_zone": "Z",
}

// awsShaped makes up the attributes whose shape other code checks: ids of
// the types above (17 hex digits, as EC2's), an endpoint service's name, an
// IAM role's ARN from its name.
func awsShaped(typeName string, m map[string]tftypes.Value, seed string) map[string]string {
	sum := sha256.Sum256([]byte(seed + typeName))
	hex17 := hex.EncodeToString(sum[:])[:17]
	out := map[string]string{}
	if p, ok := idPrefix[typeName]; ok {
		id := p + hex17
		if p == "Z" {
			id = "Z" + strings.ToUpper(hex17)
		}
		if v, ok := m["id"]; ok && v.IsKnown() && !v.IsNull() {
			_ = v.As(&id)
		}
		out["id"] = id
		if typeName == "aws_vpc_endpoint_service" {
			out["service_name"] = "com.amazonaws.vpce.us-east-1." + id
		}
	}
	// Load balancers and target groups: names from their prefixes (the
	// provider adds 26 characters), ARNs as ELBv2 spells them.
	if typeName == "aws_lb_target_group" || typeName == "aws_lb" {
		name := known(m, "name")
		if name == "" {
			name = known(m, "name_prefix") + hex17
			out["name"] = name
		}
		kind := "targetgroup/" + name
		if typeName == "aws_lb" {
			kind = "loadbalancer/net/" + name
		}
		out["arn"] = "arn:aws:elasticloadbalancing:us-east-1:123456789012:" + kind + "/" + hex17[:16]
	}
	if typeName == "aws_iam_role" {
		var name string
		if v, ok := m["name"]; ok && v.IsKnown() && !v.IsNull() && v.As(&name) == nil {
			out["arn"] = "arn:aws:iam::123456789012:role/" + name
		}
	}
	return out
}

// fillUnknown replaces every unknown inside v.
func fillUnknown(v tftypes.Value, name, seed string) tftypes.Value {
	typ := v.Type()
	if !v.IsKnown() {
		return madeUp(typ, name, seed)
	}
	if v.IsNull() {
		return v
	}
	switch typ.(type) {
	case tftypes.Object:
		var m map[string]tftypes.Value
		if v.As(&m) != nil {
			return v
		}
		for k, e := range m {
			m[k] = fillUnknown(e, k, seed)
		}
		return tftypes.NewValue(typ, m)
	case tftypes.Map:
		var m map[string]tftypes.Value
		if v.As(&m) != nil {
			return v
		}
		for k, e := range m {
			m[k] = fillUnknown(e, name, seed)
		}
		return tftypes.NewValue(typ, m)
	case tftypes.List, tftypes.Set, tftypes.Tuple:
		var elems []tftypes.Value
		if v.As(&elems) != nil {
			return v
		}
		for i, e := range elems {
			elems[i] = fillUnknown(e, fmt.Sprintf("%s-%d", name, i), seed)
		}
		return tftypes.NewValue(typ, elems)
	}
	return v
}

// madeUp is a known value of typ for an attribute the plan left unknown:
// "mock-<name>-<seed>" (an ARN-shaped one for attributes named like ARNs),
// 0, false, and one element for collections.
func madeUp(typ tftypes.Type, name, seed string) tftypes.Value {
	switch {
	case typ.Is(tftypes.String), typ.Is(tftypes.DynamicPseudoType):
		s := "mock-" + strings.ReplaceAll(name, "_", "-") + "-" + seed
		if name == "arn" || strings.HasSuffix(name, "_arn") {
			s = "arn:aws:mock:eu-west-1:123456789012:" + strings.ReplaceAll(name, "_", "-") + "/" + seed
		}
		if typ.Is(tftypes.DynamicPseudoType) {
			return tftypes.NewValue(tftypes.String, s)
		}
		return tftypes.NewValue(typ, s)
	case typ.Is(tftypes.Number):
		return tftypes.NewValue(typ, big.NewFloat(0))
	case typ.Is(tftypes.Bool):
		return tftypes.NewValue(typ, false)
	}
	switch t := typ.(type) {
	case tftypes.List:
		return tftypes.NewValue(t, []tftypes.Value{madeUp(t.ElementType, name, seed)})
	case tftypes.Set:
		return tftypes.NewValue(t, []tftypes.Value{madeUp(t.ElementType, name, seed)})
	case tftypes.Map:
		return tftypes.NewValue(t, map[string]tftypes.Value{})
	case tftypes.Object:
		m := map[string]tftypes.Value{}
		for k, at := range t.AttributeTypes {
			m[k] = madeUp(at, k, seed)
		}
		return tftypes.NewValue(t, m)
	case tftypes.Tuple:
		var elems []tftypes.Value
		for i, et := range t.ElementTypes {
			elems = append(elems, madeUp(et, fmt.Sprintf("%s-%d", name, i), seed))
		}
		return tftypes.NewValue(t, elems)
	}
	return tftypes.NewValue(typ, nil)
}

// known is m[name] when it is a known, non-null string.
func known(m map[string]tftypes.Value, name string) string {
	var s string
	if v, ok := m[name]; ok && v.IsKnown() && !v.IsNull() && v.As(&s) == nil {
		return s
	}
	return ""
}
