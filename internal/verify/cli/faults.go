package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk"
)

const faultHelp = `nlb-down=ID, broker-down=ID, route=NLB:BROKER, latency=ID:DURATION,
cert=wrong-host|unknown-ca, skew=DURATION, reject-credentials, deny=ACTION (e.g. deny=WriteData),
rolling-restart=AWAY (brokers restart in turn, each away AWAY, as in an MSK update),
replace-broker=ID (the broker comes back at a new client IP; its NLB keeps the old one)`

// applyFault injects one --local-fault into the local environment.
func applyFault(env *localmsk.Env, spec string) error {
	name, val, _ := strings.Cut(spec, "=")
	id := func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a broker id", s)
		}
		return n, nil
	}
	pair := func() (string, string, error) {
		a, b, ok := strings.Cut(val, ":")
		if !ok {
			return "", "", fmt.Errorf("want %s=A:B", name)
		}
		return a, b, nil
	}
	switch name {
	case "nlb-down", "broker-down", "replace-broker":
		n, err := id(val)
		if err != nil {
			return err
		}
		switch name {
		case "nlb-down":
			return env.SetNLBDown(n, true)
		case "replace-broker":
			return env.ReplaceBroker(n)
		}
		return env.SetBrokerDown(n, true)
	case "route":
		a, b, err := pair()
		if err != nil {
			return err
		}
		from, err := id(a)
		if err != nil {
			return err
		}
		to, err := id(b)
		if err != nil {
			return err
		}
		return env.RouteNLB(from, to)
	case "latency":
		a, b, err := pair()
		if err != nil {
			return err
		}
		n, err := id(a)
		if err != nil {
			return err
		}
		d, err := time.ParseDuration(b)
		if err != nil {
			return err
		}
		return env.SetLatency(n, d)
	case "cert":
		f, err := localmsk.ParseCertFault(val)
		if err != nil {
			return err
		}
		return env.SetCertFault(f)
	case "skew":
		d, err := time.ParseDuration(val)
		if err != nil {
			return err
		}
		env.SetClockSkew(d)
		return nil
	case "rolling-restart":
		d, err := time.ParseDuration(val)
		if err != nil {
			return fmt.Errorf("want rolling-restart=AWAY, the time each broker is away (e.g. 30s): %w", err)
		}
		if d <= 0 {
			return fmt.Errorf("rolling-restart=%s: each broker must be away a positive time (e.g. 30s)", val)
		}
		if err := env.StartRollingRestart(d); err != nil {
			return err
		}
		// Verify once broker 1 is away: racing its controlled shutdown,
		// a path could pass tls first and the diagnosis would vary.
		deadline := time.Now().Add(10 * time.Second)
		for env.Restarting() == 0 {
			if time.Now().After(deadline) {
				return errors.New("rolling restart: broker 1 did not go away within 10s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	case "reject-credentials":
		env.SetRejectCredentials(true)
		return nil
	case "deny":
		doc, err := withoutAction([]byte(env.Info().PolicyJSON), "kafka-cluster:"+strings.TrimPrefix(val, "kafka-cluster:"))
		if err != nil {
			return err
		}
		return env.SetPolicy(doc)
	}
	return fmt.Errorf("unknown fault %q: use one of %s", name, faultHelp)
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
