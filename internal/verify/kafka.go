package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/mskvpce/mskvpce/internal/finding"
)

// RunIDHeader is the record header carrying the run id.
const RunIDHeader = "mskvpce-run-id"

func (pr *pathRun) recordKey() string {
	return fmt.Sprintf("%s/broker-%d/%s", pr.o.RunID, pr.path.BrokerID, strings.ToLower(pr.mechName()))
}

type recordValue struct {
	RunID    string    `json:"run_id"`
	BrokerID int       `json:"broker_id"`
	Endpoint string    `json:"endpoint"`
	SentAt   time.Time `json:"sent_at"`
}

func (pr *pathRun) recordValue() []byte {
	b, _ := json.Marshal(recordValue{RunID: pr.o.RunID, BrokerID: pr.path.BrokerID, Endpoint: pr.path.Endpoint, SentAt: pr.sentAt})
	return b
}

// produce writes one record as an idempotent producer (producer id and
// epoch from InitProducerId, sequence 0), acks=all, to partition part over
// this path's connection and returns its offset.
func (pr *pathRun) produce(part int32, pid int64, epoch int16) (int64, error) {
	pr.sentAt = time.Now().UTC().Truncate(time.Millisecond)
	req := &sarama.ProduceRequest{
		Version:      7,
		RequiredAcks: sarama.WaitForAll,
		Timeout:      int32(pr.o.StageTimeout.Milliseconds()),
	}
	req.AddBatch(pr.t.Topic, part, &sarama.RecordBatch{
		Version:        2,
		FirstTimestamp: pr.sentAt,
		MaxTimestamp:   pr.sentAt,
		ProducerID:     pid,
		ProducerEpoch:  epoch,
		FirstSequence:  0,
		Records: []*sarama.Record{{
			Key:     []byte(pr.recordKey()),
			Value:   pr.recordValue(),
			Headers: []*sarama.RecordHeader{{Key: []byte(RunIDHeader), Value: []byte(pr.o.RunID)}},
		}},
	})
	resp, err := pr.broker.Produce(req)
	if err != nil {
		return -1, err
	}
	blk := resp.GetBlock(pr.t.Topic, part)
	if blk == nil {
		return -1, fmt.Errorf("produce response has no result for %s/%d", pr.t.Topic, part)
	}
	if !errors.Is(blk.Err, sarama.ErrNoError) {
		return -1, &kafkaError{api: "Produce", err: blk.Err, msg: blk.ErrorMessage}
	}
	return blk.Offset, nil
}

// consume fetches from offset on this path's connection until it sees the
// record this run wrote, matched by run id, key and value.
func (pr *pathRun) consume(ctx context.Context, part int32, offset int64) (string, error) {
	want := pr.recordKey()
	for {
		// v12 (flexible) also decodes an error partition sent with null
		// records, which sarama rejects below v12.
		req := &sarama.FetchRequest{Version: 12, MaxWaitTime: 250, MinBytes: 1, MaxBytes: 1 << 20, Isolation: sarama.ReadUncommitted}
		req.AddBlock(pr.t.Topic, part, offset, 1<<20, -1)
		resp, err := pr.broker.Fetch(req)
		if err != nil {
			return "", err
		}
		blk := resp.GetBlock(pr.t.Topic, part)
		if blk == nil {
			return "", fmt.Errorf("fetch response has no result for %s/%d", pr.t.Topic, part)
		}
		if !errors.Is(blk.Err, sarama.ErrNoError) {
			return "", &kafkaError{api: "Fetch", err: blk.Err}
		}
		for _, rs := range blk.RecordsSet {
			if rs == nil || rs.RecordBatch == nil {
				continue
			}
			for _, r := range rs.RecordBatch.Records {
				at := rs.RecordBatch.FirstOffset + r.OffsetDelta
				if at < offset || string(r.Key) != want || !hasRunID(r, pr.o.RunID) {
					continue
				}
				var v recordValue
				if err := json.Unmarshal(r.Value, &v); err != nil || v.RunID != pr.o.RunID || v.BrokerID != pr.path.BrokerID {
					return "", fmt.Errorf("record at offset %d has this run's key but a different value %q", at, r.Value)
				}
				return fmt.Sprintf("read back record %s at offset %d", want, at), nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w: record %s (partition %d, offset %d) not returned by Fetch (high watermark %d)", errStageTimeout, want, part, offset, blk.HighWaterMarkOffset)
		default:
		}
	}
}

func hasRunID(r *sarama.Record, id string) bool {
	for _, h := range r.Headers {
		if string(h.Key) == RunIDHeader && string(h.Value) == id {
			return true
		}
	}
	return false
}

// probeLandsOn finds the broker this path actually reaches: the one whose
// partition answers ListOffsets without NOT_LEADER_OR_FOLLOWER.
func (pr *pathRun) probeLandsOn(topic topicState) int {
	parts := make([]int32, 0, len(topic.ledBy))
	for b := range topic.ledBy {
		parts = append(parts, b)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	for _, b := range parts {
		if int(b) == pr.path.BrokerID {
			continue
		}
		p := topic.ledBy[b]
		req := sarama.NewOffsetRequest(kafkaVersion)
		req.AddBlock(pr.t.Topic, p, sarama.OffsetNewest, 1)
		resp, err := pr.broker.GetAvailableOffsets(req)
		if err != nil {
			return 0
		}
		if blk := resp.GetBlock(pr.t.Topic, p); blk != nil && errors.Is(blk.Err, sarama.ErrNoError) {
			return int(b)
		}
	}
	return 0
}

// kafkaError is a per-partition or per-topic Kafka error code.
type kafkaError struct {
	api string
	err sarama.KError
	msg *string
}

func (e *kafkaError) Error() string {
	s := fmt.Sprintf("%s: %s", e.api, e.err.Error())
	if e.msg != nil && *e.msg != "" {
		s += " (" + *e.msg + ")"
	}
	return s
}
func (e *kafkaError) Unwrap() error { return e.err }

// topicState is the verification topic as the paths will use it.
type topicState struct {
	ok      bool
	ledBy   map[int32]int32 // broker → a partition it leads
	finding finding.Finding
}

// noTopic is the topic finding when no path got as far as asking for it.
func noTopic(t *Target) topicState {
	return topicState{ledBy: map[int32]int32{}, finding: finding.Finding{
		Check: CheckTopic, Target: "topic " + t.Topic, Skipped: true,
		Detail: "skipped: no broker path reached the metadata stage",
	}}
}

// setupTopic makes sure the verification topic exists with a partition led
// by every mapped broker, creating it when missing.
func setupTopic(ctx context.Context, t *Target, o Options, via *pathRun, runs []*pathRun) topicState {
	start := time.Now()
	st := topicState{ledBy: map[int32]int32{}, finding: finding.Finding{Check: CheckTopic, Target: "topic " + t.Topic}}
	done := func(ok bool, detail, next string) topicState {
		st.ok = ok
		st.finding.OK = ok
		st.finding.Detail = detail
		st.finding.NextStep = next
		st.finding.Millis = time.Since(start).Milliseconds()
		return st
	}
	meta := via.meta
	created := false
	sctx, cancel := context.WithTimeout(ctx, o.StageTimeout)
	defer cancel()
	stop := context.AfterFunc(sctx, via.closeConn)
	defer stop()

	switch {
	case meta.topicFound && errors.Is(meta.topicErr, sarama.ErrNoError):
	case !meta.topicFound || errors.Is(meta.topicErr, sarama.ErrUnknownTopicOrPartition):
		if err := createTopic(ctx, via, t, o, runs); err != nil {
			d, n := diagnoseTopicCreate(t, err)
			return done(false, d, n)
		}
		created = true
		// Wait for the new topic's leaders to show up in metadata.
		for {
			req := sarama.NewMetadataRequest(kafkaVersion, []string{t.Topic})
			req.AllowAutoTopicCreation = false
			resp, err := via.broker.GetMetadata(req)
			if err != nil {
				return done(false, fmt.Sprintf("created topic %s but could not read it back through broker %d: %v", t.Topic, via.path.BrokerID, err), "re-run verify; if it persists check broker health")
			}
			meta = newMetadataView(resp, t.Topic)
			if meta.topicFound && errors.Is(meta.topicErr, sarama.ErrNoError) && len(meta.leaders) > 0 {
				break
			}
			select {
			case <-sctx.Done():
				return done(false, fmt.Sprintf("created topic %s but its partitions had no leaders within %s", t.Topic, o.StageTimeout), "re-run verify; check the cluster's health in the MSK console")
			case <-time.After(50 * time.Millisecond):
			}
		}
	case errors.Is(meta.topicErr, sarama.ErrTopicAuthorizationFailed):
		return done(false,
			fmt.Sprintf("not authorized to describe topic %s (TOPIC_AUTHORIZATION_FAILED on Metadata)", t.Topic),
			fmt.Sprintf("add kafka-cluster:DescribeTopic on %s to the role's policy (terraform/modules/msk-access-policy renders it)", topicARN(t)))
	default:
		return done(false, fmt.Sprintf("metadata for topic %s returned %s", t.Topic, meta.topicErr), "re-run verify; if it persists check the cluster's health in the MSK console")
	}

	var parts []string
	var missing []string
	keys := make([]int32, 0, len(meta.leaders))
	for p := range meta.leaders {
		keys = append(keys, p)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, p := range keys {
		l := meta.leaders[p]
		if _, ok := st.ledBy[l]; !ok {
			st.ledBy[l] = p
		}
		parts = append(parts, fmt.Sprintf("%d→broker %d", p, l))
	}
	var away []string // mapped brokers the cluster does not list as live
	for _, id := range brokerIDs(runs) {
		if _, ok := st.ledBy[id]; ok {
			continue
		}
		if _, live := meta.addr(id); !live {
			away = append(away, fmt.Sprintf("%d", id))
			continue
		}
		missing = append(missing, fmt.Sprintf("%d", id))
	}
	verb := "exists"
	if created {
		verb = "created"
	}
	if len(missing) == 0 && len(away) > 0 {
		// Kafka moves leadership off a broker that leaves (a restart):
		// the topic is fine, those brokers' paths say why they are away.
		return done(true, fmt.Sprintf("topic %s %s: partitions %s; broker(s) %s lead none while not among the cluster's live brokers (see their paths)", t.Topic, verb, strings.Join(parts, ", "), strings.Join(away, ", ")), "")
	}
	missing = append(missing, away...)
	if len(missing) > 0 {
		// Paths whose broker leads a partition can still be verified; the
		// others are reported by this finding.
		st.ok = true
		st.finding.Detail = fmt.Sprintf("topic %s %s but broker(s) %s lead no partition of it (partitions %s)", t.Topic, verb, strings.Join(missing, ", "), strings.Join(parts, ", "))
		st.finding.NextStep = fmt.Sprintf("delete topic %s so verify recreates it with one partition led by each broker, or pass --topic with a new name", t.Topic)
		st.finding.Millis = time.Since(start).Milliseconds()
		return st
	}
	return done(true, fmt.Sprintf("topic %s %s: partitions %s", t.Topic, verb, strings.Join(parts, ", ")), "")
}

// brokerIDs lists the mapped brokers once each, in run order (a broker has
// one run per mechanism).
func brokerIDs(runs []*pathRun) []int32 {
	var ids []int32
	seen := map[int32]bool{}
	for _, pr := range runs {
		if id := int32(pr.path.BrokerID); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// createTopic creates the verification topic with one partition per mapped
// broker, partition i led by the i-th broker, replicas rotated across the rest.
func createTopic(ctx context.Context, via *pathRun, t *Target, o Options, runs []*pathRun) error {
	mapped := brokerIDs(runs)
	ids := append([]int32(nil), mapped...)
	for _, b := range via.meta.brokers {
		found := false
		for _, id := range ids {
			found = found || id == b.id
		}
		if !found {
			ids = append(ids, b.id) // unmapped brokers may hold replicas, never leaders
		}
	}
	rf := min(3, len(ids))
	assign := map[int32][]int32{}
	for i := range mapped {
		reps := make([]int32, rf)
		for r := range rf {
			reps[r] = ids[(i+r)%len(ids)]
		}
		assign[int32(i)] = reps
	}
	req := &sarama.CreateTopicsRequest{
		Version: 3,
		TopicDetails: map[string]*sarama.TopicDetail{t.Topic: {
			NumPartitions:     -1,
			ReplicationFactor: -1,
			ReplicaAssignment: assign,
		}},
		Timeout: o.StageTimeout,
	}
	admin, err := via.controller(ctx)
	if err != nil {
		return err
	}
	resp, err := admin.CreateTopics(req)
	if err != nil {
		return err
	}
	if te, ok := resp.TopicErrors[t.Topic]; ok && te != nil && !errors.Is(te.Err, sarama.ErrNoError) && !errors.Is(te.Err, sarama.ErrTopicAlreadyExists) {
		return &kafkaError{api: "CreateTopics", err: te.Err, msg: te.ErrMsg}
	}
	return nil
}

func diagnoseTopicCreate(t *Target, err error) (string, string) {
	var ke *kafkaError
	pre := fmt.Sprintf("or pre-create it with one partition led by each broker (kafka-topics.sh --create --topic %s --replica-assignment 1:2:3,2:3:1,3:1:2), or pass --topic naming an existing one", t.Topic)
	if errors.As(err, &ke) {
		switch {
		case errors.Is(ke.err, sarama.ErrTopicAuthorizationFailed), errors.Is(ke.err, sarama.ErrClusterAuthorizationFailed):
			return fmt.Sprintf("topic %s is missing and creating it was denied (%s)", t.Topic, ke.err),
				fmt.Sprintf("add kafka-cluster:CreateTopic on %s to the role's policy, %s", topicARN(t), pre)
		case errors.Is(ke.err, sarama.ErrPolicyViolation), errors.Is(ke.err, sarama.ErrInvalidReplicaAssignment), errors.Is(ke.err, sarama.ErrInvalidReplicationFactor):
			return fmt.Sprintf("topic %s is missing and the cluster rejected its creation: %s", t.Topic, ke.Error()), "pre-create it, " + pre
		}
	}
	return fmt.Sprintf("topic %s is missing and creating it failed: %v", t.Topic, err), "re-run verify, " + pre
}

// topicARN names the verification topic's ARN when the cluster ARN is known.
func topicARN(t *Target) string {
	if t.ClusterARN != "" {
		if arn := strings.Replace(t.ClusterARN, ":cluster/", ":topic/", 1); arn != t.ClusterARN {
			return arn + "/" + t.Topic
		}
	}
	return fmt.Sprintf("arn:aws:kafka:%s:<account>:topic/<cluster-name>/<cluster-uuid>/%s", t.Region, t.Topic)
}

// clusterARN names the cluster ARN, or a template for it.
func clusterARN(t *Target) string {
	if t.ClusterARN != "" {
		return t.ClusterARN
	}
	return fmt.Sprintf("arn:aws:kafka:%s:<account>:cluster/<cluster-name>/<cluster-uuid>", t.Region)
}

// controller is a connection to the cluster's controller (which a ZooKeeper
// mode cluster requires for CreateTopics): this path's broker if it is the
// controller, otherwise a fresh one through the controller's own path.
func (pr *pathRun) controller(ctx context.Context) (*sarama.Broker, error) {
	id := pr.meta.controller
	addr, ok := pr.meta.addr(id)
	if int(id) == pr.path.BrokerID || !ok {
		return pr.broker, nil
	}
	b := sarama.NewBroker(addr)
	tp := &tokenProvider{ctx: ctx, region: pr.t.Region, creds: pr.t.Credentials}
	if err := b.Open(pr.saramaConfig(tp)); err != nil {
		return nil, err
	}
	pr.mu.Lock()
	if pr.admin != nil {
		_ = pr.admin.Close()
	}
	pr.admin = b
	pr.mu.Unlock()
	if _, err := b.Connected(); err != nil {
		return nil, fmt.Errorf("connecting to controller broker %d (%s) through its own path: %w", id, addr, err)
	}
	return b, nil
}
