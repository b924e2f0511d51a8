"""The SentimentScoring stage: consent respected, texts kept restricted, graded, decided."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from engage import lake
from engage.analytics.sentiment import ALERT_THRESHOLD
from engage.contract import outputs
from engage.data import generate
from engage.lake import TableName
from engage.settings import Settings
from engage.stages import sentiment
from engage.stages.errors import DataValidationError
from engage.stages.services import Services
from fakes import FakeEngine, MemoryStore

N = 1_500


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sentiment") / "data"
    generate(N, 11, out, formats=("parquet",))
    return out


@pytest.fixture
def services(tmp_path: Path, source: Path) -> Services:
    store = MemoryStore()
    customers = pq.read_table(source / "customers.parquet")
    admitted = customers.slice(0, N - 1)  # the last customer was erased: not admitted
    store.write_parquet(lake.RAW_CUSTOMERS_FILE, admitted)
    store.write_parquet(lake.PROCESSED_TRAINING + "part-0.parquet", admitted.slice(0, 1_200))
    return Services(settings=Settings(lake=str(tmp_path / "lake")), store=store, _sql=FakeEngine())


def _run(services: Services, folder: Path) -> dict:
    return sentiment.run({"run_id": "r1", "source": str(folder)}, services)


def test_scores_only_consenting_admitted_customers_and_keeps_text_restricted(
    services, source
) -> None:
    out = _run(services, source)
    assert out["sentiment_status"] == "success"
    raw = pq.read_table(source / "customer_messages.parquet")
    last = raw.column("customer_id").to_pylist()[-1]
    admitted = raw.filter(pc.not_equal(raw.column("customer_id"), last))
    consenting = admitted.filter(admitted.column("sentiment_opt_in"))
    assert out["messages"] == admitted.num_rows
    assert out["messages_scored"] == consenting.num_rows < admitted.num_rows
    kept = services.store.read_parquet(lake.RESTRICTED_MESSAGES)
    assert kept.num_rows == admitted.num_rows
    assert services.sql.registered[TableName.CUSTOMER_MESSAGES] == lake.RESTRICTED_MESSAGES
    agg = services.store.read_parquet(lake.CUSTOMER_SENTIMENT)
    assert agg.schema.names == outputs.CUSTOMER_SENTIMENT.names
    assert set(agg.column("customer_id").to_pylist()) == set(
        consenting.column("customer_id").to_pylist()
    )  # no customer without consent, none erased
    alerts = services.store.read_parquet(lake.SUPPORT_ALERTS)
    assert alerts.schema.names == outputs.SUPPORT_ALERTS.names
    assert "message_text" not in alerts.schema.names + agg.schema.names
    assert alerts.num_rows == out["support_alerts"] > 0
    assert pc.max(alerts.column("sentiment_score")).as_py() < ALERT_THRESHOLD
    assert set(alerts.column("message_id").to_pylist()) <= set(
        consenting.column("message_id").to_pylist()
    )


def test_grades_against_the_truth_and_records_the_churn_decision(services, source) -> None:
    out = _run(services, source)
    assert out["grading"]["graded_messages"] == out["messages_scored"]
    assert out["grading"]["pearson_r"] > 0.7 and out["grading"]["emotion_macro_f1"] > 0.6
    decision = out["churn_feature"]
    assert decision["decision"] in ("kept", "dropped")
    assert {"validation_auc_with", "validation_auc_without"} <= set(decision)
    report = json.loads(services.store.get_bytes(lake.report_key("r1", sentiment.REPORT)))
    assert report["churn_feature"] == decision


def test_a_source_without_messages_is_skipped(services, tmp_path) -> None:
    assert _run(services, tmp_path)["sentiment_status"] == "skipped"


def test_a_bad_messages_file_names_the_column(services, tmp_path) -> None:
    pq.write_table(pa.table({"message_id": ["MSG_1_0"]}), tmp_path / "customer_messages.parquet")
    with pytest.raises(DataValidationError, match="message_text"):
        _run(services, tmp_path)


def test_the_churn_card_gets_the_decision_and_both_aucs(services, source) -> None:
    assert sentiment.churn_card_entry(services, "r1") == {}  # no report yet: nothing
    out = _run(services, source)
    entry = sentiment.churn_card_entry(services, "r1")
    assert entry == {"sentiment_feature": out["churn_feature"]}
    assert entry["sentiment_feature"]["used_by_churn_model"] is False
    rows = sentiment.metric_splits(entry)["sentiment_feature_validation"]
    assert rows["auc_with_sentiment"] == out["churn_feature"]["validation_auc_with"]
    assert rows["auc_without_sentiment"] == out["churn_feature"]["validation_auc_without"]
    assert sentiment.metric_splits({}) == {}
