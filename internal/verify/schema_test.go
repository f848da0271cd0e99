package verify_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestReportSchemaGolden pins the versioned JSON report (what CI and the
// Lambda's callers parse) field by field: a rename, a removed field or a
// changed type shows here, and should come with a SchemaVersion bump.
func TestReportSchemaGolden(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	fmt.Fprintf(&b, "schema_version %d\n", verify.SchemaVersion)
	describe(&b, "", "", reflect.TypeOf(verify.Report{}), map[reflect.Type]bool{})
	golden.Check(t, "report-schema", []byte(b.String()))
}

var (
	timeType      = reflect.TypeOf(time.Time{})
	marshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
)

// describe writes one line per JSON field: path, type, then opt (omitempty).
func describe(b *strings.Builder, path, opt string, t reflect.Type, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		fmt.Fprintf(b, "%s string (RFC 3339 time)%s\n", path, opt)
		return
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		fmt.Fprintf(b, "%s custom JSON (%s)%s\n", path, t, opt)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if seen[t] {
			fmt.Fprintf(b, "%s object (%s, recursive)%s\n", path, t.Name(), opt)
			return
		}
		seen[t] = true
		defer delete(seen, t)
		if path != "" {
			fmt.Fprintf(b, "%s object%s\n", path, opt)
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				describe(b, path, "", f.Type, seen)
				continue
			}
			if name == "" {
				name = f.Name
			}
			o := ""
			if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
				o = " (omitempty)"
			}
			describe(b, strings.TrimPrefix(path+"."+name, "."), o, f.Type, seen)
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			fmt.Fprintf(b, "%s string (base64)%s\n", path, opt)
			return
		}
		fmt.Fprintf(b, "%s array%s\n", path, opt)
		describe(b, path+"[]", "", t.Elem(), seen)
	case reflect.Map:
		fmt.Fprintf(b, "%s object (%s keys)%s\n", path, t.Key().Kind(), opt)
		describe(b, path+"{}", "", t.Elem(), seen)
	case reflect.Interface:
		fmt.Fprintf(b, "%s any%s\n", path, opt)
	default:
		fmt.Fprintf(b, "%s %s%s\n", path, t.Kind(), opt)
	}
}
