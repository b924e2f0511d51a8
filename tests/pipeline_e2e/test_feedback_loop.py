"""QA overrides become the next engagement model's training labels (seed §2.4.7)."""

from __future__ import annotations

from engage import bootstrap
from engage.audit import customer_entries
from engage.cli.progress import brief
from engage.data import generate
from engage.models.registry import ModelRegistry
from engage.orchestrate import run_pipeline
from engage.qa.decisions import record_decision
from engage.settings import Settings

TRAINING_DIGITS = set("01234567")  # sql/engagement_raw/training_data.sql: id mod 10 < 8


def test_an_override_is_used_as_a_label_in_the_next_training_run(tmp_path) -> None:
    source = tmp_path / "data"
    generate(1_500, 21, source, formats=("parquet",))
    settings = Settings(lake=str(tmp_path / "lake"), data_dir=source)
    first = run_pipeline(settings)
    assert first.succeeded
    assert first.stage_results()["EngagementModel"]["corrected_labels"] == 0

    with bootstrap.sql_engine(settings) as catalog:
        queued = (
            catalog.query("SELECT customer_id FROM engagement_qa.human_review ORDER BY customer_id")
            .column("customer_id")
            .to_pylist()
        )
    in_training = [c for c in queued if c[-1] in TRAINING_DIGITS][:2]
    in_test = next(c for c in queued if c[-1] not in TRAINING_DIGITS)
    for customer in (*in_training, in_test):
        record_decision(
            bootstrap.object_store(settings),
            bootstrap.catalog(settings),
            customer,
            "overridden",
            "label was wrong",
            value=0.99,
        )

    overrides = [
        e
        for e in customer_entries(bootstrap.object_store(settings), in_test)
        if e["source"] == "review"
    ]
    assert len(overrides) == 1 and '"overridden"' in overrides[0]["override"]
    assert len(overrides[0]["input_hash"]) == 64  # matched to the batch prediction's inputs

    second = run_pipeline(settings)
    assert second.succeeded
    training = second.stage_results()["EngagementModel"]
    assert training["corrected_labels"] == 2  # test-split labels stay observed
    assert "2 labels corrected by QA review" in brief(training)
    meta = ModelRegistry(bootstrap.object_store(settings), "engagement").metadata("v2")
    assert meta["corrected_labels"] == 2
