package remoteverify

import "github.com/mskvpce/mskvpce/internal/canary"

// Help is what `verify-lambda --help` prints: the function takes no
// arguments (the Lambda runtime starts it), only its environment.
const Help = `verify-lambda — the verify canary's runner: an AWS Lambda function (provided.al2023, arm64)
in a Databricks-like consumer VPC that verifies every broker path through its VPC endpoints,
prints the canary's metrics and returns its JSON report. The Lambda runtime starts it; it
takes no arguments.

Usage:
  verify-lambda              (as the function's bootstrap, inside Lambda)
  verify-lambda --help       this text

Build and deploy:
  make verify-lambda-zip     bin/verify-lambda.zip, for the verify-canary module's
                             lambda_zip_path (or enable_verify_canary in examples/complete)
  deploy verify --remote     invokes the deployed canary and prints its report

Its environment (terraform/modules/verify-canary sets every variable; an unknown
MSKVPCE_CANARY_ variable is refused):
  ` + EnvRegion + `, ` + EnvDomain + `, ` + EnvBrokers + `,
  ` + EnvBootstrap + `, ` + EnvRoleARN + `, ` + EnvExternalID + `,
  ` + EnvTimeoutSeconds + `, ` + canary.EnvNamespace + `, ` + canary.EnvName + `
  optional: ` + EnvTopic + `, ` + EnvSASLMechanism + `

Exit codes (outside Lambda):
  0    --help
  1    the environment is not the module's (each wrong variable is named)
  2    an argument: it takes none
`
