package remoteverify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// Event is the function's input, from whoever may invoke it: how to verify,
// within the bounds of the function's Config, never where to connect, what
// to trust or which role to assume. Its JSON is an object of these members
// only (each optional); anything else refuses the event.
type Event struct {
	// TimeoutSeconds bounds this run: 1 to the configured timeout; 0 (or
	// absent) means the configured timeout.
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
	// SASLMechanism: aws-msk-iam (what Databricks' Spark uses),
	// oauthbearer or both; empty means the configured one.
	SASLMechanism string `json:"sasl_mechanism,omitempty"`
	// StageTimeoutSeconds bounds each stage of each path: 1 to this run's
	// timeout; 0 (or absent) means the verifier's default (10 s, or the
	// run's timeout when that is shorter). Keep it above the brokers'
	// group.initial.rebalance.delay.ms.
	StageTimeoutSeconds int `json:"stage_timeout_seconds,omitempty"`
}

// MaxEventBytes bounds an event: the largest valid one is about 100 bytes.
const MaxEventBytes = 1024

// eventMembers are Event's JSON members, matched exactly (encoding/json
// alone would also take "TIMEOUT_SECONDS").
var eventMembers = map[string]bool{"timeout_seconds": true, "sasl_mechanism": true, "stage_timeout_seconds": true}

// DecodeEvent reads an event strictly: one JSON object (empty or null is
// {}) of Event's members, nothing else, at most MaxEventBytes. Errors are
// *verify.InputError and never repeat the event's values.
func DecodeEvent(payload []byte) (Event, error) {
	var ev Event
	if len(payload) > MaxEventBytes {
		return ev, refused("it is %d bytes; an event is at most %d (timeout_seconds, sasl_mechanism and stage_timeout_seconds)", len(payload), MaxEventBytes)
	}
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || string(payload) == "null" {
		return ev, nil
	}
	var members map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&members); err != nil {
		return ev, refused("it is not a JSON object (%s)", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return ev, refused("it holds more than one JSON value")
	}
	var unknown []string
	for k := range members {
		if !eventMembers[k] {
			unknown = append(unknown, fmt.Sprintf("%q", clip(k)))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return ev, refused("member %s is not one the canary takes: an event carries only timeout_seconds, sasl_mechanism and stage_timeout_seconds. Where the canary connects (brokers, STS), what it trusts (CA) and which role it assumes come from its own configuration, set by terraform/modules/verify-canary, never from an event", strings.Join(unknown, ", "))
	}
	dec = json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return Event{}, refused("%s", jsonProblem(err))
	}
	return ev, nil
}

// run is an accepted event: what this run does, all of it within c.
type run struct {
	timeout      time.Duration
	stageTimeout time.Duration // 0: the verifier's default
	mechanisms   []string
}

// accept bounds an event by the configuration.
func (c Config) accept(ev Event) (run, error) {
	r := run{timeout: c.Timeout}
	switch {
	case ev.TimeoutSeconds < 0 || time.Duration(ev.TimeoutSeconds)*time.Second > c.Timeout:
		return r, refused("timeout_seconds %d is outside 1..%d, the canary's configured timeout_seconds", ev.TimeoutSeconds, int(c.Timeout/time.Second))
	case ev.TimeoutSeconds > 0:
		r.timeout = time.Duration(ev.TimeoutSeconds) * time.Second
	}
	switch st := time.Duration(ev.StageTimeoutSeconds) * time.Second; {
	case ev.StageTimeoutSeconds < 0 || st > r.timeout:
		return r, refused("stage_timeout_seconds %d is outside 1..%d, this run's timeout", ev.StageTimeoutSeconds, int(r.timeout/time.Second))
	default:
		r.stageTimeout = st
	}
	m := ev.SASLMechanism
	if m == "" {
		m = c.Mechanism
	}
	if m == "" {
		r.mechanisms = verify.DefaultMechanisms
	} else if r.mechanisms = mechanism(m); r.mechanisms == nil {
		return r, refused("sasl_mechanism is not aws-msk-iam, oauthbearer or both")
	}
	return r, nil
}

// jsonProblem describes a decoding error without the event's values.
func jsonProblem(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Sprintf("member %s is not a JSON %s", e.Field, e.Type)
		}
		return fmt.Sprintf("a JSON %s where an object belongs", e.Value)
	}
	if err == io.ErrUnexpectedEOF {
		return "truncated JSON"
	}
	return "not decodable"
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// refused is bad input (errorType InputError: `deploy verify --remote` exits 2).
func refused(format string, a ...any) error {
	return &verify.InputError{Msg: "remoteverify: event refused: " + fmt.Sprintf(format, a...)}
}
