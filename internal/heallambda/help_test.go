package heallambda

import (
	"strings"
	"testing"
)

// TestHelpNamesEveryVariable: --help lists each variable ConfigFromEnv
// reads (AWS_REGION is Lambda's own).
func TestHelpNamesEveryVariable(t *testing.T) {
	t.Parallel()
	var read []string
	ConfigFromEnv(func(k string) string {
		read = append(read, k)
		return ""
	})
	for _, k := range read {
		if k != "AWS_REGION" && !strings.Contains(Help, k) {
			t.Errorf("heal-lambda --help does not name %s", k)
		}
	}
	if len(read) < 5 {
		t.Errorf("ConfigFromEnv read %q: want every variable", read)
	}
}
