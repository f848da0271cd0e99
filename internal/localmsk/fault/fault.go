// Package fault is the local environment's faults as every command takes
// them: one table of names, values and help, read by `verify --local
// --local-fault NAME=VALUE` and by `localmsk --NAME VALUE` alike, in the
// syntax of internal/cmdline (faults.go): broker ids, ID:VALUE pairs or a
// single value. What a fault does is package localmsk's (Env's setters).
package fault

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/mskauthz"
)

// Fault is one row of the table.
type Fault struct {
	Name string // localmsk's flag (--NAME) and verify's NAME=
	Arg  string // the value's shape, for help (empty: a switch)
	Help string
	// Old is the name verify took before the syntax was shared (route,
	// skew), accepted for a release with a notice.
	Old string
	set func(s *Set, value string) (oldSpelling bool, err error)
}

// Table is every fault, in the order Apply injects them.
var Table = []Fault{
	{Name: "nlb-down", Arg: "IDS", Help: "those brokers' NLB stand-ins refuse connections", set: ids(func(s *Set) *[]int { return &s.NLBDown })},
	{Name: "broker-down", Arg: "IDS", Help: "those brokers' listeners are down (reset during the TLS handshake)", set: ids(func(s *Set) *[]int { return &s.BrokerDown })},
	{Name: "replace-broker", Arg: "IDS", Help: "those brokers come back at a new client IP while their NLB stand-ins keep the old one: connects time out", set: ids(func(s *Set) *[]int { return &s.Replace })},
	{Name: "route-nlb", Old: "route", Arg: "NLB:BROKER,...", Help: "NLB stand-in NLB forwards to broker BROKER (a target group holding the wrong broker)", set: func(s *Set, v string) (bool, error) {
		p, old, err := cmdline.IDValues(v, strconv.Atoi)
		if err == nil {
			err = once(s.Routes, p)
		}
		s.Routes = append(s.Routes, p...)
		return old, err
	}},
	{Name: "latency", Arg: "ID:DURATION,...", Help: "adds DURATION each way through NLB stand-in ID", set: func(s *Set, v string) (bool, error) {
		p, old, err := cmdline.IDValues(v, func(d string) (time.Duration, error) {
			l, err := time.ParseDuration(d)
			if err == nil && l < 0 {
				err = errors.New("latency cannot be negative")
			}
			return l, err
		})
		if err == nil {
			err = once(s.Latency, p)
		}
		s.Latency = append(s.Latency, p...)
		return old, err
	}},
	{Name: "cert", Arg: "wrong-host|unknown-ca", Help: "the certificate brokers present (ok: the right one)", set: func(s *Set, v string) (bool, error) {
		f, err := localmsk.ParseCertFault(v)
		s.Cert = f
		return false, err
	}},
	{Name: "clock-skew", Old: "skew", Arg: "DURATION", Help: "moves the brokers' clock for token checks (20m: tokens dated 20 min earlier have expired; -20m)", set: func(s *Set, v string) (bool, error) {
		d, err := time.ParseDuration(v)
		s.Skew = d
		return false, err
	}},
	{Name: "reject-credentials", Help: "every SASL authentication fails with Access denied", set: func(s *Set, v string) (bool, error) {
		b, err := strconv.ParseBool(cmpOr(v, "true"))
		s.Reject = b
		return false, err
	}},
	{Name: "connect-rate-limit", Arg: "PER_SECOND", Help: `new connections per second per broker before "Too many connects" (0: off)`, set: func(s *Set, v string) (bool, error) {
		r, err := strconv.ParseFloat(v, 64)
		if err == nil && (math.IsNaN(r) || math.IsInf(r, 0) || r < 0) {
			err = errors.New("use a finite number of connections per second, 0 to turn the limit off")
		}
		s.RateLimit = r
		return false, err
	}},
	{Name: "rolling-restart", Arg: "AWAY", Help: "once up, brokers restart in turn as in an MSK update, each away AWAY (e.g. 30s; 0: off)", set: func(s *Set, v string) (bool, error) {
		d, err := time.ParseDuration(v)
		if err != nil {
			return false, fmt.Errorf("want the time each broker is away, e.g. 30s: %w", err)
		}
		if d < 0 {
			return false, errors.New("each broker must be away a positive time (e.g. 30s), or 0 for none")
		}
		s.Rolling = d
		return false, nil
	}},
	{Name: "deny", Arg: "ACTION,...", Help: "removes kafka-cluster:ACTION from the enforced policy (e.g. WriteData)", set: func(s *Set, v string) (bool, error) {
		n := len(s.Deny)
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimPrefix(strings.TrimSpace(a), "kafka-cluster:"); a != "" {
				if !slices.Contains(mskauthz.Actions, "kafka-cluster:"+a) {
					return false, fmt.Errorf("kafka-cluster:%s is not an action MSK defines (%s)", a, strings.Join(mskauthz.Actions, ", "))
				}
				s.Deny = append(s.Deny, "kafka-cluster:"+a)
			}
		}
		if len(s.Deny) == n {
			return false, errors.New("name an action, e.g. WriteData")
		}
		return false, nil
	}},
}

func ids(field func(*Set) *[]int) func(*Set, string) (bool, error) {
	return func(s *Set, v string) (bool, error) {
		l, err := cmdline.BrokerIDs(v)
		*field(s) = append(*field(s), l...)
		return false, err
	}
}

// once refuses a broker given again in a later pair of the same fault.
func once[T any](had, add []cmdline.IDValue[T]) error {
	for _, a := range add {
		for _, h := range had {
			if h.ID == a.ID {
				return fmt.Errorf("broker %d is given twice (%s and %s): give each broker once", a.ID, h.Text, a.Text)
			}
		}
	}
	return nil
}

func cmpOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Set is the faults one command line asks for.
type Set struct {
	NLBDown, BrokerDown, Replace []int
	Routes                       []cmdline.IDValue[int]
	Latency                      []cmdline.IDValue[time.Duration]
	Cert                         localmsk.CertFault
	Skew                         time.Duration
	Reject                       bool
	RateLimit                    float64
	Rolling                      time.Duration
	Deny                         []string

	// Notices are the old spellings accepted, each with what to write instead.
	Notices [][2]string

	given   map[string]string // fault name -> its label, for the ids check
	pending [][2]string       // flags given, not yet read (Flags, FromFlags)
}

// lookup finds a fault by its name or its old one.
func lookup(name string) (Fault, bool, bool) {
	for _, f := range Table {
		if name == f.Name {
			return f, false, true
		}
		if f.Old != "" && name == f.Old {
			return f, true, true
		}
	}
	return Fault{}, false, false
}

// Add parses one fault, NAME and VALUE as written. label is how the
// command names it in messages and notices (func of the name and value as
// they should be written: "--local-fault route-nlb=1:2", "--route-nlb 1:2").
func (s *Set) Add(name, value string, label func(name, value string) string) error {
	f, oldName, ok := lookup(name)
	if !ok {
		return fmt.Errorf("%s: unknown fault %q: use one of %s", label(name, value), name, Summary())
	}
	if f.Arg == "" && strings.TrimSpace(value) == "" {
		value = ""
	} else if strings.TrimSpace(value) == "" {
		return fmt.Errorf("%s: %s takes %s (%s)", label(name, value), f.Name, f.Arg, f.Help)
	}
	if prev, twice := s.given[f.Name]; twice && single(f) {
		return fmt.Errorf("%s: %s is given twice (%s first): give it once", label(name, value), f.Name, prev)
	}
	old, err := f.set(s, value)
	if err != nil {
		return fmt.Errorf("%s: %w", label(name, value), err)
	}
	if s.given == nil {
		s.given = map[string]string{}
	}
	s.given[f.Name] = label(name, value)
	if oldName || old {
		s.Notices = append(s.Notices, [2]string{label(name, value), label(f.Name, strings.ReplaceAll(value, "=", ":"))})
	}
	return nil
}

// single: a fault with one value (not a list, not a switch), which a
// second value would silently replace.
func single(f Fault) bool {
	return f.Arg != "" && !strings.HasSuffix(f.Arg, ",...") && f.Arg != "IDS"
}

// Flags registers each fault as a flag of fs (localmsk): --NAME VALUE, a
// switch for reject-credentials. The values are read by FromFlags, after
// fs.Parse, so that a message names the flag as written.
func (s *Set) Flags(fs *flag.FlagSet) {
	for _, f := range Table {
		v := flagValue{set: func(value string) error {
			s.pending = append(s.pending, [2]string{f.Name, value})
			return nil
		}, isBool: f.Arg == ""}
		usage := "fault: " + f.Help
		if f.Arg != "" {
			usage = "fault (`" + f.Arg + "`): " + f.Help
		}
		fs.Var(v, f.Name, usage)
	}
}

// FromFlags reads the fault flags given, in order; errors name the flag
// and value ("--latency 1=-5ms: ...").
func (s *Set) FromFlags() error {
	label := func(name, value string) string {
		if value == "" {
			return "--" + name
		}
		return "--" + name + " " + value
	}
	for _, p := range s.pending {
		if err := s.Add(p[0], p[1], label); err != nil {
			return err
		}
	}
	s.pending = nil
	return nil
}

type flagValue struct {
	set    func(string) error
	isBool bool
}

func (v flagValue) String() string { return "" }
func (v flagValue) Set(s string) error {
	if v.isBool {
		if b, err := strconv.ParseBool(s); err != nil || !b {
			return errors.New("a switch: give it without a value")
		}
		s = ""
	}
	return v.set(s)
}
func (v flagValue) IsBoolFlag() bool { return v.isBool }

// Summary lists the faults as verify's --local-fault takes them.
func Summary() string {
	var parts []string
	for _, f := range Table {
		if f.Arg == "" {
			parts = append(parts, f.Name)
		} else {
			parts = append(parts, f.Name+"="+f.Arg)
		}
	}
	return strings.Join(parts, ", ")
}

// Help is the table for a --help: NAME=VALUE and what it does, one fault
// after another, wrapped at 80 columns.
func Help(indent string) string {
	var b strings.Builder
	w := 0
	for _, f := range Table {
		w = max(w, len(spec(f)))
	}
	for _, f := range Table {
		line := fmt.Sprintf("%s%-*s ", indent, w, spec(f))
		for _, word := range strings.Fields(f.Help) {
			if len(line)+1+len(word) > 80 && strings.TrimSpace(line[len(indent)+w:]) != "" {
				b.WriteString(strings.TrimRight(line, " ") + "\n")
				line = strings.Repeat(" ", len(indent)+w+1)
			}
			line += " " + word
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

func spec(f Fault) string {
	if f.Arg == "" {
		return f.Name
	}
	return f.Name + "=" + f.Arg
}

// Check refuses a broker id outside 1..brokers, before anything starts.
func (s *Set) Check(brokers int) error {
	check := func(name string, ids ...int) error {
		for _, id := range ids {
			if id < 1 || id > brokers {
				return fmt.Errorf("%s: broker %d does not exist: ids are 1..%d", s.given[name], id, brokers)
			}
		}
		return nil
	}
	var errs []error
	errs = append(errs, check("nlb-down", s.NLBDown...), check("broker-down", s.BrokerDown...), check("replace-broker", s.Replace...))
	for _, r := range s.Routes {
		errs = append(errs, check("route-nlb", r.ID, r.Value))
	}
	for _, l := range s.Latency {
		errs = append(errs, check("latency", l.ID))
	}
	return errors.Join(errs...)
}

// Empty reports whether no fault is set.
func (s *Set) Empty() bool { return len(s.given) == 0 }

// Apply injects the faults into env in the table's order and says what
// each one did, for the environment's banner.
func (s *Set) Apply(env *localmsk.Env) ([]string, error) {
	var done []string
	step := func(desc string, err error) error {
		if err != nil {
			return fmt.Errorf("fault %s: %w", desc, err)
		}
		done = append(done, desc)
		return nil
	}
	for _, id := range s.NLBDown {
		if err := step(fmt.Sprintf("NLB stand-in %d down", id), env.SetNLBDown(id, true)); err != nil {
			return done, err
		}
	}
	for _, id := range s.BrokerDown {
		if err := step(fmt.Sprintf("broker %d down", id), env.SetBrokerDown(id, true)); err != nil {
			return done, err
		}
	}
	for _, id := range s.Replace {
		if err := step(fmt.Sprintf("broker %d replaced", id), env.ReplaceBroker(id)); err != nil {
			return done, err
		}
		b := env.Info().Brokers[id-1]
		done[len(done)-1] += fmt.Sprintf(": client IP %s (listener %s), NLB stand-in %d still targets %s", b.ClientIP, b.BrokerAddr, id, b.NLBTarget)
	}
	for _, r := range s.Routes {
		if err := step(fmt.Sprintf("NLB stand-in %d routed to broker %d", r.ID, r.Value), env.RouteNLB(r.ID, r.Value)); err != nil {
			return done, err
		}
	}
	for _, l := range s.Latency {
		if err := step(fmt.Sprintf("NLB stand-in %d +%s each way", l.ID, l.Value), env.SetLatency(l.ID, l.Value)); err != nil {
			return done, err
		}
	}
	if s.Cert != localmsk.CertOK {
		if err := step("certificate "+s.Cert.String(), env.SetCertFault(s.Cert)); err != nil {
			return done, err
		}
	}
	if s.Skew != 0 {
		env.SetClockSkew(s.Skew)
		done = append(done, "broker clock skewed by "+s.Skew.String())
	}
	if s.Reject {
		env.SetRejectCredentials(true)
		done = append(done, "all credentials rejected")
	}
	if s.RateLimit > 0 {
		env.SetConnectRateLimit(s.RateLimit)
		done = append(done, fmt.Sprintf("connect rate limit %g/s per broker", s.RateLimit))
	}
	if len(s.Deny) > 0 {
		doc := []byte(env.Info().PolicyJSON)
		var err error
		for _, a := range s.Deny {
			if doc, err = withoutAction(doc, a); err != nil {
				return done, fmt.Errorf("fault deny: %w", err)
			}
		}
		if err := step("policy without "+strings.Join(s.Deny, ", "), env.SetPolicy(doc)); err != nil {
			return done, err
		}
	}
	if s.Rolling > 0 {
		if err := step(fmt.Sprintf("rolling restart: brokers 1..%d in turn, each away %s (progress on stderr)", len(env.Info().Brokers), s.Rolling), env.StartRollingRestart(s.Rolling)); err != nil {
			return done, err
		}
	}
	return done, nil
}

// withoutAction removes action from every statement of an IAM policy.
func withoutAction(doc []byte, action string) ([]byte, error) {
	var p map[string]any
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, fmt.Errorf("the environment's policy: %w", err)
	}
	stmts, _ := p["Statement"].([]any)
	found := false
	for _, s := range stmts {
		st, _ := s.(map[string]any)
		acts, _ := st["Action"].([]any)
		kept := slices.DeleteFunc(slices.Clone(acts), func(a any) bool { return a == action })
		found = found || len(kept) != len(acts)
		st["Action"] = kept
	}
	if !found {
		return nil, fmt.Errorf("the environment's policy does not grant %s", action)
	}
	return json.Marshal(p)
}
