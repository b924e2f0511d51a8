"""A conversation: the tools stay open and the previous answer feeds follow-ups."""

from __future__ import annotations

from typing import Any

from engage import bootstrap
from engage.agent.answer import Answer
from engage.agent.planner import Planner
from engage.agent.tools import Tools
from engage.settings import Settings

# Answers computed by SQL over the catalog cite their tables; knowledge-base passages
# (model reports, dictionary) are cited for the answers about models and analyses.
_NO_KB = ("plan", "sql", "refused", "clarify")


class Session:
    """Ask questions in turn; "and for premium users?" refers to the last answer."""

    def __init__(
        self, settings: Settings, planner: Planner | None = None, tools: Tools | None = None
    ) -> None:
        self.settings = settings
        self.tools = tools or Tools(settings)
        self._kb: Any = None  # loaded on first use: it needs the embedder (scikit-learn)
        self.planner = planner or bootstrap.planner(settings, self.tools, kb=self.passages)
        self.history: list[Answer] = []

    @property
    def kb(self) -> Any:
        if self._kb is None:
            from engage.agent.kb import KbIndex

            self._kb = KbIndex(self.settings)  # empty until kb.build has run for a run
        return self._kb

    def passages(self, question: str, k: int = 3) -> list[dict[str, Any]]:
        """KB chunks relevant to a question (source, model version, run, timestamp)."""
        return self.kb.search(question, k)

    def ask(self, question: str) -> Answer:
        previous = self.history[-1] if self.history else None
        answer = self.planner.answer(question, previous)
        answer.citations |= self.tools.citations()
        if answer.intent not in _NO_KB and not answer.refused and self.kb.available:
            answer.citations["kb"] = [
                {k: hit[k] for k in ("source", "model_version", "run_id", "timestamp", "score")}
                for hit in self.passages(question, 2)
            ]
        self.history.append(answer)
        return answer

    def close(self) -> None:
        self.tools.close()
