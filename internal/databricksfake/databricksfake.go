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
// The lists are paged as the API pages them (page_token in,
// next_page_token out; [Server.PageSize] items a page): GET of the NCC list
// (each NCC with its region; [Server.AddNCC] seeds them) and of an NCC's
// rules, which deploy counts against Databricks' account limits.
//
// It also serves what the Databricks Terraform provider (v1.84) calls to
// create and destroy the module's resources: POST/GET/DELETE of NCCs and of
// their rules (a created rule follows [Server.NewRule]'s script), and
// POST/GET/DELETE of Unity Catalog credentials under /api/2.1. An unknown
// NCC, rule or credential answers 404 RESOURCE_DOES_NOT_EXIST.
//
// Point databricks-sdk-go at it with [Server.Configure].
package databricksfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
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

	// FromFirstRead starts each rule's clock at its first read of that
	// rule instead of at Start: the rule is created by the apply that then
	// reads it, however long the apply took. A list before that shows it
	// CREATING and starts nothing.
	FromFirstRead bool

	// NewRule scripts a rule created over the API (ID, NCC, service and
	// domain names already set); nil leaves the zero script (ready at once).
	NewRule func(r *Rule)

	// PageSize is how many items a list answers with at most (0: 50, the
	// API's page).
	PageSize int

	srv     *httptest.Server
	mu      sync.Mutex
	rules   []Rule
	created map[string]time.Time
	made    map[string]bool
	calls   []string
	nccs    map[string]map[string]any
	order   []string // NCC ids in creation order: the list's order
	creds   map[string]map[string]any
	seq     int
}

// Start serves the rules (created now) until Close.
func Start(accountID string, rules ...Rule) *Server {
	f := &Server{Host: "https://accounts.databricksfake.invalid", AccountID: accountID, Token: "dapi-fake-token",
		rules: append([]Rule(nil), rules...), created: map[string]time.Time{}, made: map[string]bool{},
		nccs: map[string]map[string]any{}, creds: map[string]map[string]any{}}
	now := time.Now()
	for _, r := range rules {
		f.created[r.ID] = now
		if _, ok := f.nccs[r.NCC]; !ok {
			f.nccs[r.NCC] = f.nccView(r.NCC, "", "")
			f.order = append(f.order, r.NCC)
		}
	}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serveHTTP))
	return f
}

// AddNCC adds (or renames and moves) an NCC of the account, with no rules
// of its own; rules given to Start or Replace name their NCC by id.
func (f *Server) AddNCC(id, name, region string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Contains(f.order, id) {
		f.order = append(f.order, id)
	}
	f.nccs[id] = f.nccView(id, name, region)
}

// page answers one page of items: page_token is the index of the first.
func (f *Server) page(w http.ResponseWriter, r *http.Request, items []any) {
	size := f.PageSize
	if size <= 0 {
		size = 50
	}
	start := 0
	if t := r.URL.Query().Get("page_token"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > len(items) {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "invalid page_token "+strconv.Quote(t))
			return
		}
		start = n
	}
	end := min(start+size, len(items))
	out := map[string]any{"items": items[start:end]}
	if end < len(items) {
		out["next_page_token"] = strconv.Itoa(end)
	}
	writeJSON(w, out)
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

// Advance moves every rule's clock on by d, as if d had passed.
func (f *Server) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, t := range f.created {
		f.created[id] = t.Add(-d)
	}
}

// URL is the address the server listens on (https://127.0.0.1:port).
func (f *Server) URL() string { return f.srv.URL }

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
	Enabled                     bool     `json:"enabled,omitempty"`
	Deactivated                 bool     `json:"deactivated,omitempty"`
	DeactivatedAt               int64    `json:"deactivated_at,omitempty"`
	CreationTime                int64    `json:"creation_time"`
	UpdatedTime                 int64    `json:"updated_time"`
}

func serviceID(name string) string { return name[strings.LastIndex(name, ".")+1:] }

// view renders a rule as of now; it calls the hooks without the lock held.
// With FromFirstRead, a read of the rule itself (start) starts its clock; a
// list before that shows it CREATING and starts nothing.
func (f *Server) view(r Rule, start bool) wireRule {
	f.mu.Lock()
	unread := f.FromFirstRead && !f.made[r.ID+"\x00read"]
	if unread && start {
		f.made[r.ID+"\x00read"] = true
		f.created[r.ID] = time.Now()
		unread = false
	}
	created := f.created[r.ID]
	f.mu.Unlock()
	if unread {
		created = time.Now()
	}
	w := wireRule{RuleID: r.ID, NetworkConnectivityConfigID: r.NCC, AccountID: f.AccountID, EndpointService: r.EndpointService,
		DomainNames: r.DomainNames, CreationTime: created.UnixMilli(), UpdatedTime: time.Now().UnixMilli(), ConnectionState: "CREATING"}
	if unread || time.Since(created) < r.CreateLatency {
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
	if rest, ok := strings.CutPrefix(r.URL.Path, "/api/2.1/unity-catalog/credentials"); ok {
		f.serveCredential(w, r, strings.TrimPrefix(rest, "/"))
		return
	}
	base := "/api/2.0/accounts/" + f.AccountID + "/network-connectivity-configs"
	rest, ok := strings.CutPrefix(r.URL.Path, base)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		writeError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '"+r.Method+" "+r.URL.Path+"'")
		return
	}
	var parts []string
	if rest = strings.TrimPrefix(rest, "/"); rest != "" {
		parts = strings.Split(rest, "/")
	}
	if len(parts) == 0 {
		if r.Method == http.MethodGet {
			f.mu.Lock()
			var items []any
			for _, id := range f.order {
				if v, ok := f.nccs[id]; ok {
					items = append(items, v)
				}
			}
			f.mu.Unlock()
			f.page(w, r, items)
			return
		}
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "databricksfake: "+r.Method+" on the NCC list is not served")
			return
		}
		var req struct{ Name, Region string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" || req.Region == "" {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "name and region are required")
			return
		}
		f.mu.Lock()
		f.seq++
		id := fmt.Sprintf("ncc-%04d", f.seq)
		f.nccs[id] = f.nccView(id, req.Name, req.Region)
		f.order = append(f.order, id)
		v := f.nccs[id]
		f.mu.Unlock()
		writeJSON(w, v)
		return
	}
	ncc := parts[0]
	f.mu.Lock()
	nccv, known := f.nccs[ncc]
	f.mu.Unlock()
	if !known {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf("Network connectivity config %s not found in account %s", ncc, f.AccountID))
		return
	}
	if len(parts) == 1 {
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, nccv)
		case http.MethodDelete:
			f.mu.Lock()
			delete(f.nccs, ncc)
			f.mu.Unlock()
			writeJSON(w, map[string]any{})
		default:
			writeError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "databricksfake: "+r.Method+" on an NCC is not served")
		}
		return
	}
	if parts[1] != "private-endpoint-rules" || len(parts) > 3 {
		writeError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '"+r.Method+" "+r.URL.Path+"'")
		return
	}
	if len(parts) == 2 && r.Method == http.MethodPost {
		var req struct {
			EndpointService string   `json:"endpoint_service"`
			DomainNames     []string `json:"domain_names"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !strings.HasPrefix(req.EndpointService, "com.amazonaws.vpce.") {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "endpoint_service must be an endpoint service name (com.amazonaws.vpce.<region>.vpce-svc-...)")
			return
		}
		f.mu.Lock()
		f.seq++
		rule := Rule{ID: fmt.Sprintf("rule-%04d", f.seq), NCC: ncc, EndpointService: req.EndpointService, DomainNames: req.DomainNames}
		if f.NewRule != nil {
			f.NewRule(&rule)
		}
		f.rules = append(f.rules, rule)
		f.created[rule.ID] = time.Now()
		f.mu.Unlock()
		writeJSON(w, f.view(rule, true))
		return
	}
	if r.Method != http.MethodGet && !(r.Method == http.MethodDelete && len(parts) == 3) {
		writeError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "databricksfake: "+r.Method+" on rules is not served")
		return
	}
	var match []wireRule
	for _, rule := range rules {
		if rule.NCC == ncc && (len(parts) == 2 || rule.ID == parts[2]) {
			// A list (deploy's limits check, before the apply that
			// "creates" the rule) does not start its clock.
			match = append(match, f.view(rule, len(parts) == 3))
		}
	}
	if len(parts) == 3 {
		if len(match) == 0 {
			writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf("Private endpoint rule %s not found in network connectivity config %s", parts[2], ncc))
			return
		}
		if r.Method == http.MethodDelete {
			// The API answers with the rule, deactivated; it is gone from then on.
			f.mu.Lock()
			for i, rule := range f.rules {
				if rule.ID == parts[2] {
					f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
					break
				}
			}
			f.mu.Unlock()
			match[0].Deactivated, match[0].DeactivatedAt = true, time.Now().UnixMilli()
		}
		writeJSON(w, match[0])
		return
	}
	items := make([]any, len(match))
	for i, m := range match {
		items[i] = m
	}
	f.page(w, r, items)
}

func (f *Server) nccView(id, name, region string) map[string]any {
	now := time.Now().UnixMilli()
	if name == "" {
		name = id
	}
	return map[string]any{"network_connectivity_config_id": id, "account_id": f.AccountID, "name": name, "region": region,
		"creation_time": now, "updated_time": now,
		"egress_config": map[string]any{"default_rules": map[string]any{"aws_stable_ip_rule": map[string]any{"cidr_blocks": []string{"203.0.113.0/24"}}}}}
}

// serveCredential serves Unity Catalog credentials by name.
func (f *Server) serveCredential(w http.ResponseWriter, r *http.Request, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == "" {
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "databricksfake: "+r.Method+" on credentials is not served")
			return
		}
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "MALFORMED_REQUEST", err.Error())
			return
		}
		n, _ := req["name"].(string)
		role, _ := req["aws_iam_role"].(map[string]any)
		if n == "" || role == nil || req["purpose"] != "SERVICE" {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "name, purpose SERVICE and aws_iam_role are required")
			return
		}
		if _, dup := f.creds[strings.ToLower(n)]; dup {
			writeError(w, http.StatusConflict, "RESOURCE_ALREADY_EXISTS", "Credential '"+n+"' already exists")
			return
		}
		f.seq++
		role["external_id"] = fmt.Sprintf("fake-external-id-%04d", f.seq)
		role["unity_catalog_iam_arn"] = "arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"
		req["id"], req["full_name"], req["owner"] = fmt.Sprintf("cred-%04d", f.seq), n, "terraform@example.com"
		f.creds[strings.ToLower(n)] = req
		writeJSON(w, req)
		return
	}
	c, ok := f.creds[strings.ToLower(name)]
	if !ok {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Credential '"+name+"' does not exist.")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, c)
	case http.MethodDelete:
		delete(f.creds, strings.ToLower(name))
		writeJSON(w, map[string]any{})
	default:
		writeError(w, http.StatusMethodNotAllowed, "BAD_REQUEST", "databricksfake: "+r.Method+" on a credential is not served")
	}
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
