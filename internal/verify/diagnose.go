package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/IBM/sarama"
)

// mechName is the path's SASL mechanism as Kafka names it.
func (pr *pathRun) mechName() string {
	if pr.mech == "" {
		return MechanismOAuthBearer
	}
	return pr.mech
}

// nlb names the hop a path goes through, e.g. "NLB 2 (10.0.2.15:9098)".
func (pr *pathRun) nlb() string {
	return fmt.Sprintf("NLB %d (%s)", pr.path.BrokerID, pr.path.Endpoint)
}

// diagnose turns a stage failure into a one-line cause and a next step that
// names the hop. overall is the whole run's context error, if the run (not
// only the stage) was cut short: its deadline passed or the caller cancelled.
func diagnose(pr *pathRun, stage string, err error, overall error) (string, string) {
	var se *stageError
	if errors.As(err, &se) {
		return se.detail, se.next
	}
	id := pr.path.BrokerID
	host := pr.host
	timeout := errors.Is(err, errStageTimeout) || isTimeout(err)
	if errors.Is(overall, context.Canceled) {
		return fmt.Sprintf("%s on broker %d interrupted: the run was cancelled", stage, id), "re-run verify"
	}
	if timeout && overall != nil {
		return fmt.Sprintf("%s on broker %d stopped by the overall timeout (%s)", stage, id, pr.o.Timeout),
			"raise --timeout, or fix the paths that fail first"
	}
	st := pr.o.StageTimeout
	healthNext := fmt.Sprintf("check the health of NLB %d's target group (aws elbv2 describe-target-health), that its target is broker %d's client IP on 9098, and that the broker security group allows 9098 from the NLB security group", id, id)

	switch stage {
	case StageDNS:
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return fmt.Sprintf("DNS name of NLB %d (%s) does not resolve", id, de.Name),
				"check nlb_dns_name in `terraform output -json` (was the NLB replaced or deleted?) and that this machine's resolver can see it"
		}
		if timeout {
			return fmt.Sprintf("DNS lookup for NLB %d (%s) timed out after %s", id, pr.path.Endpoint, st),
				"check this machine's DNS resolver (/etc/resolv.conf) and its reachability"
		}
		return fmt.Sprintf("DNS lookup for NLB %d (%s) failed: %v", id, pr.path.Endpoint, err),
			"check this machine's DNS resolver and the NLB's DNS name in the outputs"

	case StageTCP:
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return fmt.Sprintf("TCP connection refused by %s", pr.nlb()),
				fmt.Sprintf("nothing listens there: check NLB %d exists and has a TCP listener on 9098 (aws elbv2 describe-listeners), and that the endpoint map points at it", id)
		case errors.Is(err, syscall.ECONNRESET):
			return fmt.Sprintf("%s accepted the connection but reset it: no healthy broker behind it", pr.nlb()), healthNext
		case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
			return fmt.Sprintf("no route to %s", pr.nlb()),
				"run verify from a network that routes to the VPC (inside it, or over VPN/peering/Transit Gateway); internal NLBs have private IPs only"
		case timeout:
			return fmt.Sprintf("TCP timeout to %s after %s", pr.nlb(), st),
				fmt.Sprintf("check that the NLB security group allows 9098 from this client, and the target group's health; if MSK replaced broker %d, its client IP changed and NLB %d's target group may still hold the old one, which nothing answers: compare the broker's client VPC IP (aws kafka list-nodes) with the target (aws elbv2 describe-target-health) and re-apply terraform; internal NLBs have private IPs only, so run verify from inside the VPC or a network routed to it", id, id)
		}
		return fmt.Sprintf("TCP connect to %s failed: %v", pr.nlb(), err),
			"check that the NLB security group allows 9098 from this client, and the target group's health"

	case StageTLS:
		var ua x509.UnknownAuthorityError
		var he x509.HostnameError
		var ci x509.CertificateInvalidError
		var rh tls.RecordHeaderError
		switch {
		case errors.As(err, &he):
			names := certNames(he.Certificate)
			return fmt.Sprintf("certificate presented via %s is for %s, not %s", pr.nlb(), names, host),
				fmt.Sprintf("NLB %d forwards to something other than broker %d's 9098 listener: check its target group holds broker %d's client IP on 9098, and that the endpoint map pairs %s with NLB %d", id, id, id, host, id)
		case errors.As(err, &ua):
			issuer := "unknown issuer"
			if ua.Cert != nil {
				issuer = ua.Cert.Issuer.String()
			}
			return fmt.Sprintf("certificate presented via %s is signed by an unknown authority (%s)", pr.nlb(), issuer),
				"MSK certificates chain to Amazon Trust Services, which the system trust store holds: if --ca-file is set, it must be the CA that signs the brokers (the local environment's ca_file); otherwise something other than MSK answers behind the NLB"
		case errors.As(err, &ci):
			return fmt.Sprintf("certificate presented via %s is not valid: %v", pr.nlb(), ci),
				"check this machine's clock; if it is right, the broker's certificate is expired or not yet valid"
		case errors.As(err, &rh):
			return fmt.Sprintf("%s answered the TLS handshake with non-TLS bytes", pr.nlb()),
				fmt.Sprintf("NLB %d's target group must forward to the brokers' SASL/IAM TLS port 9098 (not 9092 plaintext)", id)
		case timeout:
			return fmt.Sprintf("TLS handshake via %s timed out after %s: TCP connected but no broker answered", pr.nlb(), st),
				healthNext + "; if the target is healthy, the path is too slow: raise --stage-timeout"
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
			return fmt.Sprintf("%s accepted TCP but closed the connection during the TLS handshake: no healthy broker behind it", pr.nlb()),
				healthNext
		}
		return fmt.Sprintf("TLS handshake via %s failed: %v", pr.nlb(), err), healthNext

	case StageSASL:
		var ce *credentialsError
		var ue *unmappedError
		var sk *skewError
		var hm *hostMisrouteError
		msg := err.Error()
		switch {
		case errors.As(err, &hm):
			where := "a different broker"
			if hm.landsOn != 0 {
				where = fmt.Sprintf("broker %d (a payload signed for broker %d's host was accepted there)", hm.landsOn, hm.landsOn)
			}
			lands := ""
			if hm.landsOn != 0 {
				lands = fmt.Sprintf("path to broker %d lands on broker %d: ", id, hm.landsOn)
			}
			return fmt.Sprintf("%sthe AWS_MSK_IAM payload signed for %s was refused (%s) through %s while an OAUTHBEARER token from the same credentials was accepted: AWS_MSK_IAM signatures are bound to the broker's host, and this path reaches %s", lands, host, saslMessage(hm.err), pr.nlb(), where),
				fmt.Sprintf("NLB %d's target group must hold broker %d's client IP (brokers[].client_ip in the outputs) on 9098: re-apply terraform to restore it; if the endpoint map pairs hostnames with the wrong NLBs, rebuild the map from the current `terraform output -json`", id, id)
		case errors.As(err, &ce):
			return fmt.Sprintf("could not get AWS credentials to sign the IAM token: %v", ce.err),
				"configure the SDK default chain (AWS_PROFILE, environment, SSO login, instance role) or pass --profile / --role-arn"
		case errors.As(err, &ue):
			return ue.Error(), "map every advertised broker to its own NLB (--endpoint host:9098=nlb:9098)"
		case strings.Contains(strings.ToLower(msg), "too many connects"):
			return fmt.Sprintf("broker %d refused the connection: Too many connects (MSK's IAM connection-rate limit)", id),
				"retry in a few seconds; make clients reconnect less often (reconnect.backoff.ms ≥ 1000) or use a larger broker size"
		case errors.As(err, &sk):
			rel := "behind"
			if sk.offset < 0 {
				rel = "ahead of"
			}
			return fmt.Sprintf("broker %d rejected the IAM token: clock skew, this machine's clock is %s (±1m) %s the broker's (measured by signing tokens at shifted times; MSK accepts a token dated at most 5m ahead of its clock and for 15m after)", id, absDur(sk.offset).Round(time.Minute), rel),
				"sync this machine's clock (chrony/NTP; `chronyc makestep` or `timedatectl set-ntp true`): SigV4 tokens are rejected when the clock is more than 5 minutes fast or 15 minutes slow"
		case errors.Is(err, sarama.ErrSASLAuthenticationFailed) && (containsAny(msg, "skew", "clock", "signature expired", "not yet valid", "in the future")):
			return fmt.Sprintf("broker %d rejected the IAM token: clock skew (%s)", id, saslMessage(err)),
				"sync this machine's clock (chrony/NTP): SigV4 tokens are rejected when the clock is off by more than 5 minutes"
		case errors.Is(err, sarama.ErrSASLAuthenticationFailed):
			next := fmt.Sprintf("check that the credentials are valid and unexpired, that region %s is the cluster's, that the principal's policy allows kafka-cluster:Connect on %s, and that this machine's clock is right", pr.t.Region, clusterARN(pr.t))
			if timeout {
				// The clock probe (about 16 connections) needs time
				// the stage no longer had.
				next += fmt.Sprintf("; the check that tells a skewed clock from the rest ran out of --stage-timeout (%s): raise it to measure the clock", st)
			}
			return fmt.Sprintf("broker %d rejected the IAM token: SASL_AUTHENTICATION_FAILED (%s: %s)", id, pr.mechName(), saslMessage(err)), next
		case errors.Is(err, sarama.ErrUnsupportedSASLMechanism):
			return fmt.Sprintf("broker %d does not accept %s: %v", id, pr.mechName(), err),
				"enable IAM client authentication on the cluster (client_authentication.sasl.iam) and make sure the NLB forwards to port 9098"
		case timeout:
			return fmt.Sprintf("SASL/IAM authentication with broker %d via %s timed out after %s", id, pr.nlb(), st),
				healthNext + "; if healthy, the path is too slow: raise --stage-timeout"
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
			return fmt.Sprintf("broker %d closed the connection during SASL/IAM authentication via %s", id, pr.nlb()),
				"the broker may be throttling new connections (retry shortly) or not serving IAM on 9098: " + healthNext
		}
		return fmt.Sprintf("SASL/IAM authentication with broker %d failed: %v", id, err),
			"check the credentials and the principal's kafka-cluster:Connect permission on " + clusterARN(pr.t)

	case StageMetadata:
		var mm *metadataMismatch
		switch {
		case errors.As(err, &mm):
			return "cluster metadata does not match the endpoint map: " + mm.Error(),
				"rebuild the map from the current `terraform output -json` (broker hostnames change when the cluster is replaced) and re-apply terraform if brokers were added"
		case errors.Is(err, sarama.ErrClusterAuthorizationFailed):
			// MSK authorizes Metadata with Connect and per-topic
			// DescribeTopic; DescribeCluster does not gate it.
			return fmt.Sprintf("broker %d denied Metadata: CLUSTER_AUTHORIZATION_FAILED", id),
				fmt.Sprintf("check that the role's policy allows kafka-cluster:Connect on %s and kafka-cluster:DescribeTopic on the topic (statements MskClusterConnect, MskTopicReadWrite)", clusterARN(pr.t))
		case timeout:
			return fmt.Sprintf("Metadata request to broker %d via %s timed out after %s", id, pr.nlb(), st), healthNext
		}
		return fmt.Sprintf("Metadata request to broker %d via %s failed: %v", id, pr.nlb(), err), healthNext

	case StageGroup:
		var pe *permError
		var ue *unmappedError
		switch {
		case errors.As(err, &pe):
			return diagnosePerm(pr, pe)
		case errors.As(err, &ue):
			return "group coordinator: " + ue.Error(), "map every advertised broker to its own NLB (--endpoint host:9098=nlb:9098)"
		case timeout:
			return fmt.Sprintf("joining consumer group %s via %s timed out after %s", pr.groupID(), pr.nlb(), st),
				healthNext + "; a new group's first join waits group.initial.rebalance.delay.ms on the broker: keep --stage-timeout above it"
		}
		return fmt.Sprintf("consumer group %s on broker %d failed: %v", pr.groupID(), id, err), healthNext

	case StageProduce, StageConsume:
		var pe *permError
		if errors.As(err, &pe) {
			return diagnosePerm(pr, pe)
		}
		var ae *affinityError
		if errors.As(err, &ae) {
			return fmt.Sprintf("path to broker %d lands on broker %d: partition %d (led by broker %d) answered NOT_LEADER_OR_FOLLOWER through %s, broker %d's partition answered normally", ae.path, ae.landsOn, ae.partition, ae.path, pr.nlb(), ae.landsOn),
				fmt.Sprintf("NLB %d's target group must hold broker %d's client IP (brokers[].client_ip in the outputs) on 9098, not broker %d's: re-apply terraform to restore it", ae.path, ae.path, ae.landsOn)
		}
		action, api := "kafka-cluster:WriteData", "write to"
		if stage == StageConsume {
			action, api = "kafka-cluster:ReadData", "read from"
		}
		switch {
		case errors.Is(err, sarama.ErrTopicAuthorizationFailed):
			return fmt.Sprintf("not authorized to %s topic %s: TOPIC_AUTHORIZATION_FAILED from broker %d", api, pr.t.Topic, id),
				fmt.Sprintf("add %s (with kafka-cluster:DescribeTopic) on %s to the role's policy (terraform/modules/msk-access-policy renders it)", action, topicARN(pr.t))
		case errors.Is(err, sarama.ErrClusterAuthorizationFailed):
			return fmt.Sprintf("not authorized to %s topic %s: CLUSTER_AUTHORIZATION_FAILED from broker %d", api, pr.t.Topic, id),
				fmt.Sprintf("add %s on %s to the role's policy", action, clusterARN(pr.t))
		case errors.Is(err, sarama.ErrNotEnoughReplicas), errors.Is(err, sarama.ErrNotEnoughReplicasAfterAppend):
			return fmt.Sprintf("broker %d could not replicate to min.insync.replicas: %v", id, err),
				"a broker is down or lagging: check the cluster's health in the MSK console"
		case errors.Is(err, sarama.ErrNotLeaderForPartition):
			return fmt.Sprintf("broker %d is no longer the leader of partition %d of %s", id, pr.part, pr.t.Topic),
				"leadership moved (a broker restarted?): re-run verify"
		case errors.Is(err, sarama.ErrUnknownTopicOrPartition):
			return fmt.Sprintf("broker %d does not know topic %s partition %d", id, pr.t.Topic, pr.part),
				"the topic was deleted during the run: re-run verify"
		case timeout:
			what := "Produce (acks=all)"
			if stage == StageConsume {
				what = "Fetch of this run's record"
			}
			return fmt.Sprintf("%s via %s timed out after %s", what, pr.nlb(), st),
				healthNext + "; if healthy, the path is too slow: raise --stage-timeout"
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
			return fmt.Sprintf("connection through %s closed during %s", pr.nlb(), stage), healthNext
		}
		return fmt.Sprintf("%s through %s failed: %v", stage, pr.nlb(), err), healthNext
	}
	return fmt.Sprintf("%s on broker %d failed: %v", stage, id, err), healthNext
}

// diagnosePerm names the IAM action a refused request needs and the policy
// statement of terraform/modules/msk-access-policy that grants it.
func diagnosePerm(pr *pathRun, pe *permError) (string, string) {
	id := pr.path.BrokerID
	switch {
	case pe.api == "InitProducerId" && errors.Is(pe.err, sarama.ErrClusterAuthorizationFailed):
		return fmt.Sprintf("idempotent producer refused: InitProducerId answered CLUSTER_AUTHORIZATION_FAILED from broker %d (every Kafka >= 3.0 producer, Spark's included, is idempotent by default)", id),
			fmt.Sprintf("add %s on %s to the role's policy (statement MskClusterConnect of terraform/modules/msk-access-policy), or grant kafka-cluster:WriteData on every topic (topic/<cluster>/*), which implies it", actWriteIdem, clusterARN(pr.t))
	case errors.Is(pe.err, sarama.ErrGroupAuthorizationFailed):
		return fmt.Sprintf("not authorized for consumer group %s: %s answered GROUP_AUTHORIZATION_FAILED (needs %s)", pe.group, pe.api, pe.action),
			fmt.Sprintf("add %s on %s to the role's policy (statement MskConsumerGroups of terraform/modules/msk-access-policy: kafka-cluster:DescribeGroup and kafka-cluster:AlterGroup on group/<cluster>/*)", pe.action, groupARN(pr.t, "*"))
	case errors.Is(pe.err, sarama.ErrTopicAuthorizationFailed):
		action := pe.action
		if pe.api == "OffsetCommit" || pe.api == "OffsetFetch" {
			action = actReadData
		}
		return fmt.Sprintf("not authorized for topic %s: %s answered TOPIC_AUTHORIZATION_FAILED from broker %d (needs %s)", pr.t.Topic, pe.api, id, action),
			fmt.Sprintf("add %s on %s to the role's policy (statement MskTopicReadWrite of terraform/modules/msk-access-policy)", action, topicARN(pr.t))
	case errors.Is(pe.err, sarama.ErrConsumerCoordinatorNotAvailable), errors.Is(pe.err, sarama.ErrNotCoordinatorForConsumer), errors.Is(pe.err, sarama.ErrOffsetsLoadInProgress):
		return fmt.Sprintf("%s for group %s: %s (the group coordinator is moving or starting)", pe.api, pe.group, pe.err),
			"re-run verify; if it persists check the cluster's health (__consumer_offsets partitions) in the MSK console"
	}
	return fmt.Sprintf("%s through %s failed: %s", pe.api, pr.nlb(), pe.err), "re-run verify; if it persists check the cluster's health in the MSK console"
}

// isUnreachable: a connect that timed out or found no route, as a client
// outside the VPC sees an internal NLB (a refused or reset connection means
// something answered).
func isUnreachable(err error) bool {
	return errors.Is(err, errStageTimeout) || isTimeout(err) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func containsAny(s string, subs ...string) bool {
	s = strings.ToLower(s)
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// saslMessage is the broker's error message, without sarama's prefix.
func saslMessage(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "SASL Authentication failed") {
		// sarama: "kafka server: SASL Authentication failed: <broker message>"
		if j := strings.Index(msg, "SASL Authentication failed"); j >= 0 {
			rest := strings.TrimPrefix(msg[j+len("SASL Authentication failed"):], ":")
			if rest = strings.TrimSpace(rest); rest != "" {
				return rest
			}
		}
	}
	return msg
}

func certNames(c *x509.Certificate) string {
	if c == nil {
		return "another name"
	}
	if len(c.DNSNames) > 0 {
		return strings.Join(c.DNSNames, ", ")
	}
	return c.Subject.CommonName
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
