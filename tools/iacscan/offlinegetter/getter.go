// Package getter stands in for github.com/hashicorp/go-getter in iacscan:
// the same names trivy's remote module resolver uses, and a Client that
// refuses every download (iacscan scans offline, local modules only).
package getter

import (
	"context"
	"fmt"
)

// Getter is go-getter's interface for one source scheme; none is offered.
type Getter interface{}

// Getters is go-getter's table of schemes: empty, nothing is fetched.
var Getters = map[string]Getter{}

// FileGetter is go-getter's file:// getter (trivy overrides "file" with it).
type FileGetter struct{ Copy bool }

// ClientMode is go-getter's client mode.
type ClientMode uint

// ClientModeAny is the only mode trivy asks for.
const ClientModeAny ClientMode = 0

// Client is go-getter's client, with the fields trivy sets.
type Client struct {
	Ctx     context.Context
	Src     string
	Dst     string
	Pwd     string
	Getters map[string]Getter
	Mode    ClientMode
}

// Get refuses: iacscan does not download remote modules.
func (c *Client) Get() error {
	return fmt.Errorf("iacscan scans offline: module source %q would need a download; use a local module path", c.Src)
}
