"""The parts of a `Map` state that do not walk states: items in, tolerance, results out.

A Map runs its `ItemProcessor` once per item. In INLINE mode the items come from
`ItemsPath` and the first failed item fails the Map. In DISTRIBUTED mode each item
is a child execution: items may come from an `ItemReader` (a JSON array in the
object store, `arn:aws:states:::s3:getObject`), some failures may be tolerated
(`ToleratedFailurePercentage` / `ToleratedFailureCount`, else the Map fails with
`States.ExceedToleratedFailureThreshold`), and a `ResultWriter` writes the child
executions' outcomes plus a `manifest.json` to the store, as AWS does, returning
only where they are. The engine (`Engine._map`) runs the items; this module holds
the data rules so they read in one place.

Object-store keys: on an S3 lake an S3 `Bucket` + `Key` is the lake key under the
lake's prefix (objects outside the lake are refused); on any other lake it is
`<Bucket>/<Key>`, the mapping `engage.lake` uses (bucket = the key's first segment).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engage.pipeline.errors import StatesError, runtime_error
from engage.pipeline.intrinsics import resolve_template
from engage.pipeline.paths import get_path
from engage.ports import ObjectStore

INLINE = "INLINE"
DISTRIBUTED = "DISTRIBUTED"
EXCEED_TOLERATED = "States.ExceedToleratedFailureThreshold"
ITEM_READER_RESOURCE = "arn:aws:states:::s3:getObject"
RESULT_WRITER_RESOURCE = "arn:aws:states:::s3:putObject"
# Fields the local runner does not implement: refused at run time rather than ignored
UNSUPPORTED = (
    "ItemBatcher",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
)
UNLIMITED_WORKERS = 40  # MaxConcurrency 0 ("no limit"): AWS runs inline Maps 40 at a time


def processor(state: Mapping[str, Any]) -> Mapping[str, Any]:
    """The item processor (sub-machine) of a Map; `Iterator` is its legacy name."""
    return state.get("ItemProcessor") or state.get("Iterator") or {}


def mode(state: Mapping[str, Any]) -> str:
    """INLINE (the default) or DISTRIBUTED."""
    return str((processor(state).get("ProcessorConfig") or {}).get("Mode", INLINE))


def workers(state: Mapping[str, Any], items: int, cap: int | None = None) -> int:
    """Threads to run the items with: MaxConcurrency, 0 meaning unlimited (capped locally),
    and at most `cap` (the machine's own limit: AWS runs many tasks, a laptop few)."""
    limit = int(state.get("MaxConcurrency", 0)) or UNLIMITED_WORKERS
    return max(1, min(limit, items, cap or limit))


def _lake_root(store: ObjectStore | None) -> tuple[str, str] | None:
    """(bucket, prefix) of an S3 lake, None for any other lake."""
    root = store.uri("") if store is not None else ""
    if not root.startswith("s3://"):
        return None
    bucket, _, prefix = root[len("s3://") :].partition("/")
    return bucket, prefix


def object_key(bucket: str, key: str, store: ObjectStore | None = None) -> str:
    """The lake key of an S3 object (see the module docstring)."""
    root = _lake_root(store)
    if root is None:
        return f"{bucket.strip('/')}/{key.lstrip('/')}"
    if bucket == root[0] and key.startswith(root[1]):
        return key[len(root[1]) :]
    raise runtime_error(f"s3://{bucket}/{key} is outside the lake s3://{root[0]}/{root[1]}")


def s3_location(store: ObjectStore, key: str) -> dict[str, str]:
    """Bucket/Key of a lake key as Step Functions addresses it: `object_key` reversed."""
    root = _lake_root(store)
    if root is None:
        bucket, _, path = key.partition("/")
        return {"Bucket": bucket, "Key": path}
    return {"Bucket": root[0], "Key": root[1] + key}


def _need_store(store: ObjectStore | None, what: str) -> ObjectStore:
    if store is None:
        raise runtime_error(f"{what} needs an object store: pass store= to LocalRunner")
    return store


def read_items(
    state: Mapping[str, Any], effective: Any, ctx: Mapping[str, Any], store: ObjectStore | None
) -> list[Any]:
    """The items to iterate: from the ItemReader's JSON object, else at ItemsPath."""
    unsupported = [key for key in UNSUPPORTED if key in state]
    if unsupported:
        raise runtime_error(f"Map field(s) {', '.join(unsupported)} not supported locally")
    reader = state.get("ItemReader")
    if reader is None:
        items = get_path(effective, state.get("ItemsPath", "$"), ctx)
        where = f"ItemsPath {state.get('ItemsPath', '$')!r}"
    else:
        items, where = _read_manifest(reader, effective, ctx, _need_store(store, "ItemReader"))
    if not isinstance(items, list):
        raise runtime_error(
            f"Map items at {where} must be a JSON array, got {type(items).__name__}"
        )
    limit = (reader or {}).get("ReaderConfig", {}).get("MaxItems")
    return items[: int(limit)] if limit else items


def _read_manifest(
    reader: Mapping[str, Any], effective: Any, ctx: Mapping[str, Any], store: ObjectStore
) -> tuple[Any, str]:
    if reader.get("Resource") != ITEM_READER_RESOURCE:
        raise runtime_error(f"ItemReader Resource {reader.get('Resource')!r} is not supported")
    input_type = (reader.get("ReaderConfig") or {}).get("InputType", "JSON")
    if input_type != "JSON":
        raise runtime_error(f"ItemReader InputType {input_type!r} is not supported (only JSON)")
    args = resolve_template(
        reader.get("Parameters") or reader.get("Arguments") or {}, effective, ctx
    )
    key = object_key(str(args.get("Bucket", "")), str(args.get("Key", "")), store)
    try:
        raw = store.get_bytes(key)
    except FileNotFoundError as exc:
        raise StatesError("States.ItemReaderFailed", f"no item manifest at {key}") from exc
    try:
        return json.loads(raw), key
    except ValueError as exc:
        raise StatesError("States.ItemReaderFailed", f"{key} is not JSON: {exc}") from exc


def item_input(
    state: Mapping[str, Any], effective: Any, ctx: Mapping[str, Any], index: int, item: Any
) -> Any:
    """One item's input: the item, or the ItemSelector (legacy: Parameters) resolved for it."""
    selector = state.get("ItemSelector", state.get("Parameters"))
    if selector is None:
        return item
    item_ctx = {**ctx, "Map": {"Item": {"Index": index, "Value": item}}}
    return resolve_template(selector, effective, item_ctx)


@dataclass(frozen=True)
class Tolerance:
    """How many failed items a distributed Map survives.

    AWS: with neither limit set nothing is tolerated; with both set, exceeding
    either fails the Map Run.
    """

    percentage: float | None = None
    count: int | None = None

    @classmethod
    def of(cls, state: Mapping[str, Any]) -> Tolerance:
        """Read the state's limits; an INLINE Map tolerates nothing."""
        if mode(state) != DISTRIBUTED:
            return cls()
        share, count = state.get("ToleratedFailurePercentage"), state.get("ToleratedFailureCount")
        return cls(None if share is None else float(share), None if count is None else int(count))

    def exceeded(self, failed: int, total: int) -> bool:
        """Whether `failed` of `total` items is more than tolerated."""
        if self.percentage is None and self.count is None:
            return failed > 0
        over_count = self.count is not None and failed > self.count
        over_share = self.percentage is not None and failed * 100.0 > self.percentage * total
        return over_count or over_share


def child_name(map_run_arn: str, index: int) -> str:
    """Execution name of a distributed item's child execution (unique per Map Run)."""
    return f"{map_run_arn.rsplit(':', 1)[-1]}-{index}"


def child_arn(map_run_arn: str, index: int) -> str:
    """Execution ARN of a distributed item's child execution."""
    head = map_run_arn.replace(":mapRun:", ":execution:").rsplit(":", 1)[0]
    return f"{head}:{child_name(map_run_arn, index)}"


@dataclass
class ItemOutcome:
    """One item's child execution, as a ResultWriter file lists it."""

    index: int
    input: Any
    start: datetime
    stop: datetime | None = None
    output: Any = None
    error: StatesError | None = None

    @property
    def status(self) -> str:
        """SUCCEEDED or FAILED."""
        return "FAILED" if self.error is not None else "SUCCEEDED"

    def to_entry(self, map_run_arn: str) -> dict[str, Any]:
        """The child execution's entry in SUCCEEDED_0.json / FAILED_0.json (AWS field names)."""
        entry: dict[str, Any] = {
            "ExecutionArn": child_arn(map_run_arn, self.index),
            "Name": child_name(map_run_arn, self.index),
            "Input": json.dumps(self.input),
            "InputDetails": {"Included": True},
            "StartDate": self.start.isoformat(),
            "StopDate": self.stop.isoformat() if self.stop else None,
            "Status": self.status,
        }
        if self.error is None:
            entry.update(Output=json.dumps(self.output), OutputDetails={"Included": True})
        else:
            entry.update(Error=self.error.error, Cause=self.error.cause)
        return entry


def result_list(outcomes: Sequence[ItemOutcome]) -> list[Any]:
    """The Map's result without a ResultWriter: outputs in item order (errors for failures)."""
    return [o.error.to_output() if o.error else o.output for o in outcomes]


def write_results(
    state: Mapping[str, Any],
    effective: Any,
    ctx: Mapping[str, Any],
    store: ObjectStore | None,
    map_run_arn: str,
    outcomes: Sequence[ItemOutcome],
) -> dict[str, Any]:
    """Write SUCCEEDED_0.json / FAILED_0.json and manifest.json; return the Map's result.

    Layout as in AWS: `<Prefix>/<map run id>/manifest.json` listing the result
    files; the Map's own result is `{MapRunArn, ResultWriterDetails: {Bucket, Key}}`.
    """
    writer = state["ResultWriter"]
    if writer.get("Resource") != RESULT_WRITER_RESOURCE:
        raise runtime_error(f"ResultWriter Resource {writer.get('Resource')!r} is not supported")
    target = _need_store(store, "ResultWriter")
    args = resolve_template(
        writer.get("Parameters") or writer.get("Arguments") or {}, effective, ctx
    )
    bucket, prefix = str(args.get("Bucket", "")), str(args.get("Prefix", "")).strip("/")
    run_id = map_run_arn.rsplit(":", 1)[-1]
    folder = f"{prefix}/{run_id}" if prefix else run_id
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for status in ("SUCCEEDED", "FAILED"):
        entries = [o.to_entry(map_run_arn) for o in outcomes if o.status == status]
        if not entries:
            continue
        key = f"{folder}/{status}_0.json"
        data = json.dumps(entries, indent=1).encode("utf-8")
        target.put_bytes(object_key(bucket, key, target), data)
        files[status].append({"Key": key, "Size": len(data)})
    manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
    manifest_key = f"{folder}/manifest.json"
    manifest_data = json.dumps(manifest, indent=1).encode()
    target.put_bytes(object_key(bucket, manifest_key, target), manifest_data)
    return {
        "MapRunArn": map_run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key},
    }
