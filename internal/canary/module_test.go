package canary

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// The module's alarms and environment must use the names this package
// writes, or every alarm watches a metric nobody publishes.
func TestModuleUsesTheseNames(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "terraform", "modules", "verify-canary")
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	schedule, lambda := read("schedule.tf"), read("lambda.tf")
	for _, c := range []struct {
		file, text, pattern string
	}{
		{"schedule.tf", schedule, `metric_name\s*=\s*"` + MetricPathPassed + `"`},
		{"schedule.tf", schedule, `dimensions\s*=\s*\{\s*` + DimensionCanary + `\s*=\s*var\.prefix,\s*` + DimensionBrokerID + `\s*=`},
		{"lambda.tf", lambda, EnvNamespace + `\s*=\s*local\.metric_namespace`},
		{"lambda.tf", lambda, EnvName + `\s*=\s*var\.prefix`},
	} {
		if !regexp.MustCompile(c.pattern).MatchString(c.text) {
			t.Errorf("%s does not match %s", c.file, c.pattern)
		}
	}
}
