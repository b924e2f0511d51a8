"""An OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama ...) with tools.

Same loop as the Bedrock planner, in the chat-completions dialect: the model asks
for `tool_calls`, they run against the same guarded tools, results go back as
`role: tool` messages. Only reached when ENGAGE_LLM=openai and a base URL is set.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from engage.agent.answer import Answer, _jsonable, refusal
from engage.agent.planner.bedrock import (
    MAX_ROWS_TO_MODEL,
    MAX_TURNS,
    SYSTEM,
    answer_from,
    semantic_prompt,
)
from engage.agent.result import ToolResult
from engage.agent.tools import TOOL_SPECS
from engage.ports import SqlError


def tool_list() -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": n, "description": s["description"],
                                          "parameters": s["schema"]}}
        for n, s in TOOL_SPECS.items()
    ]  # fmt: skip


class OpenAiPlanner:
    """POST {base_url}/chat/completions with tools; `client` is an httpx.Client."""

    def __init__(self, settings: Any, tools: Any, client: httpx.Client | None = None) -> None:
        if not settings.openai_base_url:
            raise ValueError(
                "ENGAGE_LLM=openai needs ENGAGE_OPENAI_BASE_URL (pip install engage[openai])"
            )
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        self.client = client or httpx.Client(
            base_url=settings.openai_base_url, timeout=60,
            headers={"Authorization": f"Bearer {key}"} if key else {},
        )  # fmt: skip
        self.settings, self.tools = settings, tools

    def answer(self, question: str, previous: Answer | None = None) -> Answer:
        system = SYSTEM + semantic_prompt(self.tools)
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        if previous is not None:
            messages += [{"role": "user", "content": previous.question},
                         {"role": "assistant", "content": previous.text}]  # fmt: skip
        messages.append({"role": "user", "content": question})
        results: list[ToolResult] = []
        for _ in range(MAX_TURNS):
            body = {"model": self.settings.openai_model, "messages": messages,
                    "tools": tool_list(), "temperature": 0}  # fmt: skip
            reply = self.client.post("/chat/completions", json=body)
            reply.raise_for_status()
            message = reply.json()["choices"][0]["message"]
            messages.append(message)
            calls = message.get("tool_calls") or []
            if not calls:
                return answer_from(
                    question, (message.get("content") or "").strip(), results, "openai"
                )
            for call in calls:
                messages.append(self._run(call, results))
        return refusal(question, "The model did not finish within the allowed tool calls.")

    def _run(self, call: dict[str, Any], results: list[ToolResult]) -> dict[str, Any]:
        fn = call["function"]
        try:
            result = self.tools.call(fn["name"], json.loads(fn.get("arguments") or "{}"))
        except (SqlError, ValueError, KeyError, TypeError) as err:
            return {"role": "tool", "tool_call_id": call["id"], "content": f"error: {err}"}
        results.append(result)
        payload = {"rows": result.rows[:MAX_ROWS_TO_MODEL], "figures": result.figures}
        return {"role": "tool", "tool_call_id": call["id"],
                "content": json.dumps(_jsonable(payload), default=str)}  # fmt: skip
