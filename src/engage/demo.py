"""`engage demo`: a scripted tour of the product on a small dataset, in its own folder.

Why a script: a person evaluating the platform should see every piece work once, in
order, with the exact command to repeat each step. The tour runs the real CLI commands
in this process (one import instead of one per step) and the API as a real `engage serve`
subprocess on a free loopback port; it never touches ./data or ./lake.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engage.demo_api import call_api

SQL = (
    "SELECT next_best_action, count(*) AS customers "
    "FROM engagement_predictions.predictions GROUP BY 1 ORDER BY 2 DESC",
    "SELECT account_type, round(avg(predicted_engagement_score), 3) AS predicted, "
    "round(avg(actual_engagement_score), 3) AS actual "
    "FROM engagement_analytics.final_results GROUP BY 1 ORDER BY 1",
    "SELECT model_version, total_predictions, round(avg_error, 4) AS avg_error, accurate_count "
    "FROM engagement_analytics.model_performance",
)
QUESTIONS = (
    "Which features most strongly predict high engagement?",
    "How does premium account status affect engagement scores?",
    "What's the predicted engagement uplift if we convert 10% of free users to premium?",
)


@dataclass
class Step:
    """One numbered step: a title and the `engage` arguments (or a custom action)."""

    title: str
    args: list[str] = field(default_factory=list)
    action: Callable[[Tour], str] | None = None

    def command(self) -> str:
        return "engage " + shlex.join(self.args) if self.args else ""


@dataclass
class Tour:
    """The demo's folders, the customers it picked, and what each step printed."""

    root: Path
    rows: int
    customer: str = ""
    key: str = ""
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return {"ENGAGE_DATA_DIR": str(self.root / "data"), "ENGAGE_LAKE": str(self.root / "lake")}


def _invoke(args: list[str]) -> str:
    """Run one `engage` command in this process; its output is echoed and returned."""
    import click

    from engage.cli import app

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:  # without standalone mode click returns typer.Exit's code instead of exiting
            code = app(args, prog_name="engage", standalone_mode=False)
        except click.ClickException as err:
            code, buffer = 2, io.StringIO(err.format_message())
    text = buffer.getvalue()
    sys.stdout.write(text)
    if isinstance(code, int) and code != 0:
        raise DemoError(f"step failed (exit {code}); rerun it: engage {shlex.join(args)}")
    return text


class DemoError(RuntimeError):
    """A step failed; the message names the command to rerun."""


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _pick_customer(tour: Tour) -> str:
    """A customer from the review queue, so the explanation, API call and review agree."""
    from engage import bootstrap
    from engage.settings import Settings

    with bootstrap.sql_engine(Settings(), read_only=True) as sql:  # type: ignore[attr-defined]
        rows = sql.query(
            "SELECT customer_id FROM engagement_qa.human_review ORDER BY customer_id LIMIT 1"
        ).to_pylist()
    tour.customer = rows[0]["customer_id"]
    return f"picked {tour.customer} from engagement_qa.human_review\n"


def steps(tour: Tour) -> list[Step]:
    """The tour, in order; `{customer}` is filled in once step 9 has picked one."""
    review = ["qa", "review", "{customer}", "--status", "approved", "--note", "demo: checked"]
    return [
        Step("Generate synthetic customers", ["generate", "--rows", str(tour.rows), "--seed", "7"]),
        Step("Run the pipeline (the Step Functions definition, locally)", ["run"]),
        *(Step(f"SQL query {i} of 3 (read-only, Athena dialect)", ["sql", q])
          for i, q in enumerate(SQL, 1)),
        *(Step(f"Question {i} of 3 to the agent", ["ask", q]) for i, q in enumerate(QUESTIONS, 1)),
        Step("Pick a customer for the next steps", action=_pick_customer),
        Step("Explain that customer's predictions", ["explain", "{customer}", "--no-hints"]),
        Step("Create an API key (shown once)", ["keys", "create", "--name", "demo"]),
        Step("Serve the API, call POST /predict with the key, stop", action=call_api),
        Step("Record a human review decision", review),
        Step("Write the reports (PDFs and HTML)", ["report"]),
        Step("The cost dashboard (--format infracost gives Infracost JSON)",
             ["cost", "--format", "markdown"]),
    ]  # fmt: skip


def _run_step(tour: Tour, number: int, step: Step) -> None:
    step.args = [a.replace("{customer}", tour.customer) for a in step.args]
    print(f"\n── Step {number}: {step.title}")
    if step.args:
        print(f"$ {step.command()}", flush=True)
    start = time.perf_counter()
    text = step.action(tour) if step.action else _invoke(step.args)
    if step.action:
        sys.stdout.write(text)
    elif step.args[:2] == ["keys", "create"]:
        tour.key = text.strip().splitlines()[-1]
    tour.timings.append((step.title, time.perf_counter() - start))


def run_demo(root: Path, rows: int = 3000) -> Tour:
    """Run every step under `root` (data/ and lake/ inside it); raise DemoError on a failure."""
    tour = Tour(root.resolve(), rows)
    (tour.root / "data").mkdir(parents=True, exist_ok=True)
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in tour.env.items())
    print(f"engage demo in {tour.root}. To repeat any step by hand:\n$ export {exports}")
    with _environment(tour.env):
        for number, step in enumerate(steps(tour), 1):
            _run_step(tour, number, step)
    total = sum(s for _, s in tour.timings)
    print(f"\nDemo finished: {len(tour.timings)} steps in {total:.1f} s.")
    print(json.dumps({title: round(s, 2) for title, s in tour.timings}, indent=1))
    return tour
