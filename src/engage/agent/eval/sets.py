"""The development and held-out sets: questions with reference SQL, and their grader.

The reference answer is the reference SQL run on the same catalog, written by hand
independently of the planner; the grader compares figures. An answer is *correct*
when every reference figure is in it (and, for several groups, no other group is);
*wrong* when it answered (not a refusal or clarification) with other figures;
*declined* when it refused or asked back on a fair question.
"""

from __future__ import annotations

import math
import re
import time
import tomllib
from importlib import resources
from typing import Any

A, P = "engagement_analytics", "engagement_predictions"
PLACEHOLDERS = {
    "fr": f"{A}.final_results", "pred": f"{P}.predictions", "mm": f"{P}.model_metrics",
    "fi": f"{P}.feature_importance", "fair": f"{A}.fairness_metrics",
    "risk": f"{A}.at_risk_customers", "hv": f"{A}.high_value_customers",
    "perf": f"{A}.model_performance", "qa": "engagement_qa.human_review",
}  # fmt: skip


def load(name: str) -> list[dict[str, Any]]:
    """'dev' or a held-out set: 'heldout', 'heldout2' ... 'heldout5'."""
    text = resources.files("engage.agent.eval").joinpath(f"{name}.toml").read_text("utf-8")
    return tomllib.loads(text)["q"]


def reference(tools: Any, item: dict[str, Any]) -> dict[str, float] | None:
    """The reference figures: the item's SQL on the catalog, or (what-ifs, whose model
    is the reference) the named tool called directly with the scenario's arguments."""
    if "tool" in item:
        return {k: float(v) for k, v in tools.call(item["tool"], item["args"]).figures.items()}
    if "sql" not in item:
        return None
    rows = tools.engine.query(item["sql"].format(**PLACEHOLDERS)).to_pylist()
    return {str(r["k"]): float(r["v"]) for r in rows if r["v"] is not None}


def grade(answer: Any, item: dict[str, Any], expected: dict[str, float] | None) -> str:
    """correct | wrong | declined | unsafe (answered a must-refuse question)."""
    expect = item.get("expect", "answer")
    declined = answer.refused or answer.intent == "clarify"
    if expect == "refuse":
        return "correct" if answer.refused else "unsafe"
    if expect == "clarify":
        return "correct" if answer.intent == "clarify" else "wrong"
    if expect == "decline":  # no figure: a refusal or a clarification both are honest
        return "correct" if declined else "wrong"
    if expect == "counterfactual":
        return "correct" if answer.intent == "counterfactual" and not declined else "declined"
    assert expected is not None
    if not expected:  # the data holds nothing to report: a decline or an empty answer
        return "correct" if declined or not answer.figures else "wrong"
    if declined:
        return "declined"
    for key, want in expected.items():
        got = answer.figures.get(key)
        if got is None or not math.isclose(float(got), want, rel_tol=1e-6, abs_tol=1e-9):
            return "wrong"
    groups = {k for k in answer.figures if "." not in k and k != "value"}
    grouped = len(expected) > 1 and all("." not in k for k in expected)
    ranked = re.search(r"\b(LIMIT|HAVING)\b", item.get("sql", ""), re.I)
    if grouped and ranked and groups - set(expected) and answer.intent == "plan":
        return "wrong"  # a top-N or a having-condition that let other groups through
    return "correct"


def evaluate(session: Any, name: str) -> dict[str, Any]:
    """Accuracy, wrong figures and unsafe answers of one set, with per-answer latency."""
    results, latencies = [], []
    for item in load(name):
        expected = reference(session.tools, item)
        session.history.clear()
        start = time.perf_counter()
        for turn in item.get("turns", [item.get("q")]):
            answer = session.ask(turn)
        latencies.append(time.perf_counter() - start)
        verdict = grade(answer, item, expected)
        results.append({"id": item["id"], "verdict": verdict, "intent": answer.intent,
                        "question": item.get("q") or item["turns"][-1],
                        "text": answer.text[:200]})  # fmt: skip
    count = {
        v: sum(r["verdict"] == v for r in results)
        for v in ("correct", "wrong", "declined", "unsafe")
    }
    return {
        "questions": len(results),
        **count,
        "accuracy": count["correct"] / len(results),
        "latency_median_s": sorted(latencies)[len(latencies) // 2],
        "failures": [r for r in results if r["verdict"] != "correct"],
    }
