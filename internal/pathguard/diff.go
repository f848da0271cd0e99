package pathguard

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// maxDiffs bounds the attribute changes one line names.
const maxDiffs = 4

// diff names the leaf attributes an in-place update changes, with their old
// and new values when short and sensitive on neither side:
// "kafka_version "3.8.x" → "3.9.x"".
func diff(before, after map[string]any, unknown, beforeSensitive, afterSensitive any) []string {
	d := differ{}
	d.walk("", before, after, unknown, beforeSensitive, afterSensitive)
	out := append(d.out, d.unknown...)
	// tags_all follows tags: say it once.
	hasTags := false
	for _, s := range out {
		hasTags = hasTags || strings.HasPrefix(s, "tags")
	}
	if hasTags {
		kept := out[:0]
		for _, s := range out {
			if !strings.HasPrefix(s, "tags_all") {
				kept = append(kept, s)
			}
		}
		out = kept
		if len(out) == 0 {
			out = append(out, "tags")
		}
	}
	if len(out) > maxDiffs {
		out = append(out[:maxDiffs:maxDiffs], fmt.Sprintf("%d more", len(out)-maxDiffs))
	}
	return out
}

type differ struct{ out, unknown []string }

func (d *differ) walk(path string, b, a, u, bsens, asens any) {
	if anyTrue(u) && !isContainer(a) {
		d.unknown = append(d.unknown, path+" known after apply")
		return
	}
	bm, bok := b.(map[string]any)
	am, aok := a.(map[string]any)
	if bok && aok {
		um, _ := u.(map[string]any)
		bsm, _ := bsens.(map[string]any)
		asm, _ := asens.(map[string]any)
		keys := map[string]bool{}
		for k := range bm {
			keys[k] = true
		}
		for k := range am {
			keys[k] = true
		}
		for k := range um {
			keys[k] = true
		}
		for _, k := range sortedStrings(keys) {
			d.walk(join(path, k), bm[k], am[k], um[k], bsm[k], asm[k])
		}
		return
	}
	bl, bok := b.([]any)
	al, aok := a.([]any)
	if bok && aok && len(bl) == len(al) && len(al) > 0 && isContainer(al[0]) {
		ul, _ := u.([]any)
		bsl, _ := bsens.([]any)
		asl, _ := asens.([]any)
		for i := range al {
			ui, bsi, asi := at(ul, i), at(bsl, i), at(asl, i)
			p := path
			if len(al) > 1 {
				p += "[" + strconv.Itoa(i) + "]"
			}
			d.walk(p, bl[i], al[i], ui, bsi, asi)
		}
		return
	}
	if reflect.DeepEqual(b, a) {
		return
	}
	bs, as := short(b), short(a)
	if anyTrue(bsens) || anyTrue(asens) || bs == "" || as == "" {
		d.out = append(d.out, path+" changes")
		return
	}
	d.out = append(d.out, path+" "+bs+" → "+as)
}

func at(l []any, i int) any {
	if i < len(l) {
		return l[i]
	}
	return nil
}

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// short is a value as a plan shows it, or "" when it is too long to read in
// a line (policies, long lists).
func short(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		s = "null"
	case string:
		s = strconv.Quote(x)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		s = string(b)
	}
	if len(s) > 48 {
		return ""
	}
	return s
}

func sortedStrings(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
