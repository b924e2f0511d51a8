"""A conversation: the tools stay open and the previous answer feeds follow-ups."""

from __future__ import annotations

from typing import Any

from engage.agent.answer import Answer
from engage.agent.kb import KbIndex
from engage.agent.planner import Planner
from engage.agent.tools import Tools
from engage.settings import Settings


class Session:
    """Ask questions in turn; "and for premium users?" refers to the last answer."""

    def __init__(self, tools: Tools, kb: KbIndex, planner: Planner) -> None:
        """Built by `engage.bootstrap.session`; the KB is empty until a run has built it."""
        self.tools = tools
        self.kb = kb
        self.planner = planner
        self.history: list[Answer] = []

    @property
    def settings(self) -> Settings:
        """The settings the tools run under (limits such as the row cap)."""
        return self.tools.settings

    def passages(self, question: str, k: int = 3) -> list[dict[str, Any]]:
        """KB chunks relevant to a question (source, model version, run, timestamp)."""
        return self.kb.search(question, k)

    def ask(self, question: str) -> Answer:
        previous = self.history[-1] if self.history else None
        answer = self.planner.answer(question, previous)
        answer.citations |= self.tools.citations()
        if not answer.refused and self.kb.available:
            answer.citations["kb"] = [
                {k: hit[k] for k in ("source", "model_version", "run_id", "timestamp", "score")}
                for hit in self.passages(question, 2)
            ]
        self.history.append(answer)
        return answer

    def close(self) -> None:
        self.tools.close()
