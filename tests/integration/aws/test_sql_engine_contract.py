"""One SqlEngine contract, run against both engines: DuckDB, and Athena.

What a stage may rely on from `run_file` and `query` (summary keys incl. `rows`,
result types, NULLs, bound parameters, refusal of writes) is asserted once, for
both. The Athena side runs the real AthenaEngine with Glue and S3 on moto; its
Athena client is `RecordedAthena`, which answers StartQueryExecution /
GetQueryExecution / GetQueryResults exactly as Athena shapes them (a header row
first, every value a `VarCharValue` string, NULL as an empty Datum, Athena's
type names in ColumnInfo, pages of at most 1000 rows with NextToken), the rows
being what DuckDB computes for the Athena SQL the engine sent (transpiled the
way the DuckDB engine does). moto's own Athena runs no SQL, so this is where
the shape of real responses is exercised (the stages' `result["rows"]` bug was
one the old suite could not see).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

boto3 = pytest.importorskip("boto3")

from engage.adapters.sql import athena_to_duckdb as tr  # noqa: E402
from engage.adapters.sql.athena import AthenaEngine  # noqa: E402
from engage.adapters.sql.duckdb_engine import DuckDbEngine  # noqa: E402
from engage.adapters.store.local import LocalObjectStore  # noqa: E402
from engage.adapters.store.s3 import S3ObjectStore  # noqa: E402
from engage.ports import SqlError  # noqa: E402

SOURCE = "engagement_raw.customers"
CTAS = "engagement_qa/human_review"
ROWS = 2500  # more than one GetQueryResults page
# DuckDB's result types -> the names Athena puts in ColumnInfo (count_if is bigint there)
_ATHENA_TYPES = {"BIGINT": "bigint", "HUGEINT": "bigint", "INTEGER": "integer",
                 "DOUBLE": "double", "BOOLEAN": "boolean", "VARCHAR": "varchar"}  # fmt: skip


def _customers() -> pa.Table:
    n = ROWS
    return pa.table({
        "customer_id": [f"C{i:06d}" for i in range(n)],
        "age": pa.array([20 + i % 50 for i in range(n)], pa.int64()),
        "score": [None if i % 97 == 0 else i / 10 for i in range(n)],
        "active": [i % 3 == 0 for i in range(n)],
        "run_id": ["r1" if i % 2 else "r2" for i in range(n)],
    })  # fmt: skip


class RecordedAthena:
    """An Athena client whose responses have GetQueryResults' exact shape."""

    def __init__(self, glue: Any) -> None:
        self.db, self.glue = duckdb.connect(), glue
        self.results: dict[str, tuple[list[tuple[str, str]], list[tuple]]] = {}
        self.sent: list[str] = []

    def load(self, name: str, table: pa.Table) -> None:
        schema, rel = name.split(".")
        self.db.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        self.db.register("_incoming", table)
        self.db.execute(f"CREATE OR REPLACE TABLE {schema}.{rel} AS SELECT * FROM _incoming")
        self.db.unregister("_incoming")

    def start_query_execution(self, QueryString: str, **_: Any) -> dict[str, str]:
        self.sent.append(QueryString)
        tree = tr.parse_one(QueryString)
        query_id = uuid.uuid4().hex
        if tree.key == "create":  # CTAS: materialise the SELECT, Athena returns no rows
            name = tree.this.sql()
            self.db.execute(f"CREATE SCHEMA IF NOT EXISTS {name.split('.')[0]}")
            self.db.execute(f"CREATE OR REPLACE TABLE {name} AS {tr.to_duckdb(tree.expression)}")
            self._register(name)  # Athena's CTAS registers the new table in Glue
            self.results[query_id] = ([], [])
            return {"QueryExecutionId": query_id}
        rel = self.db.sql(tr.to_duckdb(tree))
        cols = [
            (c, _ATHENA_TYPES.get(str(t).upper(), "varchar"))
            for c, t in zip(rel.columns, rel.types, strict=True)
        ]
        self.results[query_id] = (cols, rel.fetchall())
        return {"QueryExecutionId": query_id}

    def _register(self, name: str) -> None:
        rel = self.db.sql(f"SELECT * FROM {name} LIMIT 0")
        columns = [{"Name": c, "Type": _ATHENA_TYPES.get(str(t).upper(), "string")}
                   for c, t in zip(rel.columns, rel.types, strict=True)]  # fmt: skip
        schema, table = name.split(".")
        self.glue.create_table(
            DatabaseName=schema,
            TableInput={"Name": table, "StorageDescriptor": {"Columns": columns}},
        )

    def get_query_execution(self, QueryExecutionId: str) -> dict:
        return {"QueryExecution": {"QueryExecutionId": QueryExecutionId,
                                   "Status": {"State": "SUCCEEDED"}}}  # fmt: skip

    def get_paginator(self, operation: str) -> Any:
        assert operation == "get_query_results"
        return self

    def paginate(self, QueryExecutionId: str) -> list[dict]:
        columns, rows = self.results[QueryExecutionId]
        header = {"Data": [{"VarCharValue": c} for c, _ in columns]}
        body = [{"Data": [_datum(v) for v in row]} for row in rows]
        records = [header, *body]
        info = [{"Name": c, "Label": c, "Type": t, "Nullable": "UNKNOWN"} for c, t in columns]
        pages = [records[i : i + 1000] for i in range(0, len(records), 1000)] or [[]]
        return [
            {"ResultSet": {"Rows": page, "ResultSetMetadata": {"ColumnInfo": info}},
             **({"NextToken": f"t{i}"} if i < len(pages) - 1 else {})}
            for i, page in enumerate(pages)
        ]  # fmt: skip

    def stop_query_execution(self, QueryExecutionId: str) -> None:
        """Nothing to stop: every query here finishes at once."""


def _datum(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"VarCharValue": "true" if value else "false"}
    return {"VarCharValue": str(value)}


def _sql_dir(tmp: Path) -> Path:
    folder = tmp / "sql" / "engagement_qa"
    folder.mkdir(parents=True)
    (folder / "human_review.sql").write_text(
        "CREATE TABLE engagement_qa.human_review AS\n"
        f"SELECT customer_id, score, run_id FROM {SOURCE} WHERE run_id = :run_id AND active\n"
    )
    return tmp / "sql"


@pytest.fixture(params=["duckdb", "athena"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    data = _customers()
    if request.param == "duckdb":
        store = LocalObjectStore(tmp_path / "lake")
        store.write_parquet("engagement-data/raw/customers/part-0.parquet", data)
        eng = DuckDbEngine(store, tmp_path / "catalog.duckdb", _sql_dir(tmp_path))
        eng.register_parquet(SOURCE, "engagement-data/raw/customers/")
        yield eng
        eng.close()
        return
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="contract")
        glue = boto3.client("glue", region_name="us-east-1")
        for schema in ("engagement_raw", "engagement_qa"):
            glue.create_database(DatabaseInput={"Name": schema})
        store = S3ObjectStore("contract", "lake", client=s3)
        sink = pa.BufferOutputStream()
        pq.write_table(data, sink)
        store.put_bytes(
            "engagement-data/raw/customers/part-0.parquet", sink.getvalue().to_pybytes()
        )
        athena = RecordedAthena(glue)
        athena.load(SOURCE, data)
        eng = AthenaEngine(store, athena, glue, _sql_dir(tmp_path), workgroup="wg",
                           output_location="s3://contract/_athena/", poll_seconds=0)  # fmt: skip
        eng.register_parquet(SOURCE, "engagement-data/raw/customers/")
        yield eng


def test_ctas_summary_reports_table_kind_columns_and_rows(engine: Any) -> None:
    result = engine.run_file(CTAS, {"run_id": "r1"})
    expected = sum(1 for i in range(ROWS) if i % 2 and i % 3 == 0)
    assert (result["table"], result["kind"]) == ("engagement_qa.human_review", "ctas")
    assert result["rows"] == expected
    assert "location" in result and result["columns"][:1] == ["customer_id"]


def test_query_types_nulls_and_all_pages(engine: Any) -> None:
    table = engine.query(
        f"SELECT customer_id, age, score, active FROM {SOURCE} ORDER BY customer_id"
    )
    assert table.num_rows == ROWS
    assert table.schema.field("age").type in (pa.int64(), pa.int32())
    assert table.schema.field("score").type == pa.float64()
    assert table.schema.field("active").type == pa.bool_()
    assert table.column("score").null_count == len(range(0, ROWS, 97))
    assert table.column("customer_id")[ROWS - 1].as_py() == f"C{ROWS - 1:06d}"


def test_query_binds_named_parameters(engine: Any) -> None:
    rows = engine.query(
        f"SELECT count(*) AS n, count_if(active) AS a FROM {SOURCE} WHERE run_id = :run_id",
        {"run_id": "r2"},
    ).to_pylist()
    assert rows == [{"n": ROWS // 2, "a": sum(1 for i in range(0, ROWS, 2) if i % 3 == 0)}]


def test_writes_are_refused_by_query(engine: Any) -> None:
    with pytest.raises(SqlError):
        engine.query(f"DELETE FROM {SOURCE}")


def test_tables_lists_registered_tables(engine: Any) -> None:
    assert SOURCE in engine.tables()
