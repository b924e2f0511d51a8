"""The offline planner: deterministic, no network. Question -> typed plan -> tools -> text.

Safety comes first: writes (in SQL or plain words), personal data and instruction
overrides are refused before any tool runs; raw SQL goes through the SQL gate.
Then: a customer's explanation or counterfactual, a model or fairness metric, the
model-backed analyses of the seed (what-ifs, levers, contrasts: `intents.RECIPES`),
and otherwise a compositional plan parsed from the question's slots and compiled
to SQL. Words it cannot place are named back with the closest candidates.
Follow-ups refine the previous plan with whatever the new words add.
"""

from __future__ import annotations

import copy
import difflib
import re
from typing import Any

from engage.agent.answer import Answer, refusal
from engage.agent.planner import safety
from engage.agent.planner.intents import FALLBACK, RECIPES, Step
from engage.agent.planner.render import render
from engage.agent.result import ToolResult
from engage.agent.semantic import run as sem
from engage.agent.semantic import words as W
from engage.agent.semantic.compile import PlanError
from engage.agent.semantic.parse import Parsed, Parser, normalise
from engage.agent.semantic.plan import Measure, Plan
from engage.agent.sql_guard import UnsafeSqlError
from engage.ports import SqlError

_CUSTOMER = r"\bcust_\d+\b"
_SCOPE = "That is outside what this run's data covers (customer engagement results and models)."


class OfflinePlanner:
    """Maps a question to a plan or tool calls with the semantic layer; no LLM."""

    def __init__(self, tools: Any) -> None:
        self.tools = tools
        self._parser: Parser | None = None

    @property
    def parser(self) -> Parser:
        if self._parser is None:
            self._parser = Parser(sem.layer_of(self.tools))
        return self._parser

    def answer(self, question: str, previous: Answer | None = None) -> Answer:
        text = " ".join(question.lower().replace("’", "'").split())
        if safety.is_injection(text) or safety.is_write(text):
            return refusal(question, "I only read the analytics results; I never change data.")
        if safety.is_pii(text):
            return refusal(question, "Personal data (names, e-mails ...) is not available to me.")
        if re.search(safety.SQL, text):
            return self._run(question, "sql", [("run_sql", {"sql": question})], 0.8)
        customer = re.search(_CUSTOMER, text)
        if customer:
            return self._customer(question, text, customer.group(0).upper())
        metric = sem.metric_request(text)
        if metric and not re.search(r"\bby\b|\bper\b", text):
            return self._run(question, "model_metrics", [("model_metric", metric)], 0.9)
        fair = sem.fairness_request(text)
        if fair:
            return self._run(question, "fairness", [("fairness", fair)], 0.85)
        parsed = self.parser.parse(question)
        follow = previous is not None and previous.plan and _is_follow_up(text, parsed)
        if follow:
            before = Plan.from_dict(previous.plan)
            if before.view and not parsed.plan.view:  # the words of the view it refines
                parsed = self.parser.parse(question, before.view)
            refined = _refine(before, parsed)
            _follow_rank(text, refined, parsed)
            if parsed.leftover:
                return _unsure(question, refined, parsed.leftover)
            if refined == before and _content_words(text):
                # "what about posts" that changed nothing: rerunning answers the last question
                return _unsure(question, refined, _content_words(text))
            return self._plan(question, refined, 0.8)
        if parsed.unresolved:  # "average forecast" where no column is "forecast"
            return self._unresolved(question, parsed.unresolved)
        for recipe in RECIPES:
            if recipe.matches(text) and (steps := recipe.build(text)):
                if _measures_other(steps, parsed) or _groups_other(steps, parsed):
                    continue  # "churn rate by engagement quartile": the asked measure wins
                return self._run(question, recipe.name, steps, recipe.confidence)
        if previous is not None and previous.tool_calls and _is_follow_up(text, parsed):
            return self._follow_tools(question, previous, parsed)
        strong = parsed.has_measure or parsed.plan.filters or parsed.plan.view
        if strong or parsed.plan.dimensions:
            if (unclear := self._unclear(question, parsed)) is not None:
                return unclear
            if parsed.plan.measures:
                if parsed.dangling and all(m.func == "count" for m in parsed.plan.measures):
                    # "average" with nothing left to average: not a count of customers
                    return _unsure(question, parsed.plan, [f for f, _ in parsed.funcs][:1])
                if parsed.leftover:
                    return _unsure(question, parsed.plan, parsed.leftover)
                return self._plan(question, parsed.plan, 0.85)
        if FALLBACK.matches(text) and (steps := FALLBACK.build(text)):
            return self._run(question, FALLBACK.name, steps, FALLBACK.confidence)
        return self._unclear(question, parsed) or refusal(question, _SCOPE)

    # -- kinds of answer ------------------------------------------------------------

    def _customer(self, question: str, text: str, cid: str) -> Answer:
        if re.search(r"raise|improve|increase|boost|lift|what can we do|how can we|help", text):
            return self._run(
                question, "counterfactual", [("counterfactual", {"customer_id": cid})], 0.8
            )
        if re.search(r"churn|leave|leaving|quit|lose", text):
            return self._run(
                question, "explain_churn", [("explain_churn", {"customer_id": cid})], 0.9
            )
        return self._run(
            question, "explain_customer", [("explain_customer", {"customer_id": cid})], 0.9
        )

    def _unclear(self, question: str, parsed: Parsed) -> Answer | None:
        """A clarification when a word cannot be placed, naming the closest candidates."""
        layer = self.parser.layer
        if parsed.unsupported:
            why = "; ".join(layer.unsupported[w] for w in parsed.unsupported)
            return _clarify(
                question, f"I can't map {', '.join(map(repr, parsed.unsupported))}: {why}.", []
            )
        needs_column = parsed.dangling and (parsed.unknown or not parsed.plan.measures)
        if needs_column or (parsed.unknown and parsed.has_measure):
            words = parsed.unknown or ["the measured quantity"]
            pool = list(layer.terms)
            cands = sorted(
                {
                    layer.terms[c]
                    for w in words
                    for c in difflib.get_close_matches(w, pool, n=3, cutoff=0.5)
                }
            )
            return _clarify(question, f"I did not understand {', '.join(map(repr, words))}.", cands)
        if not parsed.has_measure and not parsed.plan.dimensions and not parsed.plan.filters:
            cols = [m.payload for m in parsed.mentions if m.kind in ("column", "used")]
            if cols:
                cands = _ambiguous(cols[0])
                return _clarify(question, f"'{cols[0]}' alone does not say what to measure.", cands)
        return None

    def _unresolved(self, question: str, words: list[str]) -> Answer:
        """Ask back on a measure word whose quantity names no column, with the columns
        whose words are closest: answering without it would answer another question."""
        layer = self.parser.layer
        measurable = ("numeric", "bool")  # a quantity: what a measure word can take
        labels = {p: c for p, c in layer.terms.items() if layer.columns[c].kind in measurable}
        for table, terms in layer.own_terms.items():
            labels |= {p: f"{c} of {table}" for p, c in terms.items()
                       if p not in labels and layer.own[table][c].kind in measurable}  # fmt: skip
        cands: list[str] = []
        for word in words:
            stem = re.escape(word.rstrip("s"))
            inside = [p for p in labels if re.search(rf"\b{stem}", p)]
            close = difflib.get_close_matches(word, list(labels), n=4, cutoff=0.6)
            for phrase in sorted(inside, key=len) + close:
                if labels[phrase] not in cands:
                    cands.append(labels[phrase])
        named = ", ".join(map(repr, words))
        return _clarify(
            question,
            f"I could not tell which quantity {named} is: no column "
            "of this run's data is called that, so I have not answered.",
            cands[:4],
        )

    def _plan(self, question: str, plan: Plan, confidence: float) -> Answer:
        answer = self._run(question, "plan", [("run_plan", {"plan": plan})], confidence)
        answer.plan = plan.to_dict()
        if not answer.refused:
            answer.text = f"{answer.text}\nPlan: {plan.describe()}"
        return answer

    def _follow_tools(self, question: str, previous: Answer, parsed: Parsed) -> Answer:
        """A follow-up on a model tool's answer: its filters or its what-if cohort change."""
        steps: list[Step] = []
        new = [
            [f.column, f.op, f.value]
            for f in parsed.plan.filters
            if f.op in ("=", "<", "<=", ">", ">=", "!=")
        ]
        cohort = next(
            (f.value for f in parsed.plan.filters if f.column == "account_type" and f.op == "="),
            "all",
        )
        for call in previous.tool_calls:
            args = dict(call["args"])
            if call["tool"] in ("what_if", "levers"):
                args["cohort"] = cohort
            elif "filters" in args:
                args["filters"] = [*args.get("filters", []), *new]
            steps.append((call["tool"], args))
        return self._run(question, previous.intent, steps, 0.8)

    def _run(self, question: str, intent: str, steps: list[Step], confidence: float) -> Answer:
        results: list[ToolResult] = []
        try:
            for tool, args in steps:
                results.append(self.tools.call(tool, args))
        except UnsafeSqlError as err:
            return refusal(question, f"That query is not allowed: {err}")
        except PlanError as err:
            return _clarify(question, f"I could not build that query: {err}.", [])
        except (SqlError, ValueError, KeyError) as err:
            return refusal(question, f"The data needed is not available ({err}).")
        empty = [r for r in results if r.tool == "feature_importance" and not r.rows]
        if empty:  # e.g. the LTV model: the run stores no SHAP importance for it
            model = empty[0].args.get("model")
            return refusal(
                question, f"This run stores no feature importance for the {model} model."
            )
        figures: dict[str, float] = {}
        for i, result in enumerate(results):
            prefix = "" if i == 0 else f"s{i}."
            figures |= {prefix + k: v for k, v in result.figures.items()}
        rows = results[0].rows if len(results) == 1 else [r.figures for r in results]
        return Answer(
            question=question, text=render(intent, results), intent=intent,
            confidence=confidence if any(r.rows for r in results) else 0.3,
            rows=rows, figures=figures,
            tool_calls=[{"tool": r.tool, "args": r.args} for r in results],
            sql=[s for r in results for s in r.sql],
            citations={"sources": sorted({s for r in results for s in r.sources})},
        )  # fmt: skip


def _clarify(question: str, why: str, candidates: list[str]) -> Answer:
    text = why + (f" Did you mean {' or '.join(candidates[:4])}?" if candidates else "")
    answer = Answer(question, text, "clarify", 0.0)
    answer.candidates = candidates
    return answer


def _unsure(question: str, plan: Plan, leftover: list[str]) -> Answer:
    """A plan that would ignore words of the question answers another question: say what
    was understood and which words did not fit, and offer the plan it could run."""
    words = ", ".join(map(repr, leftover))
    answer = _clarify(
        question,
        f"I understood {plan.describe()}, but not how {words} fits into it, so I have not "
        f"answered (a figure without {words} could be wrong). I can answer the plan as it "
        "stands, or you can say whether it is a filter (e.g. 'over 30'), a grouping "
        "('by ...') or a number of results ('top 5').",
        [],
    )
    answer.plan = plan.to_dict()
    return answer


def _measures_other(steps: list[Step], parsed: Parsed) -> bool:
    """A segment recipe (a fixed measure) when the question names another measure."""
    fixed = {a.get("metric") for tool, a in steps if tool == "compare_segments"}
    if not fixed or not parsed.has_measure:
        return False
    asked = {m.column for m in parsed.plan.measures if m.column}
    return bool(asked) and not asked <= fixed


def _groups_other(steps: list[Step], parsed: Parsed) -> bool:
    """A segment recipe (fixed groups) when the question groups by a column of the data
    the recipe does not use ("top 5 personas by customers" is by segment_name, not the
    recipe's engagement levels)."""
    fixed = {a.get("by") for tool, a in steps if tool == "compare_segments"}
    plain = {d.column for d in parsed.plan.dimensions if d.bucket is None}
    return bool(fixed) and bool(plain) and not plain & fixed


def _ambiguous(column: str) -> list[str]:
    family = {
        "actual_churn_30_day": ["churn rate (actual_churn_30_day)", "churn_probability (predicted)",
                                "churn_prediction (predicted to churn)"],
        "actual_engagement_score": ["actual_engagement_score", "predicted_engagement_score"],
        "actual_lifetime_value_usd": ["actual_lifetime_value_usd", "ltv_p10", "ltv_p50", "ltv_p90"],
    }  # fmt: skip
    return family.get(column, [f"the mean of {column}", f"{column} by a segment"])


def _content_words(text: str) -> list[str]:
    """The words of a follow-up beyond its connectives ("what about", "same for")."""
    rest = re.sub(W.FOLLOW_UP, " ", normalise(text).strip())
    skip = W.STOP | {"what", "about", "how", "for", "and", "then", "again", "please"}
    return [w for w in re.findall(r"[a-z][a-z'-]+", rest) if w not in skip]


def _is_follow_up(text: str, parsed: Parsed) -> bool:
    if re.search(W.FOLLOW_UP, normalise(text).strip()):
        return True
    fragment = r"^(in|on|for|with|among|from|at|within|over|under|aged|only)\b"
    if re.match(fragment, text) and not parsed.has_measure:
        return True  # "in california and on mobile": a fragment that refines the last plan
    return len(text.split()) <= 4 and not parsed.has_measure


def _follow_rank(text: str, plan: Plan, parsed: Parsed) -> None:
    """'only the top 3' after a breakdown: a limit on the previous plan's groups."""
    m = re.search(
        r"\b(top|bottom|first|best|worst|highest|lowest)\s+(\d+)\b(?!\s*(%|percent))", text
    )
    if m is None or not plan.dimensions or m.group(2) not in parsed.leftover:
        return
    plan.limit = int(m.group(2))
    plan.order = "asc" if m.group(1) in ("bottom", "worst", "lowest") else "desc"
    parsed.leftover.remove(m.group(2))


def _refine(plan: Plan, parsed: Parsed) -> Plan:
    """The previous plan with the new words: filters replace same-column ones, a new
    grouping, measure or view replaces the old one."""
    new = copy.deepcopy(plan)
    add = parsed.plan
    for f in add.filters:
        new.filters = [g for g in new.filters if g.column != f.column] + [f]
    if add.dimensions:
        new.dimensions = add.dimensions
    if (
        parsed.has_measure
        and add.measures
        and not (parsed.dangling and add.measures == [Measure("count")])
    ):
        new.measures, new.share_of = add.measures, add.share_of
    elif parsed.dangling:  # "same but the median": the new function over the old columns
        func, arg = parsed.funcs[0]
        new.measures = [Measure(func, m.column, arg) for m in new.measures if m.column]
    if add.view:
        new.view = add.view
    if add.having:
        new.having = add.having
    return new
