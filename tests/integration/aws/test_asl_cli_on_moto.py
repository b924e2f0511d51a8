"""`engage asl` output (from an env file) executes on moto's Step Functions engine.

Lambda tasks run on moto's Docker-free Lambda (which echoes its input); ECS tasks
call moto's RunTask. See tests/integration/test_asl_on_moto.py for what moto lacks and
why the ECS parameter conversion is patched in (copied here: test modules are not
importable from one another).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

pytest.importorskip("antlr4", reason="moto's Step Functions engine needs moto[stepfunctions]")
boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

from moto.moto_api import state_manager  # noqa: E402
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: E402
    state_task_service as sts,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: E402
    state_task_service_ecs as sts_ecs,
)

from engage.cli import app  # noqa: E402
from engage.pipeline.asl import task_names  # noqa: E402

REGION, ACCOUNT, PREFIX = "us-east-1", "123456789012", "prod-"


@functools.cache
def _operation_model(service_name: str, method: str) -> Any:
    meta = boto3.client(service_name, region_name=REGION).meta
    return meta.service_model.operation_model(meta.method_to_api_mapping[method])


def _fill_moto_ecs_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    ecs_cls, base = sts_ecs.StateTaskServiceEcs, sts.StateTaskService
    if ecs_cls._normalise_parameters is not base._normalise_parameters:
        return

    def shape(self: Any, boto_service: Any, action: Any) -> Any:
        name = self._get_boto_service_name(boto_service)
        return _operation_model(name, self._get_boto_service_action(action))

    def params(self, parameters, boto_service_name=None, service_action_name=None):
        into = shape(self, boto_service_name, service_action_name).input_shape
        self._to_boto_request(parameters, into)

    def response(self, response, boto_service_name=None, service_action_name=None):
        out = shape(self, boto_service_name, service_action_name).output_shape
        self._from_boto_response(response, out)

    monkeypatch.setattr(ecs_cls, "_normalise_parameters", params)
    monkeypatch.setattr(ecs_cls, "_normalise_response", response)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var, value in [("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")]:
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    _fill_moto_ecs_gap(monkeypatch)
    config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    with moto.mock_aws(config=config):
        state_manager.set_transition("ecs::task", {"progression": "immediate"})
        yield
    state_manager.unset_transition("ecs::task")


def _environment(families: list[str]) -> dict[str, Any]:
    """What Terraform's network and ml modules create, as an `engage asl` env file holds it."""
    ec2, ecs = boto3.client("ec2", REGION), boto3.client("ecs", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="ml", Description="ml", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName=f"{PREFIX}engagement-ml-cluster")["cluster"]
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
    }


def test_rendered_definition_executes_on_moto(aws: None, tmp_path: Path) -> None:
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
    run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"run_id": "r1"}))
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
