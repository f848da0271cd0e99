package sweep

import "testing"

func TestParseARN(t *testing.T) {
	t.Parallel()
	for arn, want := range map[string]struct {
		kind Kind
		id   string
	}{
		"arn:aws:lambda:us-east-1:1:function:f:live":                  {KindLambdaFunction, "f"},
		"arn:aws:ec2:us-east-1:1:vpc-endpoint-service/vpce-svc-1":     {KindEndpointService, "vpce-svc-1"},
		"arn:aws:logs:us-east-1:1:log-group:/aws/msk/x:*":             {KindLogGroup, "/aws/msk/x"},
		"arn:aws:iam::1:role/path/r":                                  {KindIAMRole, "r"},
		"arn:aws:route53:::hostedzone/Z1":                             {KindHostedZone, "Z1"},
		"arn:aws:elasticloadbalancing:us-east-1:1:listener/net/a/b/c": {KindUnknown, "arn:aws:elasticloadbalancing:us-east-1:1:listener/net/a/b/c"},
		"not-an-arn": {KindUnknown, "not-an-arn"},
		"arn:aws-us-gov:kafka:us-gov-west-1:1:cluster/c/u":                           {KindKafkaCluster, "arn:aws-us-gov:kafka:us-gov-west-1:1:cluster/c/u"},
		"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/e2e-x-b1/0123456789ab": {KindTargetGroup, "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/e2e-x-b1/0123456789ab"},
	} {
		if k, id := ParseARN(arn); k != want.kind || id != want.id {
			t.Errorf("ParseARN(%q) = %s, %q; want %s, %q", arn, k, id, want.kind, want.id)
		}
	}
}
