"""envs/emulator applied to a stubbed moto_server, and its entry points run as AWS runs them.

`apply_emulator` copies the Terraform tree, runs `terraform init` (offline, from the
provider mirror) and `terraform apply` against an `Emulator` on a random loopback
port, and returns the stack's outputs. `EntryPoints` runs a deployed Lambda's
handler or an ECS task definition's container command in a subprocess with the
environment read back from the emulator, exactly as deployed, plus only these
emulator overrides (EMULATOR_OVERRIDES): endpoints and test credentials, and
ENGAGE_SQL_ENGINE=duckdb, because moto's Athena runs no SQL (the Athena engine is
checked against recorded GetQueryResults responses by the SQL-engine contract suite).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engage.deploy import terraform as tf
from engage.deploy.emulator import Emulator

ROOT = Path(__file__).resolve().parents[3]
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# A Lambda container runs `python -m engage.deploy.entry <handler>` (the image's
# ENTRYPOINT + the function's command): secrets resolved, then the runtime interface
# client calls the handler. This driver does the same without the Lambda runtime API.
LAMBDA_DRIVER = """
import importlib, json, os, sys
from engage.deploy.entry import resolve_secrets
resolve_secrets(os.environ)
module, _, name = sys.argv[1].rpartition(".")
result = getattr(importlib.import_module(module), name)(json.load(sys.stdin), None)
print("ENGAGE-RESULT " + json.dumps(result, default=str))
"""


@dataclass
class Stack:
    emulator: Emulator
    outputs: dict[str, Any]
    workdir: Path


def apply_emulator(tmp: Path, mirror: Path) -> Stack:
    """Start the emulator and apply envs/emulator to it; raises with terraform's output."""
    emulator = Emulator(log=tmp / "emulator.log").start()
    try:
        work = tmp / "terraform"
        shutil.copytree(
            ROOT / "infra" / "terraform",
            work,
            ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"),
        )
        config = tf.cli_config(mirror, tmp / "offline.tfrc")
        cwd = work / "envs" / "emulator"
        steps = [
            ["init", "-backend=false", "-input=false"],
            ["apply", "-auto-approve", "-input=false", "-parallelism=8",
             f"-var=endpoint={emulator.endpoint}"],
        ]  # fmt: skip
        for args in steps:
            done = tf.run(args, cwd, config, CREDENTIALS, timeout_s=1200)
            if done.returncode != 0:
                raise RuntimeError(
                    f"terraform {args[0]} failed:\n{done.stdout[-4000:]}\n{done.stderr}"
                )
        out = tf.run(["output", "-json", "stack"], cwd, config, CREDENTIALS)
        return Stack(emulator, json.loads(out.stdout), work)
    except BaseException:
        emulator.stop()
        raise


class EntryPoints:
    """Run deployed functions and tasks in subprocesses against the emulator."""

    def __init__(self, endpoint: str, scratch: Path, clients: Any) -> None:
        self.endpoint, self.scratch, self.clients = endpoint, scratch, clients
        self.overrides = {
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": endpoint,
            "ENGAGE_S3_ENDPOINT_URL": endpoint,
            "ENGAGE_SQL_ENGINE": "duckdb",  # EMULATOR_OVERRIDES: see the module doc
            "ENGAGE_CATALOG_PATH": str(scratch / "catalog.duckdb"),  # shared, like Glue
            "ENGAGE_LAKE_CACHE_DIR": str(scratch / "lake-cache"),
            "ENGAGE_DATA_DIR": str(scratch / "data"),
            "HF_HUB_OFFLINE": "1",
        }

    def _env(self, deployed: dict[str, str]) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("ENGAGE_", "AWS_"))}
        return {**keep, **deployed, **self.overrides}

    def invoke(self, function_name: str, event: Any, timeout_s: float = 900) -> Any:
        """The function's image command (its handler) on `event`, with its deployed env."""
        config = self.clients.lambda_.get_function(FunctionName=function_name)["Configuration"]
        handler = config["ImageConfigResponse"]["ImageConfig"]["Command"][0]
        env = self._env(config.get("Environment", {}).get("Variables", {}))
        done = subprocess.run(
            [sys.executable, "-c", LAMBDA_DRIVER, handler],
            input=json.dumps(event), env=env, capture_output=True, text=True, timeout=timeout_s,
        )  # fmt: skip
        return _result(done, function_name)

    def run_task(self, run_task_params: dict[str, Any], timeout_s: float = 1800) -> dict:
        """The task definition's container command with the RunTask overrides applied."""
        family = run_task_params["TaskDefinition"]
        task = self.clients.ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
        (override,) = run_task_params["Overrides"]["ContainerOverrides"]
        (container,) = [c for c in task["containerDefinitions"] if c["name"] == override["Name"]]
        env = {e["name"]: e["value"] for e in container["environment"]}
        for secret in container.get("secrets", []):  # what the ECS agent injects
            value = self.clients.secrets.get_secret_value(SecretId=secret["valueFrom"])
            env[secret["name"]] = value["SecretString"]
        env.update({e["Name"]: e["Value"] for e in override["Environment"]})
        command = [sys.executable, "-m", "engage.deploy.entry", *container["command"]]
        done = subprocess.run(
            command, env=self._env(env), capture_output=True, text=True, timeout=timeout_s
        )
        if done.returncode != 0:
            raise RuntimeError(f"task {family} exited {done.returncode}:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def _result(done: subprocess.CompletedProcess[str], name: str) -> Any:
    lines = [x for x in done.stdout.splitlines() if x.startswith("ENGAGE-RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("ENGAGE-RESULT ") :])
