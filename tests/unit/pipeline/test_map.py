"""Map states in the local runner and the validator, against Step Functions semantics."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import pytest

from engage.pipeline.asl import iter_states, validate
from engage.pipeline.mapstate import EXCEED_TOLERATED, Tolerance
from engage.pipeline.runner import LocalRunner
from engage.pipeline.validate import DefinitionError
from fakes import MemoryStore

RETRY_ONCE = [{"ErrorEquals": ["ShardError"], "IntervalSeconds": 1, "MaxAttempts": 1}]


def lam(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:000000000000:function:{name}-lambda"


class ShardError(Exception):
    """What a shard's task raises when it is told to fail."""


class Shards:
    """The `score` task: fails a shard as often as `failures` says; counts calls and overlap."""

    def __init__(self, failures: dict[int, int] | None = None, meet: int = 0) -> None:
        self.failures = dict(failures or {})
        self.calls: Counter[int] = Counter()
        self.active = self.peak = 0
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(meet, timeout=10) if meet else None

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        shard = event["shard"]
        with self._lock:
            self.calls[shard] += 1
            self.active += 1
            self.peak = max(self.peak, self.active)
            fail = self.calls[shard] <= self.failures.get(shard, 0)
        try:
            if self._barrier is not None:
                self._barrier.wait()  # `meet` items at once, or BrokenBarrierError
            if fail:
                raise ShardError(f"shard {shard} failed (call {self.calls[shard]})")
            return {"shard": shard, "rows": 10 * shard}
        finally:
            with self._lock:
                self.active -= 1


def processor(mode: str = "DISTRIBUTED", retry: list | None = None) -> dict:
    config = {"Mode": mode, **({"ExecutionType": "STANDARD"} if mode == "DISTRIBUTED" else {})}
    score = {"Type": "Task", "Resource": lam("score"), "End": True}
    if retry:
        score["Retry"] = retry
    return {"ProcessorConfig": config, "StartAt": "Score", "States": {"Score": score}}


def with_map(map_state: dict) -> dict:
    """A machine: the Map, a Catch route to a Fail state, and a Succeed."""
    map_state = {
        "Type": "Map",
        "ResultPath": "$.scored",
        "Next": "Done",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
        **map_state,
    }
    return {
        "StartAt": "ScoreShards",
        "States": {
            "ScoreShards": map_state,
            "Done": {"Type": "Succeed"},
            "Failed": {"Type": "Fail", "Error": "ScoringFailed", "Cause": "shards failed"},
        },
    }


def manifest_store(shards: int) -> MemoryStore:
    store = MemoryStore()
    items = [{"shard": i, "key": f"shards/bucket={i}/part-0.parquet"} for i in range(shards)]
    store.put_bytes("engagement-data/shards/manifest.json", json.dumps(items).encode())
    return store


READER = {
    "Resource": "arn:aws:states:::s3:getObject",
    "ReaderConfig": {"InputType": "JSON"},
    "Parameters": {"Bucket": "engagement-data", "Key.$": "$.manifest"},
}
WRITER = {
    "Resource": "arn:aws:states:::s3:putObject",
    "Parameters": {"Bucket": "engagement-results", "Prefix": "map-runs/scoring"},
}


def distributed(**fields: Any) -> dict:
    return with_map({"ItemReader": READER, "ItemProcessor": processor(retry=RETRY_ONCE), **fields})


def map_record(result: Any) -> Any:
    """The Map state's own record: its error survives the Catch that routed onward."""
    return next(r for r in result.records if r.name == "ScoreShards")


def run(definition: dict, shards: Shards, store: MemoryStore | None = None, **kw: Any):
    runner = LocalRunner(definition, {"score": shards}, sleep=lambda s: None, store=store)
    return runner.run({"manifest": "shards/manifest.json", **kw})


# --- inline mode ---------------------------------------------------------------------


def test_inline_map_selects_items_and_keeps_item_order() -> None:
    done = [threading.Event() for _ in range(5)]

    def score(event: dict) -> dict:  # item i waits for item i+1: they finish in reverse
        index = event["index"]
        if index + 1 < len(done):
            assert done[index + 1].wait(10)
        done[index].set()
        return {"shard": event["shard"], "run": event["run"], "index": index}

    defn = with_map(
        {
            "ItemsPath": "$.shards",
            "ItemSelector": {
                "shard.$": "$$.Map.Item.Value",
                "index.$": "$$.Map.Item.Index",
                "run.$": "$.run",
            },
            "ItemProcessor": processor("INLINE"),
            "ResultSelector": {"results.$": "$"},
        }
    )
    result = LocalRunner(defn, {"score": score}).run({"shards": [7, 8, 9, 10, 11], "run": "r1"})
    assert result.succeeded, result.cause
    expected = [{"shard": 7 + i, "run": "r1", "index": i} for i in range(5)]
    assert result.output["scored"] == {"results": expected}
    assert {r.path for r in result.records} >= {f"ScoreShards/{i}/Score" for i in range(5)}


def test_inline_map_fails_on_the_first_failed_item_and_catch_routes() -> None:
    shards = Shards(failures={1: 9})
    defn = with_map({"ItemsPath": "$.items", "ItemProcessor": processor("INLINE")})
    result = run(defn, shards, items=[{"shard": i} for i in range(3)])
    assert result.status == "FAILED" and result.error == "ScoringFailed"
    assert result.failed_path == "ScoreShards/1/Score"  # the item state that really failed


def test_inline_map_items_must_be_an_array() -> None:
    defn = with_map({"ItemsPath": "$.items", "ItemProcessor": processor("INLINE")})
    record = map_record(run(defn, Shards(), items={"shard": 1}))
    assert record.error == "States.Runtime" and "ItemsPath '$.items'" in record.cause


# --- distributed mode ----------------------------------------------------------------


def test_a_shard_that_fails_once_is_retried_alone_and_the_map_succeeds() -> None:
    shards = Shards(failures={2: 1})
    result = run(distributed(MaxConcurrency=2), shards, manifest_store(5))
    assert result.succeeded, result.cause
    assert shards.calls == {0: 1, 1: 1, 2: 2, 3: 1, 4: 1}
    assert result.output["scored"] == [{"shard": i, "rows": 10 * i} for i in range(5)]
    attempts = {r.path: r.attempts for r in result.records if r.name == "Score"}
    assert attempts["ScoreShards/2/Score"] == 2 and attempts["ScoreShards/3/Score"] == 1


def test_a_catch_inside_the_item_processor_keeps_the_item_and_the_map_going() -> None:
    item = processor()
    item["States"]["Score"]["Catch"] = [
        {"ErrorEquals": ["ShardError"], "ResultPath": "$.error", "Next": "Skip"}
    ]
    item["States"]["Skip"] = {"Type": "Pass", "Parameters": {"skipped.$": "$.shard"}, "End": True}
    shards = Shards(failures={1: 9})
    result = run(with_map({"ItemReader": READER, "ItemProcessor": item}), shards, manifest_store(3))
    assert result.succeeded, result.cause
    assert result.output["scored"] == [
        {"shard": 0, "rows": 0},
        {"skipped": 1},
        {"shard": 2, "rows": 20},
    ]
    assert shards.calls == {0: 1, 1: 1, 2: 1}  # no Retry: the Catch took shard 1 at once


def test_more_failing_shards_than_tolerated_fails_the_map_and_catch_routes_to_fail() -> None:
    shards = Shards(failures={1: 9, 3: 9})  # beyond the one retry
    defn = distributed(ToleratedFailureCount=1, ResultWriter=WRITER)
    store = manifest_store(6)
    result = run(defn, shards, store)
    assert result.status == "FAILED" and result.error == "ScoringFailed"
    assert result.failed_state == "ScoreShards"
    caught = map_record(result)
    assert caught.error == EXCEED_TOLERATED and "2 of 6 items failed" in caught.cause
    manifests = [k for k in store.objects if k.endswith("manifest.json") and "map-runs" in k]
    assert len(manifests) == 1  # the results are still written, as AWS does


def test_tolerated_failures_let_the_map_succeed_and_result_writer_writes_a_manifest() -> None:
    shards = Shards(failures={4: 9})
    store = manifest_store(6)
    defn = distributed(ToleratedFailurePercentage=20, ResultWriter=WRITER)
    result = run(defn, shards, store)
    assert result.succeeded, result.cause
    details = result.output["scored"]["ResultWriterDetails"]
    assert details["Bucket"] == "engagement-results"
    assert details["Key"].startswith("map-runs/scoring/") and details["Key"].endswith(
        "/manifest.json"
    )
    manifest = json.loads(store.objects[f"engagement-results/{details['Key']}"])
    assert manifest["MapRunArn"] == result.output["scored"]["MapRunArn"]
    files = manifest["ResultFiles"]
    [ok_file], [failed_file], pending = files["SUCCEEDED"], files["FAILED"], files["PENDING"]
    assert pending == []
    succeeded = json.loads(store.objects[f"engagement-results/{ok_file['Key']}"])
    failed = json.loads(store.objects[f"engagement-results/{failed_file['Key']}"])
    assert [json.loads(e["Output"])["shard"] for e in succeeded] == [0, 1, 2, 3, 5]
    assert [(json.loads(e["Input"])["shard"], e["Error"]) for e in failed] == [(4, "ShardError")]
    assert ok_file["Size"] == len(store.objects[f"engagement-results/{ok_file['Key']}"])


def test_max_concurrency_is_respected() -> None:
    shards = Shards(meet=2)  # two must run at once, or the barrier breaks
    result = run(distributed(MaxConcurrency=2), shards, manifest_store(6))
    assert result.succeeded, result.cause
    assert shards.peak == 2 and sum(shards.calls.values()) == 6


def test_no_new_items_start_once_the_map_has_failed() -> None:
    shards = Shards(failures=dict.fromkeys(range(8), 9))
    result = run(distributed(MaxConcurrency=1), shards, manifest_store(8))
    assert result.status == "FAILED"
    assert shards.calls == {0: 2}  # the first item and its one retry; nothing after it


def test_missing_item_manifest_is_an_item_reader_error_naming_the_key() -> None:
    record = map_record(run(distributed(), Shards(), MemoryStore()))
    assert record.error == "States.ItemReaderFailed"
    assert "engagement-data/shards/manifest.json" in record.cause


def test_item_reader_without_a_store_says_so() -> None:
    record = map_record(run(distributed(), Shards()))
    assert record.error == "States.Runtime" and "store=" in record.cause


@pytest.mark.parametrize("mode", ["INLINE", "DISTRIBUTED"])
def test_distributed_items_are_child_executions_inline_items_are_not(mode: str) -> None:
    item = processor(mode)
    item["States"]["Score"] = {
        "Type": "Pass",
        "Parameters": {"execution.$": "$$.Execution.Name", "input.$": "$$.Execution.Input"},
        "End": True,
    }
    defn = with_map({"ItemsPath": "$.items", "ItemProcessor": item})
    items = [{"shard": 0}, {"shard": 1}]
    result = LocalRunner(defn, {}).run({"items": items}, name="parent")
    assert result.succeeded, result.cause
    names = [out["execution"] for out in result.output["scored"]]
    inputs = [out["input"] for out in result.output["scored"]]
    if mode == "INLINE":
        assert names == ["parent", "parent"] and inputs == [{"items": items}] * 2
    else:
        assert len(set(names)) == 2 and "parent" not in names and inputs == items


def test_fields_the_runner_does_not_implement_are_refused_not_ignored() -> None:
    defn = distributed(ItemBatcher={"MaxItemsPerBatch": 2})
    record = map_record(run(defn, Shards(), manifest_store(2)))
    assert record.error == "States.Runtime" and "ItemBatcher" in record.cause


@pytest.mark.parametrize(
    ("percentage", "count", "failed", "total", "exceeded"),
    [
        (None, None, 0, 10, False),
        (None, None, 1, 10, True),
        (10, None, 1, 10, False),
        (10, None, 2, 10, True),
        (None, 2, 2, 10, False),
        (None, 2, 3, 10, True),
        (50, 1, 2, 10, True),  # either limit exceeded fails the run
    ],
)
def test_tolerance(percentage, count, failed: int, total: int, exceeded: bool) -> None:
    assert Tolerance(percentage, count).exceeded(failed, total) is exceeded


# --- validation and iteration -------------------------------------------------------


def test_valid_map_definitions_pass_and_their_tasks_are_found() -> None:
    validate(distributed(ToleratedFailurePercentage=5, ResultWriter=WRITER, MaxConcurrency=4))
    paths = [path for path, _, _ in iter_states(distributed())]
    assert paths == ["ScoreShards", "ScoreShards/*/Score", "Done", "Failed"]
    with pytest.raises(ValueError, match=r"no callable for task\(s\): score"):
        LocalRunner(distributed(), {})


def _mutated(**fields: Any) -> dict:
    defn = distributed()
    defn["States"]["ScoreShards"].update(fields)
    return defn


def _inline(**fields: Any) -> dict:
    return with_map({"ItemsPath": "$.x", "ItemProcessor": processor("INLINE"), **fields})


def _outer_target() -> dict:
    defn = distributed()
    defn["States"]["ScoreShards"]["ItemProcessor"]["States"]["Score"] = {
        "Type": "Task",
        "Resource": lam("score"),
        "Next": "Done",  # a state of the parent machine: out of the item processor's scope
    }
    return defn


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (with_map({}), "ScoreShards: Map state needs an ItemProcessor"),
        (_outer_target(), "ScoreShards/*/Score: target 'Done' is not a state"),
        (
            _mutated(ItemProcessor={**processor(), "ProcessorConfig": {"Mode": "DISTRIBUTED"}}),
            "ScoreShards: a DISTRIBUTED Map needs ProcessorConfig.ExecutionType",
        ),
        (_inline(ItemReader=READER), "ScoreShards: ItemReader needs ProcessorConfig.Mode"),
        (_mutated(ToleratedFailurePercentage=150), "ToleratedFailurePercentage must be"),
        (_mutated(ToleratedFailureCount=-1), "ToleratedFailureCount must be"),
        (_mutated(MaxConcurrency=1.5), "MaxConcurrency must be an integer"),
        (_mutated(ResultWriter={"Resource": "arn:aws:states:::sns:publish"}), "ResultWriter needs"),
        (_mutated(ItemsPath="$.x"), "ItemsPath cannot be used with an ItemReader"),
    ],
)
def test_validate_names_the_broken_map(definition: dict, message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        validate(definition)
    assert any(message in problem for problem in info.value.problems), info.value.problems
