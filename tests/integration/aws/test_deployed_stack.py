"""`terraform apply` of envs/emulator to a loopback moto_server, read back and run.

One apply per module (about 1-4 minutes: 160+ resources). The tests read what was
created through boto3 and check the wiring: the state machine is `engage asl`'s
rendering, every Task resource exists, every role allows each call its code makes
(engage.deploy.iam_calls), and the deployed entry points run with their deployed
command and environment (tests/integration/aws/deployed.py). The full pipeline
chain (training on Fargate, inference, ensemble, QA, results, knowledge base, API,
agent action) is the `soak` test; the default suite runs its first stages.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto.server")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from deployed import CREDENTIALS, EntryPoints, Stack, apply_emulator  # noqa: E402

from engage.deploy import iam_calls  # noqa: E402
from engage.deploy import terraform as tf  # noqa: E402
from engage.deploy.asl_env import render_for_env  # noqa: E402
from engage.pipeline.asl import iter_states, task_name  # noqa: E402

MIRROR = tf.find_mirror()
pytestmark = [
    pytest.mark.skipif(tf.binary() is None, reason="terraform binary not installed"),
    pytest.mark.skipif(MIRROR is None, reason="no filesystem mirror of hashicorp/aws"),
]
ROWS = 2000
RUN_ID = "emu-run-1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    deployed = apply_emulator(tmp_path_factory.mktemp("emulator"), MIRROR)
    yield deployed
    deployed.emulator.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def aws(stack: Stack) -> SimpleNamespace:
    def client(name: str) -> Any:
        return boto3.client(name, region_name="us-east-1", endpoint_url=stack.emulator.endpoint)

    return SimpleNamespace(
        s3=client("s3"), sfn=client("stepfunctions"), lambda_=client("lambda"),
        ecs=client("ecs"), iam=client("iam"), secrets=client("secretsmanager"),
        apigw=client("apigateway"), dynamodb=client("dynamodb"), logs=client("logs"),
    )  # fmt: skip


def _definition(stack: Stack, aws: SimpleNamespace) -> dict:
    arn = stack.outputs["state_machine_arn"]
    return json.loads(aws.sfn.describe_state_machine(stateMachineArn=arn)["definition"])


def test_buckets_are_kms_encrypted_private_and_tls_only(stack: Stack, aws: SimpleNamespace) -> None:
    key = stack.outputs["kms_key_arn"]
    for bucket in stack.outputs["bucket_names"].values():
        rule = aws.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        default = rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]
        assert (default["SSEAlgorithm"], default["KMSMasterKeyID"]) == ("aws:kms", key)
        block = aws.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values())
        policy = json.loads(aws.s3.get_bucket_policy(Bucket=bucket)["Policy"])
        assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s)
                   for s in policy["Statement"])  # fmt: skip
    table = stack.outputs["cache_table_name"]
    ttl = aws.dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "ttl")


def test_state_machine_is_engage_asl_rendering(stack: Stack, aws: SimpleNamespace) -> None:
    assert _definition(stack, aws) == render_for_env(stack.outputs["asl_values"])


def test_every_task_resource_exists(stack: Stack, aws: SimpleNamespace) -> None:
    cluster = aws.ecs.describe_clusters(clusters=[stack.outputs["asl_values"]["EcsCluster"]])
    strategy = cluster["clusters"][0]["defaultCapacityProviderStrategy"]
    assert [s["capacityProvider"] for s in strategy] == ["FARGATE_SPOT"]
    prefix = stack.outputs["asl_values"]["Prefix"]
    tasks = [s for _, _, s in iter_states(_definition(stack, aws)) if s["Type"] == "Task"]
    assert len(tasks) == 20  # the Map's InferenceTask counted once, MergeShardScores
    for state in tasks:
        if state["Resource"].startswith("arn:aws:lambda:"):
            found = aws.lambda_.get_function(FunctionName=state["Resource"])["Configuration"]
            assert found["FunctionArn"] == state["Resource"]
            continue
        params = state["Parameters"]
        # no LaunchType: RunTask uses the cluster's default strategy, Fargate Spot
        assert "LaunchType" not in params and "CapacityProviderStrategy" not in params
        task = aws.ecs.describe_task_definition(taskDefinition=params["TaskDefinition"])
        containers = {c["name"]: c for c in task["taskDefinition"]["containerDefinitions"]}
        (override,) = params["Overrides"]["ContainerOverrides"]
        assert override["Name"] in containers
        assert containers[override["Name"]]["command"] == ["task", task_name(state, prefix)]


def _role_policies(aws: SimpleNamespace, role_arn: str) -> list[dict]:
    name = role_arn.rsplit("/", 1)[1]
    names = aws.iam.list_role_policies(RoleName=name)["PolicyNames"]
    docs = [aws.iam.get_role_policy(RoleName=name, PolicyName=n)["PolicyDocument"] for n in names]
    return [json.loads(d) if isinstance(d, str) else d for d in docs]


def _resources(stack: Stack, aws: SimpleNamespace, role: str) -> dict[str, list[str]]:
    """The ARNs each role's code touches in this deployment."""
    out, buckets = stack.outputs, stack.outputs["bucket_names"]
    account, region = "123456789012", "us-east-1"
    lake = f"arn:aws:s3:::{buckets['processed']}"
    objects = [f"{lake}/lake/engagement-predictions/x.parquet"]
    if role in ("lambda-stages", "ecs-task"):
        objects.append(f"arn:aws:s3:::{buckets['athena-results']}/results/q.csv")
    if role == "api":
        objects = [f"{lake}/lake/engagement-audit/date=2026-01-01/a.jsonl"]
    parts = ("catalog", "database/engagement_predictions", "table/engagement_predictions/p")
    glue = [f"arn:aws:glue:{region}:{account}:{p}" for p in parts]
    secret = aws.secrets.describe_secret(SecretId="emu-engage/token-key")["ARN"]
    return {
        "s3": objects,
        "s3-bucket": [lake],
        "athena": [f"arn:aws:athena:{region}:{account}:workgroup/emu-engagement-analytics"],
        "glue": glue,
        "dynamodb": [f"arn:aws:dynamodb:{region}:{account}:table/{out['cache_table_name']}"],
        "secretsmanager": [secret],
        "bedrock-agent": [f"arn:aws:bedrock:{region}:{account}:knowledge-base/KB123"],
        "kms": [] if role == "ecs-execution" else [out["kms_key_arn"]],
    }


def _deployed_roles(stack: Stack, aws: SimpleNamespace) -> dict[str, str]:
    names = stack.outputs["lambda_function_names"]

    def role_of(function: str) -> str:
        return aws.lambda_.get_function(FunctionName=function)["Configuration"]["Role"]

    task = aws.ecs.describe_task_definition(taskDefinition="emu-inference-task")["taskDefinition"]
    return {
        "lambda-stages": role_of(names["data-prep"]),
        "ecs-task": task["taskRoleArn"],
        "ecs-execution": task["executionRoleArn"],
        "api": role_of(names["api"]),
        "agent-action": role_of(names["agent-action"]),
        "rotation": role_of("emu-token-key-rotation"),
    }


def test_adapters_make_only_calls_the_table_knows() -> None:
    calls = set().union(*(iam_calls.sdk_calls(m) for m in iam_calls.ADAPTERS))
    assert calls, "no SDK calls found: the AST scan is broken"
    assert not calls - set(iam_calls.CALLS), "add these calls to engage.deploy.iam_calls.CALLS"


def test_every_role_allows_every_call_its_code_makes(stack: Stack, aws: SimpleNamespace) -> None:
    missing = []
    for role, arn in _deployed_roles(stack, aws).items():
        docs = _role_policies(aws, arn)
        assert docs, f"{role} has no inline policy"
        for call, action, resource in iam_calls.required(role, _resources(stack, aws, role)):
            if not any(iam_calls.allows(d, action, resource) for d in docs):
                missing.append(f"{role}: {call} needs {action} on {resource}")
    assert not missing, "\n".join(missing)


def test_api_key_is_in_the_usage_plan(stack: Stack, aws: SimpleNamespace) -> None:
    plans = aws.apigw.get_usage_plans()["items"]
    keys = [aws.apigw.get_usage_plan_keys(usagePlanId=p["id"])["items"] for p in plans]
    assert stack.outputs["api_key_id"] in {k["id"] for ks in keys for k in ks}


# -- the deployed entry points -----------------------------------------------------


@pytest.fixture(scope="module")
def entry(stack: Stack, aws: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Customer files in the incoming folder, a token key in the secret: a first run."""
    return _prepare(stack, aws, tmp_path_factory.mktemp("entry"))


def _prepare(stack: Stack, aws: SimpleNamespace, scratch: Path) -> EntryPoints:
    import subprocess
    import sys

    data = scratch / "generated"
    subprocess.run(
        [str(Path(sys.executable).with_name("engage")), "generate",
         "--rows", str(ROWS), "--out", str(data)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    bucket, _, prefix = stack.outputs["incoming_url"][len("s3://") :].partition("/")
    for path in data.iterdir():
        if path.is_file():
            aws.s3.upload_file(str(path), bucket, f"{prefix}/{path.name}")
    aws.secrets.put_secret_value(SecretId="emu-engage/token-key", SecretString="k" * 48)
    return EntryPoints(stack.emulator.endpoint, scratch, aws)


def test_first_lambda_stages_run_as_deployed(
    stack: Stack, aws: SimpleNamespace, entry: Any
) -> None:
    """PreCleanup and DataPreparation: handler, environment and input as deployed."""
    names = stack.outputs["lambda_function_names"]
    event = {"run_id": RUN_ID}
    cleanup = entry.invoke(names["pre-cleanup"], event)
    prep = entry.invoke(names["data-prep"], {**event, "cleanup": cleanup})
    assert prep["data_prep_status"] == "success" and prep["raw_records"] == ROWS
    assert prep["training_records"] + prep["test_records"] > 0
    lake = stack.outputs["lake_url"]
    assert prep["s3_locations"]["training"].startswith(lake)
    bucket = stack.outputs["bucket_names"]["processed"]
    keys = [o["Key"] for o in aws.s3.list_objects_v2(Bucket=bucket, Prefix="lake/")["Contents"]]
    assert any(k.endswith(".parquet") for k in keys)


def _api_event(path: str, key_id: str | None, method: str = "GET") -> dict[str, Any]:
    """An API Gateway REST proxy event, as the deployed AWS_PROXY integration sends it."""
    identity = {"apiKeyId": key_id, "sourceIp": "203.0.113.7"} if key_id else {}
    return {
        "resource": path, "path": path, "httpMethod": method,
        "headers": {"x-api-key": "aws-generated-key-value", "Host": "api.example"},
        "multiValueHeaders": {}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": None,
        "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": path, "httpMethod": method, "stage": "v1",
                           "identity": identity, "requestId": "req-1"},
    }  # fmt: skip


def _invoker(entry: Any, function: str) -> Any:
    return lambda task_input: entry.invoke(function, task_input)


@pytest.mark.soak
def test_whole_pipeline_then_api_and_agent_as_deployed(
    stack: Stack, aws: SimpleNamespace, entry: Any
) -> None:
    """Every Task of the deployed definition, walked with the execution input Step
    Functions would pass; then the API Lambda and the agent's action Lambda."""
    from engage.adapters.store.s3 import S3ObjectStore
    from engage.pipeline.runner import LocalRunner

    definition, prefix = _definition(stack, aws), stack.outputs["asl_values"]["Prefix"]
    names = stack.outputs["lambda_function_names"]
    tasks: dict[str, Any] = {}
    for _, _, state in iter_states(definition):
        if state["Type"] == "Task":
            name = task_name(state, prefix)
            is_lambda = state["Resource"].startswith("arn:aws:lambda:")
            tasks[name] = _invoker(entry, names[name]) if is_lambda else entry.run_task
    # ScoreShards' ItemReader/ResultWriter read and write the lake bucket, as AWS's would
    lake = S3ObjectStore.from_url(stack.outputs["lake_url"], endpoint_url=stack.emulator.endpoint)
    run = LocalRunner(definition, tasks, sleep=lambda s: None, prefix=prefix, store=lake)
    result = run.run({"run_id": RUN_ID}, name=RUN_ID)
    assert result.succeeded, (result.failed_state, result.error, (result.cause or "")[-2000:])

    kb_bucket = stack.outputs["bucket_names"]["knowledge-base"]
    docs = aws.s3.list_objects_v2(Bucket=kb_bucket, Prefix="documents/").get("Contents", [])
    assert any(d["Key"].endswith(".md") for d in docs)

    key_id = stack.outputs["api_key_id"]
    health = entry.invoke(names["api"], _api_event("/health", key_id))
    assert health["statusCode"] == 200, health
    customers = stack.outputs["bucket_names"]
    assert customers
    refused = entry.invoke(names["api"], _api_event("/customers/C000001", None))
    assert refused["statusCode"] == 401, refused

    action = {
        "messageVersion": "1.0", "actionGroup": "athena-actions", "function": "model_metrics",
        "parameters": [{"name": "model", "type": "string", "value": "engagement"}],
        "agent": {"name": "a", "id": "x", "alias": "y", "version": "DRAFT"},
        "sessionId": "s", "inputText": "how good is the model?",
    }  # fmt: skip
    answer = entry.invoke(names["agent-action"], action)
    body = answer["response"]["functionResponse"]["responseBody"]["TEXT"]["body"]
    assert "engagement" in body and "error" not in json.loads(body), body
