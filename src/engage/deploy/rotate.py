"""Rotation of the token-key secret (ENGAGE_TOKEN_KEY): a Secrets Manager rotation Lambda.

Secrets Manager calls the handler four times per rotation, with `Step` set to
createSecret, setSecret, testSecret and finishSecret (AWS's rotation protocol). The
key is ours alone, so there is nothing to set in another system: createSecret
stores a fresh random key as AWSPENDING, testSecret checks it is a usable key
(>= 32 characters, which Settings requires), finishSecret moves AWSCURRENT to it.
Each step is idempotent, because Secrets Manager retries failed steps.
"""

from __future__ import annotations

import secrets
from typing import Any

MIN_LENGTH = 32


def _versions(client: Any, arn: str) -> dict[str, list[str]]:
    return client.describe_secret(SecretId=arn).get("VersionIdsToStages", {})


def create(client: Any, arn: str, token: str) -> None:
    """Store a new random key under the request's version as AWSPENDING (once)."""
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    value = secrets.token_urlsafe(48)
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=value, VersionStages=["AWSPENDING"]
    )


def test(client: Any, arn: str, token: str) -> None:
    value = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    if len(value.get("SecretString") or "") < MIN_LENGTH:
        raise ValueError(f"the pending token key of {arn} is shorter than {MIN_LENGTH} characters")


def finish(client: Any, arn: str, token: str) -> None:
    """Move AWSCURRENT to the new version (no-op if it is already there)."""
    current = next((v for v, s in _versions(client, arn).items() if "AWSCURRENT" in s), None)
    if current == token:
        return
    previous = {"RemoveFromVersionId": current} if current else {}
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, **previous
    )


STEPS = {"createSecret": create, "setSecret": None, "testSecret": test, "finishSecret": finish}


def rotate(client: Any, event: dict[str, Any]) -> str:
    """Run one step of the protocol; returns the step's name."""
    step, arn, token = event["Step"], event["SecretId"], event["ClientRequestToken"]
    if step not in STEPS:
        raise ValueError(f"unknown rotation step {step!r}")
    stages = _versions(client, arn).get(token)
    if stages is None:
        raise ValueError(f"version {token} of {arn} is not staged for rotation")
    if "AWSCURRENT" in stages and step != "finishSecret":
        return step  # already current: an earlier attempt finished
    action = STEPS[step]
    if action is not None:
        action(client, arn, token)
    return step


def handler(event: dict[str, Any], context: object) -> dict[str, str]:
    """AWS Lambda entry point (the secret's rotation function)."""
    import boto3

    return {"step": rotate(boto3.client("secretsmanager"), event)}
