package heallambda

// Help is what `heal-lambda --help` prints: the function takes no
// arguments (the Lambda runtime starts it), only its environment.
const Help = `heal-lambda — the broker healer: an AWS Lambda function (provided.al2023, arm64) that
terraform/modules/broker-healer runs every minute to keep each broker's NLB target at that
broker's current client address, printing its metrics. The Lambda runtime starts it; it
takes no arguments.

Usage:
  heal-lambda                (as the function's bootstrap, inside Lambda)
  heal-lambda --help         this text

Build and deploy:
  make heal-lambda-zip       bin/heal-lambda.zip, for the broker-healer module
                             (healer_lambda_zip_path of msk-privatelink)
  deploy heal                the same repair, run by hand (--yes applies)

Its environment (terraform/modules/broker-healer sets every variable):
  ` + EnvClusterARN + `, ` + EnvPaths + `,
  ` + EnvNamespace + `, ` + EnvName + `
  optional: ` + EnvHealthyTimeout + `

Exit codes (outside Lambda):
  0    --help
  1    the environment is not the module's (each wrong variable is named)
  2    an argument: it takes none
`
