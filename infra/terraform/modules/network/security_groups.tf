# Tasks and Lambdas accept no inbound traffic; they only call AWS APIs over HTTPS
# through the interface endpoints, whose group accepts 443 from the VPC only.
resource "aws_security_group" "workloads" {
  name        = "${var.name_prefix}engagement-workloads"
  description = "Fargate tasks and Lambdas: no inbound, HTTPS out to the VPC endpoints"
  vpc_id      = aws_vpc.main.id

  egress {
    description = "HTTPS to VPC endpoints and the S3 gateway prefix list"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.cidr_block]
  }

  egress {
    description     = "HTTPS to S3 through the gateway endpoint"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    prefix_list_ids = [aws_vpc_endpoint.s3.prefix_list_id]
  }
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name_prefix}engagement-endpoints"
  description = "Interface VPC endpoints: HTTPS from inside the VPC"
  vpc_id      = aws_vpc.main.id

  ingress {
    description = "HTTPS from the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [var.cidr_block]
  }
}
