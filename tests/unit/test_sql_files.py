"""The SQL files: one Athena statement each, named after its table, contract-driven."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from engage import bootstrap, contract, lake
from engage.adapters.sql import athena_to_duckdb as tr
from engage.adapters.sql.ddl import customers_ddl, external_table_ddl

SQL_DIR = bootstrap.SQL_DIR
FILES = sorted(SQL_DIR.rglob("*.sql"))


def _statement(name: str) -> exp.Expression:
    return sqlglot.parse_one((SQL_DIR / name).read_text(), read="athena")


def _select_names(name: str) -> list[str]:
    return [e.alias_or_name for e in _statement(name).expression.expressions]


def test_sql_files_exist() -> None:
    names = {f.relative_to(SQL_DIR).as_posix() for f in FILES}
    assert {
        "engagement_raw/customers.sql",
        "engagement_raw/training_data.sql",
        "engagement_raw/test_data.sql",
        "engagement_raw/inference_input.sql",
        "engagement_qa/human_review.sql",
        "engagement_analytics/final_results.sql",
        "engagement_analytics/high_value_customers.sql",
        "engagement_analytics/at_risk_customers.sql",
        "engagement_analytics/model_performance.sql",
    } <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(SQL_DIR).as_posix())
def test_one_athena_statement_named_after_its_table(path: Path) -> None:
    statements = [s for s in sqlglot.parse(path.read_text(), read="athena") if s is not None]
    assert len(statements) == 1
    stmt = tr.classify(statements[0], path.name)  # also refuses WITH (...) properties
    assert stmt.table == f"{path.parent.name}.{path.stem}"
    if stmt.kind == "view":
        assert stmt.table in lake.VIEWS
    else:
        assert stmt.table in lake.TABLES


def test_customers_ddl_is_generated_from_the_contract() -> None:
    assert (SQL_DIR / "engagement_raw/customers.sql").read_text() == customers_ddl()
    cols = _statement("engagement_raw/customers.sql").this.expressions
    assert [c.name for c in cols] == contract.CUSTOMERS.names
    assert len(cols) == 49


def test_external_table_ddl_types() -> None:
    ddl = external_table_ddl(contract.CUSTOMER_PII, "engagement_raw.pii", "s3://b/pii/")
    assert "customer_id STRING" in ddl and ddl.rstrip().endswith("LOCATION 's3://b/pii/'")
    assert "STORED AS PARQUET" in ddl


def test_inference_input_is_every_model_input_and_no_target() -> None:
    names = _select_names("engagement_raw/inference_input.sql")
    assert names == ["customer_id", *contract.MODEL_INPUTS]
    assert not set(names) & set(contract.TARGETS)


def test_final_results_columns_follow_the_contract() -> None:
    names = _select_names("engagement_analytics/final_results.sql")
    renamed = [f"actual_{c}" if c in contract.TARGETS else c for c in contract.CUSTOMERS.names]
    assert set(renamed) <= set(names)
    assert names[-2:] == ["location", "account_type"]  # Athena: partition columns last
    assert "actual_engagement_score" in names and "engagement_score" not in names


def test_no_metric_is_typed_in() -> None:
    stmt = _statement("engagement_analytics/final_results.sql")
    for alias in stmt.find_all(exp.Alias):
        if alias.alias in ("model_r2_score", "model_rmse"):
            assert not isinstance(alias.this, exp.Literal)
    for select in stmt.expression.expressions:
        if select.alias_or_name in ("model_r2_score", "model_rmse"):
            assert isinstance(select, exp.Column) and select.table == "m"
