package mskauthz

import "github.com/twmb/franz-go/pkg/kmsg"

// Kafka reports "authorized operations" as a bitfield of ACL operation codes
// (org.apache.kafka.common.acl.AclOperation) when a client asks for them
// (Metadata v8+, DescribeGroups v3+, DescribeCluster). The broker behind the
// front does not know the IAM policy, so these filters recompute the field
// from it, through the same action-to-ACL equivalences as Check.
const (
	opRead            = 3
	opWrite           = 4
	opCreate          = 5
	opDelete          = 6
	opAlter           = 7
	opDescribe        = 8
	opDescribeConfigs = 10
	opAlterConfigs    = 11
	opIdempotentWrite = 12
)

type opAction struct {
	op     int32
	action string
}

var (
	topicOps = []opAction{
		{opRead, ActReadData}, {opWrite, ActWriteData}, {opCreate, ActCreateTopic},
		{opDelete, ActDeleteTopic}, {opAlter, ActAlterTopic}, {opDescribe, ActDescribeTopic},
		{opDescribeConfigs, ActDescribeTopicDynamicConfiguration}, {opAlterConfigs, ActAlterTopicDynamicConfiguration},
	}
	groupOps   = []opAction{{opRead, ActAlterGroup}, {opDescribe, ActDescribeGroup}, {opDelete, ActDeleteGroup}}
	clusterOps = []opAction{
		{opAlter, ActAlterCluster}, {opDescribe, ActDescribeCluster},
		{opDescribeConfigs, ActDescribeClusterDynamicConfiguration}, {opAlterConfigs, ActAlterClusterDynamicConfiguration},
		{opIdempotentWrite, ActWriteDataIdempotently},
	}
)

func (a *Authorizer) ops(table []opAction, arn string) int32 {
	var bits int32
	for _, oa := range table {
		if a.Policy.Decide(oa.action, arn) == Allow {
			bits |= 1 << oa.op
		}
	}
	return bits
}

// TopicOperations, GroupOperations and ClusterOperations return the Kafka
// authorized-operations bitfield the policy grants on a topic, a group, or
// the cluster.
func (a *Authorizer) TopicOperations(topic string) int32 {
	return a.ops(topicOps, a.Cluster.TopicARN(topic))
}

func (a *Authorizer) GroupOperations(group string) int32 {
	return a.ops(groupOps, a.Cluster.GroupARN(group))
}

func (a *Authorizer) ClusterOperations() int32 {
	return a.ops(clusterOps, a.Cluster.ARN())
}

// operationsFilter returns a Filter that rewrites the authorized-operations
// fields the request asked for, or nil.
func (a *Authorizer) operationsFilter(req kmsg.Request) func(kmsg.Response) {
	switch r := req.(type) {
	case *kmsg.MetadataRequest:
		if r.Version < 8 || (!r.IncludeTopicAuthorizedOperations && !r.IncludeClusterAuthorizedOperations) {
			return nil
		}
		topics, cluster := r.IncludeTopicAuthorizedOperations, r.IncludeClusterAuthorizedOperations && r.Version <= 10
		return func(resp kmsg.Response) {
			mr := resp.(*kmsg.MetadataResponse)
			if cluster {
				mr.AuthorizedOperations = a.ClusterOperations()
			}
			for i := range mr.Topics {
				t := &mr.Topics[i]
				if topics && t.ErrorCode == 0 && t.Topic != nil {
					t.AuthorizedOperations = a.TopicOperations(*t.Topic)
				}
			}
		}
	case *kmsg.DescribeGroupsRequest:
		if r.Version < 3 || !r.IncludeAuthorizedOperations {
			return nil
		}
		return func(resp kmsg.Response) {
			dr := resp.(*kmsg.DescribeGroupsResponse)
			for i := range dr.Groups {
				if g := &dr.Groups[i]; g.ErrorCode == 0 {
					g.AuthorizedOperations = a.GroupOperations(g.Group)
				}
			}
		}
	case *kmsg.DescribeClusterRequest:
		if !r.IncludeClusterAuthorizedOperations {
			return nil
		}
		return func(resp kmsg.Response) {
			resp.(*kmsg.DescribeClusterResponse).ClusterAuthorizedOperations = a.ClusterOperations()
		}
	}
	return nil
}
