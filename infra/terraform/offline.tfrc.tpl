# Terraform CLI configuration for machines without network access: hashicorp/aws is
# installed from a filesystem mirror (@MIRROR@ is the directory above
# registry.terraform.io), nothing is downloaded. engage.deploy.terraform.cli_config
# fills it in; use it with TF_CLI_CONFIG_FILE=<the written file>.
provider_installation {
  filesystem_mirror {
    path    = "@MIRROR@"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
