"""Planner/LLM backends behind one port: question -> tool calls -> answer."""

from __future__ import annotations

from typing import Any, Protocol

from engage.agent.answer import Answer


class Planner(Protocol):
    """Answers one question, given the previous answer of the session (follow-ups)."""

    def answer(self, question: str, previous: Answer | None = None) -> Answer: ...


def make_planner(settings: Any, tools: Any, client: Any = None, kb: Any = None) -> Planner:
    """The planner the settings ask for: offline (default), Bedrock or OpenAI-compatible."""
    if settings.llm == "bedrock":
        from engage.agent.planner.bedrock import BedrockPlanner

        return BedrockPlanner(settings, tools, client, kb)
    if settings.llm == "openai":
        from engage.agent.planner.openai_compat import OpenAiPlanner

        return OpenAiPlanner(settings, tools, client)
    from engage.agent.planner.offline import OfflinePlanner

    return OfflinePlanner(tools)
