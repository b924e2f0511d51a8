output "repository_url" {
  value = aws_ecr_repository.engage.repository_url
}

output "repository_arn" {
  value = aws_ecr_repository.engage.arn
}

output "cluster_name" {
  value = aws_ecs_cluster.ml.name
}

output "cluster_arn" {
  value = aws_ecs_cluster.ml.arn
}

output "task_definition_arns" {
  value = { for k, t in aws_ecs_task_definition.stage : k => t.arn_without_revision }
}

output "task_role_arn" {
  value = aws_iam_role.task.arn
}

output "execution_role_arn" {
  value = aws_iam_role.execution.arn
}
