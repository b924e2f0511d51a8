"""The CLI renders what stages report: a running state's line shows its progress, and
step lists (the report's pages) are one plain line per step off a terminal."""

from __future__ import annotations

import io

from rich.console import Console

from engage.cli.progress import PipelineProgress, StepProgress, progress_text


def test_progress_text_shows_counts_and_share() -> None:
    assert progress_text("boosting round", 120, 800) == "boosting round 120/800 (15%)"
    assert progress_text("fitting churn", None, None) == "fitting churn"


def test_a_running_state_shows_what_its_stage_reported() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False)
    display = PipelineProgress(console)
    path = "ParallelTrainingAndValidation/0/ParallelModelTraining/1/ChurnModel"
    with display:
        display.on_state_start(path, "ChurnModel", {})
        display.on_state_progress(path, "ChurnModel", "boosting round", 40, 800)
        task = display._tasks[path]
        status = display.progress.tasks[task].fields["status"]
    assert "boosting round 40/800 (5%)" in status


def test_steps_are_plain_lines_off_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=False)
    with StepProgress("report", ["cost estimate", "engagement.pdf"], console) as steps:
        steps.step("cost estimate")
        steps.step("engagement.pdf")
        steps.detail("chart 2/5")
    assert out.getvalue().splitlines() == [
        "report: cost estimate (1/2)",
        "report: engagement.pdf (2/2)",
        "report: engagement.pdf: chart 2/5",
    ]


def test_state_names_and_figures_are_never_cut_at_80_columns() -> None:
    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=False)
    display = PipelineProgress(console)
    names = [p for p, t in display.types.items() if t not in ("Succeed", "Fail", "Pass")]
    long_status = "3,000 unified predictions; 373 retention interventions, 30 for review"
    with display:
        for path in names:
            display.on_state_start(path, path.rsplit("/", 1)[-1], {})
            display.on_state_progress(path, "", long_status, None, None)
    text = out.getvalue()
    assert "…" not in text
    for path in names:
        assert path.rsplit("/", 1)[-1] in text
    assert "30 for" in text.replace("\n", " ")


def test_rows_follow_the_definition_whatever_order_branches_start_in() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False)
    display = PipelineProgress(console)
    training = "ParallelTrainingAndValidation/0/ParallelModelTraining"
    late, early = f"{training}/4/AnomalyModel", "ParallelTrainingAndValidation/1/DataValidation"
    with display:
        display.on_state_start(early, "DataValidation", {})
        display.on_state_start(late, "AnomalyModel", {})
    shown = [t.description.strip() for t in display.progress.tasks if t.visible]
    assert shown == ["AnomalyModel", "DataValidation"]  # definition order, not start order
    assert "EngagementModel" not in out.getvalue()  # not started: not shown


def test_analytics_branches_say_what_they_made() -> None:
    from engage.cli.progress import brief

    nba = {"nba_status": "success", "customers": 1000, "policy_blocked": 12,
           "grading": {"lints": 60.4, "rule": 322.0, "uniform": 411.0}}  # fmt: skip
    assert brief(nba) == (
        "1,000 actions, 12 nudges blocked by the ethics policy; regret LinTS 60 vs rule 322, "
        "uniform 411"
    )
    forecast = {"forecast_status": "success", "model": "holt_winters",
                "grading": {"mase_panel": 0.87, "seasonal_naive_mase_panel": 1.89,
                            "coverage_80": 0.809}}  # fmt: skip
    assert brief(forecast) == (
        "7-day forecast by holt_winters: MASE 0.87 (seasonal naive 1.89), 80% interval "
        "coverage 80.9%"
    )
    assert brief({"sentiment_status": "skipped"}).startswith("0 texts scored")
