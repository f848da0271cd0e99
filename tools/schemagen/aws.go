package main

import (
	"fmt"

	tfjson "github.com/hashicorp/terraform-json"
	awsschema "github.com/lonegunmanb/terraform-aws-schema/v6/generated"
	"github.com/zclconf/go-cty/cty"
)

// awsSchema is the hashicorp/aws v6 schema: resources, data sources and
// ephemeral resources from the schema module, plus the provider block, which
// that module does not carry and which is written here from the provider's
// documentation (Argument Reference of the AWS provider, v6).
func awsSchema() (*tfjson.ProviderSchema, error) {
	if len(awsschema.Resources) == 0 || len(awsschema.DataSources) == 0 {
		return nil, fmt.Errorf("schema module has %d resources and %d data sources: is it the right version?",
			len(awsschema.Resources), len(awsschema.DataSources))
	}
	return &tfjson.ProviderSchema{
		ConfigSchema:             &tfjson.Schema{Block: awsProviderBlock()},
		ResourceSchemas:          awsschema.Resources,
		DataSourceSchemas:        awsschema.DataSources,
		EphemeralResourceSchemas: awsschema.EphemeralResources,
	}, nil
}

func opt(t cty.Type, desc string) *tfjson.SchemaAttribute {
	return &tfjson.SchemaAttribute{AttributeType: t, Optional: true, Description: desc, DescriptionKind: tfjson.SchemaDescriptionKindPlain}
}

func sensitive(a *tfjson.SchemaAttribute) *tfjson.SchemaAttribute { a.Sensitive = true; return a }

func block(mode tfjson.SchemaNestingMode, max uint64, desc string, attrs map[string]*tfjson.SchemaAttribute) *tfjson.SchemaBlockType {
	return &tfjson.SchemaBlockType{
		NestingMode: mode,
		MaxItems:    max,
		Block:       &tfjson.SchemaBlock{Attributes: attrs, Description: desc, DescriptionKind: tfjson.SchemaDescriptionKindPlain},
	}
}

var (
	str     = cty.String
	boolean = cty.Bool
	number  = cty.Number
	strSet  = cty.Set(cty.String)
	strList = cty.List(cty.String)
	strMap  = cty.Map(cty.String)
)

func awsProviderBlock() *tfjson.SchemaBlock {
	endpoints := map[string]*tfjson.SchemaAttribute{}
	for _, svc := range awsEndpointServices {
		endpoints[svc] = opt(str, "Use this to override the default service endpoint URL.")
	}
	return &tfjson.SchemaBlock{
		DescriptionKind: tfjson.SchemaDescriptionKindPlain,
		Attributes: map[string]*tfjson.SchemaAttribute{
			"access_key":                         sensitive(opt(str, "AWS access key. Can also be set with AWS_ACCESS_KEY_ID.")),
			"allowed_account_ids":                opt(strSet, "Account IDs Terraform may act on; conflicts with forbidden_account_ids."),
			"custom_ca_bundle":                   opt(str, "File containing custom root and intermediate certificates (AWS_CA_BUNDLE)."),
			"ec2_metadata_service_endpoint":      opt(str, "Address of the EC2 metadata service (IMDS) endpoint."),
			"ec2_metadata_service_endpoint_mode": opt(str, "IMDS endpoint mode: IPv4 or IPv6."),
			"forbidden_account_ids":              opt(strSet, "Account IDs Terraform must not act on; conflicts with allowed_account_ids."),
			"http_proxy":                         opt(str, "URL of a proxy for HTTP requests to AWS."),
			"https_proxy":                        opt(str, "URL of a proxy for HTTPS requests to AWS."),
			"insecure":                           opt(boolean, "Explicitly allow the provider to perform insecure SSL requests."),
			"max_retries":                        opt(number, "Maximum number of times an AWS API request is retried on a retryable failure."),
			"no_proxy":                           opt(str, "Comma-separated hosts that bypass the proxy."),
			"profile":                            opt(str, "Profile from the shared config and credentials files."),
			"region":                             opt(str, "AWS region where the provider operates (AWS_REGION)."),
			"retry_mode":                         opt(str, "How retries are attempted: standard or adaptive."),
			"s3_us_east_1_regional_endpoint":     opt(str, "S3 us-east-1 endpoint: legacy or regional."),
			"s3_use_path_style":                  opt(boolean, "Use path-style S3 addressing (http://s3.amazonaws.com/BUCKET/KEY)."),
			"secret_key":                         sensitive(opt(str, "AWS secret key. Can also be set with AWS_SECRET_ACCESS_KEY.")),
			"shared_config_files":                opt(strList, "Paths to shared config files (default ~/.aws/config)."),
			"shared_credentials_files":           opt(strList, "Paths to shared credentials files (default ~/.aws/credentials)."),
			"skip_credentials_validation":        opt(boolean, "Skip the STS credentials validation."),
			"skip_metadata_api_check":            opt(str, "Skip the EC2 metadata API check (\"true\"/\"false\")."),
			"skip_region_validation":             opt(boolean, "Skip validation of the region name."),
			"skip_requesting_account_id":         opt(boolean, "Skip requesting the account ID (some ARNs then cannot be built)."),
			"sts_region":                         opt(str, "Region for STS requests."),
			"tag_policy_compliance":              opt(str, "Tag policy compliance enforcement: error, warning or disabled."),
			"token":                              sensitive(opt(str, "Session token for temporary credentials (AWS_SESSION_TOKEN).")),
			"token_bucket_rate_limiter_capacity": opt(number, "Capacity of the AWS SDK's client-side retry token bucket."),
			"use_dualstack_endpoint":             opt(boolean, "Resolve dual-stack endpoints."),
			"use_fips_endpoint":                  opt(boolean, "Resolve FIPS endpoints."),
			"user_agent":                         opt(strList, "Product details appended to the User-Agent header."),
		},
		NestedBlocks: map[string]*tfjson.SchemaBlockType{
			"assume_role": block(tfjson.SchemaNestingModeList, 0, "Roles to assume, in order (role chaining).", map[string]*tfjson.SchemaAttribute{
				"duration":            opt(str, "Duration of the session, e.g. 1h."),
				"external_id":         opt(str, "External identifier to use when assuming the role."),
				"policy":              opt(str, "IAM policy JSON further restricting the session."),
				"policy_arns":         opt(strSet, "Managed policy ARNs further restricting the session."),
				"role_arn":            opt(str, "ARN of the IAM role to assume."),
				"session_name":        opt(str, "Session name to use when assuming the role."),
				"source_identity":     opt(str, "Source identity specified by the principal assuming the role."),
				"tags":                opt(strMap, "Session tags."),
				"transitive_tag_keys": opt(strSet, "Session tag keys passed to subsequent sessions."),
			}),
			"assume_role_with_web_identity": block(tfjson.SchemaNestingModeList, 1, "Role to assume with a web identity token.", map[string]*tfjson.SchemaAttribute{
				"duration":                opt(str, "Duration of the session, e.g. 1h."),
				"policy":                  opt(str, "IAM policy JSON further restricting the session."),
				"policy_arns":             opt(strSet, "Managed policy ARNs further restricting the session."),
				"role_arn":                opt(str, "ARN of the IAM role to assume."),
				"session_name":            opt(str, "Session name to use when assuming the role."),
				"web_identity_token":      opt(str, "Value of a web identity token."),
				"web_identity_token_file": opt(str, "File containing a web identity token."),
			}),
			"default_tags": block(tfjson.SchemaNestingModeList, 1, "Tags applied to every resource that supports tags.", map[string]*tfjson.SchemaAttribute{
				"tags": opt(strMap, "Resource tags to default across all resources."),
			}),
			"endpoints": block(tfjson.SchemaNestingModeSet, 0, "Custom service endpoint URLs.", endpoints),
			"ignore_tags": block(tfjson.SchemaNestingModeList, 1, "Tags the provider ignores on every resource.", map[string]*tfjson.SchemaAttribute{
				"key_prefixes": opt(strSet, "Tag key prefixes to ignore."),
				"keys":         opt(strSet, "Tag keys to ignore."),
			}),
		},
	}
}
