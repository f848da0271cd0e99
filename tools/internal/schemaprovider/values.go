package schemaprovider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// MarkComputedUnknown returns v (an object of block's type) with every null
// computed attribute replaced by an unknown value, in nested blocks too. It is
// what a real provider plans on create: "known after apply".
func MarkComputedUnknown(b *tfprotov6.SchemaBlock, v tftypes.Value) (tftypes.Value, error) {
	if v.IsNull() || !v.IsKnown() {
		return v, nil
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		return v, fmt.Errorf("decode object: %w", err)
	}
	for _, a := range b.Attributes {
		if cur, ok := m[a.Name]; a.Computed && (!ok || cur.IsNull()) {
			m[a.Name] = tftypes.NewValue(a.ValueType(), tftypes.UnknownValue)
		}
	}
	for _, nb := range b.BlockTypes {
		nv, err := mapNested(nb, m[nb.TypeName], func(inner tftypes.Value) (tftypes.Value, error) {
			return MarkComputedUnknown(nb.Block, inner)
		})
		if err != nil {
			return v, fmt.Errorf("block %s: %w", nb.TypeName, err)
		}
		m[nb.TypeName] = nv
	}
	return tftypes.NewValue(v.Type(), m), nil
}

// mapNested applies fn to every element of a nested block value.
func mapNested(nb *tfprotov6.SchemaNestedBlock, v tftypes.Value, fn func(tftypes.Value) (tftypes.Value, error)) (tftypes.Value, error) {
	if v.Type() == nil || v.IsNull() || !v.IsKnown() {
		return v, nil
	}
	switch nb.Nesting {
	case tfprotov6.SchemaNestedBlockNestingModeSingle, tfprotov6.SchemaNestedBlockNestingModeGroup:
		return fn(v)
	case tfprotov6.SchemaNestedBlockNestingModeList, tfprotov6.SchemaNestedBlockNestingModeSet:
		var elems []tftypes.Value
		if err := v.As(&elems); err != nil {
			return v, err
		}
		for i := range elems {
			e, err := fn(elems[i])
			if err != nil {
				return v, err
			}
			elems[i] = e
		}
		return tftypes.NewValue(v.Type(), elems), nil
	case tfprotov6.SchemaNestedBlockNestingModeMap:
		var elems map[string]tftypes.Value
		if err := v.As(&elems); err != nil {
			return v, err
		}
		for k, e := range elems {
			ne, err := fn(e)
			if err != nil {
				return v, err
			}
			elems[k] = ne
		}
		return tftypes.NewValue(v.Type(), elems), nil
	}
	return v, fmt.Errorf("unknown nesting mode %v", nb.Nesting)
}

// Fixture holds data source results (and, for mock applies, resource values:
// "resource.<type>") by type, then attribute name, as raw JSON in
// Terraform's JSON value encoding (objects may omit attributes: omitted ones
// are synthesized). A type's entry is one object, or an array of objects for
// several instances: an instance takes the first entry whose every attribute
// that the instance has known and non-null already (its id, cidr_block, ...)
// is equal.
type Fixture map[string][]map[string]json.RawMessage

// LoadFixture reads a fixture file.
func LoadFixture(path string) (Fixture, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read fixture %s (named by %s): %w", path, FixtureEnv, err)
	}
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode fixture %s: want {\"<type>\": {\"<attribute>\": <value>}} (or an array of such objects): %w", path, err)
	}
	f := Fixture{}
	for typ, r := range raw {
		r = bytes.TrimSpace(r)
		if len(r) > 0 && r[0] == '[' {
			var entries []map[string]json.RawMessage
			if err := json.Unmarshal(r, &entries); err != nil {
				return nil, fmt.Errorf("decode fixture %s, %s: want an array of objects: %w", path, typ, err)
			}
			f[typ] = entries
			continue
		}
		var entry map[string]json.RawMessage
		if err := json.Unmarshal(r, &entry); err != nil {
			return nil, fmt.Errorf("decode fixture %s, %s: want an object (or an array of objects): %w", path, typ, err)
		}
		f[typ] = []map[string]json.RawMessage{entry}
	}
	return f, nil
}

// Select returns the first of the type's entries that agrees with cur (an
// object value of typ) on every attribute cur has known and non-null, or nil.
func (f Fixture) Select(key string, typ tftypes.Type, cur tftypes.Value) map[string]json.RawMessage {
	entries := f[key]
	obj, ok := typ.(tftypes.Object)
	if len(entries) == 0 || !ok {
		return nil
	}
	m := map[string]tftypes.Value{}
	if !cur.IsNull() && cur.IsKnown() {
		_ = cur.As(&m)
	}
entries:
	for _, e := range entries {
		for name, raw := range e {
			v, ok := m[name]
			if !ok || v.IsNull() || !v.IsFullyKnown() {
				continue
			}
			at, ok := obj.AttributeTypes[name]
			if !ok {
				continue // reported as a typo where the entry is used
			}
			want, err := FromJSON(raw, at, name)
			if err != nil || !want.Equal(v) {
				continue entries
			}
		}
		return e
	}
	return nil
}

// SynthesizeData returns the result of reading a data source (or opening an
// ephemeral resource) whose configuration is cfg: every attribute known and
// non-null in cfg is kept; a null one takes the fixture's value when the
// fixture has one; a null computed one is otherwise synthesized from its type
// (see Synthesize); a null optional-only one stays null. Nested blocks keep
// their configured elements, with their computed attributes filled the same
// way. Fixture attributes the schema does not have are an error, so a typo in
// the fixture cannot pass silently.
func SynthesizeData(b *tfprotov6.SchemaBlock, cfg tftypes.Value, fixture map[string]json.RawMessage) (tftypes.Value, error) {
	m := map[string]tftypes.Value{}
	if !cfg.IsNull() && cfg.IsKnown() {
		if err := cfg.As(&m); err != nil {
			return cfg, fmt.Errorf("decode configuration: %w", err)
		}
	}
	known := map[string]bool{}
	for _, a := range b.Attributes {
		known[a.Name] = true
		typ := a.ValueType()
		cur, ok := m[a.Name]
		if ok && !cur.IsNull() && cur.IsFullyKnown() {
			continue
		}
		if raw, ok := fixture[a.Name]; ok {
			v, err := FromJSON(raw, typ, a.Name)
			if err != nil {
				return cfg, fmt.Errorf("fixture attribute %s: %w", a.Name, err)
			}
			m[a.Name] = v
			continue
		}
		if a.Computed {
			m[a.Name] = Synthesize(typ, a.Name)
		} else {
			m[a.Name] = tftypes.NewValue(typ, nil)
		}
	}
	for _, nb := range b.BlockTypes {
		known[nb.TypeName] = true
		cur, ok := m[nb.TypeName]
		if !ok || !cur.IsKnown() {
			m[nb.TypeName] = emptyNested(nb)
			continue
		}
		nv, err := mapNested(nb, cur, func(inner tftypes.Value) (tftypes.Value, error) {
			return SynthesizeData(nb.Block, inner, nil)
		})
		if err != nil {
			return cfg, fmt.Errorf("block %s: %w", nb.TypeName, err)
		}
		m[nb.TypeName] = nv
	}
	var unknownAttrs []string
	for k := range fixture {
		if !known[k] {
			unknownAttrs = append(unknownAttrs, k)
		}
	}
	if len(unknownAttrs) > 0 {
		sort.Strings(unknownAttrs)
		return cfg, fmt.Errorf("fixture sets %s, which the schema does not have", strings.Join(unknownAttrs, ", "))
	}
	return tftypes.NewValue(b.ValueType(), m), nil
}

func emptyNested(nb *tfprotov6.SchemaNestedBlock) tftypes.Value {
	typ := nb.ValueType()
	switch nb.Nesting {
	case tfprotov6.SchemaNestedBlockNestingModeList, tfprotov6.SchemaNestedBlockNestingModeSet:
		return tftypes.NewValue(typ, []tftypes.Value{})
	case tfprotov6.SchemaNestedBlockNestingModeMap:
		return tftypes.NewValue(typ, map[string]tftypes.Value{})
	}
	return tftypes.NewValue(typ, nil)
}

// Synthesize returns a wholly known placeholder of type typ: strings are
// "synthetic-<name>", numbers 0, bools false, lists and sets one element,
// maps one key, objects every attribute.
func Synthesize(typ tftypes.Type, name string) tftypes.Value {
	switch {
	case typ.Is(tftypes.String):
		return tftypes.NewValue(typ, "synthetic-"+name)
	case typ.Is(tftypes.Number):
		return tftypes.NewValue(typ, big.NewFloat(0))
	case typ.Is(tftypes.Bool):
		return tftypes.NewValue(typ, false)
	case typ.Is(tftypes.DynamicPseudoType):
		return tftypes.NewValue(tftypes.String, "synthetic-"+name)
	}
	switch t := typ.(type) {
	case tftypes.List:
		return tftypes.NewValue(t, []tftypes.Value{Synthesize(t.ElementType, name)})
	case tftypes.Set:
		return tftypes.NewValue(t, []tftypes.Value{Synthesize(t.ElementType, name)})
	case tftypes.Map:
		return tftypes.NewValue(t, map[string]tftypes.Value{"synthetic": Synthesize(t.ElementType, name)})
	case tftypes.Object:
		m := map[string]tftypes.Value{}
		for k, at := range t.AttributeTypes {
			m[k] = Synthesize(at, k)
		}
		return tftypes.NewValue(t, m)
	case tftypes.Tuple:
		var elems []tftypes.Value
		for i, et := range t.ElementTypes {
			elems = append(elems, Synthesize(et, fmt.Sprintf("%s_%d", name, i)))
		}
		return tftypes.NewValue(t, elems)
	}
	return tftypes.NewValue(typ, nil)
}

// FromJSON converts a JSON value to typ. Unlike tftypes.ValueFromJSON, an
// object may omit attributes (they are synthesized) but may not add unknown
// ones.
func FromJSON(raw json.RawMessage, typ tftypes.Type, name string) (tftypes.Value, error) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return tftypes.NewValue(typ, nil), nil
	}
	switch {
	case typ.Is(tftypes.String):
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return tftypes.Value{}, fmt.Errorf("want a string: %w", err)
		}
		return tftypes.NewValue(typ, s), nil
	case typ.Is(tftypes.Number):
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return tftypes.Value{}, fmt.Errorf("want a number: %w", err)
		}
		f, _, err := big.ParseFloat(n.String(), 10, 512, big.ToNearestEven)
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("want a number: %w", err)
		}
		return tftypes.NewValue(typ, f), nil
	case typ.Is(tftypes.Bool):
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return tftypes.Value{}, fmt.Errorf("want a bool: %w", err)
		}
		return tftypes.NewValue(typ, b), nil
	case typ.Is(tftypes.DynamicPseudoType):
		return tftypes.ValueFromJSONWithOpts(raw, typ, tftypes.ValueFromJSONOpts{})
	}
	switch t := typ.(type) {
	case tftypes.List, tftypes.Set:
		var et tftypes.Type
		if l, ok := t.(tftypes.List); ok {
			et = l.ElementType
		} else {
			et = t.(tftypes.Set).ElementType
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(raw, &raws); err != nil {
			return tftypes.Value{}, fmt.Errorf("want an array: %w", err)
		}
		elems := make([]tftypes.Value, 0, len(raws))
		for i, r := range raws {
			e, err := FromJSON(r, et, name)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
			elems = append(elems, e)
		}
		return tftypes.NewValue(typ, elems), nil
	case tftypes.Map:
		var raws map[string]json.RawMessage
		if err := json.Unmarshal(raw, &raws); err != nil {
			return tftypes.Value{}, fmt.Errorf("want an object: %w", err)
		}
		elems := map[string]tftypes.Value{}
		for k, r := range raws {
			e, err := FromJSON(r, t.ElementType, k)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%q]: %w", k, err)
			}
			elems[k] = e
		}
		return tftypes.NewValue(typ, elems), nil
	case tftypes.Object:
		var raws map[string]json.RawMessage
		if err := json.Unmarshal(raw, &raws); err != nil {
			return tftypes.Value{}, fmt.Errorf("want an object: %w", err)
		}
		m := map[string]tftypes.Value{}
		for k, at := range t.AttributeTypes {
			if r, ok := raws[k]; ok {
				v, err := FromJSON(r, at, k)
				if err != nil {
					return tftypes.Value{}, fmt.Errorf(".%s: %w", k, err)
				}
				m[k] = v
			} else {
				m[k] = Synthesize(at, k)
			}
		}
		for k := range raws {
			if _, ok := t.AttributeTypes[k]; !ok {
				return tftypes.Value{}, fmt.Errorf("object has no attribute %q", k)
			}
		}
		return tftypes.NewValue(typ, m), nil
	case tftypes.Tuple:
		var raws []json.RawMessage
		if err := json.Unmarshal(raw, &raws); err != nil || len(raws) != len(t.ElementTypes) {
			return tftypes.Value{}, fmt.Errorf("want an array of %d elements", len(t.ElementTypes))
		}
		var elems []tftypes.Value
		for i, r := range raws {
			e, err := FromJSON(r, t.ElementTypes[i], name)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
			elems = append(elems, e)
		}
		return tftypes.NewValue(typ, elems), nil
	}
	return tftypes.Value{}, fmt.Errorf("unsupported type %s", typ)
}
