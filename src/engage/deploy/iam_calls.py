"""Which IAM actions the deployed code needs: one table, checked from both sides.

`CALLS` maps each AWS SDK call the adapters make (service, boto3 method) to the
IAM actions AWS authorises it with. `ADAPTERS` names the modules that talk to AWS
and the variable each holds its client in; `sdk_calls` reads those modules' source
(AST) and lists every call, so a new boto3 call that is not in CALLS fails a test.
`ROLES` says which code each deployed role runs (a stage Lambda, a Fargate task,
the API, the agent's action group, the secret rotation); `required` turns that into
the (action, resource) pairs the role's policy must allow, and `allows` evaluates a
policy document the way IAM does for Allow statements (wildcards in actions and
resources; conditions are not modelled). The test applies the stack to the
emulator, reads each role's policy back and checks every pair: sufficient, and
nothing is asked that the code never calls.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

CALLS: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "put_object"): ("s3:PutObject",),
    ("s3", "get_object"): ("s3:GetObject",),
    ("s3", "list_objects_v2"): ("s3:ListBucket",),
    ("s3", "delete_objects"): ("s3:DeleteObject",),
    # boto3's managed transfers: multipart create/upload/complete (and UploadPartCopy) are
    # authorised by s3:PutObject, HeadObject by s3:GetObject; an upload that fails midway
    # is aborted by the bucket's abort_incomplete_multipart_upload lifecycle rule.
    ("s3", "upload_fileobj"): ("s3:PutObject",),
    ("s3", "upload_file"): ("s3:PutObject",),
    ("s3", "copy"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "download_file"): ("s3:GetObject",),
    ("athena", "start_query_execution"): ("athena:StartQueryExecution",),
    ("athena", "get_query_execution"): ("athena:GetQueryExecution",),
    ("athena", "get_query_results"): ("athena:GetQueryResults",),
    ("athena", "stop_query_execution"): ("athena:StopQueryExecution",),
    ("glue", "get_databases"): ("glue:GetDatabases",),
    ("glue", "create_database"): ("glue:CreateDatabase",),
    ("glue", "get_table"): ("glue:GetTable",),
    ("glue", "get_tables"): ("glue:GetTables",),
    ("glue", "create_table"): ("glue:CreateTable",),
    ("glue", "update_table"): ("glue:UpdateTable",),
    ("glue", "delete_table"): ("glue:DeleteTable",),
    ("glue", "batch_create_partition"): ("glue:BatchCreatePartition",),
    ("dynamodb", "get_item"): ("dynamodb:GetItem",),
    ("dynamodb", "put_item"): ("dynamodb:PutItem",),
    ("dynamodb", "batch_write_item"): ("dynamodb:BatchWriteItem",),
    ("dynamodb", "query"): ("dynamodb:Query",),
    ("dynamodb", "scan"): ("dynamodb:Scan",),
    ("dynamodb", "list_tables"): ("dynamodb:ListTables",),
    ("dynamodb", "create_table"): ("dynamodb:CreateTable",),
    ("dynamodb", "update_time_to_live"): ("dynamodb:UpdateTimeToLive",),
    ("dynamodb", "describe_table"): ("dynamodb:DescribeTable",),
    ("secretsmanager", "get_secret_value"): ("secretsmanager:GetSecretValue",),
    ("secretsmanager", "describe_secret"): ("secretsmanager:DescribeSecret",),
    ("secretsmanager", "put_secret_value"): ("secretsmanager:PutSecretValue",),
    ("secretsmanager", "update_secret_version_stage"): ("secretsmanager:UpdateSecretVersionStage",),
    ("bedrock-agent", "start_ingestion_job"): ("bedrock:StartIngestionJob",),
}

#: module -> {variable holding the client: service}. `get_paginator("op")`,
#: `get_waiter("table_exists")` and `_paged("op")` count as calls of that operation.
ADAPTERS: dict[str, dict[str, str]] = {
    "engage.adapters.store.s3": {"client": "s3"},
    "engage.adapters.sql.athena": {"glue": "glue"},
    "engage.adapters.sql.athena_results": {"client": "athena"},
    "engage.adapters.cache.dynamodb": {"client": "dynamodb"},
    "engage.deploy.entry": {"client": "secretsmanager"},
    "engage.deploy.kb_sync": {"s3": "s3", "bedrock_agent": "bedrock-agent"},
    "engage.deploy.rotate": {"client": "secretsmanager"},
}
_WAITERS = {"table_exists": "describe_table"}
_RUNTIME_ONLY = {("dynamodb", m) for m in ("list_tables", "create_table", "update_time_to_live")}
#: ensure_table runs only against a local endpoint (bootstrap); Terraform makes the table.

_S3 = {m for s, m in CALLS if s == "s3"}
_ATHENA = {m for s, m in CALLS if s == "athena"}
_GLUE_ALL = {m for s, m in CALLS if s == "glue"}
_GLUE_READ = {"get_table", "get_tables", "get_databases"}
_CACHE = {m for s, m in CALLS if s == "dynamodb"} - {m for _, m in _RUNTIME_ONLY}

#: role -> (service, method) calls its code makes on AWS.
ROLES: dict[str, set[tuple[str, str]]] = {
    "lambda-stages": {("s3", m) for m in _S3}
    | {("athena", m) for m in _ATHENA}
    | {("glue", m) for m in _GLUE_ALL}
    | {("dynamodb", m) for m in _CACHE}
    | {("secretsmanager", "get_secret_value"), ("bedrock-agent", "start_ingestion_job")},
    "ecs-task": {("s3", m) for m in _S3}
    | {("athena", m) for m in _ATHENA}
    | {("glue", m) for m in _GLUE_ALL},
    "ecs-execution": {("secretsmanager", "get_secret_value")},
    "api": {("s3", "get_object"), ("s3", "list_objects_v2"), ("s3", "put_object")}
    | {("athena", m) for m in _ATHENA}
    | {("glue", m) for m in _GLUE_READ}
    | {("dynamodb", m) for m in _CACHE},
    "agent-action": {("s3", "get_object"), ("s3", "list_objects_v2")}
    | {("athena", m) for m in _ATHENA}
    | {("glue", m) for m in _GLUE_READ},
    "rotation": {
        ("secretsmanager", m)
        for m in (
            "describe_secret",
            "get_secret_value",
            "put_secret_value",
            "update_secret_version_stage",
        )
    },
}
#: Every role that reads or writes data at rest also needs the data key.
KMS_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def sdk_calls(module: str) -> set[tuple[str, str]]:
    """(service, method) of every SDK call in a module's source, by its client variable."""
    clients = ADAPTERS[module]
    package, _, name = module.rpartition(".")
    tree = ast.parse(resources.files(package).joinpath(f"{name}.py").read_text("utf-8"))
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver, method = node.func.value, node.func.attr
        holder = (
            receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
        )
        first = node.args[0] if node.args else None
        literal = first.value if isinstance(first, ast.Constant) else None
        if method == "_paged" and isinstance(literal, str):
            found.add((next(iter(clients.values())), literal))
        if holder not in clients or method == "exceptions":
            continue
        if method == "get_paginator" and isinstance(literal, str):
            method = literal
        elif method == "get_waiter" and isinstance(literal, str):
            method = _WAITERS[literal]
        found.add((clients[holder], method))
    return found


def _matches(patterns: Any, value: str) -> bool:
    items = [patterns] if isinstance(patterns, str) else list(patterns)
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in items)


def allows(document: Mapping[str, Any], action: str, resource: str) -> bool:
    """Whether some Allow statement covers (action, resource); explicit Deny wins."""
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, Mapping) else statements
    verdict = False
    for st in statements:
        if _matches(st.get("Action", []), action) and _matches(st.get("Resource", []), resource):
            if st.get("Effect") == "Deny":
                return False
            verdict = verdict or st.get("Effect") == "Allow"
    return verdict


def required(role: str, resources_of: Mapping[str, Iterable[str]]) -> list[tuple[str, str, str]]:
    """(call, IAM action, resource ARN) the role needs, for the resources it works on.

    `resources_of` maps a service (and "s3-bucket" for bucket-level actions, "kms")
    to the ARNs that role's code touches, e.g. an object ARN under the lake prefix.
    """
    out = []
    for service, method in sorted(ROLES[role]):
        for action in CALLS[(service, method)]:
            kind = "s3-bucket" if action == "s3:ListBucket" else service
            for arn in resources_of.get(kind, ()):
                out.append((f"{service}.{method}", action, arn))
    if resources_of.get("kms"):
        out += [("kms (SSE-KMS)", a, arn) for a in KMS_ACTIONS for arn in resources_of["kms"]]
    return out
