"""The generator's truth tables grade models and never feed training (issue 17)."""

from __future__ import annotations

import re
from pathlib import Path

from engage import contract
from engage.stages.plans.base import TRUTH_TABLE_NAMES

SRC = Path(__file__).resolve().parents[3] / "src" / "engage"
TRUTH = re.compile(
    r"ground_truth|truth_tastes|truth_items|GROUND_TRUTH|TRUTH_TASTES|TRUTH_ITEMS|TRUTH_TABLES"
    r"|truth_table\(|\.truth\(\)|truth_messages|TRUTH_MESSAGES"
    r"|truth_actions|TRUTH_ACTIONS"
    r"|truth_activity|TRUTH_ACTIVITY"
)
# Who may name a truth table: the contract, the generator that writes them, the lake
# reader that serves them for grading, and the plans' grading code.
ALLOWED = {
    "contract/__init__.py",
    "contract/tables.py",
    "data/anomalies.py",
    "data/chunk.py",
    "data/content.py",
    "data/future.py",  # writes the 7 days after the cut-off
    "data/generator.py",
    "data/graph.py",  # writes the planted communities and influence
    "data/messages.py",  # writes the texts' true sentiment and emotion (issue 18)
    "models/recommend_eval.py",  # the oracle: a grader, never a fitted input
    "stages/plans/anomaly.py",
    "stages/plans/base.py",
    "stages/plans/recommendation.py",
    "stages/plans/tabular.py",
    "stages/premium_uplift.py",  # grades the fitted effects in its report, after the fit
    "stages/segmentation.py",  # grades the fitted segments in its report, after the fit
    "stages/sentiment.py",  # grades the scored texts in its report, after scoring
    "data/bandit.py",  # writes the true next-best-action response model
    "stages/next_best_action.py",  # grades the fitted bandit in its report, after the fit
    "stages/forecast.py",  # grades the published forecast in its report, after the fit
    "stages/score_parts.py",  # a shard's reader passes grading reads on to the run's
}


def test_only_graders_name_the_truth_tables() -> None:
    naming = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if TRUTH.search(p.read_text(encoding="utf-8"))
    }
    assert naming <= ALLOWED, sorted(naming - ALLOWED)


def test_truth_tables_are_metadata_only() -> None:
    assert set(TRUTH_TABLE_NAMES) == {
        "ground_truth",
        "truth_tastes",
        "truth_items",
        "truth_messages",
        "truth_actions",
        "truth_activity",
    }
    for table in contract.TRUTH_TABLES:
        for col in table.columns:
            assert not col.is_model_input, f"{table.name}.{col.name}"


def test_plans_read_truth_only_in_grading_code() -> None:
    # Outside base.py, every truth read sits in a function whose job is grading: the
    # tabular/anomaly `_..._grade` helpers, or the recommendation plan's evaluation call.
    for name in ("anomaly.py", "tabular.py", "recommendation.py"):
        text = (SRC / "stages" / "plans" / name).read_text(encoding="utf-8")
        for match in re.finditer(r"data\.truth(_table)?\(", text):
            before = text[: match.start()]
            func = re.findall(r"\n(?:    )?def (\w+)\(", before)[-1]
            assert "grade" in func or (name, func) == ("recommendation.py", "fit"), (name, func)


def test_the_bandit_stage_reads_truth_only_in_grading_code() -> None:
    text = (SRC / "stages" / "next_best_action.py").read_text(encoding="utf-8")
    for match in re.finditer(r"truth_table\(", text):
        func = re.findall(r"\ndef (\w+)\(", text[: match.start()])[-1]
        assert "grade" in func, func
