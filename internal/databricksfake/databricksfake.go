// Package databricksfake serves the slice of the Databricks account API that
// deploy reads, over its real wire format (JSON over HTTPS, bearer token):
// a network connectivity configuration's private endpoint rules,
//
//	GET /api/2.0/accounts/{account_id}/network-connectivity-configs/{ncc_id}/private-endpoint-rules
//	GET /api/2.0/accounts/{account_id}/network-connectivity-configs/{ncc_id}/private-endpoint-rules/{rule_id}
//
// Each rule follows the lifecycle Databricks documents: CREATING without a
// vpc_endpoint_id for a while (Databricks creates the interface endpoint
// asynchronously), then its endpoint exists and asks the endpoint service
// for a connection (the Endpoint hook: e.g. awsfake's AddConnection), and
// its connection_state follows that connection as AWS reports it (the
// Connection hook): pendingAcceptance → PENDING, available → ESTABLISHED,
// rejected → REJECTED, expired → EXPIRED, gone → DISCONNECTED. A rule can
// instead end CREATE_FAILED with an error_message, or be pinned to a state.
//
// Point databricks-sdk-go at it with [Server.Configure].
package databricksfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/databricks/databricks-sdk-go/config"
)

// Rule is one private endpoint rule and its script.
type Rule struct {
	ID              string
	NCC             string
	EndpointService string // com.amazonaws.vpce.<region>.vpce-svc-...
	DomainNames     []string
	// CreateLatency is how long the rule stays CREATING without a
	// vpc_endpoint_id (field reports: more than 90 s).
	CreateLatency time.Duration
	// EndpointID is the VPC endpoint Databricks creates for it.
	EndpointID string
	// Fail, when set, ends the rule CREATE_FAILED with this error_message
	// instead of creating the endpoint.
	Fail string
	// Pinned, when set, is the state the rule reports once created,
	// whatever AWS says (REJECTED, DISCONNECTED, EXPIRED, ...).
	Pinned string
}

// Server is a running fake account API.
type Server struct {
	// Host is the account console URL to configure: https://accounts.<...>
	// (databricks-sdk-go treats only such hosts as account hosts); requests
	// reach the fake whatever host they name, see [Server.Configure].
	Host      string
	AccountID string
	Token     string

	// Endpoint is called once per rule when its endpoint comes into being,
	// with the endpoint service's ID and the endpoint's ID.
	Endpoint func(serviceID, endpointID string)
	// Connection reports the AWS state of the endpoint's connection to the
	// endpoint service ("" when there is none).
	Connection func(serviceID, endpointID string) string

	// FromFirstRead starts each rule's clock at its first read instead of
	// at Start: the rule is created by the apply that then reads it, however
	// long the apply took.
	FromFirstRead bool

	srv     *httptest.Server
	mu      sync.Mutex
	rules   []Rule
	created map[string]time.Time
	made    map[string]bool
	calls   []string
}

// Start serves the rules (created now) until Close.
func Start(accountID string, rules ...Rule) *Server {
	f := &Server{Host: "https://accounts.databricksfake.invalid", AccountID: accountID, Token: "dapi-fake-token",
		rules: append([]Rule(nil), rules...), created: map[string]time.Time{}, made: map[string]bool{}}
	now := time.Now()
	for _, r := range rules {
		f.created[r.ID] = now
	}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serveHTTP))
	return f
}

// Replace serves these rules instead, created now.
func (f *Server) Replace(rules ...Rule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append([]Rule(nil), rules...)
	f.created, f.made = map[string]time.Time{}, map[string]bool{}
	now := time.Now()
	for _, r := range rules {
		f.created[r.ID] = now
	}
}

// Close stops the server.
func (f *Server) Close() { f.srv.Close() }

// Calls are the requests served, as "GET <path>", in order.
func (f *Server) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Transport sends every request to the fake (whatever its host) over TLS
// the client verifies against the fake's certificate.
func (f *Server) Transport() http.RoundTripper {
	base := f.srv.Client().Transport
	target, _ := url.Parse(f.srv.URL)
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = target.Scheme, target.Host
		return base.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (fn roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return fn(r) }

// wireRule is a rule as the API returns it.
type wireRule struct {
	RuleID                      string   `json:"rule_id"`
	NetworkConnectivityConfigID string   `json:"network_connectivity_config_id"`
	AccountID                   string   `json:"account_id"`
	EndpointService             string   `json:"endpoint_service"`
	DomainNames                 []string `json:"domain_names,omitempty"`
	ConnectionState             string   `json:"connection_state"`
	VPCEndpointID               string   `json:"vpc_endpoint_id,omitempty"`
	ErrorMessage                string   `json:"error_message,omitempty"`
	CreationTime                int64    `json:"creation_time"`
	UpdatedTime                 int64    `json:"updated_time"`
}

func serviceID(name string) string { return name[strings.LastIndex(name, ".")+1:] }

// view renders a rule as of now; it calls the hooks without the lock held.
func (f *Server) view(r Rule) wireRule {
	f.mu.Lock()
	if f.FromFirstRead && !f.made[r.ID+"\x00read"] {
		f.made[r.ID+"\x00read"] = true
		f.created[r.ID] = time.Now()
	}
	created := f.created[r.ID]
	f.mu.Unlock()
	w := wireRule{RuleID: r.ID, NetworkConnectivityConfigID: r.NCC, AccountID: f.AccountID, EndpointService: r.EndpointService,
		DomainNames: r.DomainNames, CreationTime: created.UnixMilli(), UpdatedTime: time.Now().UnixMilli(), ConnectionState: "CREATING"}
	if time.Since(created) < r.CreateLatency {
		return w
	}
	if r.Fail != "" {
		w.ConnectionState, w.ErrorMessage = "CREATE_FAILED", r.Fail
		return w
	}
	w.VPCEndpointID = r.EndpointID
	f.mu.Lock()
	first := !f.made[r.ID]
	f.made[r.ID] = true
	f.mu.Unlock()
	if first && f.Endpoint != nil {
		f.Endpoint(serviceID(r.EndpointService), r.EndpointID)
	}
	if r.Pinned != "" {
		w.ConnectionState = r.Pinned
		return w
	}
	state := ""
	if f.Connection != nil {
		state = f.Connection(serviceID(r.EndpointService), r.EndpointID)
	}
	switch state {
	case "pendingAcceptance", "pending":
		w.ConnectionState = "PENDING"
	case "available":
		w.ConnectionState = "ESTABLISHED"
	case "rejected":
		w.ConnectionState = "REJECTED"
	case "expired":
		w.ConnectionState = "EXPIRED"
	default:
		w.ConnectionState = "DISCONNECTED"
	}
	return w
}

func (f *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	rules := append([]Rule(nil), f.rules...)
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+f.Token {
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Invalid access token.")
		return
	}
	prefix := "/api/2.0/accounts/" + f.AccountID + "/network-connectivity-configs/"
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		writeError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '"+r.Method+" "+r.URL.Path+"'")
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "databricksfake serves GET only")
		return
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 2 || parts[1] != "private-endpoint-rules" || len(parts) > 3 {
		writeError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '"+r.Method+" "+r.URL.Path+"'")
		return
	}
	ncc := parts[0]
	var match []wireRule
	for _, rule := range rules {
		if rule.NCC == ncc && (len(parts) == 2 || rule.ID == parts[2]) {
			match = append(match, f.view(rule))
		}
	}
	if len(parts) == 3 {
		if len(match) == 0 {
			writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf("Private endpoint rule %s not found in network connectivity config %s", parts[2], ncc))
			return
		}
		writeJSON(w, match[0])
		return
	}
	writeJSON(w, map[string]any{"items": match})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error_code": code, "message": msg})
}

// Configure points a databricks-sdk-go configuration at the fake: its host,
// account, token and a transport that reaches it.
func (f *Server) Configure(cfg *config.Config) {
	cfg.Host, cfg.AccountID, cfg.Token, cfg.AuthType = f.Host, f.AccountID, f.Token, "pat"
	cfg.HTTPTransport = f.Transport()
}
