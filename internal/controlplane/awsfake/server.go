package awsfake

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Server is a running fake. Its zero value is not usable; call [Start].
type Server struct {
	// URL is the base endpoint every client must use.
	URL string

	srv   *httptest.Server
	mu    sync.Mutex
	state State
	calls []string
}

// Start serves s (copied) until Close.
func Start(s *State) *Server {
	f := &Server{state: clone(s)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	f.URL = f.srv.URL
	return f
}

// Close stops the server.
func (f *Server) Close() { f.srv.Close() }

// Update changes the served state under the server's lock.
func (f *Server) Update(fn func(*State)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.state)
}

// Calls returns the operations served so far, as "service:Operation"
// (e.g. "ec2:DescribeSecurityGroupRules"), in arrival order.
func (f *Server) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// Config is an aws.Config that reaches this fake: its region, static
// credentials, BaseEndpoint set to the fake (every service client copies it
// into Options.BaseEndpoint), and no retries so errors surface at once.
func (f *Server) Config() aws.Config {
	f.mu.Lock()
	region := f.state.Region
	f.mu.Unlock()
	if region == "" {
		region = "us-east-1"
	}
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAFAKEMSKVPCE00001", "fake-secret-key", ""),
		BaseEndpoint:     aws.String(f.URL),
		HTTPClient:       f.srv.Client(),
		RetryMaxAttempts: 1,
	}
}

// credentialScope captures the service of a SigV4 Authorization header:
// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kafka/aws4_request, ...".
var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func (f *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		// What every AWS endpoint says to an unsigned request.
		writeQueryError(w, elbNS, APIError{Status: 403, Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token"})
		return
	}
	f.mu.Lock()
	f.state.settle(f.state.Now())
	st := clone(&f.state)
	f.mu.Unlock()
	h := handler{state: &st, requestID: newRequestID(), record: f.record, mutate: f.mutate}
	switch service := m[2]; service {
	case "kafka":
		h.kafka(w, r)
	case "elasticloadbalancing":
		h.elb(w, r)
	case "ec2":
		h.ec2(w, r)
	case "iam":
		h.iam(w, r)
	default:
		writeQueryError(w, elbNS, APIError{Status: 400, Code: "UnknownService", Message: "awsfake does not serve " + service})
	}
}

func (f *Server) record(call string) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

// clone deep-copies the slices a handler reads, so Update cannot race a response.
func clone(s *State) State {
	c := *s
	c.Cluster.ClientSubnets = append([]string(nil), s.Cluster.ClientSubnets...)
	c.Cluster.SecurityGroups = append([]string(nil), s.Cluster.SecurityGroups...)
	c.Nodes = append([]Node(nil), s.Nodes...)
	c.LoadBalancers = nil
	for _, lb := range s.LoadBalancers {
		lb.Listeners = append([]Listener(nil), lb.Listeners...)
		c.LoadBalancers = append(c.LoadBalancers, lb)
	}
	c.TargetGroups = nil
	for _, tg := range s.TargetGroups {
		tg.Targets = append([]Target(nil), tg.Targets...)
		tg.Tags = maps.Clone(tg.Tags)
		c.TargetGroups = append(c.TargetGroups, tg)
	}
	c.Flaky = make(map[string][]APIError, len(s.Flaky))
	for k, v := range s.Flaky {
		c.Flaky[k] = append([]APIError(nil), v...)
	}
	c.Events = append([]TargetEvent(nil), s.Events...)
	c.pending = append([]targetWrite(nil), s.pending...)
	c.EndpointServices = nil
	for _, es := range s.EndpointServices {
		es.NLBARNs = append([]string(nil), es.NLBARNs...)
		es.AllowedPrincipals = append([]string(nil), es.AllowedPrincipals...)
		es.Connections = append([]Connection(nil), es.Connections...)
		c.EndpointServices = append(c.EndpointServices, es)
	}
	c.SecurityGroupRules = append([]SecurityGroupRule(nil), s.SecurityGroupRules...)
	c.Subnets = append([]Subnet(nil), s.Subnets...)
	c.Roles = append([]Role(nil), s.Roles...)
	c.Errors = make(map[string]APIError, len(s.Errors))
	for k, v := range s.Errors {
		c.Errors[k] = v
	}
	c.Delays = make(map[string]time.Duration, len(s.Delays))
	for k, v := range s.Delays {
		c.Delays[k] = v
	}
	return c
}

type handler struct {
	state     *State
	requestID string
	record    func(string)
	// mutate changes the served state (write operations); state is a copy.
	mutate func(func(*State))
}

func (f *Server) mutate(fn func(*State)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.state)
}

// Snapshot is a copy of the served state, e.g. to see which connections a
// client accepted or rejected.
func (f *Server) Snapshot() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state.settle(f.state.Now())
	return clone(&f.state)
}

// begin records the call and holds it for its configured delay; it reports
// false when the client gave up meanwhile (nothing left to answer).
func (h handler) begin(r *http.Request, service, op string) bool {
	h.record(service + ":" + op)
	d := h.state.Delays[op]
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
