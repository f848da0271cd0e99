package localmsk

import (
	"fmt"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mskvpce/mskvpce/internal/mskauthz"
	"github.com/mskvpce/mskvpce/internal/mskiam"
)

// iamGuard is the Env's guard: SASL tokens verified by mskiam for the one
// local credential, requests authorized by mskauthz against the principal's
// policy.
type iamGuard struct {
	e        *Env
	cluster  mskauthz.Cluster
	verifier *mskiam.Verifier
	authz    atomic.Pointer[mskauthz.Authorizer]
}

func newGuard(e *Env, cluster mskauthz.Cluster, creds Credentials, principal string, policy []byte) (*iamGuard, error) {
	g := &iamGuard{e: e, cluster: cluster}
	g.verifier = &mskiam.Verifier{
		Region: cluster.Region,
		Credentials: []mskiam.Credential{{
			AccessKeyID:     creds.AccessKeyID,
			SecretAccessKey: creds.SecretAccessKey,
			SessionToken:    creds.SessionToken,
			PrincipalARN:    principal,
		}},
		Now: e.now,
	}
	if err := g.setPolicy(policy); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *iamGuard) setPolicy(doc []byte) error {
	p, err := mskauthz.ParsePolicy(doc)
	if err != nil {
		return fmt.Errorf("the principal's IAM policy: %w", err)
	}
	g.authz.Store(&mskauthz.Authorizer{Cluster: g.cluster, Policy: p, TopicNames: g.topicName})
	return nil
}

func (g *iamGuard) authenticate(mech string, auth []byte, brokerHost, requestID string) (authResult, error) {
	var (
		s    mskiam.Session
		err  error
		resp []byte
	)
	switch mech {
	case mechOAuthBearer:
		s, err = g.verifier.VerifyOAuthBearer(auth, brokerHost)
	case mechAWSMSKIAM:
		s, err = g.verifier.VerifyAWSMSKIAM(auth, brokerHost)
		resp = mskiam.AWSMSKIAMServerResponse(requestID)
	default:
		return authResult{}, fmt.Errorf("mechanism %s is not enabled", mech)
	}
	if err != nil {
		return authResult{}, err
	}
	if err := g.authz.Load().CanConnect(); err != nil {
		return authResult{}, fmt.Errorf("%s may not connect: %w", s.PrincipalARN, err)
	}
	return authResult{principal: s.PrincipalARN, expires: s.Expires, serverResponse: resp}, nil
}

func (g *iamGuard) authorize(req kmsg.Request) verdict {
	v := g.authz.Load().Check(req)
	out := verdict{allow: v.Allow, relay: v.Relay, response: v.Response, filter: v.Filter, close: v.CloseConnection}
	for _, d := range v.Denied {
		out.denied = append(out.denied, d.String())
	}
	return out
}

// topicName resolves a topic ID the authorizer has not seen in a Metadata
// response yet, asking the cluster.
func (g *iamGuard) topicName(id [16]byte) (string, bool) {
	if c := g.e.cluster; c != nil {
		if ti := c.TopicIDInfo(id); ti != nil {
			return ti.Topic, true
		}
	}
	return "", false
}
