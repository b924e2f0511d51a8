"""IAM least privilege: nothing grants '*' on '*'; each '*' resource is a documented exception."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("hcl2", reason="python-hcl2 is in the dev extra")

from infra_hcl import ROOT, blocks, load, tf_files

EXCEPTIONS = json.loads((ROOT / "iam_wildcard_exceptions.json").read_text())["exceptions"]


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _allow_statements() -> list[tuple[str, str, dict[str, Any]]]:
    """(file, policy name, statement) of every Allow statement in an identity policy.

    Statements with `principals` belong to resource policies (trust, bucket and key
    policies), where Resource "*" means the resource itself: see the key-policy test.
    """
    found = []
    for path in tf_files():
        tree = load(path)
        rel = path.relative_to(ROOT).as_posix()
        for name, body in blocks(tree, "data", "aws_iam_policy_document"):
            for statement in body.get("statement", []):
                if statement.get("effect", "Allow") == "Allow" and not statement.get("principals"):
                    found.append((rel, name, statement))
    return found


def _inline_json_statements() -> list[tuple[str, dict[str, Any]]]:
    """Statements written as jsonencode({...}) (assume-role policies): checked for '*'."""
    found = []
    for path in tf_files():
        text = path.read_text()
        if '"*"' in text and "jsonencode" in text and "Action" in text:
            found.append((path.relative_to(ROOT).as_posix(), {"text": text}))
    return found


def test_policy_documents_were_found() -> None:
    assert len(_allow_statements()) > 20


def test_no_statement_grants_everything_on_everything() -> None:
    for file, policy, statement in _allow_statements():
        actions = _as_list(statement.get("actions", []))
        resources = _as_list(statement.get("resources", []))
        star_actions = [a for a in actions if a == "*" or a.endswith(":*")]
        assert not ("*" in resources and star_actions), (file, policy, statement.get("sid"))
        assert "*" not in actions, (file, policy, statement.get("sid"))
    for file, inline in _inline_json_statements():  # jsonencode policies hold no Resource "*"
        assert 'Resource = "*"' not in inline["text"], file


def test_every_wildcard_resource_is_a_documented_exception() -> None:
    documented = {(e["file"], e["policy"], e["sid"]): set(e["actions"]) for e in EXCEPTIONS}
    used = set()
    for file, policy, statement in _allow_statements():
        if "*" not in _as_list(statement.get("resources", [])):
            continue
        key = (file, policy, statement.get("sid"))
        assert key in documented, f"undocumented wildcard resource: {key}"
        assert set(_as_list(statement["actions"])) <= documented[key], key
        used.add(key)
        assert all(e["why"] for e in EXCEPTIONS)
    assert used == set(documented), f"stale exceptions: {set(documented) - used}"


def test_key_policy_grants_services_only_under_conditions() -> None:
    """The data key's policy: the account root (delegating to IAM), and services only
    for their own encryption context or use."""
    tree = load(ROOT / "modules" / "data" / "kms.tf")
    ((_, policy),) = blocks(tree, "data", "aws_iam_policy_document")
    for statement in policy["statement"]:
        principal = statement["principals"][0]
        if principal["type"] == "AWS":
            assert principal["identifiers"] == ["arn:aws:iam::${local.account_id}:root"]
        else:
            assert "kms:*" not in statement["actions"], statement["sid"]
            assert statement.get("condition"), statement["sid"]
