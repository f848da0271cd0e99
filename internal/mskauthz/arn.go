package mskauthz

import (
	"fmt"
	"strings"
)

// Cluster identifies an MSK cluster; its methods build the ARNs that MSK IAM
// access control authorizes against
// (https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html,
// "Authorization policy resources").
type Cluster struct {
	Region, Account, Name, UUID string
}

// partition returns the AWS partition for the region (aws, aws-cn, aws-us-gov).
func (c Cluster) partition() string {
	switch {
	case strings.HasPrefix(c.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(c.Region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

func (c Cluster) base(kind string) string {
	return "arn:" + c.partition() + ":kafka:" + c.Region + ":" + c.Account + ":" + kind + "/" + c.Name + "/" + c.UUID
}

// ARN is arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>.
func (c Cluster) ARN() string { return c.base("cluster") }

// TopicARN is arn:aws:kafka:<region>:<account>:topic/<name>/<uuid>/<topic>.
func (c Cluster) TopicARN(topic string) string { return c.base("topic") + "/" + topic }

// GroupARN is arn:aws:kafka:<region>:<account>:group/<name>/<uuid>/<group>.
func (c Cluster) GroupARN(group string) string { return c.base("group") + "/" + group }

// TransactionalIDARN is
// arn:aws:kafka:<region>:<account>:transactional-id/<name>/<uuid>/<id>.
func (c Cluster) TransactionalIDARN(id string) string {
	return c.base("transactional-id") + "/" + id
}

// ParseClusterARN splits an MSK cluster ARN
// (arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>) into a Cluster.
func ParseClusterARN(arn string) (Cluster, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kafka" || parts[3] == "" || parts[4] == "" {
		return Cluster{}, fmt.Errorf("parse MSK cluster ARN %q: want arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>", arn)
	}
	res := strings.Split(parts[5], "/")
	if len(res) != 3 || res[0] != "cluster" || res[1] == "" || res[2] == "" {
		return Cluster{}, fmt.Errorf("parse MSK cluster ARN %q: resource part %q is not cluster/<name>/<uuid>", arn, parts[5])
	}
	c := Cluster{Region: parts[3], Account: parts[4], Name: res[1], UUID: res[2]}
	if c.partition() != parts[1] {
		return Cluster{}, fmt.Errorf("parse MSK cluster ARN %q: partition %q does not match region %q", arn, parts[1], c.Region)
	}
	return c, nil
}
