"""Question -> Plan by recognising slots, not by matching whole-question patterns.

Mentions (views, places, cohorts, value words, columns) are found longest first and
each span is used once; comparisons attach to the column next to them; measure
words take the columns that follow them; grouping cues take the next column or
bucket. Whatever the parser cannot place is reported, so the planner can say which
word it did not understand instead of answering another question.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from engage.agent.semantic import words as W
from engage.agent.semantic.layer import REGIONS, RESULTS, STATE_NAMES, SemanticLayer, scoped
from engage.agent.semantic.plan import Dimension, Filter, Having, Measure, Plan
from engage.contract import US_STATES


@dataclass
class Mention:
    start: int
    end: int
    kind: str  # view | filter | column | bucket
    payload: Any


@dataclass
class Parsed:
    plan: Plan
    mentions: list[Mention] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    has_measure: bool = False
    has_domain: bool = False
    dangling: bool = False
    funcs: list[tuple[str, Any]] = field(default_factory=list)
    # words the plan does not use: a column no slot took, a number no slot consumed.
    # A plan that silently drops one answers another question, so the planner asks back.
    leftover: list[str] = field(default_factory=list)
    # the word a measure word was given that names no column ("average forecast" where
    # no column is "forecast"): answering without it answers another question
    unresolved: list[str] = field(default_factory=list)


_QTY = r"ltv|lifetime value|engagement score|engagement|churn"
# "is churn higher in texas or california": two places joined by "or" in a comparison
_COMPARATIVE = r"\b(higher|lower|more|less|better|worse|bigger|smaller|greater)\b"
# "the median error of the engagement model": which model, not a second quantity
_MODEL = r"\b(?:of|from|for|by) the (?:engagement|churn|ltv|lifetime value|recommendation) model\b"
_SIDE = r"predicted|forecast|actual"
# value words that are people themselves: a bare number after them is their age
_PEOPLE_VALUES = r"\b(women|woman|men|man|males?|females?|sellers?|buyers?|subscribers)\b"
# "by (the) number of events": the count words between a grouping cue and its column
_COUNT_OF = r"(?:(?:the\s+)?(?:total\s+)?(?:number|count|amount)\s+of\s+)?"
# measure words whose next word is the quantity measured
_MEASURED = r"average|avg|mean|median|total|sum of|maximum|minimum|max|min"
# words after a measure word that are structure, not the quantity it measures
_STRUCTURE = frozenset(
    ["by", "per", "for", "in", "on", "at", "across", "among", "within", "with", "without",
     "instead", "and", "or", "but", "than", "vs", "versus", "is", "are", "was", "of",
     "please", "now", "too", "only", "then", "so", "each", "every"]
)  # fmt: skip


def normalise(question: str) -> str:
    text = question.lower().replace("’", "'").replace("?", " ").replace(",", " ")
    for symbol, words in (
        (">=", " at least "),
        ("<=", " at most "),
        (">", " over "),
        ("<", " under "),
    ):
        text = text.replace(symbol, words)
    text = re.sub(r"\(\s*(p\d{2})\s*\)", r" \1 ", text).replace("(", " ").replace(")", " ")
    text = re.sub(r"\ba week\b", "7 days", text)
    numbers = {"zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
               "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "thirty": 30}  # fmt: skip
    text = re.sub(rf"\b({'|'.join(numbers)})\b", lambda m: str(numbers[m.group(1)]), text)
    # "more than 2 weeks": recency and tenure are kept in days
    text = re.sub(r"\b(\d+) weeks?\b", lambda m: f"{int(m.group(1)) * 7} days", text)
    text = re.sub(
        r"\b(p10|p50|p90) (?:ltv|lifetime value)(?: forecast| prediction)?\b", r"\1 ltv", text
    )
    text = re.sub(
        r"\b(?:ltv|lifetime value) (p10|p50|p90)(?: forecast| prediction)?\b", r"\1 ltv", text
    )
    text = re.sub(r"\ba month\b", "30 days", text)
    # "predicted vs actual ltv": both sides name the quantity
    text = re.sub(
        rf"\b({_SIDE}) (?:vs\.?|versus|and|or) ({_SIDE}) ({_QTY})\b",
        r"\1 \3 vs \2 \3",
        text,
    )
    text = re.sub(r"\b(last|past) week\b", r"\1 7 days", text)
    text = re.sub(r"\b(last|past) month\b", r"\1 30 days", text)
    text = re.sub(r"(\d)\s*%", r"\1 percent", text)
    text = re.sub(r"\(\s*(p\d{2})\s*\)", r" \1 ", text)
    text = re.sub(r"\bin total\b|\baltogether\b|\boverall\b", " ", text)
    return " " + " ".join(text.split()) + " "


class Parser:
    """Parses with one semantic layer; `vocabulary` feeds the typo corrector."""

    def __init__(self, layer: SemanticLayer, scope: str | None = None) -> None:
        self.layer = layer
        self.scope = scope  # the view whose own columns this parser also knows
        self._scoped: dict[str, Parser] = {}
        phrases = [*layer.terms, *layer.values, *layer.cohorts, *layer.views, *STATE_NAMES]
        self.vocabulary = {w for p in phrases for w in re.findall(r"[a-z]+", p)}
        self.vocabulary |= W.STOP | {"churn", "rate", "engagement", "ltv", "region", "census"}
        self.vocabulary |= {"quartile", "quartiles", "decile", "deciles", "retention", "paying"}
        for pattern in [p for p, _ in W.COMPARISONS + W.MEASURES] + [W.GROUP_CUES, W.PEOPLE]:
            # the words of a pattern, not its escapes ("\\blargest" is "largest")
            self.vocabulary |= set(re.findall(r"[a-z]{3,}", re.sub(r"\\[a-zA-Z]", " ", pattern)))
        self.vocabulary |= set(W.EXTRA)
        for terms in layer.own_terms.values():  # "degree", "eigenvector": known words
            self.vocabulary |= {w for p in terms for w in re.findall(r"[a-z]+", p)}
        # an unsupported word ("iphone") is known: correcting it into a supported one
        # ("phone") would answer another question
        self.vocabulary |= {w for p in layer.unsupported for w in re.findall(r"[a-z]+", p)}

    def correct(self, text: str) -> str:
        """Fix typos against the layer's vocabulary ('engagment' -> 'engagement')."""
        out = []
        for token in text.split():
            word = token.strip(".!;:()'\"")
            plural = word.endswith("s") and (
                word[:-1] in self.vocabulary or word[:-2] in self.vocabulary
            )
            if len(word) >= 4 and word.isalpha() and word not in self.vocabulary and not plural:
                close = difflib.get_close_matches(word, self.vocabulary, n=1, cutoff=0.8)
                if not close and len(word) >= 8:  # longer words: looser, same first letter
                    near = difflib.get_close_matches(word, self.vocabulary, n=3, cutoff=0.75)
                    close = [w for w in near if w[0] == word[0]][:1]
                # a typo is one edit away (two in a long word), or another form of the same
                # word ("monthly", "expect"): "religion" is not "region"
                close = [w for w in close if _edits(word, w) <= (2 if len(word) >= 9 else 1)
                         or w.startswith(word) or word.startswith(w)]  # fmt: skip
                token = token.replace(word, close[0]) if close else token
            out.append(token)
        return " " + " ".join(out) + " "

    def parse(self, question: str, context: str | None = None) -> Parsed:
        """`context`: the view of the plan a follow-up refines ("only for vulnerable
        customers" after a question on the bandit's actions uses that view's words)."""
        text = self.correct(normalise(question))
        scope = None if self.scope else self._view_scope(text)
        if scope is None and context in self.layer.own and not self.scope:
            scope = context
        if scope is not None:
            if scope not in self._scoped:
                self._scoped[scope] = Parser(scoped(self.layer, scope), scope)
            return self._scoped[scope]._parse(question, text)
        return self._parse(question, text)

    def _view_scope(self, text: str) -> str | None:
        """The first view the question names, when it names one of that view's own
        columns too (or the view has no customers to join: communities)."""
        found = []
        for phrase, table in self.layer.views.items():
            m = re.search(rf"\b{re.escape(phrase)}(?:s|es)?\b", text)
            if m and table in self.layer.own:
                found.append((m.start(), -len(phrase), table))
        if not found:
            return self._implied_scope(text)
        table = min(found)[2]
        if "customer_id" not in self.layer.tables.get(table, []):
            return table
        terms = [*self.layer.own_terms.get(table, {}), *self.layer.own_values(table)]
        named = any(re.search(rf"\b{re.escape(p)}(?:s|es)?\b", text) for p in terms)
        return table if named else self._implied_scope(text)

    def _implied_scope(self, text: str) -> str | None:
        """The view whose own measure the question names without naming the view
        ("average forecast engagement" is the forecast table's, not final_results'
        predicted score); the first such phrase, the longest at one place."""
        hits = []
        for phrase, table in self.layer.implies.items():
            m = re.search(rf"\b{re.escape(phrase)}(?:s|es)?\b", text)
            if m:
                hits.append((m.start(), -len(phrase), table))
        # one word of one view right after a measure word: "average forecast" (a word
        # of one view alone, "members", "size of", implies nothing)
        for word, table in self._single_owner().items():
            m = re.search(rf"\b(?:{_MEASURED})\s+(?:the\s+)?({re.escape(word)})\b", text)
            if m:
                hits.append((m.start(1), -len(word), table))
        return min(hits)[2] if hits else None

    def _single_owner(self) -> dict[str, str]:
        """One-word own-column phrases of exactly one view that final_results lacks
        (not people: "the average customers" of forecast_total is no such question)."""
        owners: dict[str, set[str]] = {}
        for view, terms in self.layer.own_terms.items():
            for phrase in terms:
                if " " not in phrase and phrase not in self.layer.terms \
                        and not re.fullmatch(W.PEOPLE, phrase):  # fmt: skip
                    owners.setdefault(phrase, set()).add(view)
        return {p: next(iter(v)) for p, v in owners.items() if len(v) == 1}

    def _parse(self, question: str, text: str) -> Parsed:
        self._spans: list[tuple[int, int]] = []  # text consumed by comparisons, N, percentiles
        self._dim_start: int | None = None
        self._place_groups = False
        self._single = False  # "the state with the most churners": one group, the first
        self._group_conditions: list[tuple[Mention, Measure]] = []
        self._unplaced: list[tuple[int, str]] = []  # slot words with nothing to attach to
        mask = list(text)
        mentions: list[Mention] = []
        unsupported = [p for p in self.layer.unsupported if re.search(rf"\b{p}\b", text)]
        self._places(question, text, mask, mentions)
        self._phrases(text, mask, mentions)
        masked = "".join(mask)
        plan = Plan()
        filters = [m for m in mentions if m.kind == "filter"]
        self._comparisons(masked, mentions, filters, plan, text)
        view = [m for m in mentions if m.kind == "view"]
        plan.view = view[0].payload if view else self.scope
        for other in view[1:]:  # one plan reads one view: a second one is never dropped
            if other.payload != plan.view:
                self._unplaced.append((other.start, text[other.start : other.end].strip()))
        self._dimensions(masked, mentions, plan, text)
        if self._place_groups and "location" not in {d.column for d in plan.dimensions}:
            plan.dimensions.append(Dimension("location"))
        self._describing_flags(text, mentions, filters)
        has_measure = self._measures(masked, mentions, plan)
        if plan.dimensions:  # a measure taken from a grouping column is not a measure
            explicit = re.search(r"\b(max|maximum|min|minimum|oldest|youngest)\b", masked)
            for m in list(plan.measures):  # "states with the highest engagement": an order
                if m.func in ("min", "max") and not explicit:
                    other = [x for x in plan.measures if x is not m and x.column == m.column
                             and x.func not in ("min", "max")]  # fmt: skip
                    if other:  # "the highest median ltv": ranked by the median
                        plan.measures.remove(m)
                        continue
                    m.func = "mean"
            dims = {d.column for d in plan.dimensions}
            plan.measures = [m for m in plan.measures if m.column not in dims or m.func == "corr"]
        if not plan.measures and (plan.dimensions or re.search(W.PEOPLE, masked) or filters):
            plan.measures = [Measure("count")]
        self._flags(mentions, filters, plan)
        self._apply_having(filters, plan)
        self._filters(filters, plan, masked)
        self._order(masked, plan)
        if plan.dimensions and plan.order and all(f in ("min", "max") for f, _ in self._funcs):
            self._dangling = False  # "which segment has the most customers": an order word
        unknown = [
            w for w in re.findall(r"[a-z]{4,}", masked)
            if w not in self.vocabulary and not any(w in p for p in self.layer.unsupported)
        ]  # fmt: skip
        domain = bool(mentions) or has_measure
        return Parsed(
            plan,
            mentions,
            unknown,
            unsupported,
            has_measure,
            domain,
            getattr(self, "_dangling", False),
            getattr(self, "_funcs", []),
            self._leftover(text, mentions, plan),
            self._unresolved_words(text, plan, mentions),
        )

    def _unresolved_words(self, text: str, plan: Plan, mentions: list[Mention]) -> list[str]:
        """The word right after each measure word that took no column ("average
        prediction by gender" -> "prediction"); none for an order word ("the most
        customers") or a measure word followed by structure ("the median instead")."""
        if plan.dimensions and plan.order and all(f in ("min", "max") for f, _ in self._funcs):
            return []
        words = []
        spans = [(m.start, m.end) for m in mentions if m.end > m.start]
        for end in getattr(self, "_idle_ends", []):
            m = re.match(r"\s*(?:(?:the|a|an|of|our|their|its)\s+)*([a-z][a-z'-]+)", text[end:])
            at = end + m.start(1) if m else -1
            if any(s <= at < e for s, e in spans):
                continue  # the quantity is a column a comparison took ("average ltv above 300")
            if m and m.group(1) not in _STRUCTURE:
                words.append(m.group(1))
        return words

    def _describing_flags(self, text: str, mentions: list[Mention], filters: list[Mention]) -> None:
        """'the reward of vulnerable customers': a yes/no column right before the people
        it describes is a condition on them, not a second measure."""
        for c in mentions:
            if c.kind == "column" and self.layer.columns[c.payload].kind == "bool" \
                    and re.match(r"\s*" + W.PEOPLE, text[c.end :]):  # fmt: skip
                c.kind = "used"
                filters.append(Mention(c.start, c.end, "filter", Filter(c.payload, "=", True)))

    def _flags(self, mentions: list[Mention], filters: list[Mention], plan: Plan) -> None:
        """'how many blocked nudges were vulnerable': a yes/no column a count does not
        measure is a condition (it is true), not a word to drop."""
        if not plan.measures or any(m.func != "count" for m in plan.measures):
            return
        for c in mentions:
            if c.kind == "column" and self.layer.columns[c.payload].kind == "bool":
                c.kind = "used"
                filters.append(Mention(c.start, c.end, "filter", Filter(c.payload, "=", True)))

    def _leftover(self, text: str, mentions: list[Mention], plan: Plan) -> list[str]:
        """Columns the plan does not use anywhere and numbers no slot consumed, in
        question order ("the music category" names the column its filter already uses)."""
        used = {d.column for d in plan.dimensions} | {f.column for f in plan.filters}
        used |= {f.column for f in plan.share_of} | {m.column for m in plan.measures}
        used |= {m.arg for m in plan.measures if m.func == "corr"}
        if plan.having is not None:
            used.add(plan.having.measure.column)
        spans = self._spans + [(m.start, m.end) for m in mentions if m.end > m.start]
        left = [(m.start, text[m.start : m.end].strip()) for m in mentions
                if m.kind == "column" and m.payload not in used]  # fmt: skip
        for n in re.finditer(r"(?<![\w.@])\d+(?:\.\d+)?(?![\w@])", text):
            if not any(s <= n.start() < e for s, e in spans):
                left.append((n.start(), n.group(0)))
        return [w for _, w in sorted(left + self._unplaced)]

    # -- mentions -----------------------------------------------------------------

    def _take(self, mask: list[str], m: re.Match[str], mentions: list[Mention], kind: str,
              payload: Any) -> None:  # fmt: skip
        mentions.append(Mention(m.start(), m.end(), kind, payload))
        for i in range(m.start(), m.end()):
            mask[i] = " "

    def _places(self, question: str, text: str, mask: list[str], out: list[Mention]) -> None:
        states: list[str] = []
        for name in sorted(STATE_NAMES, key=len, reverse=True):
            for m in re.finditer(rf"\b{name}\b", "".join(mask)):
                if name == "washington" and "washington dc" in text:
                    continue
                states.append(STATE_NAMES[name])
                self._take(mask, m, out, "state", STATE_NAMES[name])
        for code in re.findall(r"\b([A-Z]{2})\b", question):
            if code in US_STATES:
                for m in re.finditer(rf"\b(?:in|from) ({code.lower()})\b", "".join(mask)):
                    states.append(code)
                    self._take(mask, m, out, "state", code)
        if states:
            first = min(m.start for m in out if m.kind == "state")
            last = max(m.start for m in out if m.kind == "state")
            many = len(set(states)) > 1
            between = text[first:last]
            comparative = re.search(_COMPARATIVE, text) and re.search(r"\bor\b", between)
            if many and (re.search(r"\b(vs|versus|than|compared)\b", between) or comparative):
                self._place_groups = True  # "more in CA than in TX": one group per state
            place = Filter(
                "location", "in" if many else "=", sorted(set(states)) if many else states[0]
            )
            out.append(Mention(first, 0, "filter", place))
        for name, codes in REGIONS.items():
            for m in re.finditer(rf"\b(?:the )?{name.lower()}(?:ern)?\b(?! region)", "".join(mask)):
                if (
                    name in ("South", "West")
                    and not m.group(0).startswith("the ")
                    and not re.search(r"\b(in|the|from)\s*$", text[: m.start()] + " ")
                ):
                    continue
                self._take(mask, m, out, "filter", Filter("location", "in", list(codes)))

    def _phrases(self, text: str, mask: list[str], out: list[Mention]) -> None:
        layer = self.layer
        table: list[tuple[str, str, Any]] = []
        own = layer.own_terms.get(self.scope, {}) if self.scope else {}
        table += [(p, "column", c) for p, c in own.items()]  # win a tie with the view's name
        table += [(p, "view", v) for p, v in layer.views.items()]
        table += [(p, "filter", Filter(c, o, v)) for p, (c, o, v) in layer.cohorts.items()]
        table += [(p, "filter", Filter(c, "=", v)) for p, (c, v) in layer.values.items()]
        table += [(p, "column", c) for p, c in layer.terms.items()]
        buckets = {
            r"census regions?|regions?": Dimension("location", "region"),
            r"age (?:bands?|groups?|brackets?|ranges?)": Dimension("age", "age_band"),
            # "segment" alone is a stopword ("the high value segment"); grouped, it is one
            r"(?:(?<=by )|(?<=per )|(?<=each )|(?<=which )|(?<=every ))segments?":
                Dimension("segment_name"),
            r"sellers? (?:vs\.?|versus|and|or) buyers?|buyers? (?:vs\.?|versus|and|or) sellers?":
                Dimension("gig_listings_active", "seller"),
        }  # fmt: skip
        for m in re.finditer(_MODEL, "".join(mask)):
            self._take(mask, m, out, "model", None)
        for phrase, col in own.items():  # "age band" of premium_uplift is its own column
            if any(re.fullmatch(pattern, phrase) for pattern in buckets):
                for m in re.finditer(rf"\b{re.escape(phrase)}s?\b", "".join(mask)):
                    self._take(mask, m, out, "column", col)
        for pattern, dim in buckets.items():
            for m in re.finditer(rf"\b(?:{pattern})\b", "".join(mask)):
                self._take(mask, m, out, "bucket", dim)
        # the view's own words (its columns, its values with their plurals) win over a
        # final_results word of the same span: "posts" of the alerts is the post channel
        mine = set(own) | set(layer.own_values(self.scope)) if self.scope else set()
        for phrase, kind, payload in sorted(table, key=lambda t: -len(t[0]) - 2 * (t[0] in mine)):
            # "time-of-day", "days since the last login": a hyphen or an article between
            words = r"[ -](?:the |a |their )?".join(map(re.escape, phrase.split(" ")))
            for m in re.finditer(rf"\b{words}(?:s|es)?\b", "".join(mask)):
                self._take(mask, m, out, kind, payload)
                if kind == "view" and payload == self.scope:
                    out.extend(self._named_in_view(phrase, own, m))
        out.sort(key=lambda m: m.start)

    @staticmethod
    def _named_in_view(phrase: str, own: dict[str, str], m: re.Match[str]) -> list[Mention]:
        """A view's name that holds one of its own column phrases names that column too
        ("the forecast platform total" is the forecast_total table's `total`)."""
        inside = [p for p in own if re.search(rf"\b{re.escape(p)}\b", phrase)]
        best = max(inside, key=len, default=None)
        return [Mention(m.start(), m.end(), "column", own[best])] if best else []

    # -- slots ------------------------------------------------------------------------

    def _subject(self, masked: str, start: int, end: int, mentions: list[Mention],
                 text: str) -> str | None:  # fmt: skip
        before = masked[max(0, start - 12) : start]
        if re.search(r"\b(aged?|ages|older|younger)\s*$", before) or re.match(
            r"\s*(older|younger|aged)", masked[start:end]
        ):
            return "age"
        after = masked[end : end + 12]
        if re.match(r"\s*(days?|\+ days?)", after):
            joined = r"\b(joined|signed up|sign-?ups?|new|first (?:transaction|purchase))\b"
            if re.search(joined, text[max(0, start - 30) : start]):
                return "time_since_first_transaction_days"  # tenure, not recency
            return "days_since_last_login"
        cols = [m for m in mentions if m.kind == "column" and self._numeric(m.payload)]
        others = [m.end for m in mentions if m.kind in ("filter", "state") and m.end <= start]
        prior = [m for m in cols if m.end <= start and start - m.end <= 40
                 and not any(m.end < e <= start for e in others)]  # fmt: skip
        people = r"\b(men|women|males?|females?|users|customers|people|sellers|buyers)\s*$"
        if (  # "women over 40": a number right after a group of people is an age
            not prior
            and others
            and start - max(others) <= 2
            and re.search(people, text[:start])
            and not re.match(r"\s*\w+ (days?|percent)", masked[end : end + 12])
        ):
            return "age"
        nxt = [m for m in cols if m.start >= end and m.start - end <= 25]
        if prior and not (nxt and nxt[0].start - end < start - prior[-1].end):
            prior[-1].kind = "used"
            return prior[-1].payload
        if nxt:
            nxt[0].kind = "used"
            return nxt[0].payload
        people = W.PEOPLE + r"\s+(?:who |that )?(?:are |is |aged )?\s*$"
        if re.match(r"\s*(years?|y/?o)\b", after) or re.search(people, text[:start]):
            return "age"
        # "free users on desktop who are under 30", "customers in ohio over 40": between
        # the people and the number only filter words (masked) and connectives
        described = W.PEOPLE + r"(?:\s+(?:on|in|from|at|who|that|are|is|aged|and|a|an|the))*\s*$"
        if re.search(described, masked[:start]) and not re.match(r"\s*\w+ (days?|percent)", after):
            return "age"
        # "premium women on desktop are over 50": the people are a value word (masked),
        # and between it and the number only other filters and connectives
        words = r"(?:\s+(?:on|in|from|at|who|that|are|is|aged|and|a|an|the))*\s*$"
        people = [m.end for m in mentions if m.kind in ("filter", "state") and m.end <= start
                  and re.search(_PEOPLE_VALUES, text[m.start : m.end])]  # fmt: skip
        last = max(people, default=None)
        if last is not None and re.fullmatch(words, masked[last:start]):
            return "age"
        return None

    def _ntile(self, column: str) -> bool:
        info = self.layer.columns.get(column)
        return info is not None and info.kind == "numeric"

    def _numeric(self, column: str) -> bool:
        info = self.layer.columns.get(column)
        return info is not None and info.kind in ("numeric", "bool")

    def _comparisons(self, masked: str, mentions: list[Mention], filters: list[Mention],
                     plan: Plan, text: str) -> None:  # fmt: skip
        taken: list[tuple[int, int]] = []
        for pattern, op in W.COMPARISONS:
            for m in re.finditer(pattern, masked):
                if any(s <= m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                nums = [float(g) if "." in g else int(g) for g in m.groups() if g is not None]
                value: Any = nums if op == "between" else nums[0]
                if re.match(r"\s*percent", masked[m.end() :]) and op != "between":
                    value = nums[0] / 100
                after = masked[m.end() : m.end() + 14]
                if re.match(r"\s*" + W.PEOPLE, after) and not re.search(
                    r"\bof\s*$", masked[: m.start()]
                ):
                    plan.having = Having(Measure("count"), op, float(nums[0]))
                    self._spans.append((m.start(), m.end()))
                    continue
                subject = self._subject(masked, m.start(), m.end(), mentions, text)
                if subject is None:
                    continue
                op = self._bound_after(masked, m.end(), op) if op == "=" else op
                flt = Mention(m.start(), m.end(), "filter", Filter(subject, op, value))
                filters.append(flt)
                self._spans.append((m.start(), m.end()))  # a number that found its column
                self._aggregated(masked, mentions, flt)
        self._value_after_column(masked, mentions, filters, taken)
        for m in re.finditer(r"\bfor (\d+) days?\b", masked):
            if not any(s <= m.start() < e for s, e in taken):
                self._spans.append((m.start(), m.end()))
                flt = Filter("days_since_last_login", ">=", int(m.group(1)))
                filters.append(Mention(m.start(), m.end(), "filter", flt))

    def _bound_after(self, masked: str, end: int, op: str) -> str:
        """'with 10 connections or more': a bound after the column the count is of."""
        tail = re.compile(r"\s*(?:(or more|or above|or higher|or greater|and up|and above|"
                          r"and over|\+)|(or less|or fewer|or below|or under|and under|and below))"
                          r"\b").match(masked, end)  # fmt: skip
        if tail is None:
            return op
        self._spans.append((tail.start(), tail.end()))
        return ">=" if tail.group(1) else "<="

    def _value_after_column(self, masked: str, mentions: list[Mention], filters: list[Mention],
                            taken: list[tuple[int, int]]) -> None:  # fmt: skip
        """'on horizon day 7', 'with referral count 3': a number right after an integer
        column of few values is one of its values (its groups are its values)."""
        for c in mentions:
            if c.kind != "column" or not self.layer.few_values(c.payload, self.scope or RESULTS):
                continue
            m = re.compile(r"\s+(\d+)\b(?!\s*(?:%|percent|days?\b))").match(masked, c.end)
            if m is None or any(s <= m.start(1) < e for s, e in taken):
                continue
            c.kind = "used"
            taken.append((m.start(1), m.end(1)))
            self._spans.append((m.start(1), m.end(1)))
            flt = Filter(c.payload, "=", int(m.group(1)))
            filters.append(Mention(c.start, m.end(), "filter", flt))

    def _measures(self, masked: str, mentions: list[Mention], plan: Plan) -> bool:
        found: list[tuple[int, str, Any]] = []
        ends: dict[int, int] = {}
        for pattern, func in W.MEASURES:
            for m in re.finditer(pattern, masked):
                if any(abs(m.start() - s) < 2 for s, *_ in found):
                    continue
                if func == "share" and re.search(r"\d\s*$", masked[: m.start()]):
                    continue  # "above 50 percent": the number's unit, not a share
                if func == "count" and re.search(
                    W.GROUP_CUES + r"(?:the\s+)?$", masked[: m.start()]
                ):
                    continue  # "by number of events joined": the groups, not a count
                arg = None
                if func == "percentile":
                    arg = int(next(g for g in m.groups() if g)) / 100
                    self._spans.append((m.start(), m.end()))
                found.append((m.start(), func, arg))
                ends[m.start()] = m.end()
        found.sort()
        found = [f for i, f in enumerate(found)
                 if not (f[1] == "count" and i and found[i - 1][1] not in ("count",)
                         and f[0] - found[i - 1][0] < 14)]  # fmt: skip
        if re.search(r"\brate\b", masked) or re.search(r"\bretention\b", masked):
            found.append((masked.find("rate"), "rate", None))
        cols = [m for m in mentions if m.kind == "column"]
        self._having_measure(masked, found, cols, plan)
        self._funcs = [(f, a) for _, f, a in found if f != "rate"]
        idle: list[int] = []
        plan.measures = _assign(found, cols, self.layer, idle)
        self._idle_ends = [ends[pos] for pos in idle if pos in ends]
        self._dangling = any(f not in ("count", "share", "rate") for _, f, _ in found) and not any(
            m.column for m in plan.measures
        )
        if re.search(r"\bretention\b", masked):
            plan.measures = [Measure("share")]
            plan.share_of.append(Filter("actual_churn_30_day", "=", False))
        return bool(found)

    def _having_measure(self, masked: str, found: list, cols: list, plan: Plan) -> None:
        return None

    def _aggregated(self, masked: str, mentions: list[Mention], flt: Mention) -> None:
        """'categories with an average churn probability above 0.3': the comparison is on
        a measure word + column, i.e. a condition on each group (a having), not on rows."""
        f: Filter = flt.payload
        col = next((c for c in reversed(mentions) if c.kind == "used" and c.payload == f.column
                    and c.end <= flt.start), None)  # fmt: skip
        if col is None:
            return
        word = re.search(r"\b(average|avg|mean|median|total|sum of)\s+$",
                         masked[max(0, col.start - 12) : col.start])  # fmt: skip
        if word:
            func = {"median": "median", "total": "sum", "sum of": "sum"}.get(word.group(1), "mean")
            self._group_conditions.append((flt, Measure(func, f.column)))

    def _apply_having(self, filters: list[Mention], plan: Plan) -> None:
        """With groups, an aggregated comparison becomes the plan's having and measure."""
        if not plan.dimensions or not self._group_conditions:
            return
        flt, measure = self._group_conditions[0]
        filters.remove(flt)
        plan.having = Having(measure, flt.payload.op, float(flt.payload.value))
        rest = [m for m in plan.measures if m.func != "count" and m != measure]
        plan.measures = [measure, *rest]
        self._dangling = False

    def _dimensions(self, masked: str, mentions: list[Mention], plan: Plan, text: str) -> None:
        for m in re.finditer(
            r"\b(quartiles?|deciles?|(\d+) (?:equal|equally sized|even)(?: sized)? "
            r"(?:groups|buckets|bands))\b",
            masked,
        ):  # fmt: skip
            n = (
                4
                if m.group(1).startswith("quartile")
                else 10
                if m.group(1).startswith("decile")
                else int(m.group(2))
            )
            self._spans.append((m.start(), m.end()))
            # only a numeric column has quartiles (a yes/no label is the measure, not the groups)
            col = next((c for c in mentions if c.kind in ("column", "used") and c.start > m.end()
                        and self._ntile(c.payload)), None)  # fmt: skip
            before = [c for c in mentions if c.kind == "column" and c.end <= m.start()]
            col = col or next((c for c in reversed(before) if self._ntile(c.payload)), None)
            if col is not None:
                col.kind = "dim"
                plan.dimensions.append(Dimension(col.payload, "ntile", n))
            else:  # "churn rate by quartile": quartiles of what? never silently dropped
                self._unplaced.append((m.start(), m.group(1)))
        for m in mentions:
            if m.kind == "bucket":
                plan.dimensions.append(m.payload)
        for cue in re.finditer(W.GROUP_CUES, masked):
            nxt = next(
                (
                    c
                    for c in mentions
                    if c.start > cue.start() and c.kind in ("column", "dim", "used")
                ),
                None,
            )
            if (
                nxt is None
                or nxt.kind == "dim"
                or not re.fullmatch(
                    r"\s*" + W.GROUP_CUES + _COUNT_OF + r"\s*", masked[cue.start() : nxt.start]
                )
            ):
                self._ungrouped(masked, cue)
                continue
            if self._ranks_groups(masked, cue.start(), nxt.payload, mentions):
                continue  # "the top 5 states by churn rate": ranked by a measure
            nxt.kind = "dim"
            plan.dimensions.append(_dimension(self.layer, nxt.payload, self.scope))
        self._superlative_group(text, mentions, plan)
        lead = (
            r"(?:\s|which|what|are|top|bottom|the|list|show|me|rank|at|in|on|for|name|give|"
            r"tell|\d+)*"
        )
        for c in mentions:
            asks = (
                re.search(r"\b(which|what)\b", masked[: c.start])
                or re.search(r"(s|es)$", text[c.start : c.end])
                or re.match(r"\s*(groups|buckets|classes|kinds)\b", text[c.end :])
            )  # "the bottom 2 time-of-day groups": the groups of that column
            if c.kind in ("column", "used") and re.fullmatch(lead, masked[: c.start]) and asks \
                    and self.layer.columns[c.payload].kind == "categorical":  # fmt: skip
                c.kind = "dim"
                self._dim_start = c.start
                plan.dimensions.append(Dimension(c.payload))

    def _ungrouped(self, masked: str, cue: re.Match[str]) -> None:
        """'how many alerts per channel' where no column is 'channel': a grouping cue
        whose word names nothing is reported, never dropped (a total is another answer)."""
        word = re.match(r"([a-z][a-z-]{2,})\b", masked[cue.end() :])
        if word is None or any(s <= cue.end() < e for s, e in self._spans):
            return  # "by quartile of logins": the quartiles took it
        if word.group(1) not in W.STOP and word.group(1) not in _STRUCTURE:
            self._unplaced.append((cue.end(), word.group(1)))

    def _superlative_group(self, text: str, mentions: list[Mention], plan: Plan) -> None:
        """'the state with the most churners', 'the device that has the lowest ltv': the
        one group of that column ranked first by what follows."""
        for c in mentions:
            if c.kind not in ("column", "used") or c.payload in {d.column for d in plan.dimensions}:
                continue
            if self.layer.columns[c.payload].kind != "categorical":
                continue
            after = re.match(r"(?:s|es)?\s+(?:with|that has|which has|having|has)\s+the\s+"
                             r"(most|highest|lowest|fewest|least|largest|smallest|biggest|best|"
                             r"worst)\b", text[c.end :])  # fmt: skip
            # "the most common bandit action": the value most rows have
            mode = re.search(
                r"\b(?:most|least) (?:common|frequent|popular|usual)\s+$", text[: c.start]
            )
            if (after and re.search(r"\bthe\s+$", text[: c.start])) or mode:
                c.kind = "dim"
                plan.dimensions.append(Dimension(c.payload))
                self._single = True
                return

    def _ranks_groups(self, masked: str, cue: int, column: str, mentions: list[Mention]) -> bool:
        """'by <quantity>' after 'top N <categories>' orders those groups by it."""
        if self.layer.columns[column].kind not in ("numeric", "bool"):
            return False
        ranked = re.search(r"\b(top|bottom|highest|lowest|rank\w*)\b", masked[:cue])
        groups = [m for m in mentions if m.kind == "column" and m.end <= cue
                  and self.layer.columns[m.payload].kind == "categorical"]  # fmt: skip
        return bool(ranked and groups)

    def _filters(self, filters: list[Mention], plan: Plan, masked: str) -> None:
        chosen: dict[str, Mention] = {}  # by column; a range bound by column and side
        gig = [
            m for m in filters if m.payload.column == "gig_listings_active" and m.payload.value == 0
        ]
        if {m.payload.op for m in gig} >= {">", "="} and not any(
            d.bucket == "seller" for d in plan.dimensions
        ):
            plan.dimensions.append(Dimension("gig_listings_active", "seller"))  # sellers vs buyers
        if any(d.bucket == "seller" for d in plan.dimensions):
            filters = [m for m in filters if m.payload.column != "gig_listings_active"]
        if (
            re.search(r"\bwhere\b", masked)
            and not plan.dimensions
            and not any(m.payload.column == "location" for m in filters)
        ):
            plan.dimensions.append(Dimension("location"))
        effect = re.search(
            r"\b(affect|effect|impact|differ|difference|influence|compare)\w*", masked
        )
        values = [
            m
            for m in filters
            if m.payload.op == "=" and self.layer.columns[m.payload.column].categories
        ]
        if effect and not plan.dimensions and len(values) == 1 and not plan.share_of:
            plan.dimensions.append(Dimension(values[0].payload.column))
        for m in sorted(filters, key=lambda m: m.start):
            f: Filter = m.payload
            key = _filter_key(f)
            prev = chosen.get(key)
            if (
                prev is not None
                and prev.payload.op == "="
                and f.op == "="
                and prev.payload.value != f.value
            ):
                prev.payload = Filter(f.column, "in", [prev.payload.value, f.value])
                between = masked[prev.end : m.start]
                if f.column == "location" and re.search(r"\b(vs|versus|than|compared)\b", between):
                    plan.dimensions.append(Dimension("location"))  # "more in CA than in TX"
                elif f.column != "location" and re.search(
                    r"\b(vs|versus|than|or|and|compared)\b", between
                ):
                    if f.column not in {d.column for d in plan.dimensions}:
                        plan.dimensions.append(Dimension(f.column))
                    cats = self.layer.columns[f.column].categories
                    if cats:  # "mobile vs desktop": the whole breakdown, both sides in it
                        prev.payload = Filter(f.column, "in", list(cats))
                continue
            if prev is not None and prev.payload.op == "in" and f.op in ("=", "in"):
                between = masked[prev.end : m.start]
                more = f.value if f.op == "in" else [f.value]
                prev.payload.value.extend(v for v in more if v not in prev.payload.value)
                region = f.column == "location" and f.op == "in"
                if region and re.search(r"\b(vs|versus|than|or|compared)\b", between):
                    plan.dimensions.append(Dimension("location", "region"))  # "northeast vs west"
                continue
            explicit = prev is not None and prev.end - prev.start > m.end - m.start
            if prev is None or not explicit or f.op not in ("=", "in"):
                chosen[key] = m
        dims = {d.column for d in plan.dimensions}
        ordered = sorted(chosen.values(), key=lambda m: m.start)
        plan.filters = [m.payload for m in ordered if m.payload.column not in dims
                        or m.payload.op != "="]  # fmt: skip
        for f in list(plan.filters):
            cats = self.layer.columns[f.column].categories
            if f.op == "in" and cats and set(f.value) >= set(cats):
                plan.filters.remove(f)
        if any(m.func == "share" and m.column is None for m in plan.measures) and plan.filters \
                and not plan.dimensions and not plan.share_of:  # fmt: skip
            plan.share_of = self._numerator(ordered, plan, masked)

    def _numerator(self, ordered: list[Mention], plan: Plan, masked: str) -> list[Filter]:
        """The conditions a share reports: those after the verb that follows the share
        word ("what share of women in the south ARE premium and on mobile"), else the
        last condition ("share of macro influencers who churned")."""
        word = re.search(r"\b(share|percent\w*|fraction|proportion)\b", masked)
        verb = word and re.compile(r"\b(are|is|were|was|have|has|who|that|do|did)\b").search(
            masked, word.end()
        )
        after = [m.payload for m in ordered if verb and m.start >= verb.end()]
        after = [f for f in after if f in plan.filters] or plan.filters[-1:]
        plan.filters = [f for f in plan.filters if f not in after]
        return after

    def _order(self, masked: str, plan: Plan) -> None:
        top = re.search(
            r"\b(top|bottom|first|best|worst)\s+(\d+)\b|\b(\d+)\s+(?:\w+\s+)?(?:highest|lowest|best|worst|most|least)\b",
            masked,
        )
        which_n = re.search(r"\b(?:which|what)\s+(\d+)\b", masked)
        if plan.dimensions:
            if re.search(r"\b(lowest|least|fewest|bottom|worst|smallest|ascending)\b", masked):
                plan.order = "asc"
            elif re.search(r"\b(highest|most|top|best|largest|descending|ranked|rank)\b", masked):
                plan.order = "desc"
            n = top or which_n or self._count_before_group(masked, plan)
            if n:
                self._spans.append((n.start(), n.end()))
                plan.limit = int(next(g for g in n.groups() if g and g.isdigit()))
                plan.order = plan.order or "desc"
            elif self._single:
                plan.limit, plan.order = 1, plan.order or "desc"

    def _count_before_group(self, masked: str, plan: Plan) -> re.Match[str] | None:
        """'the 10 content categories ranked by ...': a number right before the grouping."""
        start = getattr(self, "_dim_start", None)
        if start is None or not (plan.order or re.search(r"\b(rank|sort|order)\w*", masked)):
            return None
        return re.compile(r"(\d+)\s+$").search(masked, max(0, start - 8), start)


def _edits(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count once: 'usres' -> 'users')."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _filter_key(f: Filter) -> str:
    """Filters on one column replace each other, except the two sides of a range
    ("older than 30 and younger than 40" keeps both bounds)."""
    side = {">": "low", ">=": "low", "<": "high", "<=": "high"}.get(f.op)
    return f"{f.column}#{side}" if side else f.column


def _dimension(layer: SemanticLayer, column: str, table: str | None = None) -> Dimension:
    """A grouping column as asked: ages in bands, an integer column with few values by
    value ("by horizon day": its 7 days), any other number in quartiles."""
    if column == "age":
        return Dimension("age", "age_band")
    if layer.columns[column].kind == "numeric" and not layer.few_values(column, table or RESULTS):
        return Dimension(column, "ntile", 4)
    return Dimension(column)


def _assign(
    found: list[tuple[int, str, Any]],
    cols: list[Mention],
    layer: SemanticLayer,
    idle: list[int] | None = None,
) -> list[Measure]:
    """Each column goes to the nearest measure word before it; a bare column is a mean.
    The positions of measure words (not counts, shares or the order words min/max)
    left with no column go to `idle`."""
    measures: list[Measure] = []
    funcs = [(pos, f, a) for pos, f, a in found if f != "rate"]
    rate = any(f == "rate" for _, f, _ in found)
    if any(f == "corr" for _, f, _ in funcs):
        numeric = list(
            dict.fromkeys(
                c.payload for c in cols if layer.columns[c.payload].kind in ("numeric", "bool")
            )
        )
        if len(numeric) == 1 and numeric[0] != "actual_engagement_score":
            numeric.append("actual_engagement_score")  # "the CTR correlation": with engagement
        if len(numeric) >= 2:
            for c in cols[:2]:
                c.kind = "used"
            return [Measure("corr", numeric[0], numeric[1])]
    owned: dict[int, list[str]] = {i: [] for i in range(len(funcs))}
    for c in cols:
        before = [i for i, (pos, f, _) in enumerate(funcs) if pos < c.start and f not in ("count",)]
        if before:
            owned[before[-1]].append(c.payload)
            c.kind = "used"
        elif not funcs and layer.columns[c.payload].kind in ("numeric", "bool"):
            c.kind = "used"
            measures.append(_bare(c.payload, layer, rate))
    for i, (pos, func, arg) in enumerate(funcs):
        targets = owned[i] or next((owned[j] for j in range(i + 1, len(funcs)) if owned[j]), [])
        if not targets and func not in ("count", "share"):  # "the p90 ltv on average"
            prior = [c for c in cols if c.kind == "column" and c.end <= pos
                     and layer.columns[c.payload].kind in ("numeric", "bool")]  # fmt: skip
            if prior:
                prior[-1].kind = "used"
                targets = [prior[-1].payload]
        if func in ("count",) or (func == "share" and not targets):
            measures.append(Measure(func))
            continue
        if not targets and func != "share":
            if idle is not None and func not in ("min", "max"):
                idle.append(pos)
            continue  # a measure word with nothing to measure (reported as dangling)
        if func == "share":  # a share of yes/no columns; "a premium plan" is a value's column
            targets = [c for c in targets if layer.columns[c].kind == "bool"]
        for col in targets or [None]:
            if col is not None and layer.columns[col].kind == "bool":
                measures.append(Measure("share", col))
            else:
                measures.append(Measure(func, col, arg))
    unique: list[Measure] = []  # "notification ctr": two words, one measure
    for m in measures:
        if m not in unique:
            unique.append(m)
    return unique


def _bare(column: str, layer: SemanticLayer, rate: bool) -> Measure:
    if layer.columns[column].kind == "bool":
        return Measure("share", column)
    return Measure("mean", column)
