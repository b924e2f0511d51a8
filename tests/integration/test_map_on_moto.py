"""A distributed Map, executed by moto's Step Functions engine and by LocalRunner alike.

The cross-check for the runner's Map before the pipeline's definition uses one: the
same machine (ItemReader over a JSON manifest in S3, a Lambda per item, MaxConcurrency,
a ResultWriter) must succeed on both with the same item outputs in the same order.

What moto 5.2.5 does with a distributed Map (checked by hand, not asserted here, so
that a fixed moto does not break the suite):
* it parses and runs `ItemReader` (`s3:getObject`, JSON), `ItemProcessor` with
  `Mode: DISTRIBUTED`, `MaxConcurrency` and `ResultWriter`, and records MapRun events;
* `ToleratedFailurePercentage` must be written as a float (`10.0`): an integer (`10`)
  is refused by its parser (`ASLParserException ... no viable alternative`), though
  AWS accepts either. Tolerance fields "currently have no effect": a failed item
  does not fail the Map there, its slot in the result is `null`;
* its ResultWriter writes `manifest.json` with empty `ResultFiles` (no
  SUCCEEDED_0.json / FAILED_0.json), where AWS and LocalRunner list the results.
So failure semantics (retry alone, tolerance, Catch) are checked against LocalRunner
only (tests/unit/pipeline/test_map.py); moto checks the definition's shape and the
success path.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")

from engage.pipeline.runner import LocalRunner  # noqa: E402
from fakes import MemoryStore  # noqa: E402

REGION, ACCOUNT = "us-east-1", "123456789012"
SHARDS = [{"shard": i, "key": f"shards/bucket={i}/part-0.parquet"} for i in range(5)]
SCORE = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:score-lambda"


def _definition(**fields: Any) -> dict[str, Any]:
    score = {"Type": "Task", "Resource": SCORE, "ResultSelector": {"scored.$": "$.shard"}}
    return {
        "StartAt": "ScoreShards",
        "States": {
            "ScoreShards": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "engagement-data", "Key.$": "$.manifest"},
                },
                "ItemSelector": {"shard.$": "$$.Map.Item.Value.shard", "run.$": "$.run"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Score",
                    "States": {"Score": {**score, "End": True}},
                },
                "MaxConcurrency": 2,
                "ToleratedFailurePercentage": 10.0,
                "ResultPath": "$.scored",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}],
                "Next": "Done",
                **fields,
            },
            "Done": {"Type": "Succeed"},
            "Failed": {"Type": "Fail", "Error": "ScoringFailed"},
        },
    }


def _on_moto(definition: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    s3 = boto3.client("s3", REGION)
    for bucket in ("engagement-data", "engagement-results"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="engagement-data", Key=params["manifest"], Body=json.dumps(SHARDS))
    sfn = boto3.client("stepfunctions", REGION)
    arn = sfn.create_state_machine(
        name="map-check",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/engagement-sfn",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(params))
    deadline = time.monotonic() + 20
    while (desc := sfn.describe_execution(executionArn=execution["executionArn"]))[
        "status"
    ] == "RUNNING":
        assert time.monotonic() < deadline, "moto execution did not finish"
        time.sleep(0.05)  # polling moto's background execution thread
    return desc


def _locally(definition: dict[str, Any], params: dict[str, Any]) -> Any:
    store = MemoryStore()
    store.put_bytes(f"engagement-data/{params['manifest']}", json.dumps(SHARDS).encode())
    return LocalRunner(definition, {"score": lambda event: event}, store=store).run(params)


def test_distributed_map_runs_on_moto_like_locally(sfn_moto: None) -> None:
    params = {"manifest": "shards/manifest.json", "run": "r1"}
    desc = _on_moto(_definition(), params)
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    local = _locally(_definition(), params)
    assert local.succeeded, local.cause
    expected = [{"scored": shard["shard"]} for shard in SHARDS]
    assert json.loads(desc["output"])["scored"] == expected == local.output["scored"]


def test_result_writer_details_have_the_same_shape_on_moto(sfn_moto: None) -> None:
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "engagement-results", "Prefix": "map-runs/scoring"},
    }
    params = {"manifest": "shards/manifest.json", "run": "r1"}
    desc = _on_moto(_definition(ResultWriter=writer), params)
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    remote = json.loads(desc["output"])["scored"]
    local = _locally(_definition(ResultWriter=writer), params).output["scored"]
    assert remote.keys() == local.keys() == {"MapRunArn", "ResultWriterDetails"}
    for details in (remote["ResultWriterDetails"], local["ResultWriterDetails"]):
        assert details["Bucket"] == "engagement-results"
        assert details["Key"].startswith("map-runs/scoring/")
        assert details["Key"].endswith("/manifest.json")
    key = remote["ResultWriterDetails"]["Key"]
    manifest = json.loads(
        boto3.client("s3", REGION).get_object(Bucket="engagement-results", Key=key)["Body"].read()
    )
    assert manifest["MapRunArn"] == remote["MapRunArn"]
