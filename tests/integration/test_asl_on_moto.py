"""The packaged pipeline definition, rendered, executed by moto's Step Functions engine.

This is the cross-check for LocalRunner: moto 5.2 ships an ASL interpreter
(derived from LocalStack's) that parses the definition with AWS's grammar and
walks it calling moto's mocked Lambda and ECS. If the definition uses anything
Step Functions would reject, or the two engines walk it differently, a test here
fails.

What moto executes, and what it lacks (moto 5.2.5):
* Lambda Task states (`arn:aws:lambda:...:function:NAME`) run against moto's
  Docker-free Lambda, which echoes its payload back: each Lambda's result is
  its input. Retry, Catch, ResultPath, Parallel, Succeed/Fail with CausePath and
  the `States.JsonToString` intrinsic all run for real.
* `arn:aws:states:::ecs:runTask.sync` really calls moto's ECS RunTask and polls
  DescribeTasks until STOPPED, but moto's service-integration base class leaves
  `_normalise_parameters`/`_normalise_response` empty: the PascalCase
  Parameters that AWS requires (`Cluster`, `TaskDefinition`, ...) reach botocore
  unconverted and fail with `KeyError: 'LaunchType'`. `_fill_moto_ecs_gap` adds
  the missing conversion, driven by botocore's own RunTask/DescribeTasks shapes
  (so a misspelt parameter still fails); it is skipped if moto ever implements it.
* ECS tasks only reach STOPPED when the moto state manager is told to advance
  them immediately, and an awsvpc ENI needs a VPC with DNS hostnames enabled.
* moto reports an ECS API error as `States.Runtime` (AWS: `ECS.<Exception>`), so
  Retry `States.TaskFailed` does not fire there, and a `States.Runtime` inside a
  Parallel branch crashes moto's engine; the failure test therefore breaks the
  top-level InferenceTask, not a branch.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")


from engage.pipeline.asl import load_definition, render  # noqa: E402
from engage.pipeline.runner import LocalRunner  # noqa: E402
from fakes import MemoryStore  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"
CLUSTER = "engagement-ml-cluster"
LAMBDAS = [
    "pre-cleanup",
    "data-prep",
    "data-validation",
    "ensemble-predictions",
    "create-qa-table",
    "create-results-table",
    "update-knowledge-base",
    "segmentation",
    "network-analysis",
    "premium-uplift",
    "sentiment-scoring",
    "next-best-action",
    "engagement-forecast",
    "merge-shard-scores",
]
TRAINING = [f"{m}-training" for m in ("engagement", "churn", "ltv", "recommendation", "anomaly")]
ANALYTICS_STATES = ("Segmentation", "NetworkAnalysis", "PremiumUplift", "EngagementForecast")
MODEL_STATES = {"EngagementModel", "ChurnModel", "LTVModel", "RecommendationModel", "AnomalyModel"}
# moto's Lambdas echo their input, so data-prep's result (`$.data_prep`) is the state
# input: the shard manifest's place rides in the execution input instead.
SHARDS = {"Bucket": "engagement-data", "Key": "shards.json"}  # short: echoes double it
SHARD_COUNT = 2
PARAMS = {"seed": 7, "shards": SHARDS}


def _shard_manifest() -> MemoryStore:
    """The manifest in moto's S3 (what data preparation writes) and in a local store."""
    items = [{"shard": i, "shards": SHARD_COUNT, "rows": 10} for i in range(SHARD_COUNT)]
    boto3.client("s3", REGION).create_bucket(Bucket=SHARDS["Bucket"])
    body = json.dumps(items).encode()
    boto3.client("s3", REGION).put_object(Bucket=SHARDS["Bucket"], Key=SHARDS["Key"], Body=body)
    store = MemoryStore()
    store.put_bytes(f"{SHARDS['Bucket']}/{SHARDS['Key']}", body)
    return store


def _infrastructure(task_families: list[str]) -> dict[str, Any]:
    """What the Terraform would create; returns the placeholder values for render()."""
    ec2, ecs = boto3.client("ec2", REGION), boto3.client("ecs", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="ml", Description="ml", VpcId=vpc)["GroupId"]
    ecs.create_cluster(  # as modules/ml: RunTask without LaunchType lands on Fargate Spot
        clusterName=CLUSTER,
        capacityProviders=["FARGATE_SPOT", "FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
    )
    for family in task_families:
        container = {"name": f"{family}-container", "image": "engage", "cpu": 1024, "memory": 4096}
        ecs.register_task_definition(
            family=f"{family}-task",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="16384",
            memory="65536",
            containerDefinitions=[container],
        )
    return {
        "AccountId": ACCOUNT,
        "Region": REGION,
        "Prefix": "",
        "EcsCluster": CLUSTER,
        "Subnets": [subnet],
        "SecurityGroups": [group],
        "ShardResultsBucket": SHARDS["Bucket"],
        "ShardResultsPrefix": "processed/inference_shards/results",
    }


def _execute(definition: dict, name: str) -> tuple[dict, list[str]]:
    sfn = boto3.client("stepfunctions", REGION)
    arn = sfn.create_state_machine(
        name="engagement-ml-pipeline",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/engagement-sfn",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(PARAMS))
    deadline = time.monotonic() + 20
    # Until finished, and on success until the output is there: under load moto has
    # answered SUCCEEDED once without `output` (seen in CI, not reproduced).
    while (desc := sfn.describe_execution(executionArn=execution["executionArn"]))[
        "status"
    ] == "RUNNING" or (desc["status"] == "SUCCEEDED" and "output" not in desc):
        assert time.monotonic() < deadline, "moto execution did not finish"
        time.sleep(0.05)  # polling moto's background execution thread
    events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")
    ]
    return desc, entered


def _echo_tasks(**overrides: Any) -> dict:
    """Local tasks that behave like moto's Docker-free Lambda: return the input."""
    tasks = {name: (lambda event: event) for name in LAMBDAS}
    return {
        **tasks,
        **{name: (lambda p: {"ran": "training"}) for name in TRAINING},
        "inference": lambda p: {},
        **overrides,
    }


def _top_level(result: Any) -> list[str]:
    return [r.name for r in result.records if "/" not in r.path]


def test_packaged_definition_succeeds_on_moto_like_locally(sfn_moto: None) -> None:
    """Both engines walk the whole definition, the ScoreShards Distributed Map included:
    moto really starts one ECS task per shard of the manifest in S3, with the item as
    its event; LocalRunner runs the same items."""
    definition = render(load_definition(), _infrastructure([*TRAINING, "inference"]))
    store = _shard_manifest()
    desc, entered = _execute(definition, name="run_moto_ok")
    assert desc["status"] == "SUCCEEDED", desc.get("cause")

    assert entered[:4] == [
        "PreCleanup",
        "DataPreparation",
        "SentimentScoring",
        "ParallelTrainingAndValidation",
    ]
    branches = {"ParallelModelTraining", "DataValidation", *ANALYTICS_STATES, *MODEL_STATES}
    branches.add("NextBestAction")
    after = [n for n in entered[4 + len(branches) :] if n != "InferenceTask"]
    assert set(entered[4 : 4 + len(branches)]) == branches
    assert after[:4] == [
        "ScoreShards",
        "MergeShardScores",
        "ModelEnsemble",
        "ParallelTableCreation",
    ]
    assert set(after[4:6]) == {"CreateQATable", "CreateFinalResults"}
    assert after[6:] == ["UpdateKnowledgeBase", "PipelineSuccess"]

    local = LocalRunner(definition, _echo_tasks(), store=store).run(PARAMS, name="run_moto_ok")
    assert local.succeeded, local.cause
    assert [n for n in entered if n in _top_level(local)] == _top_level(local)
    shard_tasks = [r for r in local.records if r.path.startswith("ScoreShards/")]
    assert len(shard_tasks) == SHARD_COUNT

    output = json.loads(desc["output"])
    assert output.keys() == local.output.keys()
    for key in ("cleanup", "data_prep"):
        assert output[key] == local.output[key]
    assert output["parallel_training"][1] == local.output["parallel_training"][1]
    assert output["parallel_training"][2] == local.output["parallel_training"][2]
    assert output["parallel_training"][3] == local.output["parallel_training"][3]
    for training in output["parallel_training"][0]["models"]:  # runTask.sync: the stopped task
        assert (training["LastStatus"], training["StartedBy"]) == ("STOPPED", "AWS Step Functions")

    ecs = boto3.client("ecs", REGION)
    arns = ecs.list_tasks(cluster=CLUSTER)["taskArns"]
    shards_seen = []
    for task in ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]:
        env = {
            e["name"]: e["value"] for e in task["overrides"]["containerOverrides"][0]["environment"]
        }
        event = json.loads(env["ENGAGE_EVENT"])
        if env["ENGAGE_STAGE"] == "inference":  # a shard: the item, with the run's input
            assert event["event"] == PARAMS
            shards_seen.append(event["shard"]["shard"])
        else:
            assert event == PARAMS and env["ENGAGE_EXECUTION"] == "run_moto_ok"
    assert sorted(shards_seen) == list(range(SHARD_COUNT))
    assert len(arns) == len(TRAINING) + SHARD_COUNT


def test_failed_stage_is_named_in_the_cause_on_moto_like_locally(sfn_moto: None) -> None:
    """No shard manifest (data preparation never wrote it): ScoreShards fails on both
    engines, the Catch names it, nothing after it runs. (A failing shard task cannot be
    cross-checked here: moto's Map ignores item failures, see test_map_on_moto.py; the
    local runner's tolerance is tested in tests/unit/pipeline/test_map.py.)"""
    definition = render(load_definition(), _infrastructure([*TRAINING, "inference"]))
    boto3.client("s3", REGION).create_bucket(Bucket=SHARDS["Bucket"])  # empty
    desc, entered = _execute(definition, name="run_moto_fail")
    assert desc["status"] == "FAILED"
    assert desc["error"] == "PipelineFailed"
    assert list(json.loads(desc["cause"])) == ["ScoreShards"]
    assert entered[-2:] == ["ScoreShards", "PipelineFailed"]

    local = LocalRunner(definition, _echo_tasks(), sleep=lambda s: None, store=MemoryStore())
    result = local.run(PARAMS)
    assert (result.error, result.failed_state) == ("PipelineFailed", "ScoreShards")
    assert list(json.loads(result.cause)) == ["ScoreShards"]
    assert _top_level(result)[-2:] == entered[-2:]
