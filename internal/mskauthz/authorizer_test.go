package mskauthz

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func strp(s string) *string { return &s }

func produceReq(acks int16, topics ...string) *kmsg.ProduceRequest {
	r := kmsg.NewPtrProduceRequest()
	r.Version, r.Acks = 9, acks
	for _, t := range topics {
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = t
		for p := int32(0); p < 2; p++ {
			rp := kmsg.NewProduceRequestTopicPartition()
			rp.Partition = p
			rt.Partitions = append(rt.Partitions, rp)
		}
		r.Topics = append(r.Topics, rt)
	}
	return r
}

func fetchReq(version int16, topics ...string) *kmsg.FetchRequest {
	r := kmsg.NewPtrFetchRequest()
	r.Version = version
	for _, t := range topics {
		rt := kmsg.NewFetchRequestTopic()
		if version >= 13 {
			rt.TopicID = idOf(t)
		} else {
			rt.Topic = t
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rt.Partitions = append(rt.Partitions, rp)
		r.Topics = append(r.Topics, rt)
	}
	return r
}

func idOf(topic string) [16]byte {
	var id [16]byte
	copy(id[:], "id-"+topic)
	return id
}

func metadataReq(version int16, auto bool, topics ...string) *kmsg.MetadataRequest {
	r := kmsg.NewPtrMetadataRequest()
	r.Version, r.AllowAutoTopicCreation = version, auto
	for _, t := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = strp(t)
		r.Topics = append(r.Topics, rt)
	}
	return r
}

func metadataResp(version int16, topics map[string]int16) *kmsg.MetadataResponse {
	r := kmsg.NewPtrMetadataResponse()
	r.Version = version
	for _, t := range slices.Sorted(maps.Keys(topics)) {
		rt := kmsg.NewMetadataResponseTopic()
		rt.Topic, rt.TopicID, rt.ErrorCode = strp(t), idOf(t), topics[t]
		r.Topics = append(r.Topics, rt)
	}
	return r
}

// Policies used below. "reader" may read and write t1 (and any topic named
// ok-*), use group g1, and has nothing on t2 or g2.
var (
	readerStmts = []string{
		stmt("Allow", acts("Connect", "DescribeCluster"), clusterARN),
		stmt("Allow", acts("DescribeTopic", "ReadData", "WriteData"), topicARN("t1"), topicARN("ok-*")),
		stmt("Allow", acts("DescribeGroup", "AlterGroup"), groupARN("g1")),
		stmt("Allow", acts("DescribeTransactionalState", "AlterTransactionalState"), txnARN("tx1")),
	}
)

type authzCase struct {
	name  string
	stmts []string
	req   kmsg.Request
	// Relayed: wantRelay lists the identifiers left in relayField of the
	// relayed request (nil: not relayed). Denied locally: wantCodes.
	relayField string
	wantRelay  []string
	wantCodes  map[string]int16 // errors in Response, or in brokerResp after Filter
	brokerResp kmsg.Response    // simulated broker answer to the relayed request
	wantClose  bool
	autoCreate bool     // Authorizer.AutoCreateTopics
	wantDenied []string // Denial.Action of each missing permission
	check      func(t *testing.T, v Verdict)
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tcs := []authzCase{
		{
			name: "produce allowed", stmts: readerStmts, req: produceReq(-1, "t1", "ok-a"),
			relayField: "Topics", wantRelay: []string{"ok-a", "t1"},
			check: func(t *testing.T, v Verdict) {
				if v.Filter != nil {
					t.Error("fully allowed produce has a filter")
				}
			},
		},
		{
			name: "produce one topic denied", stmts: readerStmts, req: produceReq(-1, "t1", "t2"),
			relayField: "Topics", wantRelay: []string{"t1"},
			brokerResp: func() kmsg.Response {
				r := kmsg.NewPtrProduceResponse()
				rt := kmsg.NewProduceResponseTopic()
				rt.Topic = "t1"
				rt.Partitions = []kmsg.ProduceResponseTopicPartition{{Partition: 0}, {Partition: 1}}
				r.Topics = append(r.Topics, rt)
				return r
			}(),
			wantCodes:  map[string]int16{"t2/0": 29, "t2/1": 29},
			wantDenied: []string{ActWriteData},
		},
		{
			name: "produce all denied", stmts: readerStmts, req: produceReq(1, "t2", "t3"),
			wantCodes:  map[string]int16{"t2/0": 29, "t2/1": 29, "t3/0": 29, "t3/1": 29},
			wantDenied: []string{ActWriteData, ActWriteData},
		},
		{
			name: "produce acks=0 partly denied relays and closes", stmts: readerStmts, req: produceReq(0, "t1", "t2"),
			relayField: "Topics", wantRelay: []string{"t1"}, wantClose: true, wantDenied: []string{ActWriteData},
			check: func(t *testing.T, v Verdict) {
				if v.Filter != nil || v.Response != nil {
					t.Error("acks=0 has no response to filter or send")
				}
			},
		},
		{
			name: "produce acks=0 all denied closes without response", stmts: readerStmts, req: produceReq(0, "t2"),
			wantClose: true, wantDenied: []string{ActWriteData}, wantCodes: map[string]int16{},
		},
		{
			name: "transactional produce without transactional-id permission", stmts: readerStmts,
			req: func() kmsg.Request {
				r := produceReq(-1, "t1")
				r.TransactionID = strp("tx2")
				return r
			}(),
			wantCodes: map[string]int16{"t1/0": 53, "t1/1": 53}, wantDenied: []string{ActAlterTransactionalState},
		},
		{
			name: "fetch by name partly denied", stmts: readerStmts, req: fetchReq(12, "t1", "t2"),
			relayField: "Topics", wantRelay: []string{"t1"},
			brokerResp: kmsg.NewPtrFetchResponse(),
			wantCodes:  map[string]int16{"t2/0": 29}, wantDenied: []string{ActReadData},
		},
		{
			name: "fetch by topic ID resolves learned IDs; unknown ID is UNKNOWN_TOPIC_ID", stmts: readerStmts,
			req:        fetchReq(13, "t1", "t2", "never-seen"),
			relayField: "Topics", wantRelay: []string{""},
			wantDenied: []string{ActReadData, ActReadData},
			check: func(t *testing.T, v Verdict) {
				resp := kmsg.NewPtrFetchResponse()
				v.Filter(resp)
				got := map[[16]byte]int16{}
				for _, tp := range resp.Topics {
					got[tp.TopicID] = tp.Partitions[0].ErrorCode
				}
				want := map[[16]byte]int16{idOf("t2"): 29, idOf("never-seen"): 100}
				if !maps.Equal(got, want) {
					t.Errorf("filtered fetch errors by topic ID = %v, want %v", got, want)
				}
				if id := v.Relay.(*kmsg.FetchRequest).Topics[0].TopicID; id != idOf("t1") {
					t.Errorf("relayed topic ID %x, want t1's", id)
				}
			},
		},
		{
			name: "fetch as a follower replica", stmts: []string{stmt("Allow", []string{"kafka-cluster:*"}, "*")},
			req: func() kmsg.Request {
				r := fetchReq(12, "t1")
				r.ReplicaID = 2
				return r
			}(),
			wantCodes: map[string]int16{"": 31}, wantDenied: []string{"Fetch"},
		},
		{
			name: "fetch all denied keeps the fetch session", stmts: readerStmts,
			req: func() kmsg.Request {
				r := fetchReq(12, "t2")
				r.SessionID, r.SessionEpoch = 7, 3
				return r
			}(),
			wantCodes: map[string]int16{"t2/0": 29}, wantDenied: []string{ActReadData},
			check: func(t *testing.T, v Verdict) {
				if id := v.Response.(*kmsg.FetchResponse).SessionID; id != 7 {
					t.Errorf("session ID %d, want 7", id)
				}
			},
		},
		{
			name: "list offsets partly denied", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrListOffsetsRequest()
				for _, n := range []string{"t1", "t2"} {
					rt := kmsg.NewListOffsetsRequestTopic()
					rt.Topic = n
					rt.Partitions = []kmsg.ListOffsetsRequestTopicPartition{kmsg.NewListOffsetsRequestTopicPartition()}
					r.Topics = append(r.Topics, rt)
				}
				return r
			}(),
			relayField: "Topics", wantRelay: []string{"t1"}, brokerResp: kmsg.NewPtrListOffsetsResponse(),
			wantCodes: map[string]int16{"t2/0": 29}, wantDenied: []string{ActDescribeTopic},
		},
		{
			name: "metadata named topics partly denied", stmts: readerStmts, req: metadataReq(12, false, "t1", "t2"),
			relayField: "Topics", wantRelay: []string{"t1"},
			brokerResp: metadataResp(12, map[string]int16{"t1": 0}),
			wantCodes:  map[string]int16{"t2": 29}, wantDenied: []string{ActDescribeTopic},
		},
		{
			name: "metadata all topics hides undescribable ones", stmts: readerStmts, req: metadataReq(12, false),
			relayField: "Topics", wantRelay: nil,
			check: func(t *testing.T, v Verdict) {
				if !v.Allow || v.Relay.(*kmsg.MetadataRequest).Topics != nil {
					t.Fatalf("want the all-topics request relayed, got %+v", v)
				}
				resp := metadataResp(12, map[string]int16{"t1": 0, "t2": 0, "ok-x": 0})
				v.Filter(resp)
				if got := names(resp, "Topics"); !slices.Equal(got, []string{"ok-x", "t1"}) {
					t.Errorf("visible topics %v, want [ok-x t1]", got)
				}
			},
		},
		{
			name: "metadata with nothing describable still relays for brokers", stmts: readerStmts, req: metadataReq(12, false, "t2"),
			relayField: "Topics", wantRelay: []string{},
			brokerResp: metadataResp(12, map[string]int16{}),
			wantCodes:  map[string]int16{"t2": 29}, wantDenied: []string{ActDescribeTopic},
		},
		{
			name: "metadata auto-create without CreateTopic, auto-creation disabled (MSK default)", stmts: readerStmts, req: metadataReq(12, true, "ok-new"),
			relayField: "Topics", wantRelay: []string{"ok-new"},
			brokerResp: metadataResp(12, map[string]int16{"ok-new": 3}),
			wantCodes:  map[string]int16{"ok-new": 3}, wantDenied: []string{ActCreateTopic},
			check: func(t *testing.T, v Verdict) {
				if v.Relay.(*kmsg.MetadataRequest).AllowAutoTopicCreation {
					t.Error("relayed request still asks the broker to auto-create")
				}
			},
		},
		{
			name: "metadata auto-create without CreateTopic, auto-creation enabled", stmts: readerStmts, req: metadataReq(12, true, "ok-new"),
			autoCreate: true,
			relayField: "Topics", wantRelay: []string{"ok-new"},
			brokerResp: metadataResp(12, map[string]int16{"ok-new": 3}),
			wantCodes:  map[string]int16{"ok-new": 29}, wantDenied: []string{ActCreateTopic},
			check: func(t *testing.T, v Verdict) {
				if v.Relay.(*kmsg.MetadataRequest).AllowAutoTopicCreation {
					t.Error("relayed request still asks the broker to auto-create")
				}
			},
		},
		{
			name:  "metadata auto-create with CreateTopic is relayed untouched",
			stmts: append([]string{stmt("Allow", acts("CreateTopic"), topicARN("ok-*"))}, readerStmts...),
			req:   metadataReq(12, true, "ok-new"), relayField: "Topics", wantRelay: []string{"ok-new"},
			check: func(t *testing.T, v Verdict) {
				if !v.Relay.(*kmsg.MetadataRequest).AllowAutoTopicCreation {
					t.Error("auto-creation switched off although CreateTopic is allowed")
				}
			},
		},
		{
			name: "offset commit to a foreign group", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrOffsetCommitRequest()
				r.Group = "g2"
				rt := kmsg.NewOffsetCommitRequestTopic()
				rt.Topic = "t1"
				rt.Partitions = []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0}, {Partition: 1}}
				r.Topics = append(r.Topics, rt)
				return r
			}(),
			wantCodes: map[string]int16{"t1/0": 30, "t1/1": 30}, wantDenied: []string{ActAlterGroup},
		},
		{
			name: "offset commit for an unreadable topic", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrOffsetCommitRequest()
				r.Group = "g1"
				for _, n := range []string{"t1", "t2"} {
					rt := kmsg.NewOffsetCommitRequestTopic()
					rt.Topic = n
					rt.Partitions = []kmsg.OffsetCommitRequestTopicPartition{{Partition: 0}}
					r.Topics = append(r.Topics, rt)
				}
				return r
			}(),
			relayField: "Topics", wantRelay: []string{"t1"}, brokerResp: kmsg.NewPtrOffsetCommitResponse(),
			wantCodes: map[string]int16{"t2/0": 29}, wantDenied: []string{ActReadData},
		},
		{
			name: "offset fetch v7 foreign group", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrOffsetFetchRequest()
				r.Version, r.Group = 7, "g2"
				return r
			}(),
			wantCodes: map[string]int16{"": 30}, wantDenied: []string{ActDescribeGroup},
		},
		{
			name: "offset fetch v8 one group denied, one topic denied", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrOffsetFetchRequest()
				r.Version = 8
				g1 := kmsg.NewOffsetFetchRequestGroup()
				g1.Group = "g1"
				g1.Topics = []kmsg.OffsetFetchRequestGroupTopic{{Topic: "t1", Partitions: []int32{0}}, {Topic: "t2", Partitions: []int32{0, 1}}}
				g2 := kmsg.NewOffsetFetchRequestGroup()
				g2.Group = "g2"
				r.Groups = []kmsg.OffsetFetchRequestGroup{g1, g2}
				return r
			}(),
			relayField: "Groups", wantRelay: []string{"g1"},
			brokerResp: func() kmsg.Response {
				r := kmsg.NewPtrOffsetFetchResponse()
				r.Version = 8
				g := kmsg.NewOffsetFetchResponseGroup()
				g.Group = "g1"
				r.Groups = append(r.Groups, g)
				return r
			}(),
			wantCodes:  map[string]int16{"g2": 30, "g1/t2/0": 29, "g1/t2/1": 29},
			wantDenied: []string{ActDescribeTopic, ActDescribeGroup},
			check: func(t *testing.T, v Verdict) {
				g1 := v.Relay.(*kmsg.OffsetFetchRequest).Groups[0]
				if len(g1.Topics) != 1 || g1.Topics[0].Topic != "t1" {
					t.Errorf("relayed g1 topics %+v, want only t1", g1.Topics)
				}
			},
		},
		{
			name: "find coordinator v3 foreign group", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrFindCoordinatorRequest()
				r.Version, r.CoordinatorKey = 3, "g2"
				return r
			}(),
			wantCodes: map[string]int16{"": 30}, wantDenied: []string{ActDescribeGroup},
			check: func(t *testing.T, v Verdict) {
				if r := v.Response.(*kmsg.FindCoordinatorResponse); r.NodeID != -1 {
					t.Errorf("NodeID %d, want -1", r.NodeID)
				}
			},
		},
		{
			name: "find coordinator v4 batched, transactional", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrFindCoordinatorRequest()
				r.Version, r.CoordinatorType, r.CoordinatorKeys = 4, 1, []string{"tx1", "tx2"}
				return r
			}(),
			relayField: "CoordinatorKeys", wantRelay: []string{"tx1"}, brokerResp: kmsg.NewPtrFindCoordinatorResponse(),
			wantCodes: map[string]int16{"tx2": 53}, wantDenied: []string{ActDescribeTransactionalState},
		},
		{
			name: "join foreign group", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrJoinGroupRequest()
				r.Group = "g2"
				return r
			}(),
			wantCodes: map[string]int16{"": 30}, wantDenied: []string{ActAlterGroup},
		},
		{
			name: "sync own group", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrSyncGroupRequest()
				r.Group = "g1"
				return r
			}(),
			relayField: "GroupAssignment", wantRelay: []string{},
		},
		{
			name: "describe groups partly denied", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrDescribeGroupsRequest()
				r.Groups = []string{"g1", "g2"}
				return r
			}(),
			relayField: "Groups", wantRelay: []string{"g1"}, brokerResp: kmsg.NewPtrDescribeGroupsResponse(),
			wantCodes: map[string]int16{"g2": 30}, wantDenied: []string{ActDescribeGroup},
		},
		{
			name:  "list groups without DescribeCluster shows describable groups",
			stmts: []string{stmt("Allow", acts("DescribeGroup"), groupARN("g1"))},
			req:   kmsg.NewPtrListGroupsRequest(),
			check: func(t *testing.T, v Verdict) {
				resp := kmsg.NewPtrListGroupsResponse()
				resp.Groups = []kmsg.ListGroupsResponseGroup{{Group: "g1"}, {Group: "g2"}}
				v.Filter(resp)
				if got := names(resp, "Groups"); !slices.Equal(got, []string{"g1"}) {
					t.Errorf("listed groups %v, want [g1]", got)
				}
			},
		},
		{
			name:  "create topics: one denied, configs withheld without DescribeTopicDynamicConfiguration",
			stmts: []string{stmt("Allow", acts("CreateTopic"), topicARN("ok-*"))},
			req: func() kmsg.Request {
				r := kmsg.NewPtrCreateTopicsRequest()
				r.Version = 7
				for _, n := range []string{"ok-1", "t2"} {
					rt := kmsg.NewCreateTopicsRequestTopic()
					rt.Topic = n
					r.Topics = append(r.Topics, rt)
				}
				return r
			}(),
			relayField: "Topics", wantRelay: []string{"ok-1"},
			brokerResp: func() kmsg.Response {
				r := kmsg.NewPtrCreateTopicsResponse()
				rt := kmsg.NewCreateTopicsResponseTopic()
				rt.Topic, rt.TopicID = "ok-1", idOf("ok-1")
				rt.Configs = []kmsg.CreateTopicsResponseTopicConfig{{Name: "retention.ms"}}
				r.Topics = append(r.Topics, rt)
				return r
			}(),
			wantCodes:  map[string]int16{"t2": 29, "ok-1#config": 29},
			wantDenied: []string{ActCreateTopic},
		},
		{
			name:  "delete topics v5 needs DescribeTopic and DeleteTopic",
			stmts: []string{stmt("Allow", acts("DescribeTopic", "DeleteTopic"), topicARN("t1")), stmt("Allow", acts("DeleteTopic"), topicARN("t2"))},
			req: func() kmsg.Request {
				r := kmsg.NewPtrDeleteTopicsRequest()
				r.Version, r.TopicNames = 5, []string{"t1", "t2"}
				return r
			}(),
			relayField: "TopicNames", wantRelay: []string{"t1"}, brokerResp: kmsg.NewPtrDeleteTopicsResponse(),
			wantCodes: map[string]int16{"t2": 29}, wantDenied: []string{ActDescribeTopic},
		},
		{
			name:  "idempotent producer id with WriteDataIdempotently",
			stmts: []string{stmt("Allow", acts("WriteDataIdempotently"), clusterARN)},
			req:   kmsg.NewPtrInitProducerIDRequest(),
		},
		{
			name:  "idempotent producer id with WriteData on every topic (KIP-679)",
			stmts: []string{stmt("Allow", acts("WriteData"), "arn:aws:kafka:us-east-1:123456789012:topic/demo/*")},
			req:   kmsg.NewPtrInitProducerIDRequest(),
		},
		{
			name:      "idempotent producer id with WriteData on some topics only",
			stmts:     readerStmts,
			req:       kmsg.NewPtrInitProducerIDRequest(),
			wantCodes: map[string]int16{"": 31}, wantDenied: []string{ActWriteDataIdempotently},
		},
		{
			name: "idempotent producer id with WriteData on every topic but one denied",
			stmts: []string{
				stmt("Allow", acts("WriteData"), topicARN("*")),
				stmt("Deny", acts("WriteData"), topicARN("secret")),
			},
			req:       kmsg.NewPtrInitProducerIDRequest(),
			wantCodes: map[string]int16{"": 31}, wantDenied: []string{ActWriteDataIdempotently},
		},
		{
			name: "transactional producer id for a foreign transactional ID", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrInitProducerIDRequest()
				r.TransactionalID = strp("tx2")
				return r
			}(),
			wantCodes: map[string]int16{"": 53}, wantDenied: []string{ActAlterTransactionalState},
		},
		{
			name: "add partitions to txn: one topic denied, the rest not attempted", stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrAddPartitionsToTxnRequest()
				r.Version, r.TransactionalID = 3, "tx1"
				r.Topics = []kmsg.AddPartitionsToTxnRequestTopic{{Topic: "t1", Partitions: []int32{0}}, {Topic: "t2", Partitions: []int32{0}}}
				return r
			}(),
			wantCodes: map[string]int16{"t1/0": 55, "t2/0": 29}, wantDenied: []string{ActWriteData},
		},
		{
			name:  "describe configs: topic allowed, broker denied",
			stmts: []string{stmt("Allow", acts("DescribeTopicDynamicConfiguration"), topicARN("t1"))},
			req: func() kmsg.Request {
				r := kmsg.NewPtrDescribeConfigsRequest()
				r.Resources = []kmsg.DescribeConfigsRequestResource{
					{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "t1"},
					{ResourceType: kmsg.ConfigResourceTypeBroker, ResourceName: "1"},
					{ResourceType: kmsg.ConfigResourceTypeTopic, ResourceName: "t2"},
				}
				return r
			}(),
			relayField: "Resources", wantRelay: []string{"t1"}, brokerResp: kmsg.NewPtrDescribeConfigsResponse(),
			wantCodes:  map[string]int16{"1": 31, "t2": 29},
			wantDenied: []string{ActDescribeClusterDynamicConfiguration, ActDescribeTopicDynamicConfiguration},
		},
		{
			name:      "describe cluster without DescribeCluster",
			stmts:     []string{stmt("Allow", acts("Connect"), clusterARN)},
			req:       kmsg.NewPtrDescribeClusterRequest(),
			wantCodes: map[string]int16{"": 31}, wantDenied: []string{ActDescribeCluster},
		},
		{
			name:  "delete groups needs DeleteGroup",
			stmts: readerStmts,
			req: func() kmsg.Request {
				r := kmsg.NewPtrDeleteGroupsRequest()
				r.Groups = []string{"g1"}
				return r
			}(),
			wantCodes: map[string]int16{"g1": 30}, wantDenied: []string{ActDeleteGroup},
		},
		{
			name:      "unknown API fails closed",
			stmts:     []string{stmt("Allow", []string{"*"}, "*")},
			req:       unknownRequest{kmsg.NewPtrApiVersionsRequest()},
			wantCodes: map[string]int16{"": 31}, wantDenied: []string{"Unknown"},
		},
	}
	for _, tc := range tcs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := &Authorizer{Cluster: testCluster, Policy: mustPolicy(t, tc.stmts...), AutoCreateTopics: tc.autoCreate}
			a.LearnTopicID(idOf("t1"), "t1")
			a.LearnTopicID(idOf("t2"), "t2")
			v := a.Check(tc.req)
			var gotDenied []string
			for _, d := range v.Denied {
				gotDenied = append(gotDenied, d.Action)
			}
			if !slices.Equal(gotDenied, tc.wantDenied) {
				t.Errorf("denied %v, want %v (%v)", gotDenied, tc.wantDenied, v.Denied)
			}
			if v.CloseConnection != tc.wantClose {
				t.Errorf("CloseConnection %v, want %v", v.CloseConnection, tc.wantClose)
			}
			wantAllow := tc.relayField != "" || (tc.wantCodes == nil)
			if v.Allow != wantAllow {
				t.Fatalf("Allow %v, want %v (verdict %+v)", v.Allow, wantAllow, v)
			}
			if v.Allow {
				if v.Relay == nil || v.Response != nil {
					t.Fatalf("allowed verdict must carry Relay and no Response: %+v", v)
				}
				if v.Relay.Key() != tc.req.Key() || v.Relay.GetVersion() != tc.req.GetVersion() {
					t.Errorf("relayed key/version changed")
				}
				if tc.relayField != "" && tc.wantRelay != nil {
					if got := names(v.Relay, tc.relayField); !slices.Equal(got, tc.wantRelay) && !(len(got) == 0 && len(tc.wantRelay) == 0) {
						t.Errorf("relayed %s %v, want %v", tc.relayField, got, tc.wantRelay)
					}
				}
				if len(v.Denied) == 0 && v.Relay != tc.req {
					t.Error("nothing denied but the request was copied; the front could not forward the original bytes")
				}
				if tc.brokerResp != nil {
					if v.Filter == nil {
						t.Fatal("partial denial without a Filter")
					}
					tc.brokerResp.SetVersion(tc.req.GetVersion())
					v.Filter(tc.brokerResp)
					if got := errorCodes(tc.brokerResp); !maps.Equal(got, tc.wantCodes) {
						t.Errorf("filtered response errors %v, want %v", got, tc.wantCodes)
					}
				}
			} else if tc.wantCodes != nil && v.Response != nil {
				if _, unknown := tc.req.(unknownRequest); (v.Response.Key() != tc.req.Key() && !unknown) || v.Response.GetVersion() != tc.req.GetVersion() {
					t.Errorf("response key/version %d/%d, want %d/%d", v.Response.Key(), v.Response.GetVersion(), tc.req.Key(), tc.req.GetVersion())
				}
				if got := errorCodes(v.Response); !maps.Equal(got, tc.wantCodes) {
					t.Errorf("response errors %v, want %v", got, tc.wantCodes)
				}
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

// unknownRequest is a request for an API key no table knows.
type unknownRequest struct{ *kmsg.ApiVersionsRequest }

func (unknownRequest) Key() int16 { return 999 }

func TestCanConnect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		stmts []string
		ok    bool
	}{
		{"allowed", []string{stmt("Allow", acts("Connect"), clusterARN)}, true},
		{"other cluster", []string{stmt("Allow", acts("Connect"), "arn:aws:kafka:us-east-1:123456789012:cluster/other/*")}, false},
		{"denied explicitly", []string{stmt("Allow", []string{"kafka-cluster:*"}, "*"), stmt("Deny", acts("Connect"), "*")}, false},
		{"topic actions only", []string{stmt("Allow", acts("ReadData"), topicARN("*"))}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := &Authorizer{Cluster: testCluster, Policy: mustPolicy(t, tc.stmts...)}
			err := a.CanConnect()
			if (err == nil) != tc.ok {
				t.Fatalf("CanConnect() = %v, want ok=%v", err, tc.ok)
			}
			var de *DeniedError
			if err != nil && (!errors.As(err, &de) || de.Denial.Action != ActConnect || de.Denial.Resource != clusterARN) {
				t.Errorf("error %v does not name %s on %s", err, ActConnect, clusterARN)
			}
		})
	}
}
