"""The container image's entry point: one image, three roles.

* ``<module>.handler`` (a Lambda handler string, as the Lambda's image command):
  hand over to the AWS Lambda Runtime Interface Client with that handler.
* anything else: the `engage` CLI, e.g. ``task inference`` on Fargate or ``serve``
  for the API.

Lambda cannot inject Secrets Manager values into the environment (ECS can), so before
either role starts, `resolve_secrets` turns ``TOKEN_KEY_SECRET_ARN`` (set by Terraform)
into ``ENGAGE_TOKEN_KEY``; the value never appears in the function's configuration.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

LAMBDA_RIC = "awslambdaric"
SECRETS = {"TOKEN_KEY_SECRET_ARN": "ENGAGE_TOKEN_KEY"}  # env var naming a secret -> setting


def resolve_secrets(environ: MutableMapping[str, str]) -> list[str]:
    """Fill each setting from the secret its ``*_SECRET_ARN`` variable names, if unset.

    Returns the settings filled. boto3 is imported only when there is something to fetch.
    """
    wanted = {arn: name for arn, name in SECRETS.items() if environ.get(arn)}
    wanted = {arn: name for arn, name in wanted.items() if not environ.get(name)}
    if not wanted:
        return []
    import boto3

    client = boto3.client("secretsmanager")
    for arn_variable, setting in wanted.items():
        secret = client.get_secret_value(SecretId=environ[arn_variable])
        environ[setting] = secret["SecretString"]
    return sorted(wanted.values())


def is_handler(arg: str) -> bool:
    """True for 'engage.stages.data_prep.handler'-style strings."""
    parts = arg.split(".")
    return len(parts) >= 2 and parts[0] == "engage" and parts[-1] == "handler"


def main(argv: list[str] | None = None) -> int:
    """Dispatch on the first argument; see the module doc."""
    args = sys.argv[1:] if argv is None else argv
    resolve_secrets(os.environ)
    if args and is_handler(args[0]):
        os.execv(sys.executable, [sys.executable, "-m", LAMBDA_RIC, args[0]])  # noqa: S606
    from engage.cli import app

    app(args=args, prog_name="engage")
    return 0


if __name__ == "__main__":
    sys.exit(main())
