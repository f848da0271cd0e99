package getter

import (
	"strings"
	"testing"
)

// A download is refused naming the source, so a remote module can never
// look scanned.
func TestGetRefusesNamingTheSource(t *testing.T) {
	c := &Client{Src: "git::https://example.com/mod.git", Getters: Getters, Mode: ClientModeAny}
	err := c.Get()
	if err == nil || !strings.Contains(err.Error(), c.Src) {
		t.Fatalf("Get() = %v, want a refusal naming %s", err, c.Src)
	}
}
