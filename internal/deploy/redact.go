package deploy

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// Redacted stands for a secret in what deploy prints without --show-secrets.
const Redacted = "(redacted; --show-secrets prints it)"

// secretKeys are the JSON members whose values are secrets wherever they
// occur: the Databricks external ID as an input, as the credential's output
// (databricks.external_id) and in the canary's event.
var secretKeys = map[string]bool{"external_id": true, "databricks_external_id": true}

// placeholderExternalID is the module's stand-in until the real one is set:
// not a secret (the README and every plan show it).
const placeholderExternalID = "0000"

// RedactJSON returns the JSON document doc with every secret replaced by
// Redacted: the string value of every member named in secretKeys, at any
// depth; the value of every `terraform output -json` entry marked
// sensitive; and the same inside strings that hold a JSON object (the
// canary's event is one). The result is compact JSON with sorted keys, as
// encoding/json writes a map.
func RedactJSON(doc []byte) ([]byte, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	return json.Marshal(redactValue(v))
}

func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if s, _ := x["sensitive"].(bool); s {
			if _, ok := x["value"]; ok {
				x["value"] = Redacted
			}
		}
		for k, e := range x {
			if s, ok := e.(string); ok && secretKeys[k] && s != "" && s != placeholderExternalID {
				x[k] = Redacted
				continue
			}
			x[k] = redactValue(e)
		}
		return x
	case []any:
		for i := range x {
			x[i] = redactValue(x[i])
		}
		return x
	case string:
		if !strings.HasPrefix(strings.TrimSpace(x), "{") {
			return x
		}
		inner, err := decode([]byte(x))
		if err != nil {
			return x
		}
		b, err := json.Marshal(redactValue(inner))
		if err != nil {
			return x
		}
		return string(b)
	}
	return v
}

// Redactor replaces known secret values in free text: Terraform's plan as
// `terraform show` prints it, error messages.
type Redactor struct{ secrets []string }

// minSecret is the shortest value replaced in free text: shorter ones would
// garble the text around them (an external ID is a UUID in practice).
const minSecret = 6

// Add makes s a secret (ignored when empty, short, or the placeholder).
func (r *Redactor) Add(s string) {
	if len(s) < minSecret || s == placeholderExternalID {
		return
	}
	for _, have := range r.secrets {
		if have == s {
			return
		}
	}
	r.secrets = append(r.secrets, s)
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// String is s with every secret replaced by Redacted. A nil Redactor
// replaces nothing.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, Redacted)
	}
	return s
}
