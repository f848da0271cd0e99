package mskauthz

import (
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The kafka-cluster: actions of MSK IAM access control
// (https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html).
// Each is documented as equivalent to a Kafka ACL operation on a resource
// type, noted beside it; Kafka's per-API ACL requirements (Apache Kafka
// documentation, "Operations and Resources on Protocols") then give the
// action(s) each Kafka request needs.
const (
	ActConnect                             = "kafka-cluster:Connect"                             // authentication
	ActDescribeCluster                     = "kafka-cluster:DescribeCluster"                     // DESCRIBE CLUSTER
	ActAlterCluster                        = "kafka-cluster:AlterCluster"                        // ALTER CLUSTER
	ActDescribeClusterDynamicConfiguration = "kafka-cluster:DescribeClusterDynamicConfiguration" // DESCRIBE_CONFIGS CLUSTER
	ActAlterClusterDynamicConfiguration    = "kafka-cluster:AlterClusterDynamicConfiguration"    // ALTER_CONFIGS CLUSTER
	ActWriteDataIdempotently               = "kafka-cluster:WriteDataIdempotently"               // IDEMPOTENT_WRITE CLUSTER
	ActCreateTopic                         = "kafka-cluster:CreateTopic"                         // CREATE CLUSTER/TOPIC
	ActDescribeTopic                       = "kafka-cluster:DescribeTopic"                       // DESCRIBE TOPIC
	ActAlterTopic                          = "kafka-cluster:AlterTopic"                          // ALTER TOPIC
	ActDeleteTopic                         = "kafka-cluster:DeleteTopic"                         // DELETE TOPIC
	ActDescribeTopicDynamicConfiguration   = "kafka-cluster:DescribeTopicDynamicConfiguration"   // DESCRIBE_CONFIGS TOPIC
	ActAlterTopicDynamicConfiguration      = "kafka-cluster:AlterTopicDynamicConfiguration"      // ALTER_CONFIGS TOPIC
	ActReadData                            = "kafka-cluster:ReadData"                            // READ TOPIC
	ActWriteData                           = "kafka-cluster:WriteData"                           // WRITE TOPIC
	ActDescribeGroup                       = "kafka-cluster:DescribeGroup"                       // DESCRIBE GROUP
	ActAlterGroup                          = "kafka-cluster:AlterGroup"                          // READ GROUP
	ActDeleteGroup                         = "kafka-cluster:DeleteGroup"                         // DELETE GROUP
	ActDescribeTransactionalState          = "kafka-cluster:DescribeTransactionalState"          // DESCRIBE TRANSACTIONAL_ID
	ActAlterTransactionalState             = "kafka-cluster:AlterTransactionalState"             // WRITE TRANSACTIONAL_ID
)

// Kafka error codes used in denials.
var (
	codeTopicAuth   = kerr.TopicAuthorizationFailed.Code
	codeGroupAuth   = kerr.GroupAuthorizationFailed.Code
	codeClusterAuth = kerr.ClusterAuthorizationFailed.Code
	codeTxnAuth     = kerr.TransactionalIDAuthorizationFailed.Code
	codeUnknownID   = kerr.UnknownTopicID.Code
	codeNotTried    = kerr.OperationNotAttempted.Code
	codeUnknownTP   = kerr.UnknownTopicOrPartition.Code
)

// Authorizer decides, for one authenticated principal, what MSK IAM access
// control would let each Kafka request do. Use it by pointer and share one
// Authorizer across all of a principal's connections: it learns topic IDs
// from the Metadata responses it filters, which requests that name topics only
// by ID (Fetch v13+, ...) need. Cluster and Policy must not change while Check
// runs; swap the whole Authorizer to change the policy.
type Authorizer struct {
	Cluster Cluster
	Policy  *Policy

	// TopicNames optionally resolves a topic ID to its name (for example by
	// asking the broker). When nil or when it does not know the ID, IDs
	// learned from relayed Metadata and CreateTopics responses are used; an
	// ID known to neither is answered with UNKNOWN_TOPIC_ID, which makes
	// clients refresh metadata.
	TopicNames func(id [16]byte) (string, bool)

	// AutoCreateTopics is the cluster's auto.create.topics.enable (false on
	// MSK by default). A Metadata request that asks to auto-create topics
	// the principal may not create is always relayed with auto-creation
	// off; with AutoCreateTopics the broker's UNKNOWN_TOPIC_OR_PARTITION for
	// them becomes TOPIC_AUTHORIZATION_FAILED, as Kafka answers when it
	// would have created the topic but the principal lacks CREATE.
	AutoCreateTopics bool

	learned sync.Map // [16]byte -> string
}

// Denial is one permission the request lacked: the action and the resource
// ARN, as MSK would log them. Reason is set when the denial is not a policy
// decision (an unsupported API, an unknown topic ID).
type Denial struct {
	Action, Resource string
	Reason           string
}

func (d Denial) String() string {
	s := d.Action + " on " + d.Resource
	if d.Reason != "" {
		s += " (" + d.Reason + ")"
	}
	return s
}

// Verdict is what the front does with one request.
//
//   - Allow: relay Relay to the broker. Relay is the request itself when
//     nothing was denied (the front may forward the original bytes), or a
//     copy trimmed of the denied parts. Then run Filter, when set, on the
//     broker's response before encoding it for the client: it merges the
//     denied parts' errors back in, drops topics/groups the principal may not
//     describe, and learns topic IDs.
//   - !Allow: send Response, the complete response (version = the request's),
//     instead of relaying anything.
//   - CloseConnection: close the client connection after the above, as Kafka
//     does when an acks=0 Produce has any error (acks=0 has no response, so
//     closing is the only signal a client gets). With !Allow and a nil
//     Response, send nothing and close.
//
// Denied lists every permission that was missing, for logging.
type Verdict struct {
	Allow           bool
	Relay           kmsg.Request
	Response        kmsg.Response
	Filter          func(kmsg.Response)
	Denied          []Denial
	CloseConnection bool
}

// DeniedError is returned by CanConnect.
type DeniedError struct{ Denial Denial }

func (e *DeniedError) Error() string {
	return "not authorized: the policy does not allow " + e.Denial.String()
}

// CanConnect reports whether the policy allows kafka-cluster:Connect on the
// cluster ARN, which MSK checks when a client authenticates. A non-nil error
// is a *DeniedError.
func (a *Authorizer) CanConnect() error {
	arn := a.Cluster.ARN()
	if d := a.Policy.Decide(ActConnect, arn); d != Allow {
		return &DeniedError{Denial{Action: ActConnect, Resource: arn, Reason: d.String()}}
	}
	return nil
}

// LearnTopicID records a topic ID to name mapping for requests that name
// topics by ID only.
func (a *Authorizer) LearnTopicID(id [16]byte, name string) {
	if id != ([16]byte{}) && name != "" {
		a.learned.Store(id, name)
	}
}

func (a *Authorizer) topicName(name string, id [16]byte) (string, bool) {
	if name != "" {
		return name, true
	}
	if id == ([16]byte{}) {
		return "", false
	}
	if a.TopicNames != nil {
		if n, ok := a.TopicNames(id); ok {
			return n, true
		}
	}
	if v, ok := a.learned.Load(id); ok {
		return v.(string), true
	}
	return "", false
}

// check accumulates the denials of one Check call.
type check struct {
	a      *Authorizer
	denied []Denial
}

func (c *check) allowed(action, arn string) bool {
	if d := c.a.Policy.Decide(action, arn); d != Allow {
		c.denied = append(c.denied, Denial{Action: action, Resource: arn})
		return false
	}
	return true
}

func (c *check) cluster(action string) bool { return c.allowed(action, c.a.Cluster.ARN()) }
func (c *check) group(action, g string) bool {
	return c.allowed(action, c.a.Cluster.GroupARN(g))
}
func (c *check) txn(action, id string) bool {
	return c.allowed(action, c.a.Cluster.TransactionalIDARN(id))
}

// topicCode authorizes action on a topic named by name or ID and returns 0,
// TOPIC_AUTHORIZATION_FAILED, or UNKNOWN_TOPIC_ID when the ID is unknown.
func (c *check) topicCode(action, name string, id [16]byte) int16 {
	n, ok := c.a.topicName(name, id)
	if !ok {
		c.denied = append(c.denied, Denial{Action: action, Resource: c.a.Cluster.TopicARN("<id " + fmt.Sprintf("%x", id) + ">"), Reason: "unknown topic ID"})
		return codeUnknownID
	}
	if !c.allowed(action, c.a.Cluster.TopicARN(n)) {
		return codeTopicAuth
	}
	return 0
}

func (c *check) relay(req kmsg.Request) Verdict {
	return Verdict{Allow: true, Relay: req, Denied: c.denied}
}

func (c *check) respond(resp kmsg.Response) Verdict {
	return Verdict{Response: resp, Denied: c.denied}
}

func (c *check) whole(req kmsg.Request, code int16) Verdict {
	return c.respond(denyWhole(req, code))
}

func (c *check) unsupported(req kmsg.Request, why string) Verdict {
	c.denied = append(c.denied, Denial{Action: kmsg.NameForKey(req.Key()), Resource: c.a.Cluster.ARN(), Reason: why})
	return c.whole(req, codeClusterAuth)
}

// fromSplit turns a split into a Verdict: relay (possibly trimmed) with a
// Filter appending the denied entries, or the complete denial response.
func (c *check) fromSplit(s splitResult, extra ...func(kmsg.Response)) Verdict {
	if s.relay == nil {
		return c.respond(s.resp)
	}
	v := c.relay(s.relay)
	v.Filter = chain(append([]func(kmsg.Response){s.appendEntries()}, extra...)...)
	return v
}
