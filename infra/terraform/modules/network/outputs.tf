output "vpc_id" {
  value = aws_vpc.main.id
}

output "private_subnet_ids" {
  value = aws_subnet.private[*].id
}

output "workload_security_group_id" {
  value = aws_security_group.workloads.id
}
