"""`engage asl`: the pipeline definition rendered for an AWS environment.

Values come from an env file (JSON/YAML, keys AccountId, Region, Prefix, EcsCluster,
Subnets, SecurityGroups), overridden by flags. `--terraform-template` writes the
template `infra/terraform/modules/compute` deploys instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from engage.deploy.asl_env import (
    SHARD_RESULTS_PREFIX,
    EnvError,
    load_env,
    render_for_env,
    terraform_template,
)


def register(app: typer.Typer) -> None:
    app.command("asl")(asl)


def asl(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here, not stdout.")] = None,
    env_file: Annotated[
        Path | None, typer.Option("--env-file", help="JSON/YAML file of environment values.")
    ] = None,
    account_id: Annotated[str | None, typer.Option(help="AWS account id.")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region.")] = None,
    prefix: Annotated[
        str | None, typer.Option(help="Name prefix of Lambdas/task families.")
    ] = None,
    ecs_cluster: Annotated[str | None, typer.Option(help="ECS cluster name or ARN.")] = None,
    subnet: Annotated[list[str] | None, typer.Option(help="Private subnet id (repeat).")] = None,
    security_group: Annotated[
        list[str] | None, typer.Option(help="Security group id (repeat).")
    ] = None,
    lake_bucket: Annotated[
        str | None,
        typer.Option(help="Bucket of ENGAGE_LAKE: the scoring Map writes its results there."),
    ] = None,
    terraform: Annotated[
        bool, typer.Option("--terraform-template", help="Write the Terraform template instead.")
    ] = False,
) -> None:
    """Render the Step Functions definition with real ARNs and names."""
    if terraform:
        text = terraform_template()
    else:
        values: dict[str, Any] = load_env(env_file) if env_file else {}
        flags = {
            "AccountId": account_id,
            "Region": region,
            "Prefix": prefix,
            "EcsCluster": ecs_cluster,
            "Subnets": subnet,
            "SecurityGroups": security_group,
            "ShardResultsBucket": lake_bucket,
        }
        values.update({k: v for k, v in flags.items() if v is not None})
        values.setdefault("Prefix", "")
        values.setdefault("ShardResultsPrefix", SHARD_RESULTS_PREFIX)
        try:
            text = json.dumps(render_for_env(values), indent=2) + "\n"
        except EnvError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(2) from err
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
