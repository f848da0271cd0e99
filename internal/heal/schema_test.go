package heal_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/cmdline/golden"
	"github.com/mskvpce/mskvpce/internal/heal"
)

// TestReportSchemaGolden pins the versioned JSON report (`deploy heal
// --output json`, the Lambda's log and return value) field by field: a
// rename, a removed field or a changed type shows here, and should come with
// a SchemaVersion bump. Refresh with -update.
func TestReportSchemaGolden(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	fmt.Fprintf(&b, "schema_version %d\n", heal.SchemaVersion)
	describe(&b, "", "", reflect.TypeOf(heal.Report{}))
	golden.Check(t, "report-schema", []byte(b.String()))
}

// describe writes one line per JSON field: path, type, then (omitempty).
func describe(b *strings.Builder, path, opt string, t reflect.Type) {
	switch t.Kind() {
	case reflect.Struct:
		if path != "" {
			fmt.Fprintf(b, "%s object%s\n", path, opt)
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			o := ""
			if strings.Contains(opts, "omitempty") {
				o = " (omitempty)"
			}
			describe(b, strings.TrimPrefix(path+"."+name, "."), o, f.Type)
		}
	case reflect.Slice:
		fmt.Fprintf(b, "%s array%s\n", path, opt)
		describe(b, path+"[]", "", t.Elem())
	default:
		fmt.Fprintf(b, "%s %s%s\n", path, t.Kind(), opt)
	}
}
