package mskauthz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Decision is the outcome of evaluating a policy for one action on one
// resource, in IAM's terms.
type Decision int

const (
	// ImplicitDeny: no statement allows the request (IAM's default).
	ImplicitDeny Decision = iota
	// Allow: at least one Allow statement matches and no Deny statement does.
	Allow
	// ExplicitDeny: a Deny statement matches; it wins over any Allow.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	default:
		return "ImplicitDeny"
	}
}

// Policy is a parsed IAM identity-based policy document. Build it with
// ParsePolicy (a Policy literal matches nothing); it is immutable afterwards
// and safe for concurrent use.
type Policy struct {
	Version    string
	Statements []Statement
}

// Statement is one parsed policy statement. Exactly one of Actions/NotActions
// and one of Resources/NotResources is set (the Not* flags say which).
type Statement struct {
	Sid         string
	Effect      string // "Allow" or "Deny"
	Actions     []string
	NotAction   bool // Actions came from NotAction
	Resources   []string
	NotResource bool // Resources came from NotResource

	actions   []string // lower-cased patterns
	resources []string
}

// PolicyError reports why a policy document was rejected: which statement
// (1-based index, 0 for the document itself) and which element.
type PolicyError struct {
	Statement int
	Sid       string
	Element   string
	Problem   string
}

func (e *PolicyError) Error() string {
	where := "policy document"
	if e.Statement > 0 {
		where = fmt.Sprintf("policy statement %d", e.Statement)
		if e.Sid != "" {
			where += fmt.Sprintf(" (Sid %q)", e.Sid)
		}
	}
	if e.Element != "" {
		where += fmt.Sprintf(", element %q", e.Element)
	}
	return where + ": " + e.Problem
}

// unsupported lists the IAM policy elements this evaluator knows about but
// does not implement. They are rejected, never ignored: silently dropping a
// Condition would make a policy more permissive here than in AWS.
var unsupported = map[string]string{
	"Condition":    "conditions are not evaluated by this local authorizer; remove the Condition or test that policy against real MSK",
	"Principal":    "an identity-based policy (attached to a role) must not name a Principal; Principal belongs in resource-based policies",
	"NotPrincipal": "an identity-based policy (attached to a role) must not name a NotPrincipal",
}

// ParsePolicy parses an IAM identity-based policy document: Version
// (2012-10-17 or 2008-10-17, optional as in IAM), optional Id, Statement as an
// object or an array; each statement with optional Sid, Effect Allow|Deny,
// Action or NotAction and Resource or NotResource, each a string or an array
// of strings, with * and ? wildcards. Any other element, policy variables
// (${...}), and malformed values are errors.
func ParsePolicy(doc []byte) (*Policy, error) {
	var top map[string]json.RawMessage
	if err := strictUnmarshal(doc, &top); err != nil {
		return nil, &PolicyError{Problem: "not a JSON object: " + err.Error()}
	}
	if top == nil {
		return nil, &PolicyError{Problem: "not a JSON object"}
	}
	if err := duplicateKey(doc); err != nil {
		return nil, err
	}
	p := &Policy{Version: "2008-10-17"}
	for _, k := range sortedKeys(top) {
		switch k {
		case "Version":
			if err := json.Unmarshal(top[k], &p.Version); err != nil {
				return nil, &PolicyError{Element: k, Problem: "must be a string"}
			}
			if p.Version != "2012-10-17" && p.Version != "2008-10-17" {
				return nil, &PolicyError{Element: k, Problem: fmt.Sprintf("%q is not a policy language version; use \"2012-10-17\"", p.Version)}
			}
		case "Id":
			var id string
			if err := json.Unmarshal(top[k], &id); err != nil {
				return nil, &PolicyError{Element: k, Problem: "must be a string"}
			}
		case "Statement":
		default:
			return nil, &PolicyError{Element: k, Problem: "unknown top-level element; a policy has only Version, Id and Statement"}
		}
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, &PolicyError{Element: "Statement", Problem: "missing"}
	}
	var stmts []json.RawMessage
	switch t := bytes.TrimSpace(raw); {
	case len(t) > 0 && t[0] == '[':
		if err := json.Unmarshal(t, &stmts); err != nil {
			return nil, &PolicyError{Element: "Statement", Problem: "must be an object or an array of objects: " + err.Error()}
		}
	case len(t) > 0 && t[0] == '{':
		stmts = []json.RawMessage{t}
	default:
		return nil, &PolicyError{Element: "Statement", Problem: "must be an object or an array of objects"}
	}
	if len(stmts) == 0 {
		return nil, &PolicyError{Element: "Statement", Problem: "empty: the policy would allow nothing"}
	}
	for i, s := range stmts {
		st, err := parseStatement(i+1, s)
		if err != nil {
			return nil, err
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(n int, raw json.RawMessage) (Statement, error) {
	var m map[string]json.RawMessage
	if err := strictUnmarshal(raw, &m); err != nil || m == nil {
		return Statement{}, &PolicyError{Statement: n, Problem: "a statement must be a JSON object"}
	}
	var st Statement
	if v, ok := m["Sid"]; ok {
		if err := json.Unmarshal(v, &st.Sid); err != nil {
			return st, &PolicyError{Statement: n, Element: "Sid", Problem: "must be a string"}
		}
	}
	perr := func(elem, problem string) error {
		return &PolicyError{Statement: n, Sid: st.Sid, Element: elem, Problem: problem}
	}
	for _, k := range sortedKeys(m) {
		switch k {
		case "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource":
		default:
			if why, ok := unsupported[k]; ok {
				return st, perr(k, "not supported: "+why)
			}
			return st, perr(k, "unknown statement element; supported: Sid, Effect, Action, NotAction, Resource, NotResource")
		}
	}
	if err := json.Unmarshal(m["Effect"], &st.Effect); err != nil || (st.Effect != "Allow" && st.Effect != "Deny") {
		return st, perr("Effect", `must be "Allow" or "Deny"`)
	}
	var err error
	st.Actions, st.NotAction, err = oneOf(m, "Action", "NotAction")
	if err != nil {
		return st, perr("Action", err.Error())
	}
	st.Resources, st.NotResource, err = oneOf(m, "Resource", "NotResource")
	if err != nil {
		return st, perr("Resource", err.Error())
	}
	elemA, elemR := "Action", "Resource"
	if st.NotAction {
		elemA = "NotAction"
	}
	if st.NotResource {
		elemR = "NotResource"
	}
	for _, a := range st.Actions {
		if a != "*" && !strings.Contains(a, ":") {
			return st, perr(elemA, fmt.Sprintf("%q is not service:action (for example kafka-cluster:Connect) or *", a))
		}
		if strings.Contains(a, "${") {
			return st, perr(elemA, fmt.Sprintf("%q: policy variables are not supported", a))
		}
		st.actions = append(st.actions, strings.ToLower(a))
	}
	for _, r := range st.Resources {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return st, perr(elemR, fmt.Sprintf("%q is not an ARN or *", r))
		}
		if strings.Contains(r, "${") {
			return st, perr(elemR, fmt.Sprintf("%q: policy variables are not supported", r))
		}
		st.resources = append(st.resources, r)
	}
	return st, nil
}

// oneOf reads exactly one of two mutually exclusive string-or-array elements.
func oneOf(m map[string]json.RawMessage, name, notName string) ([]string, bool, error) {
	v, has := m[name]
	nv, hasNot := m[notName]
	switch {
	case has && hasNot:
		return nil, false, fmt.Errorf("a statement has %s or %s, not both", name, notName)
	case !has && !hasNot:
		return nil, false, fmt.Errorf("missing: a statement needs %s or %s", name, notName)
	case hasNot:
		v = nv
	}
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		if one == "" {
			return nil, false, errors.New("empty string")
		}
		return []string{one}, hasNot, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil {
		return nil, false, errors.New("must be a string or an array of strings")
	}
	if len(many) == 0 {
		return nil, false, errors.New("empty array")
	}
	for _, s := range many {
		if s == "" {
			return nil, false, errors.New("empty string in array")
		}
	}
	return many, hasNot, nil
}

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// duplicateKey refuses an object that names a key twice anywhere in the
// document, as IAM does: Go's decoder keeps the last one silently, so a
// policy could enforce here what a reader of the file does not see first.
// doc is valid JSON (the caller decoded it).
func duplicateKey(doc []byte) error {
	return dupValue(json.NewDecoder(bytes.NewReader(doc)), 0, 0, false)
}

// dupValue reads one JSON value. stmt is the 1-based statement the value
// is part of (0: the document's own elements), statements whether it is
// the document's Statement element.
func dupValue(d *json.Decoder, depth, stmt int, statements bool) error {
	tok, err := d.Token()
	if err != nil {
		return nil // what the decoder refused, the caller refused first
	}
	switch tok {
	case json.Delim('['):
		for n := 1; d.More(); n++ {
			s := stmt
			if statements {
				s = n
			}
			if err := dupValue(d, depth+1, s, false); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		if statements {
			stmt = 1
		}
		seen := map[string]bool{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil
			}
			k, _ := kt.(string)
			if seen[k] {
				return &PolicyError{Statement: stmt, Element: k, Problem: "named twice in one object: IAM refuses such a policy, and only one of the two would count"}
			}
			seen[k] = true
			if err := dupValue(d, depth+1, stmt, depth == 0 && k == "Statement"); err != nil {
				return err
			}
		}
	default:
		return nil // a scalar
	}
	_, _ = d.Token() // the closing delimiter
	return nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Decide evaluates the policy for one action (e.g. "kafka-cluster:WriteData")
// on one resource ARN, as IAM does for a single identity policy: an explicit
// Deny wins, otherwise any matching Allow allows, otherwise implicit deny.
// Actions match case-insensitively, resources case-sensitively; * matches any
// run of characters (including none, and across / and :), ? exactly one.
func (p *Policy) Decide(action, resource string) Decision {
	if p == nil {
		return ImplicitDeny
	}
	allowed := false
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.applies(action, resource) {
			continue
		}
		if s.Effect == "Deny" {
			return ExplicitDeny
		}
		allowed = true
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

func (s *Statement) matchesAction(action string) bool {
	return anyGlob(s.actions, action, true) != s.NotAction
}

func (s *Statement) applies(action, resource string) bool {
	return s.matchesAction(action) && anyGlob(s.resources, resource, false) != s.NotResource
}

func anyGlob(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if globFold(p, s, fold) {
			return true
		}
	}
	return false
}

// glob matches s against an IAM pattern with * and ?, case-sensitively.
func glob(p, s string) bool { return globFold(p, s, false) }

// globFold matches s against an IAM pattern with * and ?. With fold, s is
// compared ASCII-case-insensitively to a lower-case pattern (IAM action names
// are ASCII). Iterative with single-star backtracking, no recursion.
func globFold(p, s string, fold bool) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		c := s[si]
		if fold && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == c):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// DecidePrefix evaluates whether the action is allowed on every resource whose
// ARN starts with prefix (for example every topic of a cluster), the way
// Kafka's authorizeByResourceType asks "may this principal do X on any/all
// resources of a type". It returns Allow only when one Allow statement covers
// the whole prefix and no Deny statement can match any resource under it; it
// is conservative (unions of several Allow statements are not combined).
func (p *Policy) DecidePrefix(action, prefix string) Decision {
	if p == nil {
		return ImplicitDeny
	}
	allowed := false
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.matchesAction(action) {
			continue
		}
		if s.Effect == "Deny" {
			// Could this Deny match some resource under prefix?
			var hit bool
			if s.NotResource {
				hit = true
				for _, r := range s.resources {
					if globCoversPrefix(r, prefix) {
						hit = false
						break
					}
				}
			} else {
				for _, r := range s.resources {
					if globMeetsPrefix(r, prefix) {
						hit = true
						break
					}
				}
			}
			if hit {
				return ExplicitDeny
			}
			continue
		}
		if s.NotResource {
			covers := true
			for _, r := range s.resources {
				if globMeetsPrefix(r, prefix) {
					covers = false
					break
				}
			}
			allowed = allowed || covers
		} else {
			for _, r := range s.resources {
				if globCoversPrefix(r, prefix) {
					allowed = true
					break
				}
			}
		}
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// prefixStates returns the set of pattern positions reachable after the
// pattern has consumed prefix (an NFA simulation).
func prefixStates(p, prefix string) []int {
	closure := func(set map[int]bool) {
		for i := range set {
			for j := i; j < len(p) && p[j] == '*'; j++ {
				set[j+1] = true
			}
		}
	}
	cur := map[int]bool{0: true}
	closure(cur)
	for k := 0; k < len(prefix) && len(cur) > 0; k++ {
		next := map[int]bool{}
		for i := range cur {
			if i >= len(p) {
				continue
			}
			switch {
			case p[i] == '*':
				next[i] = true
			case p[i] == '?' || p[i] == prefix[k]:
				next[i+1] = true
			}
		}
		closure(next)
		cur = next
	}
	out := make([]int, 0, len(cur))
	for i := range cur {
		out = append(out, i)
	}
	return out
}

// globMeetsPrefix: does the pattern match at least one string starting with prefix?
func globMeetsPrefix(p, prefix string) bool {
	return len(prefixStates(p, prefix)) > 0 // any remaining pattern matches some suffix
}

// globCoversPrefix: does the pattern match every string starting with prefix?
// True when, after the prefix, the rest of the pattern is only stars.
func globCoversPrefix(p, prefix string) bool {
	for _, i := range prefixStates(p, prefix) {
		if rest := p[i:]; rest != "" && strings.Trim(rest, "*") == "" {
			return true
		}
	}
	return false
}

// Actions are the kafka-cluster: actions MSK IAM access control defines
// (the MSK Developer Guide's "Semantics of IAM authorization policy actions").
var Actions = []string{
	"kafka-cluster:Connect",
	"kafka-cluster:DescribeCluster",
	"kafka-cluster:AlterCluster",
	"kafka-cluster:DescribeClusterDynamicConfiguration",
	"kafka-cluster:AlterClusterDynamicConfiguration",
	"kafka-cluster:WriteDataIdempotently",
	"kafka-cluster:CreateTopic",
	"kafka-cluster:DescribeTopic",
	"kafka-cluster:AlterTopic",
	"kafka-cluster:DeleteTopic",
	"kafka-cluster:DescribeTopicDynamicConfiguration",
	"kafka-cluster:AlterTopicDynamicConfiguration",
	"kafka-cluster:ReadData",
	"kafka-cluster:WriteData",
	"kafka-cluster:DescribeGroup",
	"kafka-cluster:AlterGroup",
	"kafka-cluster:DeleteGroup",
	"kafka-cluster:DescribeTransactionalState",
	"kafka-cluster:AlterTransactionalState",
}

// UnknownActions lists the kafka-cluster: patterns of p's Action and
// NotAction elements that match none of Actions (a typo such as
// kafka-cluster:WriteDatas, which IAM accepts and which then grants nothing).
// Other services' actions are not checked.
func (p *Policy) UnknownActions() []string {
	var unknown []string
	for _, st := range p.Statements {
		for i, a := range st.actions {
			if !strings.HasPrefix(a, "kafka-cluster:") {
				continue
			}
			known := false
			for _, k := range Actions {
				if globFold(a, k, true) {
					known = true
					break
				}
			}
			if !known && !slices.Contains(unknown, st.Actions[i]) {
				unknown = append(unknown, st.Actions[i])
			}
		}
	}
	return unknown
}
