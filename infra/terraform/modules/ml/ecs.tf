# Seed §2.3: 16 vCPU / 64 GB Fargate tasks, on Fargate Spot by default.
resource "aws_ecs_cluster" "ml" {
  name = "${var.name_prefix}engagement-ml-cluster"

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "ml" {
  cluster_name       = aws_ecs_cluster.ml.name
  capacity_providers = ["FARGATE_SPOT", "FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "tasks" {
  name              = "/ecs/${var.name_prefix}engagement"
  retention_in_days = 365
  kms_key_id        = var.kms_key_arn
}

resource "aws_ecs_task_definition" "stage" {
  for_each                 = toset(var.task_families)
  family                   = "${var.name_prefix}${each.value}-task"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "16384"
  memory                   = "65536"
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # The container name matches the ContainerOverrides of the state machine.
  container_definitions = jsonencode([{
    name                   = endswith(each.value, "-training") ? "training-container" : "${each.value}-container"
    image                  = "${aws_ecr_repository.engage.repository_url}:${var.image_tag}"
    essential              = true
    command                = ["task", each.value] # after the image's ENTRYPOINT (engage.deploy.entry)
    readonlyRootFilesystem = true
    user                   = "10001"
    environment            = [for k, v in var.engage_environment : { name = k, value = v }]
    secrets                = [{ name = "ENGAGE_TOKEN_KEY", valueFrom = var.token_key_secret_arn }]
    mountPoints            = [{ sourceVolume = "scratch", containerPath = "/tmp" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.tasks.name
        "awslogs-region"        = var.region
        "awslogs-stream-prefix" = each.value
      }
    }
  }])

  volume {
    name = "scratch"
  }
}
