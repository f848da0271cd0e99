package schemaprovider

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/zclconf/go-cty/cty"
)

// Schema is one provider's full schema, converted to the plugin protocol.
type Schema struct {
	// Address is the provider's registry address, e.g. registry.terraform.io/hashicorp/aws.
	Address string
	// Source names where the schema came from (module@version), from the gzip header.
	Source             string
	Provider           *tfprotov6.Schema
	Resources          map[string]*tfprotov6.Schema
	DataSources        map[string]*tfprotov6.Schema
	EphemeralResources map[string]*tfprotov6.Schema
}

// LoadGzipped decodes a gzipped `terraform providers schema -json` document
// holding exactly one provider.
func LoadGzipped(gz []byte) (*Schema, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("read schema: not gzip: %w", err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	s, err := Load(body)
	if err != nil {
		return nil, err
	}
	s.Source = zr.Comment
	return s, nil
}

// Load decodes a `terraform providers schema -json` document holding exactly
// one provider.
func Load(doc []byte) (*Schema, error) {
	var ps tfjson.ProviderSchemas
	if err := json.Unmarshal(doc, &ps); err != nil {
		return nil, fmt.Errorf("decode schema document: %w", err)
	}
	if len(ps.Schemas) != 1 {
		return nil, fmt.Errorf("schema document holds %d providers, want exactly 1", len(ps.Schemas))
	}
	s := &Schema{}
	for addr, p := range ps.Schemas {
		s.Address = addr
		if p.ConfigSchema == nil {
			return nil, fmt.Errorf("schema of %s has no provider block: add it to the generator", addr)
		}
		var err error
		if s.Provider, err = convertSchema(p.ConfigSchema); err != nil {
			return nil, fmt.Errorf("provider block of %s: %w", addr, err)
		}
		if s.Resources, err = convertAll(p.ResourceSchemas); err != nil {
			return nil, err
		}
		if s.DataSources, err = convertAll(p.DataSourceSchemas); err != nil {
			return nil, err
		}
		if s.EphemeralResources, err = convertAll(p.EphemeralResourceSchemas); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func convertAll(in map[string]*tfjson.Schema) (map[string]*tfprotov6.Schema, error) {
	out := make(map[string]*tfprotov6.Schema, len(in))
	for name, s := range in {
		c, err := convertSchema(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = c
	}
	return out, nil
}

func convertSchema(s *tfjson.Schema) (*tfprotov6.Schema, error) {
	if s == nil || s.Block == nil {
		return &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{}}, nil
	}
	b, err := convertBlock(s.Block)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.Schema{Version: int64(s.Version), Block: b}, nil
}

func descKind(k tfjson.SchemaDescriptionKind) tfprotov6.StringKind {
	if k == tfjson.SchemaDescriptionKindMarkdown {
		return tfprotov6.StringKindMarkdown
	}
	return tfprotov6.StringKindPlain
}

func convertBlock(b *tfjson.SchemaBlock) (*tfprotov6.SchemaBlock, error) {
	out := &tfprotov6.SchemaBlock{
		Description:     b.Description,
		DescriptionKind: descKind(b.DescriptionKind),
		Deprecated:      b.Deprecated,
	}
	for _, name := range sortedKeys(b.Attributes) {
		a := b.Attributes[name]
		pa := &tfprotov6.SchemaAttribute{
			Name:            name,
			Description:     a.Description,
			DescriptionKind: descKind(a.DescriptionKind),
			Required:        a.Required,
			Optional:        a.Optional,
			Computed:        a.Computed,
			Sensitive:       a.Sensitive,
			Deprecated:      a.Deprecated,
			WriteOnly:       a.WriteOnly,
		}
		if a.AttributeNestedType != nil {
			nt, err := convertNestedType(a.AttributeNestedType)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			pa.NestedType = nt
		} else {
			t, err := ctyToTftypes(a.AttributeType)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			pa.Type = t
		}
		out.Attributes = append(out.Attributes, pa)
	}
	for _, name := range sortedKeys(b.NestedBlocks) {
		nb := b.NestedBlocks[name]
		var inner *tfprotov6.SchemaBlock
		if nb.Block != nil {
			var err error
			if inner, err = convertBlock(nb.Block); err != nil {
				return nil, fmt.Errorf("block %s: %w", name, err)
			}
		} else {
			inner = &tfprotov6.SchemaBlock{}
		}
		var mode tfprotov6.SchemaNestedBlockNestingMode
		switch nb.NestingMode {
		case tfjson.SchemaNestingModeSingle:
			mode = tfprotov6.SchemaNestedBlockNestingModeSingle
		case tfjson.SchemaNestingModeGroup:
			mode = tfprotov6.SchemaNestedBlockNestingModeGroup
		case tfjson.SchemaNestingModeList:
			mode = tfprotov6.SchemaNestedBlockNestingModeList
		case tfjson.SchemaNestingModeSet:
			mode = tfprotov6.SchemaNestedBlockNestingModeSet
		case tfjson.SchemaNestingModeMap:
			mode = tfprotov6.SchemaNestedBlockNestingModeMap
		default:
			return nil, fmt.Errorf("block %s: unknown nesting mode %q", name, nb.NestingMode)
		}
		out.BlockTypes = append(out.BlockTypes, &tfprotov6.SchemaNestedBlock{
			TypeName: name,
			Block:    inner,
			Nesting:  mode,
			MinItems: int64(nb.MinItems),
			MaxItems: int64(nb.MaxItems),
		})
	}
	return out, nil
}

func convertNestedType(nt *tfjson.SchemaNestedAttributeType) (*tfprotov6.SchemaObject, error) {
	b, err := convertBlock(&tfjson.SchemaBlock{Attributes: nt.Attributes})
	if err != nil {
		return nil, err
	}
	out := &tfprotov6.SchemaObject{Attributes: b.Attributes}
	switch nt.NestingMode {
	case tfjson.SchemaNestingModeSingle:
		out.Nesting = tfprotov6.SchemaObjectNestingModeSingle
	case tfjson.SchemaNestingModeList:
		out.Nesting = tfprotov6.SchemaObjectNestingModeList
	case tfjson.SchemaNestingModeSet:
		out.Nesting = tfprotov6.SchemaObjectNestingModeSet
	case tfjson.SchemaNestingModeMap:
		out.Nesting = tfprotov6.SchemaObjectNestingModeMap
	default:
		return nil, fmt.Errorf("unknown nested attribute nesting mode %q", nt.NestingMode)
	}
	return out, nil
}

// ctyToTftypes converts a cty type (as in schema JSON) to the plugin
// protocol's type system.
func ctyToTftypes(t cty.Type) (tftypes.Type, error) {
	switch {
	case t == cty.NilType:
		return nil, fmt.Errorf("attribute has no type")
	case t == cty.DynamicPseudoType:
		return tftypes.DynamicPseudoType, nil
	case t == cty.String:
		return tftypes.String, nil
	case t == cty.Number:
		return tftypes.Number, nil
	case t == cty.Bool:
		return tftypes.Bool, nil
	case t.IsListType():
		e, err := ctyToTftypes(t.ElementType())
		return tftypes.List{ElementType: e}, err
	case t.IsSetType():
		e, err := ctyToTftypes(t.ElementType())
		return tftypes.Set{ElementType: e}, err
	case t.IsMapType():
		e, err := ctyToTftypes(t.ElementType())
		return tftypes.Map{ElementType: e}, err
	case t.IsObjectType():
		attrs := map[string]tftypes.Type{}
		var optional map[string]struct{}
		for name, at := range t.AttributeTypes() {
			c, err := ctyToTftypes(at)
			if err != nil {
				return nil, err
			}
			attrs[name] = c
			if t.AttributeOptional(name) {
				if optional == nil {
					optional = map[string]struct{}{}
				}
				optional[name] = struct{}{}
			}
		}
		return tftypes.Object{AttributeTypes: attrs, OptionalAttributes: optional}, nil
	case t.IsTupleType():
		var elems []tftypes.Type
		for _, et := range t.TupleElementTypes() {
			c, err := ctyToTftypes(et)
			if err != nil {
				return nil, err
			}
			elems = append(elems, c)
		}
		return tftypes.Tuple{ElementTypes: elems}, nil
	}
	return nil, fmt.Errorf("unsupported type %s", t.FriendlyName())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
