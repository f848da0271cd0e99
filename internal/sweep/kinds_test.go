package sweep

import "testing"

func TestParseARN(t *testing.T) {
	t.Parallel()
	for arn, want := range map[string]struct {
		kind Kind
		id   string
	}{
		"arn:aws:lambda:us-east-1:1:function:f:live":                       {KindLambdaFunction, "f"},
		"arn:aws:ec2:us-east-1:1:vpc-endpoint-service/vpce-svc-1":          {KindEndpointService, "vpce-svc-1"},
		"arn:aws:logs:us-east-1:1:log-group:/aws/msk/x:*":                  {KindLogGroup, "/aws/msk/x"},
		"arn:aws:iam::1:role/path/r":                                       {KindIAMRole, "r"},
		"arn:aws:route53:::hostedzone/Z1":                                  {KindHostedZone, "Z1"},
		"arn:aws:elasticloadbalancing:us-east-1:1:listener/net/a/b/c":      {KindPart, "arn:aws:elasticloadbalancing:us-east-1:1:listener/net/a/b/c"},
		"arn:aws:ec2:us-east-1:1:security-group-rule/sgr-1":                {KindSecurityGroupRule, "sgr-1"},
		"arn:aws:ec2:us-east-1:1:route-table/rtb-1":                        {KindUnknown, "arn:aws:ec2:us-east-1:1:route-table/rtb-1"},
		"arn:aws:events:us-east-1:1:rule/e2e-x-verify-canary":              {KindEventRule, "e2e-x-verify-canary"},
		"arn:aws:events:us-east-1:1:rule/bus/r":                            {KindEventRule, "bus/r"},
		"arn:aws:cloudwatch:us-east-1:1:alarm:e2e-x-broker-1":              {KindAlarm, "e2e-x-broker-1"},
		"arn:aws:sns:us-east-1:1:e2e-x-alarms":                             {KindSNSTopic, "arn:aws:sns:us-east-1:1:e2e-x-alarms"},
		"arn:aws:sns:us-east-1:1:e2e-x-alarms:0f1e2d3c":                    {KindUnknown, "arn:aws:sns:us-east-1:1:e2e-x-alarms:0f1e2d3c"},
		"arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab": {KindKMSKey, "1234abcd-12ab-34cd-56ef-1234567890ab"},
		"not-an-arn": {KindUnknown, "not-an-arn"},
		"arn:aws-us-gov:kafka:us-gov-west-1:1:cluster/c/u":                           {KindKafkaCluster, "arn:aws-us-gov:kafka:us-gov-west-1:1:cluster/c/u"},
		"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/e2e-x-b1/0123456789ab": {KindTargetGroup, "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/e2e-x-b1/0123456789ab"},
	} {
		if k, id := ParseARN(arn); k != want.kind || id != want.id {
			t.Errorf("ParseARN(%q) = %s, %q; want %s, %q", arn, k, id, want.kind, want.id)
		}
	}
}
