package localmsk

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrUpdateInProgress is RestartBroker's and RollingRestart's answer while
// another restart runs: MSK runs one cluster operation at a time.
var ErrUpdateInProgress = errors.New("a broker restart is already in progress (MSK runs one cluster operation at a time)")

// errClosedEnv: the environment closed during or before an operation.
var errClosedEnv = errors.New("the local environment is closed")

// offline is the Kafka-level view of brokers that are restarting: absent
// from the cluster's live brokers, out of every ISR, offline replicas.
type offline struct {
	n   atomic.Int32 // len(ids): the fronts' fast path when nobody is away
	mu  sync.RWMutex
	ids map[int32]bool
}

func (o *offline) set(id int32, away bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ids == nil {
		o.ids = map[int32]bool{}
	}
	if away {
		o.ids[id] = true
	} else {
		delete(o.ids, id)
	}
	o.n.Store(int32(len(o.ids)))
}

func (o *offline) has(id int32) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.ids[id]
}

// Restarting is the broker a restart has taken away right now, 0 if none.
func (e *Env) Restarting() int { return int(e.restarting.Load()) }

// RestartBroker restarts broker id as MSK restarts a broker during an
// update (storage, Kafka version, configuration, instance type): a
// controlled shutdown moves the leadership of its partitions to the next
// live broker, then it stops accepting and drops its connections (its NLB
// stand-in resets clients), leaves the cluster's live brokers (Metadata
// lists it as an offline replica, out of every ISR), stays away for away,
// and comes back with the same id at the same address; once back,
// leadership returns to it (preferred leader election). It returns when the
// broker is back. When ctx ends first, the broker comes back at once and
// RestartBroker returns ctx's error; when the environment closes, it
// returns without bringing it back.
func (e *Env) RestartBroker(ctx context.Context, id int, away time.Duration) error {
	if err := e.broker(id); err != nil {
		return err
	}
	if away < 0 {
		return fmt.Errorf("restart broker %d: away time %s cannot be negative", id, away)
	}
	done, err := e.beginUpdate(StateRebootingBroker)
	if err != nil {
		return err
	}
	defer done()
	return e.restart(ctx, id, away)
}

// RollingRestart restarts every broker in turn, in id order, each as
// RestartBroker does: the next one goes when the previous one is back and
// leads its partitions again, so with a replication factor of 3 and
// min.insync.replicas 2 the cluster keeps serving throughout. It returns
// when the last broker is back, or as RestartBroker does when ctx ends or
// the environment closes.
func (e *Env) RollingRestart(ctx context.Context, away time.Duration) error {
	if away < 0 {
		return fmt.Errorf("rolling restart: away time %s cannot be negative", away)
	}
	done, err := e.beginUpdate(StateUpdating)
	if err != nil {
		return err
	}
	defer done()
	for id := 1; id <= len(e.fronts); id++ {
		if err := e.restart(ctx, id, away); err != nil {
			return fmt.Errorf("rolling restart stopped at broker %d of %d: %w", id, len(e.fronts), err)
		}
	}
	e.log.Info("rolling restart done", "brokers", len(e.fronts))
	return nil
}

// StartRollingRestart runs RollingRestart in the background for the
// environment's lifetime (Close stops it): how the command-line faults
// inject it. It fails only when another restart is running.
func (e *Env) StartRollingRestart(away time.Duration) error {
	if away < 0 {
		return fmt.Errorf("rolling restart: away time %s cannot be negative", away)
	}
	done, err := e.beginUpdate(StateUpdating)
	if err != nil {
		return err
	}
	go func() {
		defer done()
		for id := 1; id <= len(e.fronts); id++ {
			if err := e.restart(e.life, id, away); err != nil {
				if e.life.Err() == nil {
					e.log.Error("rolling restart stopped", "broker", id, "err", err)
				}
				return
			}
		}
		e.log.Info("rolling restart done", "brokers", len(e.fronts))
	}()
	return nil
}

// The cluster's state as MSK reports it (DescribeClusterV2).
const (
	StateActive          = "ACTIVE"
	StateUpdating        = "UPDATING"         // a rolling restart (an update)
	StateRebootingBroker = "REBOOTING_BROKER" // one broker restarting (RebootBroker)
	StateHealing         = "HEALING"          // a broker being replaced
)

// ClusterState is the cluster's state as MSK would report it: ACTIVE, or
// the operation running.
func (e *Env) ClusterState() string {
	if s, _ := e.operation.Load().(string); s != "" {
		return s
	}
	return StateActive
}

// OnChange registers fn to run after every change MSK's APIs would show:
// a broker's client IP, an NLB stand-in's target, the cluster's state, a
// broker leaving or rejoining. fn runs on the changing goroutine and must
// not change the environment itself.
func (e *Env) OnChange(fn func()) {
	e.hooksMu.Lock()
	defer e.hooksMu.Unlock()
	e.hooks = append(e.hooks, fn)
}

func (e *Env) changed() {
	e.hooksMu.Lock()
	hooks := append([]func(){}, e.hooks...)
	e.hooksMu.Unlock()
	for _, fn := range hooks {
		fn()
	}
}

// beginUpdate claims the one cluster operation at a time (state is what
// ClusterState says meanwhile) and registers it with Close, which waits
// for it; done releases both.
func (e *Env) beginUpdate(state string) (done func(), err error) {
	e.lifeMu.Lock()
	defer e.lifeMu.Unlock()
	if e.life.Err() != nil {
		return nil, errClosedEnv
	}
	if !e.updating.CompareAndSwap(false, true) {
		return nil, ErrUpdateInProgress
	}
	e.operation.Store(state)
	e.bg.Add(1)
	e.changed()
	return func() {
		e.operation.Store("")
		e.updating.Store(false)
		e.bg.Done()
		e.changed()
	}, nil
}

func (e *Env) restart(ctx context.Context, id int, away time.Duration) error {
	log := e.log.With("broker", id)
	log.Info("restart: controlled shutdown, moving partition leadership away")
	moved, err := e.moveLeadersAway(id)
	if err != nil {
		return fmt.Errorf("broker %d: move its partition leadership away: %w", id, err)
	}
	e.restarting.Store(int32(id))
	e.offline.set(int32(id), true)
	if err := e.fronts[id-1].setDown(true); err != nil {
		return err
	}
	log.Info("restart: broker stopped", "away", away)
	e.changed()
	t := time.NewTimer(away)
	defer t.Stop()
	var cancelled error
	select {
	case <-t.C:
	case <-ctx.Done():
		cancelled = ctx.Err()
	case <-e.life.Done():
	}
	if e.life.Err() != nil {
		return errClosedEnv
	}
	if err := e.fronts[id-1].setDown(false); err != nil {
		return err
	}
	e.offline.set(int32(id), false)
	e.restarting.Store(0)
	// Preferred leader election: the partitions it led come back to it.
	for _, p := range moved {
		if err := e.cluster.MoveTopicPartition(p.topic, p.part, int32(id)); err != nil {
			log.Warn("restart: cannot give leadership back", "topic", p.topic, "partition", p.part, "err", err)
		}
	}
	log.Info("restart: broker back, leading its partitions again", "partitions", len(moved))
	e.changed()
	return cancelled
}

type topicPartition struct {
	topic string
	part  int32
}

// moveLeadersAway moves every partition broker id leads to the next live
// broker (by id, wrapping), as a controlled shutdown does, and returns
// them. With no other live broker the partitions stay, and go offline with
// it.
func (e *Env) moveLeadersAway(id int) ([]topicPartition, error) {
	leaders, err := e.partitionLeaders()
	if err != nil {
		return nil, err
	}
	to := 0
	for i := 1; i < len(e.fronts); i++ {
		if c := (id-1+i)%len(e.fronts) + 1; !e.offline.has(int32(c)) {
			to = c
			break
		}
	}
	var moved []topicPartition
	if to == 0 {
		return nil, nil
	}
	for p, l := range leaders {
		if l != int32(id) {
			continue
		}
		if err := e.cluster.MoveTopicPartition(p.topic, p.part, int32(to)); err != nil {
			return moved, err
		}
		moved = append(moved, p)
	}
	slices.SortFunc(moved, func(a, b topicPartition) int {
		if a.topic != b.topic {
			if a.topic < b.topic {
				return -1
			}
			return 1
		}
		return int(a.part - b.part)
	})
	return moved, nil
}

// partitionLeaders asks the Kafka brokers (kfake, directly) for the leader
// of every partition of every topic.
func (e *Env) partitionLeaders() (map[topicPartition]int32, error) {
	ctx, cancel := context.WithTimeout(e.life, 5*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", e.fronts[0].upstream)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	req := kmsg.NewPtrMetadataRequest()
	req.SetVersion(9) // served by every Kafka version localmsk models
	clientID := "localmsk-restart"
	if _, err := c.Write(appendRequest(nil, &clientID, req, 1)); err != nil {
		return nil, err
	}
	frame, err := readFrame(bufio.NewReader(c))
	if err != nil {
		return nil, err
	}
	resp := req.ResponseKind().(*kmsg.MetadataResponse)
	resp.SetVersion(req.Version)
	if _, err := parseResponse(frame, resp); err != nil {
		return nil, err
	}
	out := map[topicPartition]int32{}
	for _, t := range resp.Topics {
		if t.Topic == nil || t.ErrorCode != 0 {
			continue
		}
		for _, p := range t.Partitions {
			out[topicPartition{*t.Topic, p.Partition}] = p.Leader
		}
	}
	return out, nil
}

// offlineView returns a filter for the answer to req when a broker is
// restarting, so that clients see the cluster as Kafka shows it then: the
// broker is left out of Metadata's and DescribeCluster's brokers and out of
// every ISR, listed as an offline replica, and a group it coordinates gets
// COORDINATOR_NOT_AVAILABLE from FindCoordinator (Kafka moves the
// coordinator in seconds; here the group waits for the broker). Nil when
// no broker is away or req is none of these.
func (e *Env) offlineView(req kmsg.Request) func(kmsg.Response) {
	if e.offline.n.Load() == 0 {
		return nil
	}
	switch req.(type) {
	case *kmsg.MetadataRequest, *kmsg.FindCoordinatorRequest, *kmsg.DescribeClusterRequest:
	default:
		return nil
	}
	return func(r kmsg.Response) {
		away := e.offline.has
		switch resp := r.(type) {
		case *kmsg.MetadataResponse:
			resp.Brokers = slices.DeleteFunc(resp.Brokers, func(b kmsg.MetadataResponseBroker) bool { return away(b.NodeID) })
			for i := range resp.Topics {
				for j := range resp.Topics[i].Partitions {
					p := &resp.Topics[i].Partitions[j]
					p.ISR = slices.DeleteFunc(slices.Clone(p.ISR), away)
					for _, r := range p.Replicas {
						if away(r) && !slices.Contains(p.OfflineReplicas, r) {
							p.OfflineReplicas = append(p.OfflineReplicas, r)
						}
					}
				}
			}
		case *kmsg.DescribeClusterResponse:
			resp.Brokers = slices.DeleteFunc(resp.Brokers, func(b kmsg.DescribeClusterResponseBroker) bool { return away(b.NodeID) })
		case *kmsg.FindCoordinatorResponse:
			unavailable := func(node *int32, host *string, port *int32, code *int16, msg **string) {
				if *code == 0 && away(*node) {
					m := fmt.Sprintf("the coordinator, broker %d, is restarting", *node)
					*node, *host, *port, *code, *msg = -1, "", -1, kerr.CoordinatorNotAvailable.Code, &m
				}
			}
			unavailable(&resp.NodeID, &resp.Host, &resp.Port, &resp.ErrorCode, &resp.ErrorMessage)
			for i := range resp.Coordinators {
				c := &resp.Coordinators[i]
				unavailable(&c.NodeID, &c.Host, &c.Port, &c.ErrorCode, &c.ErrorMessage)
			}
		}
	}
}

// then chains two response filters; either may be nil.
func then(a, b func(kmsg.Response)) func(kmsg.Response) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(r kmsg.Response) { a(r); b(r) }
}
