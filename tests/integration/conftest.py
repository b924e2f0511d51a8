"""moto fixtures shared by the integration tests: a real HTTP server, and in-process
Step Functions execution with moto's ECS gap filled.

Imports of moto and boto3 happen inside the fixtures, so a machine without the dev
extras skips the tests that ask for them instead of failing to collect the rest.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from typing import Any

import pytest

REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's server on a random loopback port: real HTTP, as the AWS SDK speaks it."""
    moto_server = pytest.importorskip("moto.server")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, so nothing can reach a real account."""
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@functools.cache
def _operation_model(service_name: str, method: str) -> Any:
    import boto3

    meta = boto3.client(service_name, region_name=REGION).meta
    return meta.service_model.operation_model(meta.method_to_api_mapping[method])


def _fill_moto_ecs_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's `ecs:runTask.sync` integration lacks the parameter/response conversion
    that its other service integrations have; patch in the generic one (from botocore's
    service model) unless moto has implemented it by now."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service as sts,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_ecs as sts_ecs,
    )

    ecs_cls, base = sts_ecs.StateTaskServiceEcs, sts.StateTaskService
    if ecs_cls._normalise_parameters is not base._normalise_parameters:
        return

    def shape(service: Any, boto_service: str | None, action: str | None) -> Any:
        name = service._get_boto_service_name(boto_service)
        return _operation_model(name, service._get_boto_service_action(action))

    def params(self, parameters, boto_service_name=None, service_action_name=None):
        self._to_boto_request(
            parameters, shape(self, boto_service_name, service_action_name).input_shape
        )

    def response(self, response, boto_service_name=None, service_action_name=None):
        self._from_boto_response(
            response, shape(self, boto_service_name, service_action_name).output_shape
        )

    monkeypatch.setattr(ecs_cls, "_normalise_parameters", params)
    monkeypatch.setattr(ecs_cls, "_normalise_response", response)


@pytest.fixture
def sfn_moto(monkeypatch: pytest.MonkeyPatch, fake_credentials: None) -> Iterator[None]:
    """In-process moto that executes state machines (Docker-free Lambda, instant ECS)."""
    pytest.importorskip("antlr4", reason="moto's Step Functions engine needs moto[stepfunctions]")
    moto = pytest.importorskip("moto")
    from moto.moto_api import state_manager

    _fill_moto_ecs_gap(monkeypatch)
    config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    with moto.mock_aws(config=config):
        state_manager.set_transition("ecs::task", {"progression": "immediate"})
        yield
    state_manager.unset_transition("ecs::task")
