package schemaprovider

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Schema is one provider's schema, decoded lazily: a provider process that
// Terraform starts only to plan a handful of resource types converts only
// those, and the full conversion (GetProviderSchema) runs on every core.
type Schema struct {
	// Address is the provider's registry address, e.g. registry.terraform.io/hashicorp/aws.
	Address string
	// Source names where the schema came from (module@version), from the gzip header.
	Source string

	raw *rawProvider

	mu    sync.Mutex
	cache map[string]*tfprotov6.Schema // "<kind>/<name>"
	types sync.Map                     // raw type JSON -> tftypes.Type
}

// Kinds of schema in a provider.
const (
	KindResource          = "resource"
	KindDataSource        = "data source"
	KindEphemeralResource = "ephemeral resource"
)

// The JSON shapes of `terraform providers schema -json`, decoded without
// go-cty: its type decoder is most of the cost of reading a 14 MB schema.
type rawDoc struct {
	Schemas map[string]*rawProvider `json:"provider_schemas"`
}

type rawProvider struct {
	Provider           json.RawMessage            `json:"provider"`
	Resources          map[string]json.RawMessage `json:"resource_schemas"`
	DataSources        map[string]json.RawMessage `json:"data_source_schemas"`
	EphemeralResources map[string]json.RawMessage `json:"ephemeral_resource_schemas"`
}

type rawSchema struct {
	Version int64     `json:"version"`
	Block   *rawBlock `json:"block"`
}

type rawBlock struct {
	Attributes      map[string]*rawAttr      `json:"attributes"`
	BlockTypes      map[string]*rawBlockType `json:"block_types"`
	Description     string                   `json:"description"`
	DescriptionKind string                   `json:"description_kind"`
	Deprecated      bool                     `json:"deprecated"`
}

type rawAttr struct {
	Type            json.RawMessage `json:"type"`
	NestedType      *rawNested      `json:"nested_type"`
	Description     string          `json:"description"`
	DescriptionKind string          `json:"description_kind"`
	Required        bool            `json:"required"`
	Optional        bool            `json:"optional"`
	Computed        bool            `json:"computed"`
	Sensitive       bool            `json:"sensitive"`
	Deprecated      bool            `json:"deprecated"`
	WriteOnly       bool            `json:"write_only"`
}

type rawNested struct {
	Attributes  map[string]*rawAttr `json:"attributes"`
	NestingMode string              `json:"nesting_mode"`
}

type rawBlockType struct {
	NestingMode string    `json:"nesting_mode"`
	Block       *rawBlock `json:"block"`
	MinItems    int64     `json:"min_items"`
	MaxItems    int64     `json:"max_items"`
}

// LoadGzipped reads a gzipped `terraform providers schema -json` document
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

// Load reads a `terraform providers schema -json` document holding exactly
// one provider. Individual schemas are converted on first use.
func Load(doc []byte) (*Schema, error) {
	var d rawDoc
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("decode schema document: %w", err)
	}
	if len(d.Schemas) != 1 {
		return nil, fmt.Errorf("schema document holds %d providers, want exactly 1", len(d.Schemas))
	}
	s := &Schema{cache: map[string]*tfprotov6.Schema{}}
	for addr, p := range d.Schemas {
		s.Address, s.raw = addr, p
	}
	if len(s.raw.Provider) == 0 {
		return nil, fmt.Errorf("schema of %s has no provider block: add it to the generator (tools/schemagen)", s.Address)
	}
	if _, err := s.Provider(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Schema) rawOf(kind string) map[string]json.RawMessage {
	switch kind {
	case KindResource:
		return s.raw.Resources
	case KindDataSource:
		return s.raw.DataSources
	case KindEphemeralResource:
		return s.raw.EphemeralResources
	}
	return nil
}

// Names lists the type names of one kind, sorted.
func (s *Schema) Names(kind string) []string { return sortedKeys(s.rawOf(kind)) }

// Provider is the provider block's schema.
func (s *Schema) Provider() (*tfprotov6.Schema, error) {
	return s.get("provider", "", s.raw.Provider)
}

// Get returns the schema of one resource, data source or ephemeral resource
// type; ok is false when the provider has no such type.
func (s *Schema) Get(kind, name string) (sch *tfprotov6.Schema, ok bool, err error) {
	raw, ok := s.rawOf(kind)[name]
	if !ok {
		return nil, false, nil
	}
	sch, err = s.get(kind, name, raw)
	return sch, true, err
}

func (s *Schema) get(kind, name string, raw json.RawMessage) (*tfprotov6.Schema, error) {
	key := kind + "/" + name
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	var rs rawSchema
	if err := json.Unmarshal(raw, &rs); err != nil {
		return nil, fmt.Errorf("%s %s: decode schema: %w", kind, name, err)
	}
	c = &tfprotov6.Schema{Version: rs.Version, Block: &tfprotov6.SchemaBlock{}}
	if rs.Block != nil {
		b, err := s.convertBlock(rs.Block)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", kind, name, err)
		}
		c.Block = b
	}
	s.mu.Lock()
	s.cache[key] = c
	s.mu.Unlock()
	return c, nil
}

// All converts the schemas of the named types of one kind, on every core.
func (s *Schema) All(kind string, names []string) (map[string]*tfprotov6.Schema, error) {
	out := make([]*tfprotov6.Schema, len(names))
	errs := make([]error, len(names))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(names); i += workers {
				out[i], _, errs[i] = s.Get(kind, names[i])
			}
		}()
	}
	wg.Wait()
	m := make(map[string]*tfprotov6.Schema, len(names))
	for i, n := range names {
		if errs[i] != nil {
			return nil, errs[i]
		}
		m[n] = out[i]
	}
	return m, nil
}

func descKind(k string) tfprotov6.StringKind {
	if k == "markdown" {
		return tfprotov6.StringKindMarkdown
	}
	return tfprotov6.StringKindPlain
}

func (s *Schema) convertAttrs(attrs map[string]*rawAttr) ([]*tfprotov6.SchemaAttribute, error) {
	out := make([]*tfprotov6.SchemaAttribute, 0, len(attrs))
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
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
		if a.NestedType != nil {
			inner, err := s.convertAttrs(a.NestedType.Attributes)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			pa.NestedType = &tfprotov6.SchemaObject{Attributes: inner}
			switch a.NestedType.NestingMode {
			case "single":
				pa.NestedType.Nesting = tfprotov6.SchemaObjectNestingModeSingle
			case "list":
				pa.NestedType.Nesting = tfprotov6.SchemaObjectNestingModeList
			case "set":
				pa.NestedType.Nesting = tfprotov6.SchemaObjectNestingModeSet
			case "map":
				pa.NestedType.Nesting = tfprotov6.SchemaObjectNestingModeMap
			default:
				return nil, fmt.Errorf("attribute %s: unknown nesting mode %q", name, a.NestedType.NestingMode)
			}
		} else {
			t, err := s.parseType(a.Type)
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			pa.Type = t
		}
		out = append(out, pa)
	}
	return out, nil
}

func (s *Schema) convertBlock(b *rawBlock) (*tfprotov6.SchemaBlock, error) {
	attrs, err := s.convertAttrs(b.Attributes)
	if err != nil {
		return nil, err
	}
	out := &tfprotov6.SchemaBlock{
		Description:     b.Description,
		DescriptionKind: descKind(b.DescriptionKind),
		Deprecated:      b.Deprecated,
		Attributes:      attrs,
	}
	for _, name := range sortedKeys(b.BlockTypes) {
		nb := b.BlockTypes[name]
		inner := &tfprotov6.SchemaBlock{}
		if nb.Block != nil {
			if inner, err = s.convertBlock(nb.Block); err != nil {
				return nil, fmt.Errorf("block %s: %w", name, err)
			}
		}
		var mode tfprotov6.SchemaNestedBlockNestingMode
		switch nb.NestingMode {
		case "single":
			mode = tfprotov6.SchemaNestedBlockNestingModeSingle
		case "group":
			mode = tfprotov6.SchemaNestedBlockNestingModeGroup
		case "list":
			mode = tfprotov6.SchemaNestedBlockNestingModeList
		case "set":
			mode = tfprotov6.SchemaNestedBlockNestingModeSet
		case "map":
			mode = tfprotov6.SchemaNestedBlockNestingModeMap
		default:
			return nil, fmt.Errorf("block %s: unknown nesting mode %q", name, nb.NestingMode)
		}
		out.BlockTypes = append(out.BlockTypes, &tfprotov6.SchemaNestedBlock{
			TypeName: name, Block: inner, Nesting: mode, MinItems: nb.MinItems, MaxItems: nb.MaxItems,
		})
	}
	return out, nil
}

// parseType converts a type in cty's JSON encoding ("string",
// ["list","string"], ["object",{...}], ...) to the plugin protocol's type.
// Types repeat a lot across a provider, so conversions are cached.
func (s *Schema) parseType(raw json.RawMessage) (tftypes.Type, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("attribute has no type")
	}
	if t, ok := s.types.Load(string(raw)); ok {
		return t.(tftypes.Type), nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode type %s: %w", raw, err)
	}
	t, err := typeFromJSON(v)
	if err != nil {
		return nil, fmt.Errorf("type %s: %w", raw, err)
	}
	s.types.Store(string(raw), t)
	return t, nil
}

func typeFromJSON(v any) (tftypes.Type, error) {
	switch v := v.(type) {
	case string:
		switch v {
		case "string":
			return tftypes.String, nil
		case "number":
			return tftypes.Number, nil
		case "bool":
			return tftypes.Bool, nil
		case "dynamic":
			return tftypes.DynamicPseudoType, nil
		}
		return nil, fmt.Errorf("unknown primitive type %q", v)
	case []any:
		if len(v) < 2 {
			return nil, fmt.Errorf("malformed type %v", v)
		}
		kind, _ := v[0].(string)
		switch kind {
		case "list", "set", "map":
			e, err := typeFromJSON(v[1])
			if err != nil {
				return nil, err
			}
			switch kind {
			case "list":
				return tftypes.List{ElementType: e}, nil
			case "set":
				return tftypes.Set{ElementType: e}, nil
			}
			return tftypes.Map{ElementType: e}, nil
		case "object":
			attrs, ok := v[1].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("malformed object type %v", v)
			}
			o := tftypes.Object{AttributeTypes: make(map[string]tftypes.Type, len(attrs))}
			for k, at := range attrs {
				t, err := typeFromJSON(at)
				if err != nil {
					return nil, err
				}
				o.AttributeTypes[k] = t
			}
			if len(v) > 2 {
				opts, _ := v[2].([]any)
				for _, n := range opts {
					if name, ok := n.(string); ok {
						if o.OptionalAttributes == nil {
							o.OptionalAttributes = map[string]struct{}{}
						}
						o.OptionalAttributes[name] = struct{}{}
					}
				}
			}
			return o, nil
		case "tuple":
			elems, ok := v[1].([]any)
			if !ok {
				return nil, fmt.Errorf("malformed tuple type %v", v)
			}
			tt := tftypes.Tuple{}
			for _, e := range elems {
				t, err := typeFromJSON(e)
				if err != nil {
					return nil, err
				}
				tt.ElementTypes = append(tt.ElementTypes, t)
			}
			return tt, nil
		}
	}
	return nil, fmt.Errorf("unsupported type %v", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
