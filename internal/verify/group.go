package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/IBM/sarama"
)

// Group-side actions a consumer needs, named as in the IAM policy.
const (
	actDescribeGroup = "kafka-cluster:DescribeGroup"
	actAlterGroup    = "kafka-cluster:AlterGroup"
	actDeleteGroup   = "kafka-cluster:DeleteGroup"
	actReadData      = "kafka-cluster:ReadData"
	actWriteIdem     = "kafka-cluster:WriteDataIdempotently"
)

// groupID is this path's consumer group: scoped to the run, the broker and
// the mechanism, so paths never share (or wait for) a group.
func (pr *pathRun) groupID() string {
	if pr.gid != "" {
		return pr.gid
	}
	return fmt.Sprintf("mskvpce-verify-%s-b%d-%s", pr.o.RunID, pr.path.BrokerID, strings.ToLower(strings.ReplaceAll(pr.mechName(), "_", "-")))
}

// initProducerID does what every Kafka >= 3.0 producer does first
// (enable.idempotence=true): get a producer id and epoch.
func (pr *pathRun) initProducerID() (int64, int16, error) {
	resp, err := pr.broker.InitProducerID(&sarama.InitProducerIDRequest{Version: 1, TransactionTimeout: pr.o.StageTimeout})
	if err != nil {
		return 0, 0, err
	}
	if !errors.Is(resp.Err, sarama.ErrNoError) {
		return 0, 0, &permError{api: "InitProducerId", err: resp.Err, action: actWriteIdem}
	}
	return resp.ProducerID, resp.ProducerEpoch, nil
}

// group is a joined consumer group: the coordinator's broker (through the
// coordinator's own path) and this member's generation.
type group struct {
	id         string
	coord      *sarama.Broker
	coordID    int32
	coordAddr  string
	generation int32
	member     string
	own        bool // the coordinator is this path's broker
}

// coordinatorTries bounds the group ids tried for one coordinated by this
// path's broker: with n brokers each try hits with odds about 1/n.
const coordinatorTries = 24

// findOwnCoordinator picks a run-scoped group id whose coordinator is this
// path's own broker (FindCoordinator per candidate, on this path), so a fault
// on another broker never fails this path and paths never wait for each
// other. If no candidate lands here (the broker leads no __consumer_offsets
// partition) it keeps the first and its coordinator's own path.
func (pr *pathRun) findOwnCoordinator() (*group, error) {
	var first *group
	var unavailable error
	for i := range coordinatorTries {
		id := pr.groupID()
		if i > 0 {
			id = fmt.Sprintf("%s-%d", id, i)
		}
		fc, err := pr.broker.FindCoordinator(&sarama.FindCoordinatorRequest{Version: 2, CoordinatorKey: id, CoordinatorType: sarama.CoordinatorGroup})
		if err != nil {
			return nil, err
		}
		if errors.Is(fc.Err, sarama.ErrConsumerCoordinatorNotAvailable) {
			// That group's coordinator is moving (its broker restarts):
			// another candidate will do.
			unavailable = &permError{api: "FindCoordinator", err: fc.Err, action: actDescribeGroup, group: id}
			continue
		}
		if !errors.Is(fc.Err, sarama.ErrNoError) {
			return nil, &permError{api: "FindCoordinator", err: fc.Err, action: actDescribeGroup, group: id}
		}
		g := &group{id: id, coordID: fc.Coordinator.ID(), coordAddr: fc.Coordinator.Addr()}
		if int(g.coordID) == pr.path.BrokerID {
			pr.gid = id
			return g, nil
		}
		if first == nil {
			first = g
		}
	}
	if first == nil {
		return nil, unavailable
	}
	pr.gid = first.id
	return first, nil
}

// joinGroup runs FindCoordinator on this path, then JoinGroup, SyncGroup and
// OffsetFetch on the coordinator through its own path, assigning this
// member the partition this path's broker leads.
func (pr *pathRun) joinGroup(ctx context.Context, part int32) (*group, error) {
	g, err := pr.findOwnCoordinator()
	if err != nil {
		return nil, err
	}
	if int(g.coordID) == pr.path.BrokerID {
		g.coord, g.own = pr.broker, true
	} else {
		addr := g.coordAddr
		mapped := false
		for _, p := range pr.t.Paths {
			mapped = mapped || strings.EqualFold(p.Advertised, addr)
		}
		if !mapped {
			return nil, &unmappedError{addr: addr}
		}
		b := sarama.NewBroker(addr)
		tp := &tokenProvider{ctx: ctx, region: pr.t.Region, creds: pr.t.Credentials}
		if err := b.Open(pr.saramaConfig(tp)); err != nil {
			return nil, err
		}
		pr.mu.Lock()
		pr.coord = b
		pr.mu.Unlock()
		if _, err := b.Connected(); err != nil {
			return nil, fmt.Errorf("connecting to coordinator broker %d (%s) through its own path: %w", g.coordID, addr, err)
		}
		g.coord = b
	}

	join := func(member string) (*sarama.JoinGroupResponse, error) {
		req := &sarama.JoinGroupRequest{
			Version:          5,
			GroupId:          g.id,
			SessionTimeout:   10000,
			RebalanceTimeout: int32(pr.o.StageTimeout.Milliseconds()),
			MemberId:         member,
			ProtocolType:     "consumer",
		}
		if err := req.AddGroupProtocolMetadata("range", &sarama.ConsumerGroupMemberMetadata{Topics: []string{pr.t.Topic}}); err != nil {
			return nil, err
		}
		return g.coord.JoinGroup(req)
	}
	jr, err := join("")
	if err == nil && errors.Is(jr.Err, sarama.ErrMemberIdRequired) {
		// KIP-394: the first JoinGroup of a new member only hands out its id.
		jr, err = join(jr.MemberId)
	}
	if err != nil {
		return nil, err
	}
	if !errors.Is(jr.Err, sarama.ErrNoError) {
		return nil, &permError{api: "JoinGroup", err: jr.Err, action: actAlterGroup, group: g.id}
	}
	g.generation, g.member = jr.GenerationId, jr.MemberId

	sr := &sarama.SyncGroupRequest{Version: 3, GroupId: g.id, GenerationId: g.generation, MemberId: g.member}
	if jr.LeaderId == jr.MemberId {
		if err := sr.AddGroupAssignmentMember(g.member, &sarama.ConsumerGroupMemberAssignment{Topics: map[string][]int32{pr.t.Topic: {part}}}); err != nil {
			return nil, err
		}
	}
	sresp, err := g.coord.SyncGroup(sr)
	if err != nil {
		return nil, err
	}
	if !errors.Is(sresp.Err, sarama.ErrNoError) {
		return nil, &permError{api: "SyncGroup", err: sresp.Err, action: actAlterGroup, group: g.id}
	}
	asg, err := sresp.GetMemberAssignment()
	if err != nil {
		return nil, fmt.Errorf("SyncGroup assignment: %w", err)
	}
	if got := asg.Topics[pr.t.Topic]; len(got) != 1 || got[0] != part {
		return nil, fmt.Errorf("SyncGroup assigned %v, want partition %d of %s", asg.Topics, part, pr.t.Topic)
	}

	of := &sarama.OffsetFetchRequest{Version: 5, ConsumerGroup: g.id}
	of.AddPartition(pr.t.Topic, part)
	ofr, err := g.coord.FetchOffset(of)
	if err != nil {
		return nil, err
	}
	if !errors.Is(ofr.Err, sarama.ErrNoError) {
		return nil, &permError{api: "OffsetFetch", err: ofr.Err, action: actDescribeGroup, group: g.id}
	}
	if blk := ofr.GetBlock(pr.t.Topic, part); blk != nil && !errors.Is(blk.Err, sarama.ErrNoError) {
		return nil, &permError{api: "OffsetFetch", err: blk.Err, action: actDescribeGroup, group: g.id}
	}
	return g, nil
}

// commit commits next (the offset after this run's record) to the group.
func (pr *pathRun) commit(g *group, part int32, next int64) error {
	req := &sarama.OffsetCommitRequest{Version: 7, ConsumerGroup: g.id, ConsumerGroupGeneration: g.generation, ConsumerID: g.member}
	req.AddBlock(pr.t.Topic, part, next, 0, "")
	resp, err := g.coord.CommitOffset(req)
	if err != nil {
		return err
	}
	for _, parts := range resp.Errors {
		for _, e := range parts {
			if !errors.Is(e, sarama.ErrNoError) {
				return &permError{api: "OffsetCommit", err: e, action: actAlterGroup, group: g.id}
			}
		}
	}
	return nil
}

// cleanup leaves and deletes the group. It never fails the path: a policy
// without kafka-cluster:DeleteGroup is normal for a consumer; it says so.
func (pr *pathRun) cleanup(g *group) string {
	if _, err := g.coord.LeaveGroup(&sarama.LeaveGroupRequest{Version: 3, GroupId: g.id, Members: []sarama.MemberIdentity{{MemberId: g.member}}}); err != nil {
		return fmt.Sprintf("group %s left in place (LeaveGroup: %v; it expires with offsets.retention.minutes)", g.id, err)
	}
	resp, err := g.coord.DeleteGroups(&sarama.DeleteGroupsRequest{Version: 1, Groups: []string{g.id}})
	if err != nil {
		return fmt.Sprintf("group %s left in place (DeleteGroups: %v)", g.id, err)
	}
	if e := resp.GroupErrorCodes[g.id]; !errors.Is(e, sarama.ErrNoError) {
		if errors.Is(e, sarama.ErrGroupAuthorizationFailed) {
			return fmt.Sprintf("group %s left in place: the policy does not allow %s (not needed by consumers; add it on %s to let verify clean up)", g.id, actDeleteGroup, groupARN(pr.t, g.id))
		}
		return fmt.Sprintf("group %s left in place (DeleteGroups: %s)", g.id, e)
	}
	return fmt.Sprintf("group %s deleted", g.id)
}

// permError is a Kafka error from a request that needs one IAM action.
type permError struct {
	api    string
	err    sarama.KError
	action string
	group  string
}

func (e *permError) Error() string { return fmt.Sprintf("%s: %s", e.api, e.err.Error()) }
func (e *permError) Unwrap() error { return e.err }

// groupARN names a consumer group's ARN when the cluster ARN is known.
func groupARN(t *Target, group string) string {
	if t.ClusterARN != "" {
		if arn := strings.Replace(t.ClusterARN, ":cluster/", ":group/", 1); arn != t.ClusterARN {
			return arn + "/" + group
		}
	}
	return fmt.Sprintf("arn:aws:kafka:%s:<account>:group/<cluster-name>/<cluster-uuid>/%s", t.Region, group)
}
