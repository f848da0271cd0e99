// Package mskauthz authorizes Kafka requests the way Amazon MSK's IAM access
// control does, so that the local MSK-like environment enforces the same IAM
// policy the Terraform module gives the Databricks role, and a missing
// permission shows up locally as the Kafka error a client would get from MSK.
//
// # Model
//
// A principal has one IAM identity-based policy (ParsePolicy). A client
// authenticates (the front checks kafka-cluster:Connect on the cluster ARN
// with CanConnect), then every Kafka request is mapped to the kafka-cluster:
// actions MSK requires for it, on the cluster, topic, group or
// transactional-id ARN (Cluster), and each is evaluated like IAM evaluates a
// single identity policy (Policy.Decide): an explicit Deny wins, otherwise a
// matching Allow allows, otherwise the request is implicitly denied.
//
// Check returns a Verdict: relay the request as is; relay a copy trimmed of
// the parts the principal may not touch and merge their errors back into the
// broker's response with Filter, as a Kafka broker answers such parts; or
// answer with a complete error response without relaying. acks=0 Produce has
// no response: on any denial the verdict asks the front to close the
// connection (after relaying the permitted part), as Kafka does.
//
// # Policy language supported
//
// Version 2012-10-17 or 2008-10-17 (optional), Id, Statement as an object or
// an array; per statement Sid, Effect (Allow|Deny), Action or NotAction,
// Resource or NotResource, each a string or an array, with the * and ?
// wildcards. Actions match case-insensitively, resources case-sensitively.
// Condition, Principal, NotPrincipal, policy variables (${...}) and any
// unknown element are parse errors naming the statement and element: they are
// never ignored, because ignoring a Condition would make a policy more
// permissive here than in AWS.
//
// # Source of the mapping
//
// MSK documents each kafka-cluster: action as equivalent to an Apache Kafka
// ACL operation on a resource type ("Semantics of IAM authorization policy
// actions and resources",
// https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html):
//
//	Connect                              (authentication)
//	DescribeCluster                      DESCRIBE CLUSTER
//	AlterCluster                         ALTER CLUSTER
//	DescribeClusterDynamicConfiguration  DESCRIBE_CONFIGS CLUSTER
//	AlterClusterDynamicConfiguration     ALTER_CONFIGS CLUSTER
//	WriteDataIdempotently                IDEMPOTENT_WRITE CLUSTER
//	CreateTopic                          CREATE CLUSTER/TOPIC   (topic ARN)
//	DescribeTopic                        DESCRIBE TOPIC
//	AlterTopic                           ALTER TOPIC
//	DeleteTopic                          DELETE TOPIC
//	DescribeTopicDynamicConfiguration    DESCRIBE_CONFIGS TOPIC
//	AlterTopicDynamicConfiguration       ALTER_CONFIGS TOPIC
//	ReadData                             READ TOPIC
//	WriteData                            WRITE TOPIC
//	DescribeGroup                        DESCRIBE GROUP
//	AlterGroup                           READ GROUP
//	DeleteGroup                          DELETE GROUP
//	DescribeTransactionalState           DESCRIBE TRANSACTIONAL_ID
//	AlterTransactionalState              WRITE TRANSACTIONAL_ID
//
// and Apache Kafka documents which ACLs each API needs ("Operations and
// Resources on Protocols" in Kafka's security documentation). Composing the
// two gives, for the APIs clients use (error on denial in brackets):
//
//	Produce              WriteData per topic [TOPIC_AUTHORIZATION_FAILED per partition];
//	                     transactional: AlterTransactionalState [TRANSACTIONAL_ID_AUTHORIZATION_FAILED]
//	Fetch                ReadData per topic [TOPIC_AUTHORIZATION_FAILED]; follower fetch: denied
//	ListOffsets          DescribeTopic per topic [TOPIC_AUTHORIZATION_FAILED]
//	Metadata             DescribeTopic per named topic [TOPIC_AUTHORIZATION_FAILED], all topics:
//	                     undescribable ones dropped; auto-creation needs CreateTopic
//	OffsetCommit         AlterGroup [GROUP_AUTHORIZATION_FAILED] + ReadData per topic
//	OffsetFetch          DescribeGroup [GROUP_..] + DescribeTopic per topic (all topics: filtered)
//	FindCoordinator      DescribeGroup [GROUP_..] or DescribeTransactionalState [TRANSACTIONAL_ID_..]
//	Join/Sync/Heartbeat/LeaveGroup  AlterGroup [GROUP_AUTHORIZATION_FAILED]
//	DescribeGroups       DescribeGroup per group; ListGroups: DescribeCluster, else filtered
//	CreateTopics         CreateTopic per topic; returned configs need DescribeTopicDynamicConfiguration
//	DeleteTopics         DescribeTopic + DeleteTopic per topic; DeleteRecords: DeleteTopic
//	CreatePartitions     AlterTopic per topic
//	InitProducerId       transactional: AlterTransactionalState [TRANSACTIONAL_ID_..];
//	                     idempotent: WriteDataIdempotently, or WriteData on every topic
//	                     of the cluster (KIP-679, as MSK documents) [CLUSTER_AUTHORIZATION_FAILED]
//	Add{Partitions,Offsets}ToTxn, EndTxn, TxnOffsetCommit  AlterTransactionalState (+ WriteData,
//	                     AlterGroup, ReadData as Kafka requires)
//	Describe/Alter(Incremental)Configs  Describe/Alter{Topic,Cluster}DynamicConfiguration per resource
//	DescribeCluster, DescribeLogDirs, DescribeAcls, ...  DescribeCluster [CLUSTER_..]
//	CreateAcls, DeleteAcls, ElectLeaders, reassignments, ...  AlterCluster [CLUSTER_..]
//	DeleteGroups, OffsetDelete  DeleteGroup (+ ReadData per topic)
//	KIP-848/932/1071 group APIs  AlterGroup / DescribeGroup (+ topic actions)
//
// The complete table is Check (apis.go); every API key kmsg knows is either
// mapped there or denied. Deliberate choices:
//
//   - ApiVersions, SaslHandshake and SaslAuthenticate are the front's business
//     and always pass; so do client telemetry APIs (Kafka authorizes no resource).
//   - Inter-broker and controller APIs (LeaderAndIsr, follower Fetch,
//     WriteTxnMarkers, Raft, broker registration, share-group state, ...) and
//     delegation tokens have no MSK action and are denied with
//     CLUSTER_AUTHORIZATION_FAILED. An API missing from the table is denied
//     the same way: failing closed keeps an unmapped API from becoming a
//     bypass.
//   - DescribeCluster requires kafka-cluster:DescribeCluster; Apache Kafka
//     itself lets any client call it.
//   - Idempotent Produce is authorized once at InitProducerId, as Kafka does
//     since 2.8; MSK's documentation notes WriteData on some topics does not
//     imply WriteDataIdempotently, so a prefix-scoped policy needs it.
//   - A Metadata request never auto-creates a topic the principal may not
//     create (CreateTopic); whether a missing topic then reads
//     UNKNOWN_TOPIC_OR_PARTITION (MSK's default, auto.create.topics.enable
//     false) or TOPIC_AUTHORIZATION_FAILED follows Authorizer.AutoCreateTopics.
//   - Group configs (KIP-848) have no MSK action and are denied.
//   - Requests naming topics only by ID (Fetch v13+, Produce v13, ...) are
//     resolved with Authorizer.TopicNames or IDs learned from relayed Metadata
//     and CreateTopics responses; an unknown ID gets UNKNOWN_TOPIC_ID.
//   - Some multi-part admin requests are all-or-nothing where Kafka applies
//     them per part (ConsumerGroupHeartbeat subscriptions, share fetch).
//
// Authorized-operations bitfields a client asks for (Metadata,
// DescribeGroups, DescribeCluster) are recomputed from the policy.
//
// Not modelled: authorized operations in the KIP-848/932/1071 describe APIs,
// fetch sessions are not re-authorized for partitions added earlier, and AWS-side
// policy evaluation beyond one identity policy (SCPs, permission boundaries,
// session policies).
package mskauthz
