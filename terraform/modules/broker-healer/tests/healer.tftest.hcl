# The healer planned against a mock of the real AWS provider schema: the
# arm64 Lambda with one run at a time, its environment (the contract file
# internal/heallambda decodes), a role that may change these target groups
# and nothing else, and the schedule and alarms only when enabled.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_lambda_function" {
    override_during = plan
    defaults = {
      arn = "arn:aws:lambda:us-east-1:123456789012:function:my-msk-vpce-broker-healer"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    override_during = plan
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/my-msk-vpce-broker-healer"
    }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    override_during = plan
    defaults = {
      arn = "arn:aws:events:us-east-1:123456789012:rule/my-msk-vpce-broker-healer"
    }
  }

  mock_resource "aws_sns_topic" {
    override_during = plan
    defaults = {
      arn = "arn:aws:sns:us-east-1:123456789012:my-msk-vpce-broker-healer-alarms"
    }
  }
}

variables {
  prefix      = "my-msk-vpce"
  cluster_arn = "arn:aws:kafka:us-east-1:123456789012:cluster/demo/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
  # Broker ids as MSK leaves them after a broker was removed: 1, 2, 5.
  brokers = {
    "1" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m1-20260102030405000000000001/0123456789abcdef", hostname = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
    "2" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m2-20260102030405000000000002/0123456789abcdee", hostname = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
    "5" = { target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-m5-20260102030405000000000003/0123456789abcded", hostname = "B-5.Demo.abc123.c2.kafka.us-east-1.amazonaws.com" }
  }
  lambda_zip_path = "tests/testdata/bootstrap.zip"
}

run "defaults_scheduled_every_minute" {
  command = plan

  assert {
    condition = (
      aws_lambda_function.healer.function_name == "my-msk-vpce-broker-healer" &&
      aws_lambda_function.healer.runtime == "provided.al2023" && aws_lambda_function.healer.architectures == tolist(["arm64"]) &&
      aws_lambda_function.healer.handler == "bootstrap" && aws_lambda_function.healer.timeout == 240 && aws_lambda_function.healer.memory_size == 128
    )
    error_message = "the healer runs the arm64 bootstrap on provided.al2023, 60 s beyond its 180 s wait for a healthy target"
  }

  assert {
    condition     = aws_lambda_function.healer.reserved_concurrent_executions == 1
    error_message = "one run at a time: reserved concurrency 1"
  }

  assert {
    condition     = length(aws_lambda_function.healer.vpc_config) == 0
    error_message = "the healer needs no VPC (it calls only AWS APIs)"
  }

  assert {
    condition = aws_lambda_function.healer.environment[0].variables == tomap({
      MSKVPCE_HEAL_CLUSTER_ARN             = var.cluster_arn
      MSKVPCE_HEAL_PATHS                   = trimspace(file("tests/testdata/paths-env.json"))
      MSKVPCE_HEAL_NAMESPACE               = "mskvpce/BrokerHealer"
      MSKVPCE_HEAL_NAME                    = "my-msk-vpce"
      MSKVPCE_HEAL_HEALTHY_TIMEOUT_SECONDS = "180"
    })
    error_message = "the environment carries the cluster and the paths in the form internal/heallambda decodes (tests/testdata/paths-env.json, which its TestModuleContract reads too)"
  }

  assert {
    condition     = aws_cloudwatch_log_group.healer.name == "/aws/lambda/my-msk-vpce-broker-healer" && aws_lambda_function.healer.logging_config[0].log_group == aws_cloudwatch_log_group.healer.name
    error_message = "the function logs to its own log group"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.schedule[0].schedule_expression == "rate(1 minute)" && aws_cloudwatch_event_target.schedule[0].arn == aws_lambda_function.healer.arn
    error_message = "the schedule invokes the healer every minute by default"
  }

  assert {
    condition     = aws_cloudwatch_event_target.schedule[0].input == null
    error_message = "the schedule sends no payload: the healer takes nothing from its event"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.schedule[0].maximum_retry_attempts == 0 && aws_lambda_function_event_invoke_config.schedule[0].maximum_event_age_in_seconds == 60
    error_message = "a throttled or failed scheduled run is dropped, not retried or queued"
  }

  assert {
    condition     = aws_lambda_permission.schedule[0].principal == "events.amazonaws.com" && aws_lambda_permission.schedule[0].source_arn == aws_cloudwatch_event_rule.schedule[0].arn
    error_message = "only this rule may invoke the healer"
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.refusals[0].namespace == "mskvpce/BrokerHealer" && aws_cloudwatch_metric_alarm.refusals[0].metric_name == "Refusals" &&
      aws_cloudwatch_metric_alarm.refusals[0].dimensions == tomap({ Healer = "my-msk-vpce" }) && aws_cloudwatch_metric_alarm.refusals[0].period == 60 &&
      aws_cloudwatch_metric_alarm.refusals[0].evaluation_periods == 3 && aws_cloudwatch_metric_alarm.refusals[0].threshold == 1 &&
      aws_cloudwatch_metric_alarm.refusals[0].comparison_operator == "GreaterThanOrEqualToThreshold"
    )
    error_message = "an alarm on refusals: three runs in a row refusing"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.heal_failures[0].metric_name == "HealFailures" && aws_cloudwatch_metric_alarm.heal_failures[0].evaluation_periods == 1
    error_message = "an alarm on a heal that failed or stayed unhealthy, at once"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.errors[0].namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.errors[0].metric_name == "Errors" && aws_cloudwatch_metric_alarm.errors[0].dimensions == tomap({ FunctionName = "my-msk-vpce-broker-healer" })
    error_message = "an alarm on the function's errors"
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && length(aws_kms_key.alarms) == 0 && length(aws_cloudwatch_metric_alarm.refusals[0].alarm_actions) == 0
    error_message = "no topic unless sns_topic_enabled"
  }

  assert {
    condition     = keys(output.alarm_arns) == tolist(["errors", "heal_failures", "refusals"])
    error_message = "the alarms are output by name"
  }
}

# The least-privilege policy, statement by statement: the writes on these
# target groups only, no wildcard action, "*" only for the two reads that
# take no resource-level permissions.
run "least_privilege_policy" {
  command = plan

  assert {
    condition = [
      for s in jsondecode(aws_iam_role_policy.healer.policy).Statement : [s.Sid, tolist(s.Action), tolist(s.Resource)]
      if length(setintersection(flatten([s.Action]), ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"])) > 0
      ] == [[
        "ChangeThisDeploymentsTargets",
        tolist(["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"]),
        sort([for b in values(var.brokers) : b.target_group_arn]),
    ]]
    error_message = "RegisterTargets and DeregisterTargets only on this deployment's target groups, in one statement"
  }

  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.healer.policy).Statement : s.Effect == "Allow" && alltrue([for a in flatten([s.Action]) : !strcontains(a, "*")])])
    error_message = "no wildcard action (no elasticloadbalancing:*, kafka:*, logs:*)"
  }

  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.healer.policy).Statement :
      s.Resource != "*" || flatten([s.Action]) == ["elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetHealth"]
    ])
    error_message = "\"*\" only for DescribeTags and DescribeTargetHealth, which support no resource-level permissions"
  }

  assert {
    condition = (
      length(jsondecode(aws_iam_role_policy.healer.policy).Statement) == 4 &&
      jsondecode(aws_iam_role_policy.healer.policy).Statement[2] == { Sid = "ListTheClustersBrokers", Effect = "Allow", Action = "kafka:ListNodes", Resource = var.cluster_arn } &&
      jsondecode(aws_iam_role_policy.healer.policy).Statement[3].Resource == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/my-msk-vpce-broker-healer:*"
    )
    error_message = "ListNodes on this cluster, logs on the function's own log group, and nothing else"
  }

  assert {
    condition     = jsondecode(aws_iam_role.healer.assume_role_policy).Statement == [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
    error_message = "only Lambda may assume the healer's role"
  }
}

# Thirty brokers with the longest names the layout makes still fit Lambda's
# 4 KB environment (keys and values together).
run "thirty_brokers_fit_lambdas_environment" {
  command = plan

  variables {
    prefix      = "a-prefix-of-twenty-four"
    cluster_arn = "arn:aws-us-gov:kafka:us-gov-west-1:123456789012:cluster/a-cluster-name-of-sixty-four-characters-which-msk-allows-at-most/0a1b2c3d-4e5f-6789-abcd-ef0123456789-25"
    brokers = { for i in range(1, 31) : tostring(i) => {
      target_group_arn = format("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/abc%02d-202601020304050607%08x/0123456789abcdef", i, i)
      hostname         = "b-${i}.a-cluster-name-of-sixty-four-characters-which-msk-allows-at-most.x1y2z3.c25.kafka.us-gov-west-1.amazonaws.com"
    } }
  }

  assert {
    condition     = length(jsonencode(aws_lambda_function.healer.environment[0].variables)) < 3072
    error_message = "the environment (as Lambda measures it: its JSON) must stay well under Lambda's 4 KB for 30 brokers"
  }

  assert {
    condition     = length(jsondecode(aws_lambda_function.healer.environment[0].variables.MSKVPCE_HEAL_PATHS).brokers) == 30
    error_message = "every broker is in the paths"
  }
}

run "schedule_off" {
  command = plan

  variables {
    schedule_enabled  = false
    sns_topic_enabled = true
  }

  assert {
    condition = (
      length(aws_cloudwatch_event_rule.schedule) == 0 && length(aws_cloudwatch_event_target.schedule) == 0 &&
      length(aws_lambda_permission.schedule) == 0 && length(aws_lambda_function_event_invoke_config.schedule) == 0
    )
    error_message = "schedule_enabled = false: no schedule"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.refusals) + length(aws_cloudwatch_metric_alarm.heal_failures) + length(aws_cloudwatch_metric_alarm.errors) == 0 && length(aws_sns_topic.alarms) == 0 && length(output.alarm_arns) == 0
    error_message = "no schedule: no alarms and no topic"
  }

  assert {
    condition     = aws_lambda_function.healer.reserved_concurrent_executions == 1
    error_message = "the function stays, for on-demand runs"
  }
}

run "every_five_minutes_with_a_topic" {
  command = plan

  variables {
    schedule_rate_minutes      = 5
    sns_topic_enabled          = true
    refusal_evaluation_periods = 1
    healthy_timeout_seconds    = 300
    alarm_actions              = ["arn:aws:sns:us-east-1:123456789012:oncall"]
  }

  assert {
    condition     = aws_cloudwatch_event_rule.schedule[0].schedule_expression == "rate(5 minutes)" && aws_cloudwatch_metric_alarm.refusals[0].period == 300 && aws_cloudwatch_metric_alarm.refusals[0].evaluation_periods == 1
    error_message = "the rate sets the schedule and the alarms' period"
  }

  assert {
    condition     = aws_lambda_function.healer.timeout == 360 && aws_lambda_function.healer.environment[0].variables.MSKVPCE_HEAL_HEALTHY_TIMEOUT_SECONDS == "300"
    error_message = "the wait for a healthy target sets the function's timeout"
  }

  assert {
    condition = alltrue([for a in [aws_cloudwatch_metric_alarm.refusals[0], aws_cloudwatch_metric_alarm.heal_failures[0], aws_cloudwatch_metric_alarm.errors[0]] :
      a.alarm_actions == toset([aws_sns_topic.alarms[0].arn, "arn:aws:sns:us-east-1:123456789012:oncall"]) && a.ok_actions == a.alarm_actions
    ])
    error_message = "every alarm notifies the topic and alarm_actions on ALARM and OK"
  }

  assert {
    condition     = length(aws_kms_key.alarms) == 1 && aws_kms_key.alarms[0].enable_key_rotation && contains(jsondecode(aws_kms_key.alarms[0].policy).Statement[*].Principal, { Service = "cloudwatch.amazonaws.com" })
    error_message = "the topic's key is a rotated customer managed key that CloudWatch may use"
  }
}

# Far more brokers than MSK allows per cluster overflow the environment: the
# plan stops at the precondition, naming the size, instead of at Lambda.
run "environment_over_4_kb_is_refused" {
  command = plan

  variables {
    brokers = { for i in range(1, 101) : tostring(i) => {
      target_group_arn = format("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ab%03d-202601020304050607%08x/0123456789abcdef", i, i)
      hostname         = "b-${i}.demo.abc123.c2.kafka.us-east-1.amazonaws.com"
    } }
  }

  expect_failures = [aws_lambda_function.healer]
}
