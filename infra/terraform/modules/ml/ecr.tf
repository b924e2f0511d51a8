# One image (docker/Dockerfile) for Fargate tasks, container-image Lambdas and the API.
resource "aws_ecr_repository" "engage" {
  name                 = "${var.name_prefix}engage"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "engage" {
  repository = aws_ecr_repository.engage.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 20 newest images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
      action       = { type = "expire" }
    }]
  })
}
