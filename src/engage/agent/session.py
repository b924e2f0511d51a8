"""A conversation: the tools stay open and the previous answer feeds follow-ups."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engage.agent.answer import Answer
from engage.agent.planner import Planner
from engage.agent.tools import Tools
from engage.settings import Settings

if TYPE_CHECKING:
    from engage.agent.kb import KbIndex

# Answers computed by SQL over the catalog cite their tables; knowledge-base passages
# (model reports, dictionary) are cited for the answers about models and analyses.
_NO_KB = ("plan", "sql", "refused", "clarify")


class Session:
    """Ask questions in turn; "and for premium users?" refers to the last answer."""

    def __init__(
        self, tools: Tools, kb: Callable[[], KbIndex], planner: Planner | None = None
    ) -> None:
        """Built by `engage.bootstrap.session`. `kb` opens the stored knowledge base on
        first use (it needs the embedder, i.e. scikit-learn: a plain SQL answer should not
        pay for it); it is empty until a run has built it."""
        self.tools = tools
        self._open_kb = kb
        self._kb: KbIndex | None = None
        self.planner = planner
        self.history: list[Answer] = []

    @property
    def settings(self) -> Settings:
        """The settings the tools run under (limits such as the row cap)."""
        return self.tools.settings

    @property
    def kb(self) -> KbIndex:
        if self._kb is None:
            self._kb = self._open_kb()
        return self._kb

    def passages(self, question: str, k: int = 3) -> list[dict[str, Any]]:
        """KB chunks relevant to a question (source, model version, run, timestamp)."""
        return self.kb.search(question, k)

    def ask(self, question: str) -> Answer:
        previous = self.history[-1] if self.history else None
        if self.planner is None:
            raise RuntimeError("a Session needs a planner (engage.bootstrap.session builds one)")
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
