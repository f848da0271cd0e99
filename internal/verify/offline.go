package verify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// offlineBrokers names, in the failure of a path whose broker the cluster
// does not list among its live brokers, what the other paths' metadata
// says of it. A path alone sees only its NLB resetting or timing out; the
// brokers that answered tell a broker that is restarting (still a replica,
// listed offline: an MSK update restarts brokers in turn, a replacement
// brings one back at a new IP) from one that is not in the cluster at all.
// Paths that reached metadata themselves are left alone: their own broker
// listed itself, or their metadata stage said it did not.
func offlineBrokers(runs []*pathRun, t *Target) {
	live := map[int32]bool{}
	offline := map[int32]bool{}
	var answered []string
	for _, pr := range runs {
		if pr.meta == nil {
			continue
		}
		if s := strconv.Itoa(pr.path.BrokerID); !slices.Contains(answered, s) {
			answered = append(answered, s)
		}
		for _, b := range pr.meta.brokers {
			live[b.id] = true
		}
		for id := range pr.meta.offline {
			offline[id] = true
		}
	}
	if len(answered) == 0 {
		return
	}
	slices.Sort(answered)
	from := "broker " + answered[0]
	if len(answered) > 1 {
		from = "brokers " + strings.Join(answered, ", ")
	}
	for _, pr := range runs {
		id := int32(pr.path.BrokerID)
		if pr.meta != nil || live[id] || !pr.failed {
			continue
		}
		for i := range pr.stages {
			f := &pr.stages[i]
			if f.OK || f.Skipped {
				continue
			}
			if offline[id] {
				f.Detail = fmt.Sprintf("broker %d is restarting: the cluster (metadata from %s) lists it as an offline replica, not among its live brokers, as while MSK restarts brokers in turn during an update (Kafka version, configuration, storage, instance type) or replaces one; %s", id, from, f.Detail)
				f.NextStep = fmt.Sprintf("wait for the cluster's operation to finish (aws kafka describe-cluster-v2 --cluster-arn %s: State ACTIVE, not UPDATING or REBOOTING_BROKER) and re-run verify; if it stays offline, check broker %d in the MSK console (aws kafka list-nodes) and that NLB %d's target is its current client IP", clusterARN(t), id, id)
			} else {
				f.Detail = fmt.Sprintf("broker %d is not in the cluster: the metadata from %s lists it neither among the live brokers nor as a replica; %s", id, from, f.Detail)
				f.NextStep = "if brokers were removed, rebuild the map (and re-apply terraform) from the current `terraform output -json`; otherwise check the cluster's health in the MSK console (aws kafka list-nodes)"
			}
			break
		}
	}
}
