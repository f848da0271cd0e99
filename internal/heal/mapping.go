package heal

// The mapping of brokers to target groups, and the refusals when it is not
// one to one by broker id.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// brokerTags reads every path's BrokerId tag, 20 groups a call (DescribeTags'
// limit). A batch that names a group that does not exist fails whole, so its
// groups are then read one by one to find which.
func (r *run) brokerTags(ctx context.Context) (map[string]string, map[string]bool, error) {
	var arns []string
	seen := map[string]bool{}
	for _, p := range r.spec.Paths {
		if !seen[p.TargetGroupARN] {
			seen[p.TargetGroupARN] = true
			arns = append(arns, p.TargetGroupARN)
		}
	}
	tags, missing := map[string]string{}, map[string]bool{}
	read := func(batch []string) (map[string]string, error) {
		cctx, cancel := r.call(ctx)
		defer cancel()
		return r.g.BrokerTags(cctx, batch)
	}
	for i := 0; i < len(arns); i += 20 {
		batch := arns[i:min(i+20, len(arns))]
		got, err := read(batch)
		if errors.Is(err, ErrTargetGroupNotFound) {
			for _, a := range batch {
				one, err := read([]string{a})
				switch {
				case errors.Is(err, ErrTargetGroupNotFound):
					missing[a] = true
				case err != nil:
					return nil, nil, err
				default:
					tags[a] = one[a]
				}
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		for k, v := range got {
			tags[k] = v
		}
	}
	return tags, missing, nil
}

// refusals checks that brokers and target groups map one to one, by id, and
// that every broker still answers to its path's hostname. It fills byID.
func (r *run) refusals(nodes []Node, byID map[int]Node, tags map[string]string, missing map[string]bool) []Refusal {
	var out []Refusal
	region := r.o.Region
	apply := "run `terraform apply` for this deployment: it reads the cluster's brokers and keeps one path per broker id"
	ips := map[string][]int{}
	for _, n := range nodes {
		if _, dup := byID[n.BrokerID]; dup {
			out = append(out, Refusal{Reason: RefuseDuplicateBroker, BrokerID: n.BrokerID,
				Detail:   fmt.Sprintf("kafka:ListNodes lists broker %d more than once", n.BrokerID),
				NextStep: "re-run in a minute (MSK may be mid-replacement); if it persists, open an AWS support case for the cluster"})
			continue
		}
		byID[n.BrokerID] = n
		if n.ClientIP != "" {
			ips[n.ClientIP] = append(ips[n.ClientIP], n.BrokerID)
		}
	}
	for ip, ids := range ips {
		if len(ids) > 1 {
			sort.Ints(ids)
			out = append(out, Refusal{Reason: RefuseSharedAddress, BrokerID: ids[0],
				Detail:   fmt.Sprintf("brokers %s all report client address %s", joinInts(ids), ip),
				NextStep: "re-run in a minute (MSK may be mid-replacement); no NLB is re-pointed while two brokers claim one address"})
		}
	}
	inSpec := map[int]bool{}
	claims := map[string][]int{}
	for _, p := range r.spec.Paths {
		inSpec[p.BrokerID] = true
		claims[p.TargetGroupARN] = append(claims[p.TargetGroupARN], p.BrokerID)
	}
	var ids []int
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		if !inSpec[id] {
			out = append(out, Refusal{Reason: RefuseNoTargetGroup, BrokerID: id,
				Detail:   fmt.Sprintf("broker %d of the cluster has no target group in this deployment", id),
				NextStep: apply + " (it adds broker " + strconv.Itoa(id) + "'s NLB, target group and endpoint service)"})
		}
	}
	for _, p := range r.spec.Paths {
		n, ok := byID[p.BrokerID]
		switch {
		case missing[p.TargetGroupARN]:
			out = append(out, Refusal{Reason: RefuseGroupMissing, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("broker %d's target group %s does not exist (TargetGroupNotFound)", p.BrokerID, shortName(p.TargetGroupARN)),
				NextStep: apply + "; check that the region (" + region + ") and account are the deployment's"})
			continue
		case !ok:
			out = append(out, Refusal{Reason: RefuseBrokerGone, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("target group %s is broker %d's, but the cluster has no broker %d (brokers: %s)", shortName(p.TargetGroupARN), p.BrokerID, p.BrokerID, joinInts(ids)),
				NextStep: apply + " (it removes broker " + strconv.Itoa(p.BrokerID) + "'s path)"})
			continue
		}
		if others := claims[p.TargetGroupARN]; len(others) > 1 && others[0] == p.BrokerID {
			out = append(out, Refusal{Reason: RefuseClaimedTwice, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("brokers %s all name target group %s", joinInts(others), shortName(p.TargetGroupARN)),
				NextStep: "each broker needs its own target group: " + apply})
		}
		switch tag := tags[p.TargetGroupARN]; {
		case tag == "":
			out = append(out, Refusal{Reason: RefuseTagMissing, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("target group %s has no %s tag, so nothing confirms it is broker %d's", shortName(p.TargetGroupARN), BrokerIDTag, p.BrokerID),
				NextStep: apply + " (the module tags every target group with its " + BrokerIDTag + ")"})
		case tag != strconv.Itoa(p.BrokerID):
			out = append(out, Refusal{Reason: RefuseTagMismatch, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("target group %s is tagged %s=%s but is broker %d's path", shortName(p.TargetGroupARN), BrokerIDTag, tag, p.BrokerID),
				NextStep: "find out who changed the tag or the path (the deployment's outputs are from another deployment?); " + apply})
		}
		if !answersTo(n, p.Hostname) {
			now := "no hostname"
			if len(n.Endpoints) > 0 {
				now = strings.Join(n.Endpoints, ", ")
			}
			out = append(out, Refusal{Reason: RefuseHostnameChanged, BrokerID: p.BrokerID, TargetGroupARN: p.TargetGroupARN,
				Detail:   fmt.Sprintf("broker %d answers to %s, not %s: the NCC rule's domain_names for this path would be wrong too", p.BrokerID, now, p.Hostname),
				NextStep: apply + " (it updates the path and its private endpoint rule), then verify"})
		}
	}
	return out
}

func answersTo(n Node, hostname string) bool {
	for _, e := range n.Endpoints {
		if strings.EqualFold(strings.TrimSuffix(e, "."), strings.TrimSuffix(hostname, ".")) {
			return true
		}
	}
	return false
}
