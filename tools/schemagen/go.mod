// schemagen writes tools/schemas/<provider>.json.gz from a schema module.
// A module of its own: the AWS schema module is ~80 MB and ~4,300 files, so
// only regenerating the schema (make schemas) ever downloads or compiles it.
module github.com/mskvpce/mskvpce/tools/schemagen

go 1.26.8

require (
	github.com/apparentlymart/go-textseg/v15 v15.0.0 // indirect
	github.com/apparentlymart/go-textseg/v17 v17.0.1 // indirect
	github.com/hashicorp/go-version v1.9.0 // indirect
	github.com/hashicorp/terraform-json v0.29.0 // indirect
	github.com/lonegunmanb/terraform-aws-schema/v6 v6.9.0 // indirect
	github.com/zclconf/go-cty v1.20.0 // indirect
	golang.org/x/text v0.24.0 // indirect
)
