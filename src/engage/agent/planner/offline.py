"""The offline planner: deterministic, no network. Question -> intent -> tools -> text.

Safety comes first: requests to write, to reveal personal data or to override the
instructions are refused before any tool runs; raw SQL goes through the SQL gate.
Follow-ups ("and for premium users?") re-run the previous plan with a filter.
"""

from __future__ import annotations

import re
from typing import Any

from engage.agent.answer import Answer, refusal
from engage.agent.planner.intents import INTENTS, Step
from engage.agent.planner.render import render
from engage.agent.result import ToolResult
from engage.agent.sql_guard import UnsafeSqlError
from engage.ports import SqlError

_PII = (
    r"\b(e-?mails?|full names?|(customer|user|real|their) names?|names (and|of)|phone|"
    r"address(es)?|ssn|social security|passwords?|pii|contact details|customer_pii|"
    r"restricted)\b"
)
_WRITE = (
    r"\b(drop|delete|insert|update|truncate|alter|attach|copy|pragma|grant|create table"
    r"|overwrite|modify)\b"
)
_INJECTION = (
    r"ignore (all |the |any |your )?(previous |prior )?(instructions|rules)"
    r"|system prompt|jailbreak|you are now"
)
_SQL = r"^\s*(select|with)\b"
_FOLLOW_UP = r"^\s*(and|what about|how about|same for|now for|and for|only for)\b"
# Follow-up cohort words -> [column, op, value] filters and what-if cohorts.
_COHORT_WORDS: tuple[tuple[str, list[Any], str], ...] = (
    (r"\bpremium\b", ["account_type", "=", "premium"], "premium"),
    (r"\bfree\b", ["account_type", "=", "free"], "free"),
    (r"\bmobile\b", ["device_type", "=", "mobile"], "all"),
    (r"\bdesktop\b", ["device_type", "=", "desktop"], "all"),
    (r"\btablet\b", ["device_type", "=", "tablet"], "all"),
)


class OfflinePlanner:
    """Maps a question to tool calls with the contract's vocabulary; no LLM."""

    def __init__(self, tools: Any) -> None:
        self.tools = tools

    def plan(self, question: str) -> tuple[str, list[Step], float] | None:
        """(intent, steps, confidence) for a question, or None when out of scope."""
        text = _normalise(question)
        for intent in INTENTS:
            if intent.matches(text):
                steps = intent.build(text)
                if steps:
                    return intent.name, steps, intent.confidence
        return None

    def answer(self, question: str, previous: Answer | None = None) -> Answer:
        text = _normalise(question)
        if re.search(_INJECTION, text) or (re.search(_WRITE, text) and not re.search(_SQL, text)):
            return refusal(question, "I only read the analytics results; I never change data.")
        if re.search(_PII, text):
            return refusal(question, "Personal data (names, e-mails ...) is not available to me.")
        if re.search(_SQL, text):
            return self._run(question, "sql", [("run_sql", {"sql": question})], 0.8)
        planned = self.plan(question)
        if previous is not None and not previous.refused and re.search(_FOLLOW_UP, text):
            followed = _follow_up(text, previous)
            if followed is not None:
                planned = followed
        if planned is None:
            return refusal(question, "No table or model of this run covers that question.")
        return self._run(question, *planned)

    def _run(self, question: str, intent: str, steps: list[Step], confidence: float) -> Answer:
        results: list[ToolResult] = []
        try:
            for tool, args in steps:
                results.append(self.tools.call(tool, args))
        except UnsafeSqlError as err:
            return refusal(question, f"That query is not allowed: {err}")
        except (SqlError, ValueError, KeyError) as err:
            return refusal(question, f"The data needed is not available ({err}).")
        figures: dict[str, float] = {}
        for i, result in enumerate(results):
            prefix = "" if i == 0 else f"s{i}."
            figures |= {prefix + k: v for k, v in result.figures.items()}
        rows = results[0].rows if len(results) == 1 else [r.figures for r in results]
        return Answer(
            question=question,
            text=render(intent, results),
            intent=intent,
            confidence=confidence if any(r.rows for r in results) else 0.3,
            rows=rows,
            figures=figures,
            tool_calls=[{"tool": r.tool, "args": r.args} for r in results],
            sql=[s for r in results for s in r.sql],
            citations={"sources": sorted({s for r in results for s in r.sources})},
        )


def _normalise(question: str) -> str:
    return " ".join(question.lower().replace("’", "'").split())


def _follow_up(text: str, previous: Answer) -> tuple[str, list[Step], float] | None:
    for pattern, flt, cohort in _COHORT_WORDS:
        if re.search(pattern, text):
            steps: list[Step] = []
            for call in previous.tool_calls:
                args = dict(call["args"])
                if call["tool"] in ("what_if", "levers"):
                    args["cohort"] = cohort
                elif "filters" in args or call["tool"] in ("compare_segments", "correlation"):
                    args["filters"] = [*args.get("filters", []), flt]
                steps.append((call["tool"], args))
            return previous.intent, steps, 0.8
    return None
