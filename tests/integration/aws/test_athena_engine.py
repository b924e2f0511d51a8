"""The Athena engine: statements parse as Athena SQL; its API calls run against moto.

moto accepts Athena queries without executing them (results are configured through
its /moto-api), so these tests check the calls, the Glue registrations and the result
decoding; the SQL itself is checked by parsing it with sqlglot's Athena dialect.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import boto3
import pyarrow as pa
import pytest
import sqlglot

from engage import bootstrap, lake
from engage.adapters.sql.athena import AthenaEngine
from engage.settings import Settings

SQL_DIR = bootstrap.SQL_DIR
FILES = sorted(p.relative_to(SQL_DIR).with_suffix("").as_posix() for p in SQL_DIR.rglob("*.sql"))
PARAMS = {"run_id": "run_1", "model_version": "v1"}


@pytest.fixture
def engine(bucket: str, aws_env: str) -> AthenaEngine:
    workgroup = f"wg-{bucket}"  # the moto server is shared by the whole session
    boto3.client("athena", region_name="us-east-1", endpoint_url=aws_env).create_work_group(
        Name=workgroup
    )
    settings = Settings(
        lake=f"s3://{bucket}/lake",
        s3_endpoint_url=aws_env,
        sql_engine="athena",
        athena_workgroup=workgroup,
    )
    engine = bootstrap.sql_engine(settings)
    assert isinstance(engine, AthenaEngine)
    engine.poll_seconds = 0.01
    engine.ensure_databases()
    return engine


def _params(name: str) -> dict:
    text = (SQL_DIR / f"{name}.sql").read_text()
    return {k: v for k, v in PARAMS.items() if f":{k}" in text}


@pytest.mark.parametrize("name", FILES)
def test_generated_statements_parse_as_athena(engine: AthenaEngine, name: str) -> None:
    for statement in engine.statements(name, _params(name)):
        parsed = sqlglot.parse_one(statement, read="athena")
        assert parsed is not None
        if statement.startswith("CREATE TABLE"):
            assert "format = 'PARQUET'" in statement
            assert f"external_location = '{engine.store.uri('')}" in statement
            partitions = lake.table_location(name.replace("/", ".")).partitioned_by
            assert ("partitioned_by = ARRAY[" in statement) == bool(partitions)


def test_run_every_file_against_moto(engine: AthenaEngine) -> None:
    for name in FILES:
        summary = engine.run_file(name, _params(name))
        assert summary["table"] == name.replace("/", ".")
    athena = engine.athena
    executions = athena.list_query_executions(WorkGroup=engine.workgroup)
    assert len(executions["QueryExecutionIds"]) >= len(FILES)


def test_register_parquet_writes_glue_tables_and_partitions(engine: AthenaEngine) -> None:
    table = pa.table({"customer_id": ["a", "b"], "score": [0.5, 0.7], "run_id": ["r1", "r2"]})
    engine.store.write_parquet("results/scores", table, partition_cols=["run_id"])
    engine.register_parquet("engagement_predictions.scores", "results/scores", hive=True)
    assert "engagement_predictions.scores" in engine.tables()
    glue = engine.glue
    found = glue.get_table(DatabaseName="engagement_predictions", Name="scores")["Table"]
    columns = {c["Name"]: c["Type"] for c in found["StorageDescriptor"]["Columns"]}
    assert columns == {"customer_id": "string", "score": "double"}
    assert [k["Name"] for k in found["PartitionKeys"]] == ["run_id"]
    parts = glue.get_partitions(DatabaseName="engagement_predictions", TableName="scores")
    assert sorted(p["Values"][0] for p in parts["Partitions"]) == ["r1", "r2"]
    engine.register_parquet("engagement_predictions.scores", "results/scores", hive=False)
    assert engine.drop_table("engagement_predictions.scores")
    assert not engine.drop_table("engagement_predictions.scores")


def test_query_decodes_athena_results(engine: AthenaEngine, aws_env: str) -> None:
    rows = [
        {"Data": [{"VarCharValue": "customer_id"}, {"VarCharValue": "n"}]},
        {"Data": [{"VarCharValue": "c1"}, {"VarCharValue": "3"}]},
    ]
    columns = [{"Name": "customer_id", "Type": "varchar"}, {"Name": "n", "Type": "bigint"}]
    body = {
        "account_id": "123456789012",
        "region": "us-east-1",
        "results": [{"rows": rows, "column_info": columns}],
    }
    request = urllib.request.Request(
        f"{aws_env}/moto-api/static/athena/query-results",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=5).read()  # loopback moto server
    got = engine.query("SELECT customer_id, count(*) AS n FROM engagement_raw.customers GROUP BY 1")
    assert got.to_pylist() == [{"customer_id": "c1", "n": 3}]


def test_athena_engine_needs_an_s3_lake(tmp_path: Path) -> None:
    from engage.ports import SqlError

    with pytest.raises(SqlError, match="s3://"):
        bootstrap.sql_engine(Settings(lake=str(tmp_path), sql_engine="athena"))
