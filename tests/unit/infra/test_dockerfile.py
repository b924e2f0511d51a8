"""Static lint of docker/Dockerfile (no Docker engine here): the rules the issue sets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engage.deploy.entry import is_handler

dockerfile_parse = pytest.importorskip("dockerfile_parse", reason="dockerfile-parse: dev extra")

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|ACCESS_KEY|API_KEY|PRIVATE_KEY)", re.I)


@pytest.fixture(scope="module")
def instructions() -> list[dict]:
    parser = dockerfile_parse.DockerfileParser(path=str(DOCKERFILE))
    return parser.structure


def _stages(instructions: list[dict]) -> dict[str, list[dict]]:
    stages: dict[str, list[dict]] = {}
    current = ""
    for ins in instructions:
        if ins["instruction"] == "FROM":
            current = ins["value"].split()[-1]
            stages[current] = []
        stages.setdefault(current, []).append(ins)
    return stages


def test_base_image_has_a_pinned_tag(instructions: list[dict]) -> None:
    args = {
        i["value"].split("=", 1)[0]: i["value"].split("=", 1)[1]
        for i in instructions
        if i["instruction"] == "ARG" and "=" in i["value"]
    }
    image = args["PYTHON_IMAGE"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image), image
    for ins in instructions:
        if ins["instruction"] == "FROM":
            base = ins["value"].split()[0]
            assert base in ("${PYTHON_IMAGE}", "runtime"), base
            assert not base.endswith(":latest")


def test_runtime_and_api_run_as_non_root(instructions: list[dict]) -> None:
    stages = _stages(instructions)
    users = [i["value"] for i in stages["runtime"] if i["instruction"] == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert not [i for i in stages["api"] if i["instruction"] == "USER"]  # inherits runtime's


def test_no_secrets_baked_into_the_image(instructions: list[dict]) -> None:
    for ins in instructions:
        if ins["instruction"] in ("ENV", "ARG", "LABEL"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", ins["value"]) or [ins["value"]]
            assert not [n for n in names if SECRET_NAME.search(n)], ins["content"]
        assert not re.search(r"AKIA[0-9A-Z]{16}", ins["content"])


def test_api_target_has_a_healthcheck(instructions: list[dict]) -> None:
    api = _stages(instructions)["api"]
    checks = [i for i in api if i["instruction"] == "HEALTHCHECK"]
    assert checks and "/health" in checks[0]["value"]


def test_dependencies_are_pinned() -> None:
    lock = (ROOT / "docker" / "requirements.lock").read_text().splitlines()
    pins = [line for line in lock if line and not line.startswith("#")]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.+]+", p) for p in pins), pins
    assert "requirements.lock" in DOCKERFILE.read_text()


@pytest.mark.parametrize(
    ("arg", "expected"),
    [("engage.stages.data_prep.handler", True), ("task", False), ("serve", False)],
)
def test_entry_dispatch(arg: str, expected: bool) -> None:
    assert is_handler(arg) is expected
