"""Planner/LLM backends behind one port: question -> tool calls -> answer."""

from __future__ import annotations

from typing import Protocol

from engage.agent.answer import Answer


class Planner(Protocol):
    """Answers one question, given the previous answer of the session (follow-ups)."""

    def answer(self, question: str, previous: Answer | None = None) -> Answer: ...
