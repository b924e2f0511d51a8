"""The seed's 40 questions (§7.2) with reference computations, and the grader.

A reference is computed independently of the planner: its own SQL run straight on
the engine, a direct tool call (what-ifs: the model is the reference), or a pandas
computation over final_results (cohort contrasts). An answer is correct when it
chose the expected intent and every reference figure it reports matches.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from pathlib import Path
from typing import Any

import pandas as pd

from engage.agent.answer import Answer

QUESTIONS = Path(__file__).with_name("questions.json")
TARGET = "actual_engagement_score"
PLANNED = ("relation", "segments", "quartiles", "distribution")


def load() -> list[dict[str, Any]]:
    """The evaluation set: id, question, intent, paraphrases, reference."""
    return json.loads(QUESTIONS.read_text(encoding="utf-8"))


def reference(tools: Any, ref: dict[str, Any]) -> tuple[dict[str, float], bool]:
    """(expected figures, whether the answer may report only a subset of them)."""
    if "sql" in ref:
        rows = tools.engine.query(ref["sql"]).to_pylist()
        return {str(r["k"]): float(r["v"]) for r in rows if r["v"] is not None}, False
    if "tool" in ref:
        return dict(tools.call(ref["tool"], ref["args"]).figures), False
    if "tools" in ref:
        out: dict[str, float] = {}
        for i, call in enumerate(ref["tools"]):
            prefix = "" if i == 0 else f"s{i}."
            out |= {
                prefix + k: v for k, v in tools.call(call["tool"], call["args"]).figures.items()
            }
        return out, False
    return _contrast(tools, **ref["contrast"]), True


def _contrast(tools: Any, group: str, versus: str, tenure_max: int | None) -> dict[str, float]:
    frame = tools.engine.query("SELECT * FROM engagement_analytics.final_results").to_pandas()
    rank = frame[TARGET].rank(method="min")
    pct = (rank - 1) / (len(frame) - 1)
    masks = {
        "all": pd.Series(True, index=frame.index),
        "high_engagement": frame[TARGET] >= 0.7,
        "low_engagement": frame[TARGET] < 0.4,
        "top_10pct": pct >= 0.9, "bottom_10pct": pct <= 0.1,
        "top_5pct": pct >= 0.95, "rest_95pct": pct < 0.95,
        "churned": frame["actual_churn_30_day"].astype(bool),
        "retained": ~frame["actual_churn_30_day"].astype(bool),
    }  # fmt: skip
    scope = pd.Series(True, index=frame.index)
    if tenure_max is not None:
        scope = frame["time_since_first_transaction_days"] <= tenure_max
    out: dict[str, float] = {}
    for name in (group, versus):
        rows = frame[masks[name] & scope]
        out[f"{name}.customers"] = float(len(rows))
        for col in rows.select_dtypes("number").columns:
            out[f"{col}.{name}"] = float(rows[col].mean())
    return out


def check(answer: Answer, intent: str, expected: dict[str, Any], subset: bool) -> list[str]:
    """Problems with an answer (empty: correct)."""
    if "unanswerable" in expected:  # the honest answer is a refusal
        return [] if answer.refused else [f"answered, but {expected['unanswerable']}"]
    # The compositional planner answers the seed's generic questions (X by a segment, X vs
    # engagement) as plans; their figures, not the label, decide.
    same = answer.intent == intent or (answer.intent == "plan" and intent in PLANNED)
    problems = [] if same else [f"intent {answer.intent} != {intent}"]
    keys = [k for k in expected if k in answer.figures] if subset else list(expected)
    if subset and len(keys) < 4:
        problems.append(f"only {len(keys)} reference figures reported")
    for key in keys:
        got = answer.figures.get(key)
        want = expected[key]
        if got is None or not math.isclose(float(got), want, rel_tol=1e-6, abs_tol=1e-9):
            problems.append(f"{key}: {got} != {want}")
    return problems


def evaluate(session: Any, paraphrases: bool = True) -> dict[str, Any]:
    """Run the set through a session; accuracy and per-answer latency."""
    results, latencies, unanswerable = [], [], []
    for item in load():
        try:
            expected, subset = reference(session.tools, item["reference"])
        except (ValueError, LookupError) as err:  # e.g. a model this run did not serve
            expected, subset = {"unanswerable": str(err)}, False
            unanswerable.append({"id": item["id"], "why": str(err)})
        for kind, question in [("original", item["question"])] + [
            ("paraphrase", p) for p in (item["paraphrases"] if paraphrases else [])
        ]:
            session.history.clear()
            start = time.perf_counter()
            answer = session.ask(question)
            latencies.append(time.perf_counter() - start)
            problems = check(answer, item["intent"], expected, subset)
            results.append({"id": item["id"], "kind": kind, "question": question,
                            "ok": not problems, "problems": problems[:3]})  # fmt: skip
    originals = [r for r in results if r["kind"] == "original"]
    para = [r for r in results if r["kind"] == "paraphrase"]
    return {
        "questions": len(originals),
        "correct": sum(r["ok"] for r in originals),
        "paraphrases": len(para),
        "paraphrases_correct": sum(r["ok"] for r in para),
        "paraphrase_accuracy": sum(r["ok"] for r in para) / len(para) if para else None,
        "latency_median_s": statistics.median(latencies),
        "latency_p95_s": sorted(latencies)[int(0.95 * (len(latencies) - 1))],
        "unanswerable_on_this_run": unanswerable,
        "failures": [r for r in results if not r["ok"]],
    }
