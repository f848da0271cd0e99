package mskauthz

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

// internalAPIs are inter-broker and controller APIs (Kafka's CLUSTER_ACTION
// and controller-only requests). MSK IAM access control grants no action for
// them ("IAM access control for Amazon MSK doesn't support internal cluster
// actions", kafka-actions.html), so a client is always denied.
var internalAPIs = map[kmsg.Key]bool{
	kmsg.LeaderAndISR:               true,
	kmsg.StopReplica:                true,
	kmsg.UpdateMetadata:             true,
	kmsg.ControlledShutdown:         true,
	kmsg.WriteTxnMarkers:            true,
	kmsg.Vote:                       true,
	kmsg.BeginQuorumEpoch:           true,
	kmsg.EndQuorumEpoch:             true,
	kmsg.AlterPartition:             true,
	kmsg.Envelope:                   true,
	kmsg.FetchSnapshot:              true,
	kmsg.BrokerRegistration:         true,
	kmsg.BrokerHeartbeat:            true,
	kmsg.UnregisterBroker:           true,
	kmsg.AllocateProducerIDs:        true,
	kmsg.ControllerRegistration:     true,
	kmsg.AssignReplicasToDirs:       true,
	kmsg.UpdateRaftVoter:            true,
	kmsg.InitializeShareGroupState:  true,
	kmsg.ReadShareGroupState:        true,
	kmsg.WriteShareGroupState:       true,
	kmsg.DeleteShareGroupState:      true,
	kmsg.ReadShareGroupStateSummary: true,
	kmsg.UnregisterController:       true,
}

// clusterAPIs need one action on the cluster ARN and are denied as a whole
// with CLUSTER_AUTHORIZATION_FAILED.
var clusterAPIs = map[kmsg.Key]string{
	kmsg.DescribeACLs:                 ActDescribeCluster,                     // DESCRIBE CLUSTER
	kmsg.CreateACLs:                   ActAlterCluster,                        // ALTER CLUSTER
	kmsg.DeleteACLs:                   ActAlterCluster,                        // ALTER CLUSTER
	kmsg.AlterReplicaLogDirs:          ActAlterCluster,                        // ALTER CLUSTER
	kmsg.DescribeLogDirs:              ActDescribeCluster,                     // DESCRIBE CLUSTER
	kmsg.ElectLeaders:                 ActAlterCluster,                        // ALTER CLUSTER
	kmsg.AlterPartitionAssignments:    ActAlterCluster,                        // ALTER CLUSTER
	kmsg.ListPartitionReassignments:   ActDescribeCluster,                     // DESCRIBE CLUSTER
	kmsg.DescribeClientQuotas:         ActDescribeClusterDynamicConfiguration, // DESCRIBE_CONFIGS CLUSTER
	kmsg.AlterClientQuotas:            ActAlterClusterDynamicConfiguration,    // ALTER_CONFIGS CLUSTER
	kmsg.DescribeUserSCRAMCredentials: ActDescribeCluster,                     // DESCRIBE CLUSTER
	kmsg.AlterUserSCRAMCredentials:    ActAlterCluster,                        // ALTER CLUSTER
	kmsg.DescribeQuorum:               ActDescribeCluster,                     // DESCRIBE CLUSTER
	kmsg.UpdateFeatures:               ActAlterCluster,                        // ALTER CLUSTER
	kmsg.DescribeCluster:              ActDescribeCluster,                     // (see Check)
	kmsg.ListConfigResources:          ActDescribeClusterDynamicConfiguration, // DESCRIBE_CONFIGS CLUSTER
	kmsg.AddRaftVoter:                 ActAlterCluster,                        // ALTER CLUSTER
	kmsg.RemoveRaftVoter:              ActAlterCluster,                        // ALTER CLUSTER
}

// groupAPIs need one action on the group named by the request's Group field
// and are denied as a whole with GROUP_AUTHORIZATION_FAILED.
var groupAPIs = map[kmsg.Key]string{
	kmsg.JoinGroup:             ActAlterGroup, // READ GROUP
	kmsg.Heartbeat:             ActAlterGroup, // READ GROUP
	kmsg.LeaveGroup:            ActAlterGroup, // READ GROUP
	kmsg.SyncGroup:             ActAlterGroup, // READ GROUP
	kmsg.StreamsGroupHeartbeat: ActAlterGroup, // READ GROUP
	kmsg.StreamsGroupTopologyDescriptionUpdate: ActAlterGroup, // READ GROUP
}

// Check maps one Kafka request to the kafka-cluster: actions MSK IAM access
// control requires for it, evaluates them against the policy, and says what
// to relay and what to answer. See the package documentation for the table.
func (a *Authorizer) Check(req kmsg.Request) Verdict {
	c := &check{a: a}
	key := kmsg.Key(req.Key())
	switch {
	case key == kmsg.SASLHandshake || key == kmsg.ApiVersions || key == kmsg.SASLAuthenticate: // the front's business
		return c.relay(req)
	case internalAPIs[key]:
		return c.unsupported(req, "inter-broker/controller API: MSK IAM access control grants no action for internal cluster operations")
	case clusterAPIs[key] != "":
		// DescribeCluster: Apache Kafka lets any authenticated client
		// call it, but MSK documents kafka-cluster:DescribeCluster as
		// "describe various aspects of the cluster"; we require it, which is
		// the stricter reading.
		if !c.cluster(clusterAPIs[key]) {
			return c.whole(req, codeClusterAuth)
		}
		v := c.relay(req)
		v.Filter = c.a.operationsFilter(req) // DescribeCluster's authorized operations
		return v
	case groupAPIs[key] != "":
		if !c.group(groupAPIs[key], groupOf(req)) {
			return c.whole(req, codeGroupAuth)
		}
		return c.relay(req)
	}

	switch r := req.(type) {
	case *kmsg.ProduceRequest:
		return c.produce(r)
	case *kmsg.FetchRequest:
		return c.fetch(r)
	case *kmsg.ListOffsetsRequest:
		return c.perTopic(r, ActDescribeTopic, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	case *kmsg.MetadataRequest:
		return c.metadata(r)
	case *kmsg.OffsetCommitRequest:
		if !c.group(ActAlterGroup, r.Group) {
			return c.whole(r, codeGroupAuth)
		}
		return c.perTopic(r, ActReadData, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, r.Topics[i].TopicID })
	case *kmsg.OffsetFetchRequest:
		return c.offsetFetch(r)
	case *kmsg.FindCoordinatorRequest:
		return c.findCoordinator(r)
	case *kmsg.DescribeGroupsRequest:
		v := c.perGroup(r, "Groups", r.Groups, ActDescribeGroup)
		if v.Allow {
			v.Filter = chain(v.Filter, c.a.operationsFilter(r))
		}
		return v
	case *kmsg.ListGroupsRequest:
		// Kafka lists every group to a principal with DESCRIBE CLUSTER and
		// otherwise only the groups it may DESCRIBE.
		if c.a.Policy.Decide(ActDescribeCluster, c.a.Cluster.ARN()) == Allow {
			return c.relay(r)
		}
		v := c.relay(r)
		v.Filter = func(resp kmsg.Response) {
			lr := resp.(*kmsg.ListGroupsResponse)
			kept := lr.Groups[:0]
			for _, g := range lr.Groups {
				if c.a.Policy.Decide(ActDescribeGroup, c.a.Cluster.GroupARN(g.Group)) == Allow {
					kept = append(kept, g)
				}
			}
			lr.Groups = kept
		}
		return v
	case *kmsg.CreateTopicsRequest:
		return c.createTopics(r)
	case *kmsg.DeleteTopicsRequest:
		return c.deleteTopics(r)
	case *kmsg.DeleteRecordsRequest:
		return c.perTopic(r, ActDeleteTopic, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	case *kmsg.InitProducerIDRequest:
		return c.initProducerID(r)
	case *kmsg.OffsetForLeaderEpochRequest:
		if r.ReplicaID >= 0 {
			return c.unsupported(r, "follower OffsetForLeaderEpoch is an inter-broker request")
		}
		return c.perTopic(r, ActDescribeTopic, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	case *kmsg.AddPartitionsToTxnRequest:
		if r.Version >= 4 {
			return c.unsupported(r, "batched AddPartitionsToTxn (v4+) is an inter-broker request")
		}
		codes := make([]int16, len(r.Topics))
		if !c.txn(ActAlterTransactionalState, r.TransactionalID) {
			for i := range codes {
				codes[i] = codeTxnAuth
			}
			return c.respond(answerAll(r, "Topics", codes, codeNotTried))
		}
		denied := false
		for i, t := range r.Topics {
			codes[i] = c.topicCode(ActWriteData, t.Topic, [16]byte{})
			denied = denied || codes[i] != 0
		}
		if denied { // Kafka does not add any partition when one is unauthorized.
			return c.respond(answerAll(r, "Topics", codes, codeNotTried))
		}
		return c.relay(r)
	case *kmsg.AddOffsetsToTxnRequest:
		if !c.txn(ActAlterTransactionalState, r.TransactionalID) {
			return c.whole(r, codeTxnAuth)
		}
		if !c.group(ActAlterGroup, r.Group) {
			return c.whole(r, codeGroupAuth)
		}
		return c.relay(r)
	case *kmsg.EndTxnRequest:
		if !c.txn(ActAlterTransactionalState, r.TransactionalID) {
			return c.whole(r, codeTxnAuth)
		}
		return c.relay(r)
	case *kmsg.TxnOffsetCommitRequest:
		if !c.txn(ActAlterTransactionalState, r.TransactionalID) {
			return c.whole(r, codeTxnAuth)
		}
		if !c.group(ActAlterGroup, r.Group) {
			return c.whole(r, codeGroupAuth)
		}
		return c.perTopic(r, ActReadData, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, r.Topics[i].TopicID })
	case *kmsg.DescribeConfigsRequest:
		return c.configs(r, "Resources", describeConfigsResources(r), false)
	case *kmsg.AlterConfigsRequest:
		return c.configs(r, "Resources", alterConfigsResources(r), true)
	case *kmsg.IncrementalAlterConfigsRequest:
		return c.configs(r, "Resources", incrementalAlterConfigsResources(r), true)
	case *kmsg.CreatePartitionsRequest:
		return c.perTopic(r, ActAlterTopic, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	case *kmsg.CreateDelegationTokenRequest, *kmsg.RenewDelegationTokenRequest,
		*kmsg.ExpireDelegationTokenRequest, *kmsg.DescribeDelegationTokenRequest:
		return c.unsupported(r, "delegation tokens: MSK IAM access control documents no action for them")
	case *kmsg.DeleteGroupsRequest:
		return c.perGroup(r, "Groups", r.Groups, ActDeleteGroup)
	case *kmsg.OffsetDeleteRequest:
		if !c.group(ActDeleteGroup, r.Group) {
			return c.whole(r, codeGroupAuth)
		}
		return c.perTopic(r, ActReadData, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	case *kmsg.DescribeProducersRequest:
		return c.perTopic(r, ActReadData, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	case *kmsg.DescribeTransactionsRequest:
		codes := make([]int16, len(r.TransactionalIDs))
		for i, id := range r.TransactionalIDs {
			if !c.txn(ActDescribeTransactionalState, id) {
				codes[i] = codeTxnAuth
			}
		}
		return c.fromSplit(split(r, "TransactionalIDs", codes))
	case *kmsg.ListTransactionsRequest:
		v := c.relay(r)
		v.Filter = func(resp kmsg.Response) {
			lr := resp.(*kmsg.ListTransactionsResponse)
			kept := lr.TransactionStates[:0]
			for _, s := range lr.TransactionStates {
				if c.a.Policy.Decide(ActDescribeTransactionalState, c.a.Cluster.TransactionalIDARN(s.TransactionalID)) == Allow {
					kept = append(kept, s)
				}
			}
			lr.TransactionStates = kept
		}
		return v
	case *kmsg.ConsumerGroupHeartbeatRequest:
		if !c.group(ActAlterGroup, r.Group) {
			return c.whole(r, codeGroupAuth)
		}
		for _, t := range r.SubscribedTopicNames {
			if c.topicCode(ActDescribeTopic, t, [16]byte{}) != 0 {
				return c.whole(r, codeTopicAuth)
			}
		}
		return c.relay(r)
	case *kmsg.ConsumerGroupDescribeRequest:
		return c.perGroup(r, "Groups", r.Groups, ActDescribeGroup)
	case *kmsg.GetTelemetrySubscriptionsRequest, *kmsg.PushTelemetryRequest:
		return c.relay(r) // Kafka authorizes no resource for client telemetry (KIP-714).
	case *kmsg.DescribeTopicPartitionsRequest:
		return c.describeTopicPartitions(r)
	case *kmsg.ShareGroupHeartbeatRequest:
		if !c.group(ActAlterGroup, r.GroupID) {
			return c.whole(r, codeGroupAuth)
		}
		for _, t := range r.SubscribedTopicNames {
			if c.topicCode(ActDescribeTopic, t, [16]byte{}) != 0 {
				return c.whole(r, codeTopicAuth)
			}
		}
		return c.relay(r)
	case *kmsg.ShareGroupDescribeRequest:
		return c.perGroup(r, "GroupIDs", r.GroupIDs, ActDescribeGroup)
	case *kmsg.StreamsGroupDescribeRequest:
		return c.perGroup(r, "Groups", r.Groups, ActDescribeGroup)
	case *kmsg.ShareFetchRequest:
		if r.GroupID == nil || !c.group(ActAlterGroup, *r.GroupID) {
			return c.whole(r, codeGroupAuth)
		}
		for _, t := range r.Topics {
			if code := c.topicCode(ActReadData, "", t.TopicID); code != 0 {
				return c.whole(r, code)
			}
		}
		return c.relay(r)
	case *kmsg.ShareAcknowledgeRequest:
		if r.GroupID == nil || !c.group(ActAlterGroup, *r.GroupID) {
			return c.whole(r, codeGroupAuth)
		}
		for _, t := range r.Topics {
			if code := c.topicCode(ActReadData, "", t.TopicID); code != 0 {
				return c.whole(r, code)
			}
		}
		return c.relay(r)
	case *kmsg.DescribeShareGroupOffsetsRequest:
		codes := make([]int16, len(r.Groups))
		for i, g := range r.Groups {
			if !c.group(ActDescribeGroup, g.GroupID) {
				codes[i] = codeGroupAuth
				continue
			}
			for _, t := range g.Topics {
				if code := c.topicCode(ActDescribeTopic, t.Topic, [16]byte{}); code != 0 {
					codes[i] = code
					break
				}
			}
		}
		return c.fromSplit(split(r, "Groups", codes))
	case *kmsg.AlterShareGroupOffsetsRequest:
		if !c.group(ActAlterGroup, r.GroupID) {
			return c.whole(r, codeGroupAuth)
		}
		return c.perTopic(r, ActReadData, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	case *kmsg.DeleteShareGroupOffsetsRequest:
		if !c.group(ActDeleteGroup, r.GroupID) {
			return c.whole(r, codeGroupAuth)
		}
		return c.perTopic(r, ActReadData, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	}
	// Fail closed: an API this table does not know could do anything, so a
	// client gets CLUSTER_AUTHORIZATION_FAILED rather than a relay.
	return c.unsupported(req, "API not mapped to MSK IAM actions by this authorizer")
}

// perTopic answers a request whose Topics each need action: the topics
// allowed are relayed, the others answered with their error code (see split).
// topic(i) names the i-th of n topics (by name, or by ID when the name is empty).
func (c *check) perTopic(r kmsg.Request, action string, n int, topic func(i int) (string, [16]byte)) Verdict {
	codes := make([]int16, n)
	for i := range codes {
		name, id := topic(i)
		codes[i] = c.topicCode(action, name, id)
	}
	return c.fromSplit(split(r, "Topics", codes))
}

func groupOf(req kmsg.Request) string {
	switch r := req.(type) {
	case *kmsg.JoinGroupRequest:
		return r.Group
	case *kmsg.HeartbeatRequest:
		return r.Group
	case *kmsg.LeaveGroupRequest:
		return r.Group
	case *kmsg.SyncGroupRequest:
		return r.Group
	case *kmsg.StreamsGroupHeartbeatRequest:
		return r.Group
	case *kmsg.StreamsGroupTopologyDescriptionUpdateRequest:
		return r.Group
	}
	return ""
}

func (c *check) perGroup(req kmsg.Request, field string, groups []string, action string) Verdict {
	codes := make([]int16, len(groups))
	for i, g := range groups {
		if !c.group(action, g) {
			codes[i] = codeGroupAuth
		}
	}
	return c.fromSplit(split(req, field, codes))
}

// produce: WRITE on each topic (kafka-cluster:WriteData), and for a
// transactional produce WRITE on the transactional ID
// (kafka-cluster:AlterTransactionalState), failing every partition with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED when missing. Idempotence is
// authorized once, at InitProducerId, as Kafka does since KIP-679.
func (c *check) produce(r *kmsg.ProduceRequest) Verdict {
	codes := make([]int16, len(r.Topics))
	if r.TransactionID != nil && !c.txn(ActAlterTransactionalState, *r.TransactionID) {
		for i := range codes {
			codes[i] = codeTxnAuth
		}
	} else {
		for i, t := range r.Topics {
			codes[i] = c.topicCode(ActWriteData, t.Topic, t.TopicID)
		}
	}
	v := c.fromSplit(split(r, "Topics", codes))
	if r.Acks == 0 && len(c.denied) > 0 {
		// acks=0: no response exists; Kafka appends what it may and closes
		// the connection so the client notices and refreshes metadata.
		v.Response, v.Filter, v.CloseConnection = nil, nil, true
	}
	return v
}

// fetch: READ on each topic (kafka-cluster:ReadData). A fetch from a replica
// (replica ID >= 0) is inter-broker replication, which IAM never grants.
func (c *check) fetch(r *kmsg.FetchRequest) Verdict {
	replica := r.ReplicaID
	if r.Version >= 15 {
		replica = r.ReplicaState.ID
	}
	if replica >= 0 {
		return c.unsupported(r, "follower Fetch is inter-broker replication")
	}
	codes := make([]int16, len(r.Topics))
	for i, t := range r.Topics {
		codes[i] = c.topicCode(ActReadData, t.Topic, t.TopicID)
	}
	s := split(r, "Topics", codes)
	if s.relay == nil {
		// Everything denied: answer now, keeping the client's fetch session.
		fr := s.resp.(*kmsg.FetchResponse)
		if r.SessionEpoch > 0 {
			fr.SessionID = r.SessionID
		}
	}
	return c.fromSplit(s)
}

// metadata: DESCRIBE on each named topic (kafka-cluster:DescribeTopic), plus
// CREATE (kafka-cluster:CreateTopic) for topics a request may auto-create.
// Listing all topics relays and drops the topics the principal may not
// describe. A Metadata request is always relayed (trimmed if need be) because
// its response carries the brokers and controller the client needs.
func (c *check) metadata(r *kmsg.MetadataRequest) Verdict {
	learn := c.a.learnFromMetadata
	if r.Topics == nil || (r.Version == 0 && len(r.Topics) == 0) {
		v := c.relay(r)
		v.Filter = chain(learn, c.a.operationsFilter(r), func(resp kmsg.Response) {
			mr := resp.(*kmsg.MetadataResponse)
			kept := mr.Topics[:0]
			for _, t := range mr.Topics {
				if t.Topic != nil && c.a.Policy.Decide(ActDescribeTopic, c.a.Cluster.TopicARN(*t.Topic)) == Allow {
					kept = append(kept, t)
				}
			}
			mr.Topics = kept
		})
		return v
	}
	codes := make([]int16, len(r.Topics))
	var noCreate []string // described topics the principal may not create
	for i, t := range r.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		codes[i] = c.topicCode(ActDescribeTopic, name, t.TopicID)
		if codes[i] == 0 && r.AllowAutoTopicCreation && name != "" {
			if c.a.Policy.Decide(ActCreateTopic, c.a.Cluster.TopicARN(name)) != Allow {
				noCreate = append(noCreate, name)
			}
		}
	}
	s := split(r, "Topics", codes)
	relay := s.relay
	emptied := false
	if relay == nil { // nothing describable: relay an empty topic list for brokers
		cp := *r
		cp.Topics = []kmsg.MetadataRequestTopic{}
		relay, emptied = &cp, true
	}
	var filters []func(kmsg.Response)
	if emptied && r.Version == 0 {
		// v0 cannot ask for "no topics": drop what the broker returns.
		filters = append(filters, func(resp kmsg.Response) { resp.(*kmsg.MetadataResponse).Topics = nil })
	}
	if len(noCreate) > 0 {
		// Never let the broker create a topic the principal may not
		// create. Where the cluster would auto-create, Kafka answers such a
		// missing topic with TOPIC_AUTHORIZATION_FAILED; rewrite the
		// broker's UNKNOWN_TOPIC_OR_PARTITION accordingly.
		mr := *relay.(*kmsg.MetadataRequest)
		mr.AllowAutoTopicCreation = false
		relay = &mr
		filters = append(filters, func(resp kmsg.Response) {
			if !c.a.AutoCreateTopics {
				return
			}
			mresp := resp.(*kmsg.MetadataResponse)
			for i := range mresp.Topics {
				t := &mresp.Topics[i]
				if t.ErrorCode == codeUnknownTP && t.Topic != nil && contains(noCreate, *t.Topic) {
					t.ErrorCode = codeTopicAuth
				}
			}
		})
		for _, n := range noCreate {
			c.denied = append(c.denied, Denial{Action: ActCreateTopic, Resource: c.a.Cluster.TopicARN(n), Reason: "auto-creation not allowed"})
		}
	}
	if s.nDenied > 0 {
		denied := s.denied
		filters = append(filters, func(resp kmsg.Response) {
			mr := resp.(*kmsg.MetadataResponse)
			for i := 0; i < denied.Len(); i++ {
				mr.Topics = append(mr.Topics, denied.Index(i).Interface().(kmsg.MetadataResponseTopic))
			}
		})
	}
	v := Verdict{Allow: true, Relay: relay, Denied: c.denied}
	v.Filter = chain(append([]func(kmsg.Response){learn, c.a.operationsFilter(r)}, filters...)...)
	return v
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (a *Authorizer) learnFromMetadata(resp kmsg.Response) {
	if mr, ok := resp.(*kmsg.MetadataResponse); ok {
		for _, t := range mr.Topics {
			if t.Topic != nil {
				a.LearnTopicID(t.TopicID, *t.Topic)
			}
		}
	}
}

// offsetFetch: DESCRIBE on the group (kafka-cluster:DescribeGroup) and on
// each topic (kafka-cluster:DescribeTopic). Fetching all of a group's topics
// relays and drops the topics the principal may not describe.
func (c *check) offsetFetch(r *kmsg.OffsetFetchRequest) Verdict {
	describable := func(name string) bool {
		return c.a.Policy.Decide(ActDescribeTopic, c.a.Cluster.TopicARN(name)) == Allow
	}
	if r.Version < 8 {
		if !c.group(ActDescribeGroup, r.Group) {
			return c.whole(r, codeGroupAuth)
		}
		if r.Topics == nil {
			v := c.relay(r)
			v.Filter = func(resp kmsg.Response) {
				or := resp.(*kmsg.OffsetFetchResponse)
				kept := or.Topics[:0]
				for _, t := range or.Topics {
					if describable(t.Topic) {
						kept = append(kept, t)
					}
				}
				or.Topics = kept
			}
			return v
		}
		return c.perTopic(r, ActDescribeTopic, len(r.Topics), func(i int) (string, [16]byte) { return r.Topics[i].Topic, [16]byte{} })
	}
	// v8+: batched groups, each with its own topics.
	groupCodes := make([]int16, len(r.Groups))
	type topicDenial struct {
		group   string
		entries []kmsg.OffsetFetchResponseGroupTopic
	}
	var perGroup []topicDenial
	trimmed := false
	groups := make([]kmsg.OffsetFetchRequestGroup, len(r.Groups))
	copy(groups, r.Groups)
	for i, g := range r.Groups {
		if !c.group(ActDescribeGroup, g.Group) {
			groupCodes[i] = codeGroupAuth
			continue
		}
		if g.Topics == nil {
			continue
		}
		var keep []kmsg.OffsetFetchRequestGroupTopic
		td := topicDenial{group: g.Group}
		for _, t := range g.Topics {
			code := c.topicCode(ActDescribeTopic, t.Topic, t.TopicID)
			if code == 0 {
				keep = append(keep, t)
				continue
			}
			e := kmsg.NewOffsetFetchResponseGroupTopic()
			e.Topic, e.TopicID = t.Topic, t.TopicID
			for _, p := range t.Partitions {
				ep := kmsg.NewOffsetFetchResponseGroupTopicPartition()
				ep.Partition, ep.ErrorCode = p, code
				e.Partitions = append(e.Partitions, ep)
			}
			td.entries = append(td.entries, e)
		}
		if len(td.entries) > 0 {
			if keep == nil {
				keep = []kmsg.OffsetFetchRequestGroupTopic{} // non-nil: nil would mean all topics
			}
			groups[i].Topics = keep
			perGroup = append(perGroup, td)
			trimmed = true
		}
	}
	req := r
	if trimmed {
		cp := *r
		cp.Groups = groups
		req = &cp
	}
	s := split(req, "Groups", groupCodes)
	if s.relay == nil {
		return c.respond(s.resp)
	}
	allTopics := func(resp kmsg.Response) {
		or := resp.(*kmsg.OffsetFetchResponse)
		for gi := range or.Groups {
			g := &or.Groups[gi]
			for _, rg := range r.Groups {
				if rg.Group == g.Group && rg.Topics == nil {
					kept := g.Topics[:0]
					for _, t := range g.Topics {
						if name, ok := c.a.topicName(t.Topic, t.TopicID); ok && describable(name) {
							kept = append(kept, t)
						}
					}
					g.Topics = kept
				}
			}
			for _, td := range perGroup {
				if td.group == g.Group {
					g.Topics = append(g.Topics, td.entries...)
				}
			}
		}
	}
	return c.fromSplit(s, allTopics)
}

// findCoordinator: DESCRIBE on the group (kafka-cluster:DescribeGroup) or on
// the transactional ID (kafka-cluster:DescribeTransactionalState).
func (c *check) findCoordinator(r *kmsg.FindCoordinatorRequest) Verdict {
	code := func(key string) int16 {
		switch r.CoordinatorType {
		case 0:
			if !c.group(ActDescribeGroup, key) {
				return codeGroupAuth
			}
		case 1:
			if !c.txn(ActDescribeTransactionalState, key) {
				return codeTxnAuth
			}
		default: // 2: share coordinator keys are used between brokers
			c.denied = append(c.denied, Denial{Action: "FindCoordinator(share)", Resource: c.a.Cluster.ARN(), Reason: "share coordinator lookup is an inter-broker request"})
			return codeClusterAuth
		}
		return 0
	}
	if r.Version < 4 {
		if cd := code(r.CoordinatorKey); cd != 0 {
			resp := denyWhole(r, cd).(*kmsg.FindCoordinatorResponse)
			resp.NodeID, resp.Port = -1, -1
			return c.respond(resp)
		}
		return c.relay(r)
	}
	codes := make([]int16, len(r.CoordinatorKeys))
	for i, k := range r.CoordinatorKeys {
		codes[i] = code(k)
	}
	s := split(r, "CoordinatorKeys", codes)
	for i := 0; s.nDenied > 0 && i < s.denied.Len(); i++ {
		e := s.denied.Index(i).Addr().Interface().(*kmsg.FindCoordinatorResponseCoordinator)
		e.NodeID, e.Port = -1, -1
	}
	return c.fromSplit(s)
}

// createTopics: CREATE on each topic (kafka-cluster:CreateTopic). The configs
// Kafka returns for a created topic (v5+) need DESCRIBE_CONFIGS on it
// (kafka-cluster:DescribeTopicDynamicConfiguration); without it they are
// withheld and ConfigErrorCode is TOPIC_AUTHORIZATION_FAILED, as Kafka does.
func (c *check) createTopics(r *kmsg.CreateTopicsRequest) Verdict {
	codes := make([]int16, len(r.Topics))
	for i, t := range r.Topics {
		codes[i] = c.topicCode(ActCreateTopic, t.Topic, [16]byte{})
	}
	s := split(r, "Topics", codes)
	configs := func(resp kmsg.Response) {
		cr := resp.(*kmsg.CreateTopicsResponse)
		for i := range cr.Topics {
			t := &cr.Topics[i]
			c.a.LearnTopicID(t.TopicID, t.Topic)
			if t.ErrorCode == 0 && c.a.Policy.Decide(ActDescribeTopicDynamicConfiguration, c.a.Cluster.TopicARN(t.Topic)) != Allow {
				t.Configs = nil
				t.ConfigErrorCode = codeTopicAuth
			}
		}
	}
	return c.fromSplit(s, configs)
}

// deleteTopics: DESCRIBE and DELETE on each topic (kafka-cluster:DescribeTopic,
// kafka-cluster:DeleteTopic).
func (c *check) deleteTopics(r *kmsg.DeleteTopicsRequest) Verdict {
	one := func(name string, id [16]byte) int16 {
		if cd := c.topicCode(ActDescribeTopic, name, id); cd != 0 {
			return cd
		}
		return c.topicCode(ActDeleteTopic, name, id)
	}
	if r.Version < 6 {
		codes := make([]int16, len(r.TopicNames))
		for i, t := range r.TopicNames {
			codes[i] = one(t, [16]byte{})
		}
		return c.fromSplit(split(r, "TopicNames", codes))
	}
	codes := make([]int16, len(r.Topics))
	for i, t := range r.Topics {
		name := ""
		if t.Topic != nil {
			name = *t.Topic
		}
		codes[i] = one(name, t.TopicID)
	}
	return c.fromSplit(split(r, "Topics", codes))
}

// initProducerID: a transactional producer needs WRITE on its transactional
// ID (kafka-cluster:AlterTransactionalState). An idempotent producer needs
// IDEMPOTENT_WRITE on the cluster (kafka-cluster:WriteDataIdempotently) or,
// since Kafka 2.8 (KIP-679), WRITE on every topic: MSK documents that
// WriteData on all topics of the cluster implies WriteDataIdempotently, and
// that WriteData on some topics does not
// (https://docs.aws.amazon.com/msk/latest/developerguide/create-iam-access-control-policies.html).
func (c *check) initProducerID(r *kmsg.InitProducerIDRequest) Verdict {
	if r.TransactionalID != nil {
		if !c.txn(ActAlterTransactionalState, *r.TransactionalID) {
			return c.whole(r, codeTxnAuth)
		}
		return c.relay(r)
	}
	p, cl := c.a.Policy, c.a.Cluster
	if p.Decide(ActWriteDataIdempotently, cl.ARN()) == Allow || p.DecidePrefix(ActWriteData, cl.TopicARN("")) == Allow {
		return c.relay(r)
	}
	c.denied = append(c.denied, Denial{Action: ActWriteDataIdempotently, Resource: cl.ARN()})
	return c.whole(r, codeClusterAuth)
}

// configResource is one resource of a Describe/Alter(Incremental)Configs.
type configResource struct {
	typ  kmsg.ConfigResourceType
	name string
}

func describeConfigsResources(r *kmsg.DescribeConfigsRequest) []configResource {
	out := make([]configResource, len(r.Resources))
	for i, x := range r.Resources {
		out[i] = configResource{x.ResourceType, x.ResourceName}
	}
	return out
}

func alterConfigsResources(r *kmsg.AlterConfigsRequest) []configResource {
	out := make([]configResource, len(r.Resources))
	for i, x := range r.Resources {
		out[i] = configResource{x.ResourceType, x.ResourceName}
	}
	return out
}

func incrementalAlterConfigsResources(r *kmsg.IncrementalAlterConfigsRequest) []configResource {
	out := make([]configResource, len(r.Resources))
	for i, x := range r.Resources {
		out[i] = configResource{x.ResourceType, x.ResourceName}
	}
	return out
}

// configs: DESCRIBE_CONFIGS / ALTER_CONFIGS on a topic
// (kafka-cluster:Describe/AlterTopicDynamicConfiguration) or on the cluster
// for broker, broker-logger and client-metrics resources
// (kafka-cluster:Describe/AlterClusterDynamicConfiguration). Group configs
// (KIP-848) have no MSK action and are denied.
func (c *check) configs(req kmsg.Request, field string, res []configResource, alter bool) Verdict {
	topicAct, clusterAct := ActDescribeTopicDynamicConfiguration, ActDescribeClusterDynamicConfiguration
	if alter {
		topicAct, clusterAct = ActAlterTopicDynamicConfiguration, ActAlterClusterDynamicConfiguration
	}
	codes := make([]int16, len(res))
	for i, x := range res {
		switch x.typ {
		case kmsg.ConfigResourceTypeTopic:
			codes[i] = c.topicCode(topicAct, x.name, [16]byte{})
		case kmsg.ConfigResourceTypeBroker, kmsg.ConfigResourceTypeBrokerLogger, kmsg.ConfigResourceTypeClientMetrics:
			if !c.cluster(clusterAct) {
				codes[i] = codeClusterAuth
			}
		case kmsg.ConfigResourceTypeGroupConfig:
			c.denied = append(c.denied, Denial{Action: kmsg.NameForKey(req.Key()), Resource: c.a.Cluster.GroupARN(x.name), Reason: "group configs have no MSK IAM action"})
			codes[i] = codeGroupAuth
		default:
			c.denied = append(c.denied, Denial{Action: kmsg.NameForKey(req.Key()), Resource: c.a.Cluster.ARN(), Reason: "unknown config resource type " + x.typ.String()})
			codes[i] = codeClusterAuth
		}
	}
	return c.fromSplit(split(req, field, codes))
}

// describeTopicPartitions: DESCRIBE on each topic (kafka-cluster:DescribeTopic);
// with no topics named, all topics are listed and undescribable ones dropped.
func (c *check) describeTopicPartitions(r *kmsg.DescribeTopicPartitionsRequest) Verdict {
	if len(r.Topics) == 0 {
		v := c.relay(r)
		v.Filter = func(resp kmsg.Response) {
			dr := resp.(*kmsg.DescribeTopicPartitionsResponse)
			kept := dr.Topics[:0]
			for _, t := range dr.Topics {
				if t.Topic != nil && c.a.Policy.Decide(ActDescribeTopic, c.a.Cluster.TopicARN(*t.Topic)) == Allow {
					kept = append(kept, t)
				}
			}
			dr.Topics = kept
		}
		return v
	}
	codes := make([]int16, len(r.Topics))
	for i, t := range r.Topics {
		codes[i] = c.topicCode(ActDescribeTopic, t.Topic, [16]byte{})
	}
	s := split(r, "Topics", codes)
	if s.relay == nil {
		return c.respond(s.resp)
	}
	return c.fromSplit(s)
}
