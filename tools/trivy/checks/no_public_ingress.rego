# METADATA
# title: Security group ingress open to the internet
# description: |
#   No security group rule may accept traffic from 0.0.0.0/0 or ::/0, on any
#   port. mskvpce's brokers and NLBs are private: brokers accept 9098 only from
#   the NLB security group, NLBs only PrivateLink traffic and named operator
#   CIDRs. (trivy's built-in AWS-0107 flags only SSH and RDP.)
# scope: package
# schemas:
#   - input: schema["cloud"]
# custom:
#   id: MSKVPCE-0001
#   avd_id: MSKVPCE-0001
#   provider: aws
#   service: ec2
#   severity: CRITICAL
#   short_code: no-public-ingress
#   recommended_action: Allow only the NLB security group, PrivateLink traffic or specific operator CIDRs.
#   input:
#     selector:
#       - type: cloud
#         subtypes:
#           - service: ec2
#             provider: aws
package user.mskvpce.no_public_ingress

import rego.v1

public_cidrs := {"0.0.0.0/0", "::/0"}

deny contains res if {
	some sg in input.aws.ec2.securitygroups
	some rule in sg.ingressrules
	some cidr in rule.cidrs
	cidr.value in public_cidrs
	res := result.new(sprintf("Security group ingress from %s: open to the internet", [cidr.value]), cidr)
}
