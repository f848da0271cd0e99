package localmsk

import (
	_ "embed"
	"strings"

	"github.com/mskvpce/mskvpce/internal/mskauthz"
)

// defaultPolicy is terraform/modules/msk-access-policy's policy_json for
// DefaultClusterARN, rendered by terraform itself; TestDefaultPolicyMatchesTerraform
// fails when the module and this file drift apart.
//
//go:generate go test -run TestDefaultPolicyMatchesTerraform -update-policy .
//go:embed default_policy.json
var defaultPolicy []byte

// DefaultClusterARN is the local cluster's ARN with the default options.
var DefaultClusterARN = mskauthz.Cluster{Region: DefaultRegion, Account: DefaultAccount, Name: DefaultClusterName, UUID: DefaultClusterUUID}.ARN()

// DefaultPolicy is the policy the Terraform module renders for clusterARN:
// the committed rendering for DefaultClusterARN with the cluster's ARN parts
// substituted (the module only composes ARNs from those parts).
func DefaultPolicy(clusterARN string) []byte {
	from, to := arnParts(DefaultClusterARN), arnParts(clusterARN)
	if from == to {
		return append([]byte(nil), defaultPolicy...)
	}
	s := strings.NewReplacer(
		from.base+":cluster/"+from.path+`"`, to.base+":cluster/"+to.path+`"`,
		from.base+":topic/"+from.path+"/", to.base+":topic/"+to.path+"/",
		from.base+":group/"+from.path+"/", to.base+":group/"+to.path+"/",
	).Replace(string(defaultPolicy))
	return []byte(s)
}

type arnSplit struct{ base, path string } // "arn:aws:kafka:<region>:<account>", "<name>/<uuid>"

func arnParts(clusterARN string) arnSplit {
	base, path, _ := strings.Cut(clusterARN, ":cluster/")
	return arnSplit{base, path}
}
