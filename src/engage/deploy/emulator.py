"""An AWS emulator for `terraform apply`: moto_server, plus stubs for what moto lacks.

`python -m engage.deploy.emulator --port N` serves every AWS API moto implements on
127.0.0.1:N, configured as the stack needs (AWS managed IAM policies loaded, Lambda
without Docker, Step Functions executing ASL). Terraform's AWS provider calls a few
APIs moto 5.2 does not implement; each stub below answers one of them, and
docs/deploy-aws.md lists them. Nothing else is faked: a resource moto cannot create
is switched off in envs/emulator instead, and listed there too.

`Emulator` starts that server in a subprocess on a free port and stops it (tests).
moto is a development dependency; nothing in the product imports this module.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

#: The APIs moto lacks that `terraform apply` of envs/emulator calls, and the answer.
STUBS = {
    "states:ValidateStateMachineDefinition": (
        "runs engage.pipeline.validate (the local runner's checks) on the definition and "
        "answers OK or FAIL with its problems as diagnostics"
    ),
    "states:ListStateMachineVersions": "answers no versions (the stack publishes none)",
    "policy conditions": (
        "moto's Bool condition holds for any value, so the buckets' TLS-only Deny refused "
        "every object call; the stub evaluates Bool/StringEquals/StringLike conditions on the "
        "request context, counting the emulator's plain-HTTP loopback requests as "
        "aws:SecureTransport=true (AWS SDKs call S3 over HTTPS); a statement whose condition "
        "does not hold does not apply, as on AWS"
    ),
}
CONFIG = {"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}
ENVIRONMENT = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_LAMBDA_STUB_ECR": "true"}


def _validate_state_machine_definition(self: Any) -> str:
    """The stub of states:ValidateStateMachineDefinition (see STUBS)."""
    from engage.pipeline.validate import DefinitionError, validate

    try:
        validate(json.loads(self._get_param("definition")))
    except (DefinitionError, ValueError) as err:
        problems = getattr(err, "problems", [str(err)])
        diagnostics = [
            {"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": p}
            for p in problems
        ]
        return json.dumps({"result": "FAIL", "diagnostics": diagnostics, "truncated": False})
    return json.dumps({"result": "OK", "diagnostics": [], "truncated": False})


def _list_state_machine_versions(self: Any) -> str:
    """The stub of states:ListStateMachineVersions (see STUBS)."""
    return json.dumps({"stateMachineVersions": []})


#: What the emulator knows of each request's context (plain HTTP on loopback stands in
#: for the HTTPS every AWS SDK uses).
REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


def _condition_holds(conditions: dict[str, dict[str, Any]]) -> bool | None:
    """Evaluate Bool/String* conditions on REQUEST_CONTEXT; None where a key is unknown."""
    for operator, tests in conditions.items():
        for key, expected in tests.items():
            actual = REQUEST_CONTEXT.get(key)
            if actual is None or operator not in ("Bool", "StringEquals", "StringLike"):
                return None
            wanted = [expected] if isinstance(expected, str) else list(expected)
            if actual.lower() not in [str(w).lower() for w in wanted]:
                return False
    return True


def _condition_aware(original: Any) -> Any:
    """IAMPolicyStatement.is_action_permitted with AWS's semantics for known conditions."""
    from moto.iam.access_control import PermissionResult

    def is_action_permitted(self: Any, *args: Any, **kwargs: Any) -> Any:
        conditions = self._statement.get("Condition")
        if conditions and _condition_holds(conditions) is False:
            return PermissionResult.NEUTRAL  # the statement does not apply to this request
        return original(self, *args, **kwargs)

    return is_action_permitted


def install_stubs() -> None:
    """Add the stubbed actions to moto's response classes (in this process)."""
    from moto.iam.access_control import IAMPolicyStatement
    from moto.stepfunctions.responses import StepFunctionResponse

    IAMPolicyStatement.is_action_permitted = _condition_aware(
        IAMPolicyStatement.is_action_permitted
    )
    StepFunctionResponse.validate_state_machine_definition = _validate_state_machine_definition
    StepFunctionResponse.list_state_machine_versions = _list_state_machine_versions


def free_port() -> int:
    """A TCP port on loopback nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Emulator:
    """The stubbed moto_server in a subprocess on a random loopback port."""

    def __init__(self, log: Path | None = None) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60) -> Emulator:
        out = self.log.open("wb") if self.log else subprocess.DEVNULL
        env = {**os.environ, **ENVIRONMENT}
        command = [sys.executable, "-m", "engage.deploy.emulator", "--port", str(self.port)]
        self._process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
            command, stdout=out, stderr=subprocess.STDOUT, env=env
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the emulator exited with {self._process.returncode}")
            try:
                self.configure()
                return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the emulator did not answer on {self.endpoint} in {timeout_s} s")

    def configure(self) -> None:
        """POST /moto-api/config: Lambda without Docker, Step Functions executing ASL."""
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            f"{self.endpoint}/moto-api/config", data=json.dumps(CONFIG).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=5):  # noqa: S310 (http://127.0.0.1 only)
            pass

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve the stubbed emulator on 127.0.0.1 (foreground)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    install_stubs()
    from moto import server

    server.main(["-H", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()
