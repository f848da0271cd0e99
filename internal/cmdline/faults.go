package cmdline

import (
	"fmt"
	"strconv"
	"strings"
)

// The syntax of a local fault, one for every command that injects them:
// `verify --local --local-fault NAME=VALUE` and `localmsk --NAME VALUE`
// take the same NAME and the same VALUE. A VALUE is one of
//
//	a list of broker ids        nlb-down=1,3          --nlb-down 1,3
//	a list of ID:VALUE pairs    route-nlb=1:2,3:1     --route-nlb 1:2,3:1
//	                            latency=3:200ms       --latency 3:200ms
//	a single value              clock-skew=20m        --clock-skew 20m
//
// ID:VALUE, not ID=VALUE, so that a pair reads the same after NAME=.

// FaultSpec splits a --local-fault argument into its NAME and VALUE (""
// for a fault that takes none, e.g. reject-credentials).
func FaultSpec(s string) (name, value string) {
	name, value, _ = strings.Cut(s, "=")
	return strings.TrimSpace(name), value
}

// BrokerIDs parses a comma-separated list of broker ids (blanks allowed
// around each).
func BrokerIDs(s string) ([]int, error) {
	var ids []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a broker id", f)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// IDValue is one ID:VALUE pair of a fault.
type IDValue[T any] struct {
	ID    int
	Value T
	Text  string // as written, for messages
}

// IDValues parses a comma-separated list of ID:VALUE pairs, each broker at
// most once. oldSpelling reports pairs written ID=VALUE, localmsk's
// spelling before the syntax was shared: still accepted for a release, and
// the caller says so (OldSpellingNotice).
func IDValues[T any](s string, parse func(string) (T, error)) (pairs []IDValue[T], oldSpelling bool, err error) {
	seen := map[int]string{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			if k, v, ok = strings.Cut(f, "="); ok {
				oldSpelling = true
			}
		}
		id, err := strconv.Atoi(strings.TrimSpace(k))
		if !ok || err != nil {
			return nil, false, fmt.Errorf("%q: want <broker id>:<value>, e.g. 1:2", f)
		}
		val, err := parse(strings.TrimSpace(v))
		if err != nil {
			return nil, false, fmt.Errorf("%q: %v", f, err)
		}
		if prev, dup := seen[id]; dup {
			return nil, false, fmt.Errorf("broker %d is given twice (%s and %s): give each broker once", id, prev, f)
		}
		seen[id] = f
		pairs = append(pairs, IDValue[T]{ID: id, Value: val, Text: f})
	}
	return pairs, oldSpelling, nil
}

// OldSpellingNotice is the note a command prints (on stderr) when it
// accepted a fault in a spelling that goes away in the next release.
func OldSpellingNotice(command, given, instead string) string {
	return fmt.Sprintf("%s: note: %s is the old spelling, accepted until the next release: write %s (the fault syntax verify --local-fault and localmsk share)", command, given, instead)
}
