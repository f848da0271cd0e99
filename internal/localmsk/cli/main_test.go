package cli

import (
	"testing"

	"github.com/mskvpce/mskvpce/internal/testbin"
)

// TestMain lets the tests that run the built command share one build.
func TestMain(m *testing.M) { testbin.Main(m) }
