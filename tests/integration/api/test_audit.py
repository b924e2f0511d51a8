"""The audit trail: every live prediction, buffered off the request path, never the key."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from fastapi.testclient import TestClient

from engage import bootstrap, lake
from engage.adapters.store.local import LocalObjectStore
from engage.api import records
from engage.api.app import create_app
from engage.api.state import build_state
from engage.audit import AuditLog, AuditRecord, BufferedAudit, customer_entries, erase_customer
from engage.contract import MODEL_INPUTS
from engage.settings import Settings


def test_live_predictions_are_audited_with_key_id_and_input_hash(
    world, keys, tmp_path, live
) -> None:
    lake_dir = world.copy_lake(tmp_path / "lake")
    state = build_state(world.settings(tmp_path, lake=str(lake_dir)))
    body = live("CUST_0000008")
    with TestClient(create_app(state=state, background=False)) as c:
        c.post("/predict", json=body, headers=keys.h())  # computed
        c.post("/predict", json=body, headers=keys.h())  # from the cache: audited too
        c.post("/predict", json={"customer_id": "CUST_0000008"}, headers=keys.h())  # batch: not
        assert state.audit.pending == 10  # buffered, not written on the request path
    table = AuditLog(bootstrap.object_store(state.settings)).read()  # flushed at shutdown
    everything = table.to_pylist()
    rows = [r for r in everything if r["source"] == "api"]  # batch inference logs too
    assert len(rows) == 10
    assert {r["model_name"] for r in rows} == set(records.MODEL_NAMES)
    assert {r["key_id"] for r in rows} == {keys.reader_id}
    assert all(r["source"] == "api" and r["model_version"] == "v1" for r in rows)
    assert {r["input_hash"] for r in rows} == {records.input_hash(body["features"])}
    # The hash is the one DuckDB gives the Arrow row (to_json of the sorted inputs).
    inputs = bootstrap.object_store(state.settings).read_parquet(lake.PROCESSED_INFERENCE)
    inputs = inputs.filter(pc.equal(inputs["customer_id"], "CUST_0000008"))
    fields = ", ".join(f'"{n}" := "{n}"' for n in sorted(MODEL_INPUTS))
    with duckdb.connect() as con:
        con.register("inputs", inputs)
        sql = f"SELECT sha256(CAST(to_json(struct_pack({fields})) AS VARCHAR)) FROM inputs"
        assert con.sql(sql).fetchall()[0][0] == records.input_hash(body["features"])
    engagement = next(r for r in rows if r["model_name"] == "engagement")
    outputs = json.loads(engagement["outputs"])
    assert set(outputs) == {"engagement_score", "engagement_category"}
    assert len(json.loads(engagement["top_features"])) == 5
    raw = b"".join(p.read_bytes() for p in (lake_dir / lake.AUDIT).rglob("*.parquet"))
    assert keys.reader.encode() not in raw and keys.reader.rsplit("_", 1)[1].encode() not in raw


def test_append_many_and_columns_write_one_file_per_call(tmp_path) -> None:
    store = LocalObjectStore(tmp_path / "lake")
    log = AuditLog(store)
    recs = [
        AuditRecord("batch", f"C{i}", "churn", "v3", "h" * 64, '{"p": 0.1}', None)
        for i in range(1000)
    ]
    assert log.append_many(recs) == 1000
    n = log.append_columns(
        {"source": "batch", "customer_id": pa.array(["A", "B"]), "model_name": ["ltv", "ltv"],
         "model_version": ["v1", "v1"], "input_hash": ["x", "y"], "outputs": ["{}", "{}"]}
    )  # fmt: skip
    assert n == 2 and log.append_many([]) == 0
    assert len([k for k in store.list(lake.AUDIT) if k.endswith(".parquet")]) == 2
    table = log.read()
    assert table.num_rows == 1002 and table.column("override").null_count == 1002
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert set(table.column("date").to_pylist()) == {today}
    with pytest.raises(ValueError, match="source"):
        log.append_many([AuditRecord("web", "C", "m", "v", "h", "{}")])


def test_buffer_flushes_in_batches_and_keeps_records_when_a_write_fails(tmp_path) -> None:
    class Flaky(AuditLog):
        fail = True

        def append_many(self, records):
            if self.fail:
                raise OSError("disk full")
            return super().append_many(records)

    log = Flaky(LocalObjectStore(tmp_path / "lake"))
    buffer = BufferedAudit(log, flush_records=3, flush_seconds=60)
    buffer.add([AuditRecord("api", "C1", "ltv", "v1", "h", "{}")] * 2)
    assert buffer.flush() == 0 and buffer.pending == 2 and "disk full" in buffer.last_error
    log.fail = False
    buffer.start()
    buffer.add([AuditRecord("api", "C2", "ltv", "v1", "h", "{}")])  # reaches 3: wakes the flusher
    buffer.close()
    assert buffer.pending == 0 and buffer.written == 3 and log.read().num_rows == 3


def test_erasure_and_export_hooks(tmp_path) -> None:
    settings = Settings(lake=str(tmp_path / "lake"))
    store = bootstrap.object_store(settings)
    log = AuditLog(store)
    log.append_many([AuditRecord("api", c, "ltv", "v1", "h", "{}") for c in ("A", "B", "A")])
    log.append_many([AuditRecord("batch", "A", "churn", "v1", "h", "{}")])
    assert len(customer_entries(store, "A")) == 3
    assert erase_customer(store, "A") == 3
    assert customer_entries(store, "A") == [] and log.read().num_rows == 1


def test_a_customers_trail_reads_only_their_bucket_and_old_files(tmp_path, monkeypatch) -> None:
    """Large writes split per customer bucket; lookups and erasure open only the files
    whose name's bitmap holds the customer's bucket, plus files without a bitmap."""
    import engage.audit as audit

    monkeypatch.setattr(audit, "SPLIT_ROWS", 10)
    store = LocalObjectStore(tmp_path / "lake")
    log = AuditLog(store)
    ids = [f"C{i}" for i in range(200)]
    log.append_many([AuditRecord("batch", c, "churn", "v1", "h", "{}") for c in ids])
    files = audit._files(store)
    assert len(files) == len({audit.bucket(c) for c in ids}) > 1  # one file per bucket
    legacy = pa.Table.from_pylist(
        [{"timestamp": datetime(2020, 1, 1, tzinfo=UTC), "source": "api", "customer_id": "C7",
          "model_name": "ltv", "model_version": "v0", "input_hash": "h", "outputs": "{}"}],
        schema=audit.SCHEMA,
    )  # fmt: skip
    store.write_parquet(lake.audit_key("2020-01-01", "api-old.parquet"), legacy)
    opened: list[str] = []
    real = store.read_parquet
    monkeypatch.setattr(store, "read_parquet", lambda k: opened.append(k) or real(k))
    entries = customer_entries(store, "C7")
    assert [e["model_version"] for e in entries] == ["v0", "v1"]  # legacy first (older)
    assert len(opened) == 2 and any(k.endswith("api-old.parquet") for k in opened)
    assert erase_customer(store, "C7") == 2 and customer_entries(store, "C7") == []
    assert log.read().num_rows == 199 and len(customer_entries(store, "C8")) == 1
