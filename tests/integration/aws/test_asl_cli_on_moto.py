"""`engage asl` output (from an env file) executes on moto's Step Functions engine.

Lambda tasks run on moto's Docker-free Lambda (which echoes its input); ECS tasks
call moto's RunTask (the `sfn_moto` fixture in tests/integration/conftest.py fills
moto's ECS gap).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

boto3 = pytest.importorskip("boto3")


from engage.cli import app  # noqa: E402
from engage.pipeline.asl import task_names  # noqa: E402

REGION, ACCOUNT, PREFIX = "us-east-1", "123456789012", "prod-"
LAKE_BUCKET = "prod-engagement-processed"
SHARDS = {"Bucket": LAKE_BUCKET, "Key": "m.json"}  # short: echoing Lambdas double it


def _environment(families: list[str]) -> dict[str, Any]:
    """What Terraform's network and ml modules create, as an `engage asl` env file holds it."""
    ec2, ecs = boto3.client("ec2", REGION), boto3.client("ecs", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="ml", Description="ml", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(
        clusterName=f"{PREFIX}engagement-ml-cluster",
        capacityProviders=["FARGATE_SPOT", "FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
    )["cluster"]
    for family in families:
        ecs.register_task_definition(
            family=f"{PREFIX}{family}-task",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="16384",
            memory="65536",
            containerDefinitions=[
                {"name": f"{family}-container", "image": "engage", "cpu": 1024, "memory": 4096}
            ],
        )
    return {
        "AccountId": ACCOUNT,
        "Region": REGION,
        "Prefix": PREFIX,
        "EcsCluster": cluster["clusterArn"],
        "Subnets": [subnet],
        "SecurityGroups": [group],
        "ShardResultsBucket": LAKE_BUCKET,  # ShardResultsPrefix: the CLI's default
    }


def test_rendered_definition_executes_on_moto(sfn_moto: None, tmp_path: Path) -> None:
    families = [n for n in task_names(json.loads(_unrendered())) if n.endswith("training")]
    env_file = tmp_path / "env.yaml"
    env_file.write_text(yaml.safe_dump(_environment([*families, "inference"])))
    out = tmp_path / "state_machine.json"
    result = CliRunner().invoke(app, ["asl", "--env-file", str(env_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    definition = json.loads(out.read_text())
    assert f":function:{PREFIX}pre-cleanup-lambda" in out.read_text()

    sfn = boto3.client("stepfunctions", REGION)
    arn = sfn.create_state_machine(
        name=f"{PREFIX}engagement-ml-pipeline",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/engagement-sfn",
    )["stateMachineArn"]
    s3 = boto3.client("s3", REGION)  # the shard manifest data preparation would write
    s3.create_bucket(Bucket=LAKE_BUCKET)
    s3.put_object(**SHARDS, Body=json.dumps([{"shard": 0, "shards": 1}]).encode())
    # moto's Lambdas echo their input: data-prep's result carries the manifest's place
    execution_input = {"run_id": "r1", "shards": SHARDS}
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input))
    deadline = time.monotonic() + 20
    while (desc := sfn.describe_execution(executionArn=run["executionArn"]))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "moto execution did not finish"
        time.sleep(0.05)
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    tasks = boto3.client("ecs", REGION).list_tasks(cluster=f"{PREFIX}engagement-ml-cluster")
    assert len(tasks["taskArns"]) == len(families) + 1


def test_missing_environment_values_are_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["asl", "--account-id", ACCOUNT])
    assert result.exit_code == 2
    assert "missing environment values" in result.output


def _unrendered() -> str:
    from engage.pipeline.asl import load_definition

    return json.dumps(load_definition())
